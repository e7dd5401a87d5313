using Xunit;

namespace MfaPhone.PsHost.Tests;

/// <summary>pwsh's exit-code rules for -Command: `exit N`, else $? of the last statement.</summary>
public class CommandExitCodeTests
{
    [Theory]
    [InlineData("exit 3", 3)]
    [InlineData("'before'; exit 0; 'after'", 0)]
    [InlineData("& { exit 5 }; 'not reached'", 5)]
    [InlineData("'ok'", 0)]
    [InlineData("Write-Error 'not last'; 'last ok'", 0)]
    [InlineData("'first'; Write-Error 'last failed'", 1)]
    [InlineData("'first'; Get-Command No-SuchCommand -ErrorAction SilentlyContinue", 1)]
    [InlineData("sh -c 'exit 4'", 1)]
    [InlineData("sh -c 'exit 4'; 'afterwards'", 0)]
    public void Command_ExitCode_FollowsPwsh(string command, int expected)
    {
        var r = PsHostProcess.Command(command);

        Assert.True(r.ExitCode == expected, $"expected {expected}\n{r}");
        Assert.DoesNotContain("not reached", r.StdOut);
        Assert.DoesNotContain("after\n", r.StdOut);
    }
}

/// <summary>Terminating errors, parse errors and -File exit codes.</summary>
public class ExitCodeTests
{
    [Fact]
    public void Throw_Exits1_WithTheMessageOnStderrOnly()
    {
        var r = PsHostProcess.Command("'before'; throw 'bad thing happened'; 'after'");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal("before\n", r.StdOut);
        Assert.Equal("Exception: bad thing happened", Lines.Of(r.StdErr)[0]);
    }

    [Fact]
    public void ErrorActionStop_IsTerminating_Exits1()
    {
        var r = PsHostProcess.Command("Write-Error 'stop here' -ErrorAction Stop; 'after'");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal("", r.StdOut);
        Assert.Contains("stop here", r.StdErr);
    }

    [Fact]
    public void ParseError_InCommand_Exits1_RunsNothing_AndShowsTheLine()
    {
        var r = PsHostProcess.Command("'ran'; $x = 'a' +");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal("", r.StdOut);
        var err = Lines.Of(r.StdErr);
        Assert.Equal("ParserError:", err[0]);
        Assert.Equal("Line |", err[1]);
        Assert.Contains("'ran'; $x = 'a' +", err[2]);
        Assert.Contains("You must provide a value expression following the '+' operator.", r.StdErr);
    }

    [Fact]
    public void ExitInsideAFileScriptFunction_IsTheProcessExitCode()
    {
        using var dir = new TempDir();
        string script = dir.Write("exit.ps1", "function Stop-Here { exit 7 }\n'before'\nStop-Here\n'after'\n");

        var r = PsHostProcess.Run(new[] { "-File", script });

        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.Equal("before\n", r.StdOut);
    }

    [Fact]
    public void FileWithoutPs1Extension_RunsAsScriptText_LikeAShebangScript()
    {
        using var dir = new TempDir();
        string script = dir.Write("tool", "#!/usr/bin/env pwsh\nparam([string]$Who)\n\"hi $Who\"\nexit 6\n'not reached'\n");

        var r = PsHostProcess.Run(new[] { "-File", script, "-Who", "Zoë" });

        Assert.True(r.ExitCode == 6, r.ToString());
        Assert.Equal("hi Zoë\n", r.StdOut);
    }

    [Fact]
    public void ThrowInAFile_Exits1_WithFileAndLineOnStderr()
    {
        using var dir = new TempDir();
        string script = dir.Write("throws.ps1", "'one'\nthrow 'file failure'\n'two'\n");

        var r = PsHostProcess.Run(new[] { "-File", script });

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal("one\n", r.StdOut);
        var err = Lines.Of(r.StdErr);
        Assert.Equal($"Exception: {script}:2", err[0]);
        Assert.Equal("Line |", err[1]);
        Assert.Contains("file failure", r.StdErr);
    }

    [Fact]
    public void ParseErrorInAFile_Exits1()
    {
        using var dir = new TempDir();
        string script = dir.Write("broken.ps1", "'one'\nfunction {\n");

        var r = PsHostProcess.Run(new[] { "-File", script });

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal("", r.StdOut);
        Assert.StartsWith($"ParserError: {script}:2", r.StdErr);
    }

    [Fact]
    public void FileThatEndsNormally_Exits0_EvenAfterAnEarlierError()
    {
        using var dir = new TempDir();
        string script = dir.Write("ok.ps1", "Write-Error 'early'\n'done'\n");

        var r = PsHostProcess.Run(new[] { "-File", script });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("done\n", r.StdOut);
        Assert.Contains("early", r.StdErr);
    }
}
