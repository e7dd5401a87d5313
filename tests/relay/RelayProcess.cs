using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MfaPhone.Relay.Tests;

/// <summary>Starts the real <c>mfaphone-relay</c> executable (found through <c>MFAPHONE_RELAY</c> or
/// <c>build/tools/relay/mfaphone-relay</c> above the test assembly) and stops it with SIGTERM.</summary>
public sealed class RelayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private bool _disposed;

    public Uri BaseUrl { get; private set; } = null!;
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public int ExitCode => _process.ExitCode;
    public bool HasExited => _process.HasExited;

    private RelayProcess(Process process) => _process = process;

    public static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("MFAPHONE_RELAY");
        if (!string.IsNullOrEmpty(env))
            return File.Exists(env) ? Path.GetFullPath(env) : throw new FileNotFoundException($"MFAPHONE_RELAY points to '{env}', which does not exist.");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "build", "tools", "relay", "mfaphone-relay");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("mfaphone-relay not found: build the mfaphone_relay target or set MFAPHONE_RELAY.");
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(Locate())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Starts the service with <c>--config <paramref name="config"/> --port 0</c> and waits for its ready line.</summary>
    public static RelayProcess Start(string config, IDictionary<string, string>? env = null, params string[] extra)
    {
        var psi = StartInfo(new[] { "--config", config, "--port", "0" }.Concat(extra), env);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start mfaphone-relay");
        var relay = new RelayProcess(process);
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null) { ready.TrySetResult(false); return; }
            lock (relay._stdout) relay._stdout.AppendLine(e.Data);
            const string listening = "mfaphone-relay listening on ";
            if (e.Data.StartsWith(listening, StringComparison.Ordinal)) relay.BaseUrl = new Uri(e.Data[listening.Length..].Trim());
            else if (e.Data == "mfaphone-relay ready") ready.TrySetResult(true);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (relay._stderr) relay._stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(20)) || !ready.Task.Result)
        {
            relay.Stop();
            throw new InvalidOperationException($"mfaphone-relay did not become ready. stdout:\n{relay.Stdout}\nstderr:\n{relay.Stderr}");
        }
        return relay;
    }

    /// <summary>Runs the executable to completion (for start-up failures and --check).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        using var process = Process.Start(StartInfo(args, env)) ?? throw new InvalidOperationException("could not start mfaphone-relay");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("mfaphone-relay did not exit");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int sig);

    /// <summary>Sends SIGTERM and waits; kills after the grace period. True when it exited on its own.</summary>
    public bool Stop(TimeSpan? grace = null)
    {
        if (_process.HasExited) { _process.WaitForExit(); return true; }
        SysKill(_process.Id, 15);
        bool clean = _process.WaitForExit((int)(grace ?? TimeSpan.FromSeconds(15)).TotalMilliseconds);
        if (!clean)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        _process.WaitForExit();
        return clean;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stop();
        _process.Dispose();
    }
}

/// <summary>A temporary directory with the relay's config, secret files and log.</summary>
public sealed class RelaySetup : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("mfaphone-relay-test-").FullName;
    public string LogFile => Path.Combine(Dir, "relay.log");
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    public string WriteSecret(string name, string value)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, value + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public string WriteConfig(JsonNode config, string name = "relay.json")
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>X-Twilio-Signature as Twilio computes it, for requests the tests send themselves.</summary>
public static class TwilioSigner
{
    public static string Sign(string token, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var sb = new StringBuilder(url);
        foreach (var p in form.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
            sb.Append(p.Key).Append(p.Value);
        using var h = new HMACSHA1(Encoding.UTF8.GetBytes(token));
        return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public static string Encode(IEnumerable<KeyValuePair<string, string>> form) =>
        string.Join('&', form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    public static string Sha256Hex(string body) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
}

/// <summary>An HTTP receiver in the test process that answers after a delay, counting how many
/// requests it holds at once (a slow Teams flow).</summary>
public sealed class SlowReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _active;
    public int MaxConcurrent;
    public int Received;
    public int Completed;
    public int DelayMs { get; set; }
    public TaskCompletionSource FirstArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Url { get; }

    public SlowReceiver(int delayMs)
    {
        DelayMs = delayMs;
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        Url = $"http://127.0.0.1:{port}/teams/workflows/slow?sig=slow-secret-sig";
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext c;
                try { c = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                _ = Task.Run(async () =>
                {
                    int now = Interlocked.Increment(ref _active);
                    lock (this) MaxConcurrent = Math.Max(MaxConcurrent, now);
                    Interlocked.Increment(ref Received);
                    FirstArrived.TrySetResult();
                    using (var r = new StreamReader(c.Request.InputStream)) await r.ReadToEndAsync();
                    await Task.Delay(DelayMs);
                    Interlocked.Decrement(ref _active);
                    c.Response.StatusCode = 202;
                    try { c.Response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
                    Interlocked.Increment(ref Completed);
                });
            }
        });
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
