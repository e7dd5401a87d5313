using System.Diagnostics;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MfaPhone.Testing;

/// <summary>
/// Starts the real <c>mfaphone-emulator</c> process for a test and stops it on dispose.
/// </summary>
/// <remarks>
/// <para>The emulator is located through the environment variable <c>MFAPHONE_EMULATOR</c> (path to
/// <c>mfaphone-emulator.dll</c>); otherwise the fixture walks up from the test assembly to the repository
/// root (the directory holding <c>CMakePresets.json</c> or <c>.git</c>) and uses
/// <c>build/emulator/mfaphone-emulator.dll</c>. It never builds the emulator.</para>
/// <para>It runs <c>dotnet &lt;dll&gt; --port 0 [args]</c>, waits for the <c>ready</c> line and parses
/// the listening URLs. Dispose sends SIGTERM, waits up to five seconds, then kills.</para>
/// <example><code>
/// using var emu = EmulatorProcess.StartWithDemoTenant("--seed", "42");
/// using var http = emu.CreateHttpClient();
/// var counters = await emu.Control.GetCountersAsync();
/// </code></example>
/// </remarks>
public sealed class EmulatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly object _outputLock;
    private readonly string? _caFile;
    private bool _disposed;

    /// <summary>Base URL of the HTTP listener, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Base URL of the HTTPS listener when started with TLS, otherwise null.</summary>
    public Uri? HttpsBaseUrl { get; }

    /// <summary>Client for the control API (<c>/control/...</c>) of this emulator.</summary>
    public EmulatorControl Control { get; }

    /// <summary>Process id of the emulator.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the emulator wrote to stdout and stderr so far (for log assertions).</summary>
    public string Output { get { lock (_outputLock) return _output.ToString(); } }

    /// <summary>Path of the demo tenant seed shipped next to the emulator (<c>tenants/demo.json</c>).</summary>
    public static string DemoTenantPath => Path.Combine(Path.GetDirectoryName(LocateEmulator())!, "tenants", "demo.json");

    private EmulatorProcess(Process process, Uri baseUrl, Uri? httpsBaseUrl, string? caFile, StringBuilder output, object outputLock)
    {
        _process = process;
        _output = output;
        _outputLock = outputLock;
        BaseUrl = baseUrl;
        HttpsBaseUrl = httpsBaseUrl;
        _caFile = caFile;
        Control = new EmulatorControl(baseUrl);
    }

    /// <summary>Starts the emulator with <c>--port 0</c> plus <paramref name="args"/> (any flag of
    /// <c>mfaphone-emulator --help</c>).</summary>
    public static EmulatorProcess Start(params string[] args) => Start(args, tlsDirectory: null);

    /// <summary>Starts the emulator seeded with the demo tenant, plus <paramref name="args"/>.</summary>
    public static EmulatorProcess StartWithDemoTenant(params string[] args) =>
        Start(new[] { "--tenant", DemoTenantPath }.Concat(args).ToArray(), tlsDirectory: null);

    /// <summary>Starts the emulator; when <paramref name="tlsDirectory"/> holds <c>server.pem</c>,
    /// <c>server.key</c> and <c>ca.pem</c> (see <c>emulator/gen-test-certs.sh</c>) an HTTPS listener is
    /// added and <see cref="HttpsBaseUrl"/> is set.</summary>
    public static EmulatorProcess Start(IEnumerable<string> args, string? tlsDirectory, TimeSpan? startTimeout = null)
    {
        var dll = LocateEmulator();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add("0");
        string? ca = null;
        if (tlsDirectory != null)
        {
            psi.ArgumentList.Add("--https-port");
            psi.ArgumentList.Add("0");
            psi.ArgumentList.Add("--tls-cert");
            psi.ArgumentList.Add(Path.Combine(tlsDirectory, "server.pem"));
            psi.ArgumentList.Add("--tls-key");
            psi.ArgumentList.Add(Path.Combine(tlsDirectory, "server.key"));
            ca = Path.Combine(tlsDirectory, "ca.pem");
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet for the emulator");
        var output = new StringBuilder();
        var outputLock = new object();
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? http = null, https = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null) { ready.TrySetResult(false); return; }
            lock (outputLock) output.AppendLine(e.Data);
            const string listening = "mfaphone-emulator listening on ";
            if (e.Data.StartsWith(listening, StringComparison.Ordinal))
            {
                var u = new Uri(e.Data[listening.Length..].Trim());
                if (u.Scheme == "https") https = u; else http = u;
            }
            else if (e.Data == "mfaphone-emulator ready") ready.TrySetResult(true);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null) lock (outputLock) output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // generous: the wait ends at "ready", and a machine shared by many builds can take long to start .NET
        var timeout = startTimeout ?? TimeSpan.FromSeconds(120);
        bool ok = ready.Task.Wait(timeout) && ready.Task.Result && http != null;
        if (!ok)
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            string text;
            lock (outputLock) text = output.ToString();
            throw new InvalidOperationException($"mfaphone-emulator did not become ready within {timeout.TotalSeconds:0}s (exit code {(process.HasExited ? process.ExitCode.ToString() : "n/a")}). Output:\n{text}");
        }
        // the handlers above keep collecting into the same buffer for the life of the process
        return new EmulatorProcess(process, http!, https, ca, output, outputLock);
    }

    /// <summary>Finds <c>mfaphone-emulator.dll</c> (see the class remarks); throws with a clear message if absent.</summary>
    public static string LocateEmulator()
    {
        var env = Environment.GetEnvironmentVariable("MFAPHONE_EMULATOR");
        if (!string.IsNullOrEmpty(env))
        {
            if (File.Exists(env)) return Path.GetFullPath(env);
            throw new FileNotFoundException($"MFAPHONE_EMULATOR points to '{env}', which does not exist.");
        }
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CMakePresets.json")) || Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                var candidate = Path.Combine(dir.FullName, "build", "emulator", "mfaphone-emulator.dll");
                if (File.Exists(candidate)) return candidate;
                throw new FileNotFoundException(
                    $"mfaphone-emulator.dll not found at '{candidate}'. Build it first: dotnet build emulator/MfaPhone.Emulator.csproj -c Release -o build/emulator (or set MFAPHONE_EMULATOR).");
            }
            dir = dir.Parent;
        }
        throw new FileNotFoundException("mfaphone-emulator.dll not found: set MFAPHONE_EMULATOR to its path (no repository root above the test assembly).");
    }

    /// <summary>An HttpClient whose BaseAddress is <see cref="BaseUrl"/> (or <see cref="HttpsBaseUrl"/> with
    /// <paramref name="https"/>); for HTTPS it trusts only the test CA the emulator was started with.</summary>
    public HttpClient CreateHttpClient(bool https = false)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (https)
        {
            if (HttpsBaseUrl == null || _caFile == null) throw new InvalidOperationException("the emulator was started without TLS");
            handler.SslOptions.RemoteCertificateValidationCallback = CreateCaValidator(_caFile);
        }
        return new HttpClient(handler) { BaseAddress = https ? HttpsBaseUrl : BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>A certificate validator that accepts server certificates chaining to the given CA file only.</summary>
    public static RemoteCertificateValidationCallback CreateCaValidator(string caPemFile)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPemFile));
        return (_, cert, _, errors) =>
        {
            if (cert == null) return false;
            if (errors == SslPolicyErrors.None) return true;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(cert));
        };
    }

    /// <summary>True once the emulator process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code after <see cref="Stop"/> or exit.</summary>
    public int ExitCode => _process.ExitCode;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int sig);

    /// <summary>Sends SIGTERM (Unix) and waits up to <paramref name="grace"/> for a clean exit, then kills.
    /// Returns true if the process exited on its own.</summary>
    public bool Stop(TimeSpan? grace = null)
    {
        if (_process.HasExited) return true;
        bool clean = false;
        if (!OperatingSystem.IsWindows())
        {
            SysKill(_process.Id, 15);
            clean = _process.WaitForExit((int)(grace ?? TimeSpan.FromSeconds(5)).TotalMilliseconds);
        }
        if (!clean)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit(5000);
        }
        else _process.WaitForExit(); // flush redirected output
        return clean;
    }

    /// <summary>Stops the emulator (SIGTERM, then kill) and releases the process handle.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { Stop(); }
        finally
        {
            Control.Dispose();
            _process.Dispose();
        }
    }
}
