using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>ConvertTo-MfaPhoneNumber: Graph's format for any written number, no sign-in, no errors for bad numbers.</summary>
public sealed class ConvertToMfaPhoneNumberTests
{
    private const string Cmdlet = "MfaPhone.Commands.ConvertToMfaPhoneNumberCommand";

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    private static string Row(PSObject o) =>
        string.Join("|", Prop(o, "Input"), Prop(o, "PhoneNumber"), Prop(o, "Region"), Prop(o, "IsValid"), Prop(o, "LineType"));

    [Fact]
    public void ConvertsNationalInternationalAndExtensionFormatsWithoutSignIn()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("ConvertTo-MfaPhoneNumber -PhoneNumber '070-123 45 67', '+44 (0)20 7946 0018', '0046701234567', '(206) 555-0100 ext. 42', '+46 701234567' -DefaultRegion se");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[]
        {
            "070-123 45 67|+46 701234567|SE|True|mobile",
            "+44 (0)20 7946 0018|+44 2079460018|GB|True|fixedLine",
            "0046701234567|+46 701234567|SE|True|mobile",
            "(206) 555-0100 ext. 42||||unknown",  // read in SE, a US number written nationally is not valid
            "+46 701234567|+46 701234567|SE|True|mobile",
        }, r.Output.Select(o => Row(o).Replace("|False|", "||")).ToArray());
        Assert.Equal("MfaPhone.PhoneNumberInfo", r.Output[0].TypeNames[0]);
        Assert.Equal(46, r.Output[0].Properties["CountryCode"].Value);
        Assert.Equal("701234567", Prop(r.Output[0], "NationalNumber"));
        Assert.Equal("", Prop(r.Output[0], "Reason"));

        var us = ps.Run("ConvertTo-MfaPhoneNumber '(206) 555-0100 ext. 42' US");  // both positional
        Assert.Null(us.Terminating);
        Assert.Equal("+1 2065550100x42", Prop(us.Output.Single(), "PhoneNumber"));
        Assert.Equal("42", Prop(us.Output.Single(), "Extension"));
        Assert.Equal("fixedLineOrMobile", Prop(us.Output.Single(), "LineType"));
    }

    [Fact]
    public void AnInvalidNumberIsAResultWithAReasonNotAnError()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("""
            ConvertTo-MfaPhoneNumber -PhoneNumber '070-123 45 67', 'n/a', '+1 5555551234', '+1 XXXXXXXX34', '', $null, '123' -ErrorAction Stop
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(7, r.Output.Count);
        foreach (var o in r.Output)
        {
            Assert.Equal(false, o.Properties["IsValid"].Value);
            Assert.Equal("", Prop(o, "PhoneNumber"));
            Assert.Equal("", Prop(o, "Region"));
            Assert.Null(o.Properties["CountryCode"].Value);
            Assert.False(string.IsNullOrWhiteSpace(Prop(o, "Reason")), Prop(o, "Input"));
        }
        Assert.Contains("no country code", Prop(r.Output[0], "Reason"));  // national, and no region given
        Assert.Contains("letters", Prop(r.Output[1], "Reason"));
        Assert.Contains("no number range", Prop(r.Output[2], "Reason"));
        Assert.Contains("app-only", Prop(r.Output[3], "Reason"));
        Assert.Contains("empty", Prop(r.Output[4], "Reason"));
        Assert.Null(r.Output[5].Properties["Input"].Value);
        Assert.Contains("empty", Prop(r.Output[5], "Reason"));
    }

    [Fact]
    public void BindsStringsByValueAndObjectsByTheirPhoneNumberProperty()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("""
            $byValue = '08-123 456 78', '0701234567' | ConvertTo-MfaPhoneNumber -DefaultRegion SE
            $byProperty = [pscustomobject]@{ PhoneNumber = '+1 4255550123x42'; Other = 1 }, [pscustomobject]@{ PhoneNumber = '0044 20 7946 0018' } | ConvertTo-MfaPhoneNumber
            $empty = @() | ConvertTo-MfaPhoneNumber
            $byValue; $byProperty; @($empty).Count
            $p = (Get-Command ConvertTo-MfaPhoneNumber).Parameters['PhoneNumber']
            $p.Attributes.Where({ $_ -is [Parameter] }).ForEach({ $_.ValueFromPipeline; $_.ValueFromPipelineByPropertyName; $_.Mandatory; $_.Position })
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "+46 812345678", "+46 701234567", "+1 4255550123x42", "+44 2079460018" },
            r.Output.Take(4).Select(o => Prop(o, "PhoneNumber")));
        Assert.Equal("fixedLine", Prop(r.Output[0], "LineType"));
        Assert.Equal(0, r.Output[4].BaseObject);
        Assert.Equal(new object[] { true, true, true, 0 }, r.Output.Skip(5).Select(o => o.BaseObject));
    }

    [Fact]
    public void NonAsciiInputCrossesTheBoundaryIntact()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("ConvertTo-MfaPhoneNumber -PhoneNumber $args[0], $args[1], $args[2] -DefaultRegion SE",
            "Zoë Ångström", "070\u00a0123\u00a045\u00a067", "+46 70 123 45 67 (Zoë)");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal("Zoë Ångström", Prop(r.Output[0], "Input"));
        Assert.Equal(false, r.Output[0].Properties["IsValid"].Value);
        Assert.Contains("letters", Prop(r.Output[0], "Reason"));
        Assert.Equal("070\u00a0123\u00a045\u00a067", Prop(r.Output[1], "Input"));
        Assert.Equal("+46 701234567", Prop(r.Output[1], "PhoneNumber"));
        Assert.Equal("+46 70 123 45 67 (Zoë)", Prop(r.Output[2], "Input"));
        Assert.Equal(false, r.Output[2].Properties["IsValid"].Value);
    }

    [Fact]
    public void ANulCharacterIsAnInvalidResultNotACutNumber()
    {
        using var ps = new PowerShellHarness();
        // Cut at the NUL, the text would read as a valid number.
        var r = ps.Run("ConvertTo-MfaPhoneNumber -PhoneNumber $args[0]", "+46 701234567\0 and more");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var o = r.Output.Single();
        Assert.Equal(false, o.Properties["IsValid"].Value);
        Assert.Contains("NUL", Prop(o, "Reason"));
        Assert.Equal("+46 701234567\0 and more", Prop(o, "Input"));
    }

    [Theory]
    [InlineData("XX", null)]
    [InlineData("", null)]
    [InlineData("Sweden", "SE")]
    [InlineData("SWE", "SE")]
    [InlineData("UK", "GB")]
    [InlineData("001", null)]
    public void AnInvalidDefaultRegionStopsWithAClearError(string region, string? suggestion)
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("ConvertTo-MfaPhoneNumber -PhoneNumber '070-123 45 67' -DefaultRegion $args[0]; 'not reached'", region);
        Assert.NotNull(r.Terminating);
        Assert.Empty(r.Output);
        Assert.Equal("InvalidRegion," + Cmdlet, r.FirstErrorId);
        var record = ((RuntimeException)r.Terminating!).ErrorRecord;
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Equal(region, record.TargetObject);
        string message = r.Terminating!.Message;
        Assert.Contains($"-DefaultRegion '{region}'", message);
        Assert.Contains("ISO 3166-1 alpha-2", message);
        Assert.Contains("https://www.iso.org/obp/ui/#search/code/", message);
        Assert.Contains("Get-Help ConvertTo-MfaPhoneNumber -Parameter DefaultRegion", message);
        if (suggestion != null && (suggestion == "GB" || CultureDataAvailable(ps)))
            Assert.Contains($"Did you mean '{suggestion}'?", message);
        if (suggestion == null) Assert.DoesNotContain("Did you mean", message);
    }

    private static bool CultureDataAvailable(PowerShellHarness ps) =>
        (bool)ps.Run("[System.Globalization.CultureInfo]::GetCultures('SpecificCultures').Count -gt 1").Output.Single().BaseObject;

    [Fact]
    public void TheHelpListsTheRegionCodes()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("(Get-Help ConvertTo-MfaPhoneNumber -Parameter DefaultRegion).description.Text -join ' '");
        Assert.Null(r.Terminating);
        string help = (string)r.Output.Single().BaseObject;
        foreach (var code in new[] { "SE", "US", "GB", "ZA", "XK" }) Assert.Matches($@"\b{code}\b", help);
    }

    [Fact]
    public async Task TheTableViewFitsEightyColumns()
    {
        // Rendered by the console host at 80 columns, as a user sees it.
        string host = Environment.GetEnvironmentVariable("MFAPHONE_PSHOST") is { Length: > 0 } h ? h
            : Path.Combine(PowerShellHarness.RepoRoot, "build", "tools", "pshost", "mfaphone-pwsh.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(host);
        psi.ArgumentList.Add("-Command");
        psi.ArgumentList.Add($"Import-Module '{Path.Combine(PowerShellHarness.ModuleDir, "MfaPhone.psd1")}'; " +
                             "ConvertTo-MfaPhoneNumber '070-123 45 67', '+1 (425) 555-0123 extension 1234567890', " +
                             "'not a number at all, really', 'Zoë Ångström' -DefaultRegion SE");
        psi.Environment["COLUMNS"] = "80";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stdout + await stderr);
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToArray();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length}: {l}"));
        Assert.Matches(@"^Input\s+PhoneNumber\s+Region\s+IsValid\s+Reason$", lines[0].TrimEnd());
        Assert.Contains(lines, l => l.StartsWith("070-123 45 67 ") && l.Contains("+46 701234567") && l.Contains(" SE ") && l.Contains("True"));
        Assert.Contains(lines, l => l.StartsWith("Zoë Ångström ") && l.Contains("False"));
        // A long value wraps within its column instead of being cut off.
        Assert.DoesNotContain("…", stdout);
        Assert.Contains(lines, l => l.StartsWith("+1 (425) 555-0123") && l.Contains("+1 4255550123x12345"));
        Assert.Contains(lines, l => l.StartsWith("extension 12345678"));
        // Long values wrap inside their column rather than being cut: the whole reason is shown.
        string flat = System.Text.RegularExpressions.Regex.Replace(string.Join(" ", lines), @"\s+", " ");
        Assert.Contains("letters", flat);
    }

    [Fact]
    public void NeedsNoSessionAndNoSignIn()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("""
            ConvertTo-MfaPhoneNumber '+46 701234567'
            [MfaPhone.Commands.ErrorIds].Assembly.GetType('MfaPhone.Commands.MfaSession', $true).GetMethod('Has', [System.Reflection.BindingFlags]'Static,NonPublic').Invoke($null, @([runspace]::DefaultRunspace))
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal("+46 701234567", Prop(r.Output[0], "PhoneNumber"));
        Assert.Equal(false, r.Output[1].BaseObject);
    }
}
