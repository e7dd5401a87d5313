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
}
