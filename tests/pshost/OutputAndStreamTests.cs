using Xunit;

namespace MfaPhone.PsHost.Tests;

/// <summary>How objects are rendered and which stream each kind of message goes to.</summary>
public class OutputAndStreamTests
{
    [Fact]
    public void PsCustomObjects_WithFewProperties_RenderAsTable()
    {
        var r = PsHostProcess.Command("[pscustomobject]@{Name='alpha';Size=42}, [pscustomobject]@{Name='beta';Size=7}");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.StdErr);
        Assert.Equal(new[] { "Name  Size", "----  ----", "alpha   42", "beta     7" }, Lines.Of(r.StdOut));
    }

    [Fact]
    public void PsCustomObject_WithFiveProperties_RendersAsList()
    {
        var r = PsHostProcess.Command("[pscustomobject]@{A=1;B='two';C=3.5;D=$null;E='eeeee'}");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "A : 1", "B : two", "C : 3.5", "D :", "E : eeeee" }, Lines.Of(r.StdOut));
    }

    [Fact]
    public void ModuleFormatView_FromPSModulePath_IsUsedByOutDefault()
    {
        using var dir = new TempDir();
        dir.Write("Modules/PsHostFmt/PsHostFmt.psd1",
            "@{ RootModule = 'PsHostFmt.psm1'; ModuleVersion = '1.0.0'; GUID = '0c7f5a52-8a8e-4a55-9f38-2b1e6c1b7d10';\n" +
            "   FunctionsToExport = @('Get-FmtItem'); FormatsToProcess = @('PsHostFmt.format.ps1xml') }\n");
        dir.Write("Modules/PsHostFmt/PsHostFmt.psm1",
            "function Get-FmtItem { [pscustomobject]@{ PSTypeName = 'PsHostFmt.Item'; Id = 1; Name = 'Zoë'; Secret = 's3cr3t' } }\n");
        dir.Write("Modules/PsHostFmt/PsHostFmt.format.ps1xml", """
            <Configuration><ViewDefinitions><View>
              <Name>PsHostFmt.Item</Name>
              <ViewSelectedBy><TypeName>PsHostFmt.Item</TypeName></ViewSelectedBy>
              <TableControl>
                <TableHeaders>
                  <TableColumnHeader><Label>ItemId</Label></TableColumnHeader>
                  <TableColumnHeader><Label>Who</Label></TableColumnHeader>
                </TableHeaders>
                <TableRowEntries><TableRowEntry><TableColumnItems>
                  <TableColumnItem><PropertyName>Id</PropertyName></TableColumnItem>
                  <TableColumnItem><PropertyName>Name</PropertyName></TableColumnItem>
                </TableColumnItems></TableRowEntry></TableRowEntries>
              </TableControl>
            </View></ViewDefinitions></Configuration>
            """);
        var env = new Dictionary<string, string?> { ["PSModulePath"] = Path.Combine(dir.Path, "Modules") };

        var r = PsHostProcess.Command("Import-Module PsHostFmt; Get-FmtItem", env: env);

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = Lines.Of(r.StdOut);
        Assert.Equal(3, lines.Count);
        Assert.Matches(@"^ItemId\s+Who$", lines[0]);
        Assert.Matches(@"^1\s+Zoë$", lines[2]);
        Assert.DoesNotContain("s3cr3t", r.StdOut);
    }

    [Fact]
    public void HostWarningVerboseDebugInformation_GoToStdout_ErrorsToStderr()
    {
        var r = PsHostProcess.Command(
            "Write-Host 'host line'; Write-Output 'output line'; Write-Warning 'careful'; " +
            "Write-Verbose 'quiet'; Write-Verbose 'loud' -Verbose; " +
            "$VerbosePreference = 'Continue'; Write-Verbose 'by preference'; $VerbosePreference = 'SilentlyContinue'; " +
            "Write-Debug 'hidden debug'; Write-Debug 'dbg' -Debug; " +
            "Write-Information 'info' -InformationAction Continue; Write-Information 'hidden info'; " +
            "Write-Host 'a' 'b' -Separator '+' -NoNewline; Write-Host '|'; " +
            "Write-Error 'it failed'; 'end'");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(
            new[]
            {
                "host line", "output line", "WARNING: careful", "VERBOSE: loud", "VERBOSE: by preference",
                "DEBUG: dbg", "info", "a+b|", "end",
            },
            Lines.Of(r.StdOut));
        Assert.Equal(new[] { "Write-Error: it failed" }, Lines.Of(r.StdErr));
    }

    [Fact]
    public void ErrorFromFunction_IsAttributedToTheFunction_AndCmdletErrorsToTheCmdlet()
    {
        var r = PsHostProcess.Command(
            "function Get-Broken { [CmdletBinding()] param() Write-Error 'it broke' }; Get-Broken; " +
            "Import-Module NoSuchModuleAnywhere; " +
            "Write-Error 'quiet' -ErrorVariable ev 2>$null; $ev[0].FullyQualifiedErrorId; 'done'");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "Microsoft.PowerShell.Commands.WriteErrorException", "done" }, Lines.Of(r.StdOut));
        Assert.DoesNotContain("quiet", r.StdErr);
        var err = Lines.Of(r.StdErr);
        Assert.Equal("Get-Broken: it broke", err[0]);
        Assert.StartsWith("Import-Module: The specified module 'NoSuchModuleAnywhere' was not loaded", err[1]);
    }

    [Fact]
    public void NativeCommands_StdoutIsOutput_StderrPassesThrough_Utf8()
    {
        var r = PsHostProcess.Command(
            "sh -c \"printf 'Zoë native\\n'; printf 'native complaint\\n' >&2\"; " +
            "$captured = sh -c \"printf 'Ångström\\n'\"; 'captured=' + $captured + ' len=' + $captured.Length; " +
            "'lec=' + $LASTEXITCODE");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "Zoë native", "captured=Ångström len=8", "lec=0" }, Lines.Of(r.StdOut));
        Assert.Equal(new[] { "native complaint" }, Lines.Of(r.StdErr));
    }

    [Fact]
    public void FormattingCmdlets_ExistAndUseTheEngineFormatter()
    {
        var r = PsHostProcess.Command(
            "(Get-Command Out-Default, Out-Host, Out-Null, Out-String, Format-Table, Format-List).Name -join ','; " +
            "[pscustomobject]@{Alpha=1;Beta=2} | Format-Table -Property Beta; " +
            "[pscustomobject]@{Alpha=1;Beta=2} | Format-List; " +
            "$s = [pscustomobject]@{Alpha=1;Beta=2} | Out-String; 'type=' + $s.GetType().Name; " +
            "$lines = [pscustomobject]@{Alpha=1;Beta=2} | Out-String -Stream; 'stream=' + ($lines -match 'Alpha').Count; " +
            "'x' | Out-Host");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.StdErr);
        Assert.Equal(
            new[]
            {
                "Out-Default,Out-Host,Out-Null,Out-String,Format-Table,Format-List",
                "Beta", "----", "   2",
                "Alpha : 1", "Beta  : 2",
                "type=String", "stream=1", "x",
            },
            Lines.Of(r.StdOut));
    }

    [Fact]
    public void Progress_IsHiddenWhenNotATerminal_AndPlainModePrintsOneLinePerChange()
    {
        const string script =
            "foreach ($i in 1..3) { Write-Progress -Activity Copy -Status \"file $i\" -PercentComplete ($i * 30) }; " +
            "Write-Progress -Activity Copy -Completed; 'done'";

        var hidden = PsHostProcess.Command(script);
        Assert.True(hidden.ExitCode == 0, hidden.ToString());
        Assert.Equal("done\n", hidden.StdOut);
        Assert.Equal("", hidden.StdErr);

        var plain = PsHostProcess.Command(script, env: new Dictionary<string, string?> { ["MFAPHONE_PSHOST_PROGRESS"] = "plain" });
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal("done\n", plain.StdOut);
        Assert.Equal(new[] { "Copy: file 1 [30%]", "Copy: file 2 [60%]", "Copy: file 3 [90%]" }, Lines.Of(plain.StdErr));
    }
}
