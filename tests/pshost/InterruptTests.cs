using System.Diagnostics;
using System.Text;
using Xunit;

namespace MfaPhone.PsHost.Tests;

/// <summary>Ctrl+C (SIGINT) stops the running pipeline: StopProcessing and finally blocks run, exit 130.</summary>
public class InterruptTests
{
    [Theory]
    [InlineData(PsHostProcess.SIGINT)]
    [InlineData(PsHostProcess.SIGTERM)]
    public async Task Signal_StopsThePipeline_RunsStopProcessingAndFinally_ExitsWith128PlusSignal(int signal)
    {
        // A process started with SIGINT ignored (a background job of a non-interactive shell)
        // passes that on, and the host, like any program, keeps ignoring it. SIGTERM takes the
        // same path in the host, so the SIGINT case falls back to it then.
        if (signal == PsHostProcess.SIGINT && PsHostProcess.SigIntIgnoredHere())
        {
            signal = PsHostProcess.SIGTERM;
        }

        int expectedExit = 128 + signal;

        using var dir = new TempDir();
        string marker = Path.Combine(dir.Path, "stopped.txt");
        string module = typeof(WaitMfaStopSignalCommand).Assembly.Location;
        string command =
            $"Import-Module {Lines.Quote(module)}; " +
            $"try {{ Wait-MfaStopSignal -MarkerPath {Lines.Quote(marker)} }} finally {{ Write-Host 'finally ran' }}; 'not reached'";

        using var p = Process.Start(PsHostProcess.StartInfo(new[] { "-NonInteractive", "-Command", command }))!;
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        var waiting = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null)
            {
                return;
            }

            lock (stdout)
            {
                stdout.Append(e.Data).Append('\n');
            }

            if (e.Data == "cmdlet waiting")
            {
                waiting.Set();
            }
        };
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.BeginOutputReadLine();

        try
        {
            Assert.True(waiting.Wait(TimeSpan.FromSeconds(90)), "the cmdlet never started: " + stdout);
            var sw = Stopwatch.StartNew();
            PsHostProcess.Signal(p, signal);
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "the host did not stop after the signal");
            p.WaitForExit();

            string output;
            lock (stdout)
            {
                output = stdout.ToString();
            }

            string errors = await stderr;
            Assert.True(p.ExitCode == expectedExit, $"exit {p.ExitCode}, expected {expectedExit}\n{output}\n{errors}");
            // The 10 s watchdog would also give 128+signal; the pipeline itself must have stopped first.
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(9), $"stopping took {sw.Elapsed}");
            Assert.Equal("StopProcessing ran", File.ReadAllText(marker));
            Assert.Equal(new[] { "cmdlet waiting", "finally ran" }, Lines.Of(output));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }
}
