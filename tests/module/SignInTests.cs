using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Xunit;
using static MfaPhone.Module.Tests.SignInSeed;

namespace MfaPhone.Module.Tests;

/// <summary>
/// Every way to sign in, end to end from PowerShell against the emulator: success, the context it
/// leaves, and each failure with its error id and advice.
/// </summary>
[Collection("emulator")]
public sealed class SignInTests
{
    private readonly ModuleFixture _f;
    public SignInTests(ModuleFixture f)
    {
        _f = f;
        SeedAsync(f.Emulator.Control).GetAwaiter().GetResult();
    }

    private string H => Hosts(_f.Endpoint);
    private const string ConnectId = "MfaPhone.Commands.ConnectMfaGraphCommand";

    private static string Text(PsResult r) => r.Terminating?.Message ?? "";

    private static void AssertSignInFailed(PsResult r, string errorId, params string[] contains)
    {
        Assert.NotNull(r.Terminating);
        Assert.Equal(errorId + "," + ConnectId, r.FirstErrorId);
        foreach (var c in contains) Assert.Contains(c, Text(r));
    }

    private PsResult ReadWith(PowerShellHarness ps, string connect) =>
        ps.Run(connect + "\n$c = Get-MfaGraphContext; $c.AuthType; $c.TenantId; $c.ClientId; $c.Account; (Get-MfaPhone -UserId '" + User + "' -PhoneType mobile).PhoneNumber");

    // ---- client secret ----

