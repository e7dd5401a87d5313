using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace MfaPhone.Module.Tests;

/// <summary>What one script run produced, stream by stream, plus a terminating error if any.</summary>
public sealed class PsResult
{
    public List<PSObject> Output { get; } = new();
    public List<ErrorRecord> Errors { get; } = new();
    public List<string> Verbose { get; } = new();
    public List<string> Debug { get; } = new();
    public List<string> Warning { get; } = new();
    public List<string> Information { get; } = new();
    public List<ProgressRecord> Progress { get; } = new();
    public Exception? Terminating { get; set; }

    /// <summary>Every piece of text the run exposed: objects, all streams, error and exception details.</summary>
    public string AllText()
    {
        var sb = new StringBuilder();
        foreach (var o in Output)
        {
            sb.AppendLine(o?.ToString());
            if (o != null)
                foreach (var p in o.Properties)
                {
                    try { sb.AppendLine(p.Name + "=" + Convert.ToString(p.Value)); } catch (GetValueException) { }
                }
        }
        foreach (var e in Errors) AppendError(sb, e);
        sb.AppendLine(string.Join("\n", Verbose)).AppendLine(string.Join("\n", Debug))
          .AppendLine(string.Join("\n", Warning)).AppendLine(string.Join("\n", Information));
        foreach (var p in Progress) sb.AppendLine(p.Activity + " " + p.StatusDescription + " " + p.CurrentOperation);
        for (Exception? ex = Terminating; ex != null; ex = ex.InnerException) sb.AppendLine(ex.ToString());
        if (Terminating is RuntimeException rt && rt.ErrorRecord != null) AppendError(sb, rt.ErrorRecord);
        return sb.ToString();
    }

    private static void AppendError(StringBuilder sb, ErrorRecord e)
    {
        sb.AppendLine(e.ToString()).AppendLine(e.FullyQualifiedErrorId).AppendLine(e.ErrorDetails?.Message)
          .AppendLine(Convert.ToString(e.TargetObject)).AppendLine(e.CategoryInfo.ToString());
        for (Exception? ex = e.Exception; ex != null; ex = ex.InnerException) sb.AppendLine(ex.ToString());
    }

    public string FirstErrorId => (Terminating as RuntimeException)?.ErrorRecord?.FullyQualifiedErrorId
                                  ?? Errors.FirstOrDefault()?.FullyQualifiedErrorId ?? "";
}

/// <summary>A PowerShell runspace with the staged MfaPhone module imported.</summary>
public sealed class PowerShellHarness : IDisposable
{
    private readonly Runspace _runspace;

    public Runspace Runspace => _runspace;

    public PowerShellHarness(string? modulePath = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
        var import = Run("Import-Module -Name $args[0] -ErrorAction Stop", Path.Combine(modulePath ?? ModuleDir, "MfaPhone.psd1"));
        if (import.Terminating != null) throw new InvalidOperationException("Import-Module failed: " + import.Terminating);
    }

    /// <summary>The staged module folder: MFAPHONE_MODULE, else build/module/MfaPhone under the repo.</summary>
    public static string ModuleDir
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("MFAPHONE_MODULE");
            string dir = !string.IsNullOrEmpty(fromEnv) ? fromEnv : Path.Combine(RepoRoot, "build", "module", "MfaPhone");
            if (!File.Exists(Path.Combine(dir, "MfaPhone.psd1")))
                throw new InvalidOperationException($"The staged module was not found at '{dir}'. Run ./build.sh build first.");
            return dir;
        }
    }

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "CMakePresets.json"))) return d.FullName;
            throw new InvalidOperationException("Could not find the repository root above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// Runs a script; $args holds <paramref name="args"/>. A terminating error of a cmdlet
    /// (ThrowTerminatingError) ends the script and lands in <see cref="PsResult.Terminating"/>;
    /// non-terminating errors go to <see cref="PsResult.Errors"/>. Never throws for script errors.
    /// </summary>
    public PsResult Run(string script, params object?[] args)
    {
        var result = new PsResult();
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        // A cmdlet's terminating error only ends its statement; rethrowing from catch ends the
        // script, so tests can tell terminating from non-terminating errors apart.
        ps.AddScript("try {\n" + script + "\n} catch { throw }");
        foreach (var a in args) ps.AddArgument(a);
        ps.Streams.Error.DataAdded += (s, e) => result.Errors.Add(ps.Streams.Error[e.Index]);
        ps.Streams.Verbose.DataAdded += (s, e) => result.Verbose.Add(ps.Streams.Verbose[e.Index].Message);
        ps.Streams.Debug.DataAdded += (s, e) => result.Debug.Add(ps.Streams.Debug[e.Index].Message);
        ps.Streams.Warning.DataAdded += (s, e) => result.Warning.Add(ps.Streams.Warning[e.Index].Message);
        ps.Streams.Information.DataAdded += (s, e) => result.Information.Add(Convert.ToString(ps.Streams.Information[e.Index].MessageData) ?? "");
        ps.Streams.Progress.DataAdded += (s, e) => result.Progress.Add(ps.Streams.Progress[e.Index]);
        try
        {
            foreach (var o in ps.Invoke()) result.Output.Add(o);
        }
        catch (Exception e)
        {
            result.Terminating = e;
        }
        return result;
    }

    public void Dispose() => _runspace.Dispose();
}
