using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace MfaPhone.PsHost.Tests;

/// <summary>What one run of the host produced.</summary>
public sealed record HostResult(int ExitCode, string StdOut, string StdErr, byte[] StdOutBytes)
{
    public override string ToString() =>
        $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Finds the built mfaphone-pwsh.dll and runs it as a child process.</summary>
public static class PsHostProcess
{
    private static readonly Lazy<string> s_dll = new(Locate);

    /// <summary>Path of mfaphone-pwsh.dll; throws with instructions when it is not built.</summary>
    public static string Dll => s_dll.Value;

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException(
                $"Cannot find the repository root (a folder containing .git) above {AppContext.BaseDirectory}.");
        }
    }

    private static string Locate()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("MFAPHONE_PSHOST");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (!File.Exists(fromEnv))
            {
                throw new FileNotFoundException(
                    $"MFAPHONE_PSHOST is set to '{fromEnv}', which does not exist. Point it at a built mfaphone-pwsh.dll.", fromEnv);
            }

            return Path.GetFullPath(fromEnv);
        }

        string path = Path.Combine(RepoRoot, "build", "tools", "pshost", "mfaphone-pwsh.dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The PowerShell host is not built: {path} does not exist. Build it first with\n" +
                "  dotnet build tools/pshost/MfaPhone.PsHost.csproj -c Release -o build/tools/pshost\n" +
                "or set MFAPHONE_PSHOST to the path of mfaphone-pwsh.dll.", path);
        }

        return path;
    }

    /// <summary>Process start info for the host with the given arguments, all streams redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        psi.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // A neutral, predictable environment: no colour hints, no progress override, an ASCII
        // locale (the host must be UTF-8 regardless), no inherited module path.
        psi.Environment.Remove("MFAPHONE_PSHOST_PROGRESS");
        psi.Environment.Remove("COLUMNS");
        psi.Environment["LANG"] = "C";
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env != null)
        {
            foreach (var (k, v) in env)
            {
                if (v == null)
                {
                    psi.Environment.Remove(k);
                }
                else
                {
                    psi.Environment[k] = v;
                }
            }
        }

        return psi;
    }

    /// <summary>Runs the host to completion (120 s limit: CI machines can be busy) with <paramref name="stdin"/> as its input.</summary>
    public static HostResult Run(IEnumerable<string> args, string? stdin = null, IDictionary<string, string?>? env = null,
        TimeSpan? timeout = null)
    {
        using var p = Process.Start(StartInfo(args, env))
            ?? throw new InvalidOperationException("dotnet did not start.");
        var outBytes = new MemoryStream();
        Task outTask = p.StandardOutput.BaseStream.CopyToAsync(outBytes);
        Task<string> errTask = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();

        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mfaphone-pwsh {string.Join(' ', args)} did not finish in time.");
        }

        p.WaitForExit();
        outTask.Wait(TimeSpan.FromSeconds(10));
        byte[] bytes = outBytes.ToArray();
        return new HostResult(p.ExitCode, Normalize(Encoding.UTF8.GetString(bytes)), Normalize(errTask.Result), bytes);
    }

    public static HostResult Command(string command, string? stdin = null, IDictionary<string, string?>? env = null) =>
        Run(new[] { "-NoProfile", "-NonInteractive", "-Command", command }, stdin, env);

    private static string Normalize(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    public static void Signal(Process p, int signal)
    {
        if (kill(p.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({p.Id}, {signal}) failed: errno {Marshal.GetLastWin32Error()}");
        }
    }

    /// <summary>
    /// True if this process ignores SIGINT (as commands started in the background by a
    /// non-interactive shell do). Children inherit that, and a program that starts with SIGINT
    /// ignored keeps ignoring it, so an interrupt test must then use SIGTERM.
    /// </summary>
    public static bool SigIntIgnoredHere()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                {
                    ulong mask = Convert.ToUInt64(line.Substring(7).Trim(), 16);
                    return (mask & (1UL << (SIGINT - 1))) != 0;
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }
}
