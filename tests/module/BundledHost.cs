using System.Diagnostics;
using System.Text;

namespace MfaPhone.Module.Tests;

/// <summary>What one run of the bundled host printed.</summary>
public sealed record HostRun(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Runs a script in the bundled console host (mfaphone-pwsh, as ./build.sh pwsh does) with the
/// staged module on PSModulePath: formatting (Format-Table, Out-String, Out-Default) and
/// Import-Csv behave there as an admin sees them.
/// </summary>
public static class BundledHost
{
    public static string Dll
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("MFAPHONE_PSHOST");
            string path = !string.IsNullOrEmpty(fromEnv) ? fromEnv : Path.Combine(PowerShellHarness.RepoRoot, "build", "tools", "pshost", "mfaphone-pwsh.dll");
            if (!File.Exists(path)) throw new InvalidOperationException($"The bundled host is not built at '{path}'. Run ./build.sh build first.");
            return path;
        }
    }

    /// <summary>Runs <paramref name="script"/> (a -File script, so it may span lines) and waits (120 s at most).</summary>
    public static HostRun Run(string script, IDictionary<string, string>? env = null, string? workingDirectory = null, string? moduleDir = null)
    {
        string dir = Directory.CreateTempSubdirectory("mfaphone-host-").FullName;
        try
        {
            string file = Path.Combine(dir, "run.ps1");
            File.WriteAllText(file, script, new UTF8Encoding(false));
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory ?? dir,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };
            foreach (string a in new[] { Dll, "-NoProfile", "-NonInteractive", "-File", file }) psi.ArgumentList.Add(a);
            psi.Environment["PSModulePath"] = Path.GetDirectoryName(moduleDir ?? PowerShellHarness.ModuleDir)!;
            psi.Environment["LANG"] = "C.UTF-8";
            psi.Environment["NO_COLOR"] = "1";
            psi.Environment.Remove("COLUMNS");
            psi.Environment.Remove("MFAPHONE_PSHOST_PROGRESS");
            foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
            p.StandardInput.Close();
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("The bundled host did not finish in time.");
            }
            p.WaitForExit();
            return new HostRun(p.ExitCode, stdout.Result.Replace("\r\n", "\n"), stderr.Result.Replace("\r\n", "\n"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
