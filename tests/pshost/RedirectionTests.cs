using System.Diagnostics;
using System.Text;
using Xunit;

namespace MfaPhone.PsHost.Tests;

/// <summary>
/// stdout and stderr redirected by a shell to one file (`> log 2>&amp;1`, `>> log 2>&amp;1`): every
/// line lands, in the order written, none overwritten by the other stream.
/// </summary>
public class RedirectionTests
{
    private const int Rounds = 150;

    // Per round: a host line (stdout), a line written straight to [Console]::Error (stderr),
    // an output object (stdout through Out-Default) and a Write-Error record (stderr, error view).
    private const string Script =
        "foreach ($i in 1..150) { Write-Host \"host $i\"; [Console]::Error.WriteLine(\"console-err $i\"); " +
        "\"output $i\"; Write-Error \"error $i\" }";

    private static List<string> Expected()
    {
        var lines = new List<string>();
        for (int i = 1; i <= Rounds; i++)
        {
            lines.Add($"host {i}");
            lines.Add($"console-err {i}");
            lines.Add($"output {i}");
            lines.Add($"Write-Error: error {i}");
        }

        return lines;
    }

    /// <summary>Runs the host through sh with <paramref name="redirection"/> applied to it.</summary>
    private static int RunThroughShell(string redirection, string log)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec dotnet \"$0\" -NoProfile -NonInteractive -Command \"$1\" {redirection}");
        psi.ArgumentList.Add(PsHostProcess.Dll);
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add(log);
        psi.Environment["LANG"] = "C";
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment.Remove("MFAPHONE_PSHOST_PROGRESS");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("sh did not start.");
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("the host did not finish in time.");
        }

        return p.ExitCode;
    }

    [Fact]
    public void BothStreamsToOneFile_KeepsEveryLineInOrder()
    {
        using var dir = new TempDir();
        string log = Path.Combine(dir.Path, "log");

        int exit = RunThroughShell("> \"$2\" 2>&1", log);

        string text = File.ReadAllText(log, Encoding.UTF8);
        Assert.True(exit == 1, $"exit {exit}\n{text}"); // the last statement wrote an error
        Assert.Equal(Expected(), Lines.Of(text));
    }

    [Fact]
    public void BothStreamsAppendedToAFile_KeepTheFileAndEveryLineInOrder()
    {
        using var dir = new TempDir();
        string log = dir.Write("log", "earlier line\n");

        RunThroughShell(">> \"$2\" 2>&1", log);

        var expected = new List<string> { "earlier line" };
        expected.AddRange(Expected());
        Assert.Equal(expected, Lines.Of(File.ReadAllText(log, Encoding.UTF8)));
    }

    [Fact]
    public void StderrToAFileAndStdoutToAPipe_EachGetsItsOwnLines()
    {
        using var dir = new TempDir();
        string log = Path.Combine(dir.Path, "errors");

        var r = PsHostProcess.Command(
            "foreach ($i in 1..50) { \"output $i\"; [Console]::Error.WriteLine(\"err $i\") }",
            env: null);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"output {i}"), Lines.Of(r.StdOut));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"err {i}"), Lines.Of(r.StdErr));

        int exit = RunThroughShell("2> \"$2\" > /dev/null", log);
        Assert.Equal(1, exit);
        var errors = Lines.Of(File.ReadAllText(log, Encoding.UTF8));
        Assert.Equal(Enumerable.Range(1, Rounds).SelectMany(i => new[] { $"console-err {i}", $"Write-Error: error {i}" }), errors);
    }
}
