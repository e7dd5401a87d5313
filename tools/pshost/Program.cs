using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Threading;

namespace MfaPhone.PsHost;

internal static class Program
{
    public const int ExitSuccess = 0;
    public const int ExitFailure = 1;
    public const int ExitBadCommandLine = 64; // EX_USAGE, as pwsh
    public const int ExitInitFailure = 70;    // EX_SOFTWARE, as pwsh
    public const int ExitInterrupted = 130;   // 128 + SIGINT
    public const int ExitTerminated = 143;    // 128 + SIGTERM

    public static int Main(string[] args)
    {
        var io = new ConsoleIO();
        try
        {
            CommandLine cl = CommandLine.Parse(args);
            if (cl.Error != null)
            {
                io.WriteErr("mfaphone-pwsh: " + cl.Error + "\nRun 'mfaphone-pwsh -Help' for usage.\n");
                return ExitBadCommandLine;
            }

            if (cl.Mode == RunMode.Help)
            {
                io.WriteOut(CommandLine.Usage);
                return ExitSuccess;
            }

            if (cl.Mode == RunMode.None)
            {
                if (io.InIsTerminal)
                {
                    io.WriteErr("mfaphone-pwsh: no -Command or -File given, and there is no interactive session in this host.\n"
                        + "Run 'mfaphone-pwsh -Help' for usage.\n");
                    return ExitBadCommandLine;
                }

                // Like pwsh with redirected input and no command: run what stdin holds.
                cl = CommandLine.Parse(new[] { "-Command", "-" });
            }

            using var runner = new Runner(io, cl);
            return runner.Run();
        }
        finally
        {
            io.Finish();
        }
    }
}

/// <summary>
/// Opens the runspace and runs the -Command text or -File script the way pwsh's ConsoleHost
/// does (Executor.ExecuteCommandHelper + DoRunspaceLoop): the command's error stream is merged
/// into its output, everything goes through Out-Default, terminating errors are rendered with
/// the error view on stderr, and the exit code comes from `exit N` or else from $?.
/// </summary>
internal sealed class Runner : IDisposable
{
    private readonly ConsoleIO _io;
    private readonly CommandLine _cl;
    private readonly HostUserInterface _ui;
    private readonly Host _host;
    private readonly object _runLock = new();
    private Runspace? _runspace;
    private Pipeline? _current;
    private int _interruptExitCode; // 0 = not interrupted
    private int _interruptCount;
    private PosixSignalRegistration? _sigint;
    private PosixSignalRegistration? _sigterm;

    public Runner(ConsoleIO io, CommandLine cl)
    {
        _io = io;
        _cl = cl;
        _ui = new HostUserInterface(io, cl.NonInteractive);
        _host = new Host(_ui);
    }

    public int Run()
    {
        string? script = null;
        string? filePath = null;
        if (_cl.Mode == RunMode.Command)
        {
            script = _cl.Command == "-" ? _io.In.ReadToEnd() : _cl.Command;
        }
        else
        {
            filePath = ResolveScript(_cl.File!);
            if (filePath == null)
            {
                _io.WriteErr($"The argument '{_cl.File}' is not recognized as the name of a script file. "
                    + "Check the spelling of the name, or if a path was included, verify that the path is correct and try again.\n"
                    + "Run 'mfaphone-pwsh -Help' for usage.\n");
                return Program.ExitBadCommandLine;
            }
        }

        try
        {
            _runspace = OpenRunspace();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _io.WriteErr("mfaphone-pwsh: cannot start PowerShell: " + ex.Message + "\n");
            return Program.ExitInitFailure;
        }

        InstallSignalHandlers();

        Exception? failure;
        if (script != null)
        {
            // Parse first: a ParseException built from the parse errors carries the position
            // (InvocationInfo), so the error view shows the 'Line |' excerpt as pwsh does.
            ScriptBlockAst ast = Parser.ParseInput(script, out _, out ParseError[] parseErrors);
            failure = parseErrors.Length > 0
                ? new ParseException(parseErrors)
                : Execute(_runspace.CreatePipeline(script, addToHistory: true), addOutputter: true, StdinInputFor(ast));
        }
        else
        {
            // Without this, `exit N` in the file only ends the script (pwsh sets the same flag).
            EngineInternals.TrySetRethrowExit(_runspace, true);
            // As pwsh on Unix: a file without the .ps1 extension (a '#!/usr/bin/env pwsh' script)
            // is read and run as script text; a .ps1 file runs as an external script.
            Command command = filePath!.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase) || OperatingSystem.IsWindows()
                ? new Command(filePath, isScript: false, useLocalScope: false)
                : new Command(File.ReadAllText(filePath), isScript: true, useLocalScope: false);
            foreach (CommandParameter p in _cl.FileArguments)
            {
                command.Parameters.Add(p);
            }

            Pipeline pipeline = _runspace.CreatePipeline();
            pipeline.Commands.Add(command);
            failure = Execute(pipeline, addOutputter: true,
                StdinInputFor(Parser.ParseFile(filePath!, out _, out _)));
            EngineInternals.TrySetRethrowExit(_runspace, false);
        }