    [Fact]
    public void AnExpiredClientSecretIsNamed()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(Secure("s", ExpiredSecret) + $"Connect-MfaGraph -TenantId {Tenant} -ClientId {App} -ClientSecret $s {H}");
        AssertSignInFailed(r, "AuthenticationFailed", "AADSTS7000222", "expired");
        Assert.DoesNotContain(ExpiredSecret, r.AllText());
    }

    // ---- certificate ----

    [Fact]
    public async Task ACertificateSignsInFromAPemFileAPfxAnObjectAndTheStore()
    {
        using var cert = new TestCertificate();
        await cert.RegisterAsync(_f.Emulator.Control, Tenant, App);
        using var ps = new PowerShellHarness();
        string common = $"-TenantId {Tenant} -ClientId {App} {H}";

        var pem = ReadWith(ps, $"Connect-MfaGraph {common} -CertificatePath '{cert.PemPath}'");
        Assert.Null(pem.Terminating);
        Assert.Equal(new object[] { "Certificate", Tenant, App }, pem.Output.Take(3).Select(o => o.BaseObject));
        Assert.Equal("+44 7700900111", pem.Output.Last().BaseObject);

        var pfx = ps.Run(Secure("p", TestCertificate.PfxPassword) +
                         $"Connect-MfaGraph {common} -CertificatePath '{cert.PfxPath}' -CertificatePassword $p -SignatureAlgorithm RS256 -PassThru");
        Assert.Null(pfx.Terminating);
        Assert.Equal("Certificate", pfx.Output.Single().Properties["AuthType"].Value);

        var obj = ps.Run(Secure("p", TestCertificate.PfxPassword) +
                         $"$x = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new('{cert.PfxPath}', $p, 'Exportable')\n" +
                         $"Connect-MfaGraph {common} -Certificate $x; (Get-MfaGraphContext).AuthType");
        Assert.Null(obj.Terminating);
        Assert.Equal("Certificate", obj.Output.Single().BaseObject);

        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        using var stored = X509CertificateLoader.LoadPkcs12(cert.PfxBytes, TestCertificate.PfxPassword,
            X509KeyStorageFlags.Exportable | X509KeyStorageFlags.PersistKeySet);
        store.Add(stored);
        try
        {
            var byThumbprint = ps.Run($"Connect-MfaGraph {common} -CertificateThumbprint {cert.Thumbprint}; (Get-MfaGraphContext).AuthType");
            Assert.Null(byThumbprint.Terminating);
            Assert.Equal("Certificate", byThumbprint.Output.Single().BaseObject);
        }
        finally
        {
            store.Remove(stored);
        }

        var missing = ps.Run($"Connect-MfaGraph {common} -CertificateThumbprint 00112233445566778899AABBCCDDEEFF00112233");
        AssertSignInFailed(missing, "InvalidInput", "No certificate with thumbprint", "My store");
    }

    [Fact]
    public async Task AnAssertionSignedByAKeyTheAppDoesNotKnowIsRefused()
    {
        using var registered = new TestCertificate();
        using var other = new TestCertificate();
        await registered.RegisterAsync(_f.Emulator.Control, Tenant, App);
        using var ps = new PowerShellHarness();
        var r = ps.Run($"Connect-MfaGraph -TenantId {Tenant} -ClientId {App} {H} -CertificatePath '{other.PemPath}'");
        AssertSignInFailed(r, "AuthenticationFailed", "AADSTS700027", "certificate is not registered");
        Assert.Empty(ps.Run("Get-MfaGraphContext").Output);
    }

    [Fact]
    public void APfxWithTheWrongPasswordOrNoCertificateChoiceIsInvalidInput()
    {
        using var cert = new TestCertificate();
        using var ps = new PowerShellHarness();
        var r = ps.Run(Secure("p", "Not-The-Password-5") +
                       $"Connect-MfaGraph -TenantId {Tenant} -ClientId {App} {H} -CertificatePath '{cert.PfxPath}' -CertificatePassword $p");
        AssertSignInFailed(r, "InvalidInput", "password is wrong");
        Assert.DoesNotContain("Not-The-Password-5", r.AllText());
        var none = ps.Run($"Connect-MfaGraph -TenantId {Tenant} -ClientId {App} {H} -SignatureAlgorithm RS256");
        AssertSignInFailed(none, "InvalidInput", "exactly one of -CertificatePath, -Certificate or -CertificateThumbprint");
    }

    // ---- managed identity ----

    [Fact]
    public void TheManagedIdentityOfAutomationSignsInWithAndWithoutIdentity()
    {
        using var env = EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", IdentityHeader));
        using var ps = new PowerShellHarness();
        var explicitly = ReadWith(ps, $"Connect-MfaGraph -Identity -GraphEndpoint '{_f.Endpoint}'");
        Assert.Null(explicitly.Terminating);
        Assert.Equal(new object[] { "ManagedIdentity", TenantGuid, SystemIdentity, SystemIdentityObject, "+44 7700900111" },
            explicitly.Output.Select(o => o.BaseObject));

        // Inside Automation, no credential at all means the managed identity.
        using var automation = new EnvironmentScope(("AZUREPS_HOST_ENVIRONMENT", "AzureAutomation"));
        var automatic = ps.Run($"Connect-MfaGraph -GraphEndpoint '{_f.Endpoint}' -Verbose; (Get-MfaGraphContext).AuthType");
        Assert.Null(automatic.Terminating);
        Assert.Equal("ManagedIdentity", automatic.Output.Single().BaseObject);
        Assert.Contains(automatic.Verbose, v => v.Contains("Azure Automation detected"));
    }

    [Theory]
    [InlineData("-ManagedIdentityClientId " + UserIdentity)]
    [InlineData("-ManagedIdentityObjectId " + UserIdentityObject)]
    [InlineData("-ManagedIdentityResourceId '" + UserIdentityResource + "'")]
    public void AUserAssignedIdentityIsChosenByClientObjectOrResourceId(string selector)
    {
        using var env = EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", IdentityHeader));
        using var ps = new PowerShellHarness();
        var r = ps.Run($"Connect-MfaGraph -Identity {selector} -GraphEndpoint '{_f.Endpoint}'; $c = Get-MfaGraphContext; $c.ClientId; $c.Account; $c.Roles -join ','");
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { UserIdentity, UserIdentityObject, "User.Read.All,UserAuthMethod-Phone.Read.All" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void TheInstanceMetadataServiceServesVmsAndHybridWorkers()
    {
        using var env = EnvironmentScope.WithoutIdentity(("AZURE_POD_IDENTITY_AUTHORITY_HOST", _f.Endpoint));
        using var ps = new PowerShellHarness();
        var r = ReadWith(ps, $"Connect-MfaGraph -Identity -ManagedIdentityClientId {UserIdentity} -GraphEndpoint '{_f.Endpoint}'");
        Assert.Null(r.Terminating);
        Assert.Equal("ManagedIdentity", r.Output[0].BaseObject);
        Assert.Equal(UserIdentity, r.Output[2].BaseObject);
        Assert.Equal("+44 7700900111", r.Output.Last().BaseObject);
    }

    [Fact]
    public void AMissingOrWrongIdentityHeaderAndAMissingCredentialAreExplained()
    {
        using var ps = new PowerShellHarness();
        using (EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token")))
        {
            var missing = ps.Run("Connect-MfaGraph -Identity");
            AssertSignInFailed(missing, "InvalidInput", "IDENTITY_HEADER");
        }
        using (EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", "Wrong-Identity-Header-77")))
        {
            var wrong = ps.Run("Connect-MfaGraph -Identity -Debug -Verbose");
            AssertSignInFailed(wrong, "AuthenticationFailed", "managed identity could not get a token", "X-IDENTITY-HEADER value is not valid");
            Assert.DoesNotContain("Wrong-Identity-Header-77", wrong.AllText());
            Assert.Contains(wrong.Debug, d => d.Contains("x-identity-header: REDACTED", StringComparison.OrdinalIgnoreCase));
        }
        using (EnvironmentScope.WithoutIdentity())
        {
            var none = ps.Run("Connect-MfaGraph");
            AssertSignInFailed(none, "InvalidInput", "No credential was given", "-Identity", "-ClientSecret");
        }
    }

    // ---- access token ----

    [Fact]
    public async Task AnAccessTokenIsUsedUntilItExpires()
    {
        string token = await _f.Emulator.Control.MintTokenAsync(new { tenant = Tenant, clientId = App, roles = new[] { "User.Read.All", "UserAuthMethod-Phone.Read.All" } });
        using var ps = new PowerShellHarness();
        var r = ps.Run("$t = [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword\n" +
                       $"Connect-MfaGraph -AccessToken $t -GraphEndpoint '{_f.Endpoint}'\n" +
                       "$c = Get-MfaGraphContext; $c.AuthType; $c.TenantId; $c.ClientId\n" +
                       $"(Get-MfaPhone -UserId '{User}').PhoneNumber", token);
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { "AccessToken", TenantGuid, App, "+44 7700900111" }, r.Output.Select(o => o.BaseObject));

        string expired = await _f.Emulator.Control.MintTokenAsync(new { tenant = Tenant, clientId = App, roles = new[] { "User.Read.All" }, lifetime = -120 });
        var old = ps.Run("$t = [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword\n" +
                         $"Connect-MfaGraph -AccessToken $t -GraphEndpoint '{_f.Endpoint}'", expired);
        AssertSignInFailed(old, "AuthenticationFailed", "expired at", "get a new one");
        Assert.DoesNotContain("eyJ", old.AllText());
    }

    // ---- password ----

    [Fact]
    public void ThePasswordFlowWorksWithAWarningNamingTheAppOnlyWays()
    {
        using var ps = new PowerShellHarness();
        var r = ReadWith(ps, Secure("pw", ServicePassword) +
                             $"$cred = [pscredential]::new('{ServiceAccount}', $pw)\n" +
                             $"Connect-MfaGraph -TenantId {Tenant} -ClientId {PublicClient} -Credential $cred {H}");
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { "Password", Tenant, PublicClient, ServiceAccount, "+44 7700900111" }, r.Output.Select(o => o.BaseObject));
        var warning = Assert.Single(r.Warning, w => w.Contains("password flow"));
        Assert.Contains("-Identity", warning);
        Assert.Contains("-CertificateThumbprint", warning);
    }

    [Theory]
    [InlineData(MfaUser, MfaPassword, PublicClient, "AADSTS50076", "multi-factor")]
    [InlineData(ServiceAccount, ServicePassword, BlockedClient, "AADSTS53003", "Conditional Access")]
    [InlineData(ServiceAccount, "Wrong~Password-4", PublicClient, "AADSTS50126", "user name or password is wrong")]
    public void PasswordFlowRefusalsAreExplained(string user, string password, string client, string code, string advice)
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(Secure("pw", password) + $"$cred = [pscredential]::new('{user}', $pw)\n" +
                       $"Connect-MfaGraph -TenantId {Tenant} -ClientId {client} -Credential $cred {H}");
        AssertSignInFailed(r, "AuthenticationFailed", code, advice);
        Assert.DoesNotContain(password, r.AllText());
    }

    [Fact]
    public void ADelegatedAuthenticationAdministratorIsToldNumbersAreMasked()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(Secure("pw", HelpdeskPassword) + $"$cred = [pscredential]::new('{Helpdesk}', $pw)\n" +
                       $"Connect-MfaGraph -TenantId {Tenant} -ClientId {PublicClient} -Credential $cred {H}\n" +
                       "$c = Get-MfaGraphContext; $c.Delegated; $c.NumbersMasked; $c.Scopes -join ','\n" +
                       $"(Get-MfaPhone -UserId '{User}').PhoneNumber");
        Assert.Null(r.Terminating);
        Assert.Equal(true, r.Output[0].BaseObject);
        Assert.Equal(true, r.Output[1].BaseObject);
        Assert.Contains("UserAuthenticationMethod.ReadWrite.All", (string)r.Output[2].BaseObject);
        Assert.Contains("XXXX", (string)r.Output[3].BaseObject);
        Assert.Contains(r.Warning, w => w.Contains("masked"));

        var admin = ps.Run(Secure("pw", ServicePassword) + $"$cred = [pscredential]::new('{ServiceAccount}', $pw)\n" +
                           $"Connect-MfaGraph -TenantId {Tenant} -ClientId {PublicClient} -Credential $cred {H}; (Get-MfaGraphContext).NumbersMasked");
        Assert.Equal(false, admin.Output.Single().BaseObject);
    }

    // ---- permissions ----

    [Fact]
    public void AMissingPermissionIsWarnedAtSignInAndNamedWithHowToGrantItOn403()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(ModuleFixture.NoPermissionClientId, ModuleFixture.NoPermissionSecret) +
                       "(Get-MfaGraphContext).HasPhoneMethodPermission\nGet-MfaPhone -UserId adele.vance@contoso.com");
        Assert.Null(r.Terminating);
        Assert.Equal(false, r.Output.Single().BaseObject);
        Assert.Contains(r.Warning, w => w.Contains("none of the phone-method permissions") && w.Contains("admin consent"));
        var error = Assert.Single(r.Errors);
        Assert.Equal("PermissionDenied,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
        string message = error.Exception.Message;
        Assert.True(message.IndexOf("UserAuthMethod-Phone.Read.All", StringComparison.Ordinal) <
                    message.IndexOf("UserAuthenticationMethod.Read.All", StringComparison.Ordinal), "least privileged first");
        Assert.Contains("admin consent", message);
        Assert.Contains("New-MgServicePrincipalAppRoleAssignment", message);
    }

    // ---- sessions ----

    [Fact]
    public void TwoSessionsOnTwoTenantsWorkSideBySide()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(Secure("fs", AppSecret) +
                       _f.Connect(extra: "-PassThru").Replace("Connect-MfaGraph", "$a = Connect-MfaGraph") +
                       $"$b = Connect-MfaGraph -TenantId {Tenant} -ClientId {App} -ClientSecret $fs {H} -PassThru\n" +
                       "(Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile -Session $a).PhoneNumber\n" +
                       $"(Get-MfaPhone -UserId '{User}' -Session $b).PhoneNumber\n" +
                       "(Get-MfaGraphContext -Session $a).TenantId; (Get-MfaGraphContext).TenantId\n" +
                       $"Get-MfaPhone -UserId '{User}' -Session $a\n" +
                       "Disconnect-MfaGraph -Session $a; $a.Connected; $b.Connected\n" +
                       $"(Get-MfaPhone -UserId '{User}' -Session $b).PhoneNumber");
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { "+1 2065550101", "+44 7700900111", ModuleFixture.TenantId, Tenant, false, true, "+44 7700900111" },
            r.Output.Select(o => o.BaseObject));
        // The contoso session cannot see the fabrikam user.
        Assert.Equal("UserNotFound,MfaPhone.Commands.GetMfaPhoneCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
        var after = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com -Session $a");
        Assert.NotNull(after.Terminating);
        Assert.Equal("NotConnected,MfaPhone.Commands.GetMfaPhoneCommand", after.FirstErrorId);
    }

    [Fact]
    public void AFailedSignInSignsTheRunspaceOutButKeepsASessionHandedOut()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(extra: "-PassThru").Replace("Connect-MfaGraph", "$a = Connect-MfaGraph") +
                       "try {\n" + _f.Connect(secret: "Wrong~Secret-Handed-Out") + "} catch { }\n" +
                       "@(Get-MfaGraphContext).Count; $a.Connected\n" +
                       "(Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile -Session $a).PhoneNumber");
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { 0, true, "+1 2065550101" }, r.Output.Select(o => o.BaseObject));
    }
}
