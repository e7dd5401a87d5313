using System.Text;
using Xunit;

namespace MfaPhone.PsHost.Tests;

/// <summary>Options, -File argument binding, UTF-8 and stdin.</summary>
public class CommandLineTests
{
    private const string ParamScript = """
        [CmdletBinding()]
        param(
            [Parameter(Position = 0)][string]$First,
            [string]$Name,
            [int]$Count = 1,
            [switch]$Loud,
            [Parameter(ValueFromRemainingArguments)]$Rest
        )
        "First=$First|Name=$Name|Count=$Count|Loud=$Loud|Rest=$($Rest -join ',')"
        "Root=$PSScriptRoot"
        Write-Verbose 'verbose from script'
        """;

    [Fact]
    public void File_BindsNamedPositionalSwitchAndRemainingArguments()
    {
        using var dir = new TempDir();
        string script = dir.Write("params.ps1", ParamScript);

        var r = PsHostProcess.Run(new[] { "-NoProfile", "-File", script, "pos1", "-Name", "Zoë Ångström", "-Count", "3", "-Loud", "extra1", "extra2" });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(
            new[] { "First=pos1|Name=Zoë Ångström|Count=3|Loud=True|Rest=extra1,extra2", "Root=" + dir.Path },
            Lines.Of(r.StdOut));
    }

    [Fact]
    public void File_ColonSyntax_BooleanSwitchValues_AndCommonParameters()
    {
        using var dir = new TempDir();
        string script = dir.Write("params.ps1", ParamScript);

        var r = PsHostProcess.Run(new[] { "-f", script, "-Name:x", "-Loud:$false", "-Count:", "7", "-Verbose" });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(
            new[] { "First=|Name=x|Count=7|Loud=False|Rest=", "Root=" + dir.Path, "VERBOSE: verbose from script" },
            Lines.Of(r.StdOut));
    }

    [Fact]
    public void FirstNonOptionArgument_IsTheFile()
    {
        using var dir = new TempDir();
        string script = dir.Write("params.ps1", ParamScript);

        var r = PsHostProcess.Run(new[] { "-NoProfile", script, "p" });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("First=p|", r.StdOut);
    }

    [Fact]
    public void MissingFile_Exits64()
    {
        var r = PsHostProcess.Run(new[] { "-File", "/nonexistent/dir/nothere.ps1" });

        Assert.True(r.ExitCode == 64, r.ToString());
        Assert.Contains("'/nonexistent/dir/nothere.ps1' is not recognized as the name of a script file", r.StdErr);
    }

    [Theory]
    [InlineData("-Bogus")]
    [InlineData("-EncodedCommand")]
    [InlineData("-Command")]
    [InlineData("-ExecutionPolicy")]
    public void UnknownOrIncompleteOption_Exits64_WithAClearMessage(string option)
    {
        var r = PsHostProcess.Run(new[] { option });

        Assert.True(r.ExitCode == 64, r.ToString());
        Assert.Equal("", r.StdOut);
        Assert.StartsWith("mfaphone-pwsh: ", r.StdErr);
        Assert.Contains("-Help", r.StdErr);
    }

    [Fact]
    public void Help_PrintsUsage()
    {
        var r = PsHostProcess.Run(new[] { "-Help" });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("-Command", r.StdOut);
        Assert.Contains("-File", r.StdOut);
    }

    [Fact]
    public void AbbreviatedOptions_AndCommandTextFromSeveralArguments()
    {
        var r = PsHostProcess.Run(new[] { "-nop", "-noni", "-ex", "Bypass", "-c", "'a' +", "'b';", "$Host.Name" });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "ab", "MfaPhone.PsHost" }, Lines.Of(r.StdOut));
    }

    [Fact]
    public void Utf8_OnStdoutStderrAndArguments_UnderTheCLocale()
    {
        const string name = "Zoë Ångström";
        var r = PsHostProcess.Command($"'{name}'; [Console]::OutputEncoding.WebName; Write-Error '{name} failed'");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal(new UTF8Encoding(false).GetBytes($"{name}\nutf-8\n"), r.StdOutBytes);
        Assert.Equal($"Write-Error: {name} failed", Lines.Of(r.StdErr)[0]);
    }

    [Fact]
    public void Utf8_StdinRoundTrip_ThroughDollarInput()
    {
        var r = PsHostProcess.Command("$input | ForEach-Object { \"got: $_ ($($_.Length))\" }", stdin: "Zoë Ångström\nsecond\n");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "got: Zoë Ångström (12)", "got: second (6)" }, Lines.Of(r.StdOut));
    }

    [Fact]
    public void CommandDash_ReadsTheCommandFromStdin()
    {
        var r = PsHostProcess.Run(new[] { "-Command", "-" }, stdin: "'from stdin: Zoë'\nexit 4\n");

        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Equal("from stdin: Zoë\n", r.StdOut);
    }

    [Fact]
    public void ReadHost_ReadsALineFromStdin()
    {
        var r = PsHostProcess.Run(new[] { "-Command", "$n = Read-Host 'Name'; \"hello $n\"" }, stdin: "Ångström\n");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "Name: Ångström", "hello Ångström" }, Lines.Of(r.StdOut));
    }

    [Fact]
    public void ReadHost_FailsClearly_WhenNonInteractive_OrAtEndOfInput()
    {
        var nonInteractive = PsHostProcess.Run(new[] { "-NonInteractive", "-Command", "Read-Host 'Name' -ErrorAction Stop" }, stdin: "x\n");
        Assert.True(nonInteractive.ExitCode == 1, nonInteractive.ToString());
        Assert.Contains("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.", nonInteractive.StdErr);

        var eof = PsHostProcess.Run(new[] { "-Command", "Read-Host 'Name' -ErrorAction Stop" }, stdin: "");
        Assert.True(eof.ExitCode == 1, eof.ToString());
        Assert.Contains("standard input is closed or at end of file", eof.StdErr);
    }
}