        if (_interruptExitCode != 0)
        {
            return _interruptExitCode;
        }

        if (failure != null)
        {
            if (script == null)
            {
                // pwsh: a -File run that threw exits with 1, whatever `exit` said before.
                _host.SetShouldExit(Program.ExitFailure);
            }

            ReportException(failure);
        }

        if (_host.ShouldExit)
        {
            return _host.ExitCode;
        }

        bool lastSucceeded = EvaluateBool("$global:?") ?? false;
        return lastSucceeded && failure == null ? Program.ExitSuccess : Program.ExitFailure;
    }

    /// <summary>
    /// Like pwsh: when the command or script uses $input and stdin is redirected, the lines of
    /// stdin become its input objects (strings). Otherwise stdin is left for Read-Host.
    /// </summary>
    private object[]? StdinInputFor(Ast ast)
    {
        if (_io.InIsTerminal || !UsesDollarInput(ast))
        {
            return null;
        }

        var lines = new List<object>();
        while (_io.In.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines.ToArray();
    }

    private static bool UsesDollarInput(Ast ast) =>
        ast.Find(a => a is VariableExpressionAst v
                      && v.VariablePath.IsUnqualified
                      && string.Equals(v.VariablePath.UserPath, "input", StringComparison.OrdinalIgnoreCase),
                 searchNestedScriptBlocks: false) != null;

    private static string? ResolveScript(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            return File.Exists(full) ? full : null;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private Runspace OpenRunspace()
    {
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        iss.LanguageMode = PSLanguageMode.FullLanguage;
        if (OperatingSystem.IsWindows())
        {
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Unrestricted;
        }

        Compat.CompatCmdlets.AddTo(iss);

        // No profile is ever run (-NoProfile is implied). PSModulePath comes from the
        // environment: the engine prepends the user/system module folders to it when the
        // runspace opens, as pwsh does, so `build/module` on PSModulePath makes
        // `Import-Module MfaPhone` work.
        Runspace rs = RunspaceFactory.CreateRunspace(_host, iss);
        rs.ThreadOptions = PSThreadOptions.UseCurrentThread;
        rs.Open();
        return rs;
    }

    /// <summary>
    /// Runs one pipeline. With <paramref name="addOutputter"/>, errors are merged into output and
    /// everything is piped to Out-Default (pwsh's ExecutionOptions.AddOutputter).
    /// Uses the Runspace.CreatePipeline API, as pwsh does: unlike PowerShell.Invoke it leaves
    /// $? as the script's last statement set it, which the exit code is computed from.
    /// Returns the terminating exception, if any.
    /// </summary>
    private Exception? Execute(Pipeline pipeline, bool addOutputter, object[]? input = null)
    {
        using (pipeline)
        {
            if (addOutputter)
            {
                if (pipeline.Commands.Count == 1)
                {
                    pipeline.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
                }

                pipeline.Commands.Add(new Command("Out-Default", isScript: false, useLocalScope: true)
                {
                    MergeUnclaimedPreviousCommandResults = PipelineResultTypes.Error | PipelineResultTypes.Output,
                });
            }

            lock (_runLock)
            {
                if (_interruptExitCode != 0)
                {
                    return null;
                }

                _current = pipeline;
            }

            try
            {
                if (input != null)
                {
                    pipeline.Input.Write(input, enumerateCollection: true);
                }

                pipeline.Input.Close();
                pipeline.Invoke();
                return null;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return ex;
            }
            finally
            {
                lock (_runLock)
                {
                    _current = null;
                }

                _ui.ResetProgress();
            }
        }
    }

    private bool? EvaluateBool(string expression)
    {
        try
        {
            using Pipeline pipeline = _runspace!.CreatePipeline(expression, addToHistory: false);
            Collection<PSObject> results = pipeline.Invoke();
            if (results.Count == 0)
            {
                return null;
            }

            return results.Count > 1 || LanguagePrimitives.IsTrue(results[0]);
        }
        catch (RuntimeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Shows a terminating error like pwsh's ConsoleHost.ReportException: the ErrorRecord is
    /// sent to Out-Default marked as error-stream output, so the error view ($ErrorView,
    /// ConciseView by default) renders it on stderr.
    /// </summary>
    private void ReportException(Exception e)
    {
        if (_interruptExitCode != 0)
        {
            return;
        }

        ErrorRecord record = e is IContainsErrorRecord icer
            ? icer.ErrorRecord
            : new ErrorRecord(e, "MfaPhone.PsHost.ReportException", ErrorCategory.NotSpecified, null);

        var wrapped = new PSObject(record);
        if (EngineInternals.TryMarkAsErrorStream(wrapped))
        {
            Pipeline pipeline = _runspace!.CreatePipeline();
            pipeline.Commands.Add(new Command("Out-Default", isScript: false, useLocalScope: true));
            Exception? inner = Execute(pipeline, addOutputter: false, new object[] { wrapped });
            if (inner == null)
            {
                return;
            }
        }

        // Last resort: message and position, as pwsh's ReportExceptionFallback.
        string text = (e is System.Reflection.TargetInvocationException { InnerException: { } ie } ? ie.Message : e.Message);
        if (record.InvocationInfo?.PositionMessage is { Length: > 0 } pos)
        {
            text += "\n" + pos;
        }

        _ui.WriteErrorLine(text);
    }

    private void InstallSignalHandlers()
    {
        _sigint = TryRegister(PosixSignal.SIGINT, Program.ExitInterrupted);
        _sigterm = TryRegister(PosixSignal.SIGTERM, Program.ExitTerminated);
    }

    private PosixSignalRegistration? TryRegister(PosixSignal signal, int exitCode)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                Interrupt(exitCode);
            });
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Ctrl+C / SIGTERM: stop the running pipeline (cmdlets' StopProcessing runs, finally blocks
    /// run) and exit with 130 / 143. A second signal, or a pipeline that does not stop within
    /// 10 seconds, ends the process at once.
    /// </summary>
    private void Interrupt(int exitCode)
    {
        Pipeline? running;
        lock (_runLock)
        {
            if (_interruptExitCode == 0)
            {
                _interruptExitCode = exitCode;
            }

            running = _current;
        }

        if (Interlocked.Increment(ref _interruptCount) > 1)
        {
            HardExit(_interruptExitCode);
        }

        if (running != null)
        {
            try
            {
                running.StopAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
            }
        }

        var watchdog = new Thread(() =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(10));
            HardExit(_interruptExitCode);
        })
        {
            IsBackground = true,
            Name = "mfaphone-pwsh stop watchdog",
        };
        watchdog.Start();
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void PosixExit(int status);

    /// <summary>
    /// Ends the process now. Environment.Exit is not enough: it waits for the engine's
    /// process-exit handlers, which wait for the pipeline that refused to stop (e.g. a native
    /// child that did not get the signal).
    /// </summary>
    private void HardExit(int code)
    {
        _io.Finish();
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                PosixExit(code);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }

        Environment.Exit(code);
    }

    public void Dispose()
    {
        _sigint?.Dispose();
        _sigterm?.Dispose();
        try
        {
            _runspace?.Dispose();
        }
        catch (Exception ex) when (ex is InvalidOperationException or PSInvalidOperationException)
        {
        }
    }
}
