using System;
using System.Linq;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// The client secret and the access token appear in no stream, error or exception text, with
/// -Verbose and -Debug on, on success and on failure.
/// </summary>
[Collection("emulator")]
public sealed class SecretLeakTests
{
    private readonly ModuleFixture _f;
    public SecretLeakTests(ModuleFixture f) => _f = f;

    private const string Preferences = "$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'\n";

    private static void AssertNoSecrets(PsResult r, params string[] secrets)
    {
        string all = r.AllText();
        foreach (var s in secrets) Assert.DoesNotContain(s, all);
        // No bearer token: emulator tokens are JWTs, which start with "eyJ".
        Assert.DoesNotContain("eyJ", all);
    }

    [Fact]
    public void SuccessfulSignInAndReadsLeakNothing()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(Preferences + _f.Connect(extra: "-Verbose -Debug -PassThru") +
                       "Get-MfaPhone -UserId adele.vance@contoso.com, nobody@contoso.com -Verbose -Debug\nGet-MfaGraphContext");
        Assert.Null(r.Terminating);
        Assert.NotEmpty(r.Debug);    // the HTTP exchange was logged...
        Assert.Contains(r.Debug, d => d.Contains("Authorization: REDACTED"));
        AssertNoSecrets(r, ModuleFixture.ClientSecret);  // ...without the secret or the token
    }

    [Fact]
    public void FailedSignInLeaksNothing()
    {
        using var ps = new PowerShellHarness();
        const string wrong = "Leak~Probe-Secret-9x8y7z";
        var r = ps.Run(Preferences + _f.Connect(secret: wrong, extra: "-Verbose -Debug"));
        Assert.NotNull(r.Terminating);
        Assert.NotEmpty(r.Debug);
        AssertNoSecrets(r, wrong);
    }

    [Fact]
    public void TheErrorStreamVariableAndHistoryHoldNoSecret()
    {
        using var ps = new PowerShellHarness();
        const string wrong = "Leak~Probe-Secret-ErrVar";
        var r = ps.Run(Preferences + "try {\n" + _f.Connect(secret: wrong, extra: "-Debug") +
                       "} catch { 'caught:' + $_.FullyQualifiedErrorId; $_.ToString(); $_.Exception.ToString(); $_.ScriptStackTrace; $_.Exception.PSObject.Properties.ForEach({ '{0}={1}' -f $_.Name, $_.Value }) }\n" +
                       "'errors:' + $Error.Count; $Error.ForEach({ $_.ToString(); $_.Exception.ToString() })");
        // The sign-in really failed, and the texts searched below are its error's.
        Assert.Null(r.Terminating);
        var lines = r.Output.Select(o => Convert.ToString(o.BaseObject)).ToList();
        Assert.Equal("caught:AuthenticationFailed,MfaPhone.Commands.ConnectMfaGraphCommand", lines[0]);
        Assert.Contains(lines, l => l != null && l.Contains("AADSTS7000215"));
        Assert.Contains(lines, l => l != null && l.StartsWith("errors:") && l != "errors:0");
        AssertNoSecrets(r, wrong);
    }

    // ---- every other kind of secret, on success and on failure ----

    // -Debug on Connect-MfaGraph would make its warnings prompt (Inquire); $DebugPreference
    // (set by Preferences) turns the debug stream on without that.
    private static string StreamsOf(string script) => Preferences + script.Replace("Connect-MfaGraph ", "Connect-MfaGraph -Verbose ") +
        "\nGet-MfaGraphContext | ForEach-Object { $_.PSObject.Properties.ForEach({ '{0}={1}' -f $_.Name, ($_.Value -join ',') }) }" +
        "\n$Error.ForEach({ $_.ToString(); $_.Exception.ToString() })";

    [Fact]
    public async Task CertificatesKeysAndTheirPasswordsLeakNothing()
    {
        await SignInSeed.SeedAsync(_f.Emulator.Control);
        using var cert = new TestCertificate();
        await cert.RegisterAsync(_f.Emulator.Control, SignInSeed.Tenant, SignInSeed.App);
        string keyBody = cert.KeyPem.Split('\n')[3].Trim();  // a line of the key's base64
        using var ps = new PowerShellHarness();
        string common = $"-TenantId {SignInSeed.Tenant} -ClientId {SignInSeed.App} {SignInSeed.Hosts(_f.Endpoint)}";
        var ok = ps.Run(StreamsOf(SignInSeed.Secure("p", TestCertificate.PfxPassword) +
                                  $"Connect-MfaGraph {common} -CertificatePath '{cert.PfxPath}' -CertificatePassword $p\n" +
                                  $"Connect-MfaGraph {common} -CertificatePath '{cert.PemPath}'\nGet-MfaPhone -UserId {SignInSeed.User} -Verbose -Debug"));
        Assert.Null(ok.Terminating);
        Assert.NotEmpty(ok.Debug);
        AssertNoSecrets(ok, TestCertificate.PfxPassword, keyBody);
        var bad = ps.Run(StreamsOf(SignInSeed.Secure("p", "Leak~Pfx-Password-31") +
                                   $"try {{ Connect-MfaGraph {common} -CertificatePath '{cert.PfxPath}' -CertificatePassword $p }} catch {{ $_.Exception.ToString() }}"));
        Assert.Contains(bad.Output, o => o.ToString()!.Contains("password is wrong"));
        AssertNoSecrets(bad, "Leak~Pfx-Password-31", TestCertificate.PfxPassword);
    }

    [Fact]
    public async Task PasswordsLeakNothing()
    {
        await SignInSeed.SeedAsync(_f.Emulator.Control);
        using var ps = new PowerShellHarness();
        string connect(string password) => SignInSeed.Secure("pw", password) + $"$cred = [pscredential]::new('{SignInSeed.ServiceAccount}', $pw)\n" +
            $"try {{ Connect-MfaGraph -TenantId {SignInSeed.Tenant} -ClientId {SignInSeed.PublicClient} -Credential $cred {SignInSeed.Hosts(_f.Endpoint)} }} catch {{ $_.Exception.ToString() }}\n";
        var ok = ps.Run(StreamsOf(connect(SignInSeed.ServicePassword) + $"Get-MfaPhone -UserId {SignInSeed.User} -Verbose -Debug"));
        Assert.True(ok.Terminating == null, string.Join("\n", ok.Output) + "|W:" + string.Join("\n", ok.Warning) + "|V:" + string.Join("\n", ok.Verbose) + "|E:" + string.Join("\n", ok.Errors));
        Assert.NotEmpty(ok.Debug);
        AssertNoSecrets(ok, SignInSeed.ServicePassword);
        var bad = ps.Run(StreamsOf(connect("Leak~User-Password-32")));
        Assert.Contains(bad.Output, o => o.ToString()!.Contains("AADSTS50126"));
        AssertNoSecrets(bad, "Leak~User-Password-32");
    }

    [Fact]
    public async Task AccessTokensAndIdentityHeadersLeakNothing()
    {
        await SignInSeed.SeedAsync(_f.Emulator.Control);
        string token = await _f.Emulator.Control.MintTokenAsync(new { tenant = SignInSeed.Tenant, clientId = SignInSeed.App, roles = new[] { "User.Read.All", "UserAuthMethod-Phone.Read.All" } });
        using var ps = new PowerShellHarness();
        var ok = ps.Run(StreamsOf("$t = [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword\n" +
                                  $"Connect-MfaGraph -AccessToken $t -GraphEndpoint '{_f.Endpoint}'\nGet-MfaPhone -UserId {SignInSeed.User} -Verbose -Debug"), token);
        Assert.Null(ok.Terminating);
        AssertNoSecrets(ok, token.Substring(token.Length - 40));

        using (EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", SignInSeed.IdentityHeader)))
        {
            var mi = ps.Run(StreamsOf($"Connect-MfaGraph -Identity -GraphEndpoint '{_f.Endpoint}'\nGet-MfaPhone -UserId {SignInSeed.User} -Verbose -Debug"));
            Assert.Null(mi.Terminating);
            Assert.Contains(mi.Debug, d => d.Contains("X-IDENTITY-HEADER: REDACTED"));
            AssertNoSecrets(mi, SignInSeed.IdentityHeader);
        }
        using (EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", _f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", "Leak~Identity-Header-33")))
        {
            var bad = ps.Run(StreamsOf("try { Connect-MfaGraph -Identity } catch { $_.Exception.ToString() }"));
            Assert.Contains(bad.Output, o => o.ToString()!.Contains("could not get a token"));
            AssertNoSecrets(bad, "Leak~Identity-Header-33");
        }
    }
}
