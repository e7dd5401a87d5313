using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// Test-MfaPhoneSetup against emulator tenants whose app, managed identity or delegated user lacks
/// permissions or roles: each check's status, what it says is missing and the command that grants it.
/// In the "emulator" collection: one test sets the managed-identity environment variables.
/// </summary>
[Collection("emulator")]
public sealed class SetupCheckTests : IClassFixture<PhoneChangeFixture>
{
    private readonly PhoneChangeFixture _f;
    public SetupCheckTests(PhoneChangeFixture f) => _f = f;

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    private static Dictionary<string, PSObject> ByCheck(PsResult r)
    {
        Assert.Null(r.Terminating);
        Assert.All(r.Output, o => Assert.Equal("MfaPhone.SetupCheck", o.TypeNames[0]));
        return r.Output.ToDictionary(o => Prop(o, "Check"));
    }

    private static string Statuses(Dictionary<string, PSObject> checks) =>
        string.Join(",", checks.Values.Select(o => Prop(o, "Check") + "=" + Prop(o, "Status")));

    [Fact]
    public async Task AFullyPermittedAppPassesEveryCheckAndReadsTheUser()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var checks = ByCheck(ps.Run(_f.Connect() + "Test-MfaPhoneSetup -UserId full@contoso.com"));
        Assert.Equal("Connection=Pass,SignIn=Pass,Cloud=Pass,ReadPermission=Pass,WritePermission=Pass,UserReadPermission=Pass," +
                     "DefaultMethodRead=Pass,MaskedNumbers=Pass,TestRead=Pass", Statuses(checks));
        Assert.Contains("ClientSecret", Prop(checks["SignIn"], "Detail"));
        Assert.Contains("app-only", Prop(checks["SignIn"], "Detail"));
        Assert.Contains("Global", Prop(checks["Cloud"], "Detail"));
        Assert.Contains("UserAuthenticationMethod.ReadWrite.All", Prop(checks["WritePermission"], "Detail"));
        Assert.Contains("mobile, alternateMobile, office", Prop(checks["TestRead"], "Detail"));
        Assert.All(checks.Values, c => Assert.Equal("", Prop(c, "Remedy")));
    }

    [Fact]
    public async Task AReadOnlyPhoneAppFailsWriteAndSaysWhichPermissionAndHowToGrantIt()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var checks = ByCheck(ps.Run(_f.Connect(PhoneChangeFixture.PhoneOnlyApp, PhoneChangeFixture.PhoneOnlySecret) +
                                    "Test-MfaPhoneSetup -UserId mob@contoso.com"));
        Assert.Equal("Pass", Prop(checks["ReadPermission"], "Status"));
        var write = checks["WritePermission"];
        Assert.Equal("Fail", Prop(write, "Status"));
        Assert.Contains("UserAuthMethod-Phone.ReadWrite.All", Prop(write, "Detail"));
        string remedy = Prop(write, "Remedy");
        Assert.Contains("Value -eq 'UserAuthMethod-Phone.ReadWrite.All'", remedy);
        Assert.Contains("New-MgServicePrincipalAppRoleAssignment", remedy);
        Assert.Contains($"appId eq '{PhoneChangeFixture.PhoneOnlyApp}'", remedy);
        Assert.Contains("admin consent", remedy);
        Assert.Equal("Warning", Prop(checks["UserReadPermission"], "Status"));
        Assert.Contains("Value -eq 'User.Read.All'", Prop(checks["UserReadPermission"], "Remedy"));
        Assert.Equal("Warning", Prop(checks["DefaultMethodRead"], "Status"));
        Assert.Contains("UserAuthenticationMethod.Read.All", Prop(checks["DefaultMethodRead"], "Remedy"));
        // The phones are read; the user object is not (no User.Read.All).
        Assert.Equal("Warning", Prop(checks["TestRead"], "Status"));
        Assert.Contains("mobile", Prop(checks["TestRead"], "Detail"));
    }

    [Fact]
    public async Task AnAppWithoutPermissionsFailsTheReadAndTheTestRead()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var checks = ByCheck(ps.Run(_f.Connect(ModuleFixture.NoPermissionClientId, ModuleFixture.NoPermissionSecret) +
                                    "Test-MfaPhoneSetup -UserId mob@contoso.com"));
        Assert.Equal("Fail", Prop(checks["ReadPermission"], "Status"));
        Assert.Contains("Value -eq 'UserAuthMethod-Phone.Read.All'", Prop(checks["ReadPermission"], "Remedy"));
        Assert.Equal("Fail", Prop(checks["TestRead"], "Status"));
        Assert.Contains("PermissionDenied", Prop(checks["TestRead"], "Detail"));
        Assert.Empty((string[])checks["ReadPermission"].Properties["Present"].Value);
        Assert.Contains("UserAuthMethod-Phone.Read.All", (string[])checks["ReadPermission"].Properties["Needed"].Value);
    }

    [Fact]
    public async Task AnAppOnlySignInWithoutUserIdSkipsTheTestRead()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var checks = ByCheck(ps.Run(_f.Connect() + "Test-MfaPhoneSetup"));
        Assert.Equal("Skipped", Prop(checks["TestRead"], "Status"));
        Assert.Contains("-UserId", Prop(checks["TestRead"], "Remedy"));
    }

    [Fact]
    public void WithoutASignInTheOnlyCheckIsTheConnectionWithHowToSignIn()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("Test-MfaPhoneSetup");
        var check = Assert.Single(ByCheck(r).Values);
        Assert.Equal("Connection", Prop(check, "Check"));
        Assert.Equal("Fail", Prop(check, "Status"));
        Assert.Contains("Connect-MfaGraph", Prop(check, "Remedy"));
    }

    [Fact]
    public async Task AManagedIdentityIsToldTheCommandWithItsOwnObjectId()
    {
        await _f.SeedAsync();
        using var env = EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", SignInSeed.IdentityHeader));
        using var ps = new PowerShellHarness();
        var checks = ByCheck(ps.Run($"Connect-MfaGraph -Identity -GraphEndpoint '{_f.Endpoint}'\nTest-MfaPhoneSetup -UserId mob@contoso.com"));
        Assert.Contains("ManagedIdentity", Prop(checks["SignIn"], "Detail"));
        var write = checks["WritePermission"];
        Assert.Equal("Fail", Prop(write, "Status"));
        Assert.Contains("Managed identity", Prop(write, "Remedy"));
        Assert.Contains("-ServicePrincipalId 7c0b2a3d-0000-4000-8000-0000000000b0 -PrincipalId 7c0b2a3d-0000-4000-8000-0000000000b0",
            Prop(write, "Remedy"));
    }

    [Fact]
    public async Task ADelegatedAuthenticationAdministratorIsWarnedOfMaskedNumbersAndAUserWithoutARoleFails()
    {
        await _f.SeedAsync();
        string admin = await _f.Emulator.Control.MintTokenAsync(new
        {
            tenant = PhoneChangeFixture.Tenant, clientId = ModuleFixture.ClientId, userPrincipalName = "mob@contoso.com",
            scopes = new[] { "UserAuthenticationMethod.ReadWrite.All", "User.Read.All" }, wids = new[] { "Authentication Administrator" },
        });
        string plain = await _f.Emulator.Control.MintTokenAsync(new
        {
            tenant = PhoneChangeFixture.Tenant, clientId = ModuleFixture.ClientId, userPrincipalName = "mob@contoso.com",
            scopes = new[] { "UserAuthenticationMethod.ReadWrite.All", "User.Read.All" }, wids = Array.Empty<string>(),
        });
        using var ps = new PowerShellHarness();
        string script = "$t = [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword\n" +
                        $"Connect-MfaGraph -AccessToken $t -GraphEndpoint '{_f.Endpoint}'\nTest-MfaPhoneSetup";
        var checks = ByCheck(ps.Run(script, admin));
        Assert.Equal("Warning", Prop(checks["MaskedNumbers"], "Status"));
        Assert.Equal("Pass", Prop(checks["WritePermission"], "Status"));
        Assert.Contains("Authentication Administrator", Prop(checks["WritePermission"], "Detail"));
        Assert.Contains("delegated, as mob@contoso.com", Prop(checks["SignIn"], "Detail"));
        Assert.Equal("Pass", Prop(checks["TestRead"], "Status"));  // the signed-in user reads their own methods

        checks = ByCheck(ps.Run(script, plain));
        Assert.Equal("Pass", Prop(checks["MaskedNumbers"], "Status"));
        var write = checks["WritePermission"];
        Assert.Equal("Fail", Prop(write, "Status"));
        Assert.Contains("New-MgRoleManagementDirectoryRoleAssignment", Prop(write, "Remedy"));
        Assert.Contains("c4e39bd9-1100-46d3-8c65-fb160da0071f", Prop(write, "Remedy"));
    }

    [Fact]
    public async Task TheTableFits80ColumnsAndShowsTheFix()
    {
        await _f.SeedAsync();
        var r = BundledHost.Run("Import-Module MfaPhone\n" + _f.Connect(PhoneChangeFixture.PhoneOnlyApp, PhoneChangeFixture.PhoneOnlySecret) +
                                "Test-MfaPhoneSetup -UserId mob@contoso.com\n", new Dictionary<string, string> { ["COLUMNS"] = "80" });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"Check\s+Status\s+Detail", r.StdOut);
        Assert.Matches(@"(?m)^WritePermission\s+Fail\s+", r.StdOut);
        Assert.Contains("Fix: ", r.StdOut);
        Assert.All(r.StdOut.Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= 80, l));
    }
}
