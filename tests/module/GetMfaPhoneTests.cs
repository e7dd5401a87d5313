using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

[Collection("emulator")]
public sealed class GetMfaPhoneTests
{
    private readonly ModuleFixture _f;
    public GetMfaPhoneTests(ModuleFixture f) => _f = f;

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    [Fact]
    public void ReadsPhoneMethodsOverHttpThroughEveryLayer()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(2, r.Output.Count);
        var mobile = r.Output.Single(o => Prop(o, "PhoneType") == "mobile");
        Assert.Equal("adele.vance@contoso.com", Prop(mobile, "UserId"));
        Assert.Equal("+1 2065550101", Prop(mobile, "PhoneNumber"));
        Assert.Equal("3179e48a-750b-4051-897c-87b9720928f7", Prop(mobile, "Id"));
        Assert.False(string.IsNullOrEmpty(Prop(mobile, "SmsSignInState")));
        var office = r.Output.Single(o => Prop(o, "PhoneType") == "office");
        Assert.Equal("+1 4255550123x42", Prop(office, "PhoneNumber"));
        Assert.Equal("MfaPhone.MfaPhoneMethod", mobile.TypeNames[0]);
    }

    [Fact]
    public void BindsPipelineByValueAndByPropertyNameInInputOrder()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            $byValue = 'zoë.ångström@contoso.com', 'adele.vance@contoso.com' | Get-MfaPhone -PhoneType mobile
            $byUpn = [pscustomobject]@{ UserPrincipalName = 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com' } | Get-MfaPhone
            $byId = [pscustomobject]@{ Id = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' } | Get-MfaPhone -PhoneType office
            $byValue; $byUpn; $byId
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var rows = r.Output.Select(o => Prop(o, "UserId") + "|" + Prop(o, "PhoneType") + "|" + Prop(o, "PhoneNumber")).ToArray();
        Assert.Equal(new[]
        {
            "zoë.ångström@contoso.com|mobile|+46 701234567",
            "adele.vance@contoso.com|mobile|+1 2065550101",
            "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com|mobile|+44 7700900123",
            "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com|alternateMobile|+44 7700900456",
            "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9|office|+1 4255550123x42",
        }, rows);
    }

    [Fact]
    public void AUserStartingWithDollarIsAddressedWithTheKeyForm()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Get-MfaPhone -UserId '$svc.account@contoso.com' -Verbose");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Contains(r.Verbose, v => v.Contains("$svc.account@contoso.com: no phone methods."));
    }

    [Fact]
    public void AMissingUserIsANonTerminatingErrorAndTheOthersGoOn()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "'adele.vance@contoso.com', 'nobody@contoso.com', 'zoë.ångström@contoso.com' | Get-MfaPhone -PhoneType mobile");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("UserNotFound,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nobody@contoso.com", error.TargetObject);
        Assert.Contains("Request_ResourceNotFound", error.Exception.Message);
        Assert.Contains("request-id", error.Exception.Message);
        Assert.Equal(new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com" }, r.Output.Select(o => Prop(o, "UserId")));
    }

    [Fact]
    public void WithoutPermissionEachUserFailsWithPermissionDenied()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(ModuleFixture.NoPermissionClientId, ModuleFixture.NoPermissionSecret) +
                       "Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("PermissionDenied,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains("Authorization_RequestDenied", error.Exception.Message);
    }

    [Fact]
    public void WithoutConnectingTheCallStopsWithNotConnected()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.NotNull(r.Terminating);
        Assert.Equal("NotConnected,MfaPhone.Commands.GetMfaPhoneCommand", r.FirstErrorId);
        Assert.Contains("Connect-MfaGraph", r.Terminating!.Message);
    }

    [Fact]
    public void NonAsciiTextCrossesTheNativeBoundaryIntact()
    {
        using var ps = new PowerShellHarness();
        // Strings set from C# and read back through the native struct, and strings that
        // originate natively (log lines, Graph's error message) all keep their characters.
        // The proxies are internal to the module: reach one by reflection.
        var r = ps.Run(_f.Connect() + """
            $type = [MfaPhone.Commands.ErrorIds].Assembly.GetType('MfaPhone.Native.ConnectOptions', $true)
            $o = [Activator]::CreateInstance($type)
            $o.TenantId = 'Zoë Ångström 漢字 🙂'
            $o.TenantId
            $o.Dispose()
            Get-MfaPhone -UserId 'zoë.ångström@contoso.com' -Verbose
            Get-MfaPhone -UserId 'zoë.nobody@contoso.com'
            """);
        Assert.Null(r.Terminating);
        Assert.Equal("Zoë Ångström 漢字 🙂", r.Output[0].BaseObject as string);
        Assert.Equal("+46 701234567", Prop(r.Output[1], "PhoneNumber"));
        Assert.Contains(r.Verbose, v => v.StartsWith("graph: zoë.ångström@contoso.com: 1 phone method(s); mobile +46 *******67"));
        var error = Assert.Single(r.Errors);
        Assert.Contains("zoë.nobody@contoso.com", error.Exception.Message);
    }

    [Fact]
    public void VerboseOutputMasksPhoneNumbers()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "$null = Get-MfaPhone -UserId adele.vance@contoso.com -Verbose");
        Assert.Null(r.Terminating);
        string verbose = string.Join("\n", r.Verbose);
        Assert.Contains("+1 ********01", verbose);
        Assert.DoesNotContain("2065550101", verbose);
    }
}
