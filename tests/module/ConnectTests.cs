using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

[Collection("emulator")]
public sealed class ConnectTests
{
    private readonly ModuleFixture _f;
    public ConnectTests(ModuleFixture f) => _f = f;

    [Fact]
    public void ConnectSetsTheContextAndDisconnectClearsIt()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(extra: "-PassThru") + "Get-MfaGraphContext; Disconnect-MfaGraph; @(Get-MfaGraphContext).Count");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(3, r.Output.Count);
        var session = r.Output[0];
        Assert.Equal("MfaPhone.GraphSession", session.TypeNames[0]);
        Assert.Equal(ModuleFixture.TenantId, session.Properties["TenantId"].Value);
        Assert.Equal(ModuleFixture.ClientId, session.Properties["ClientId"].Value);
        Assert.Equal("ClientSecret", session.Properties["AuthType"].Value);
        foreach (var ctx in r.Output.Skip(1).Take(1))
        {
            Assert.Equal(new[] { "MfaPhone.GraphContext", "MfaPhone.MfaGraphContext" }, ctx.TypeNames.Take(2));
            Assert.Equal(ModuleFixture.TenantId, ctx.Properties["TenantId"].Value);
            Assert.Equal(ModuleFixture.ClientId, ctx.Properties["ClientId"].Value);
            Assert.Equal("Global", ctx.Properties["Environment"].Value);
            Assert.Equal("ClientSecret", ctx.Properties["AuthType"].Value);
            Assert.Equal(_f.Endpoint, ctx.Properties["GraphEndpoint"].Value);
            var roles = (string[])ctx.Properties["Roles"].Value;
            Assert.Contains("UserAuthenticationMethod.ReadWrite.All", roles);
            var expires = (DateTimeOffset)ctx.Properties["TokenExpiresOn"].Value;
            Assert.True(expires > DateTimeOffset.UtcNow.AddMinutes(30));
        }
        Assert.Equal(0, r.Output[2].BaseObject);
    }

    [Fact]
    public void EachSignInWayIsItsOwnParameterSet()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("[string[]] $n = (Get-Command Connect-MfaGraph).ParameterSets.Name; [Array]::Sort($n); $n -join ','; (Get-Command Connect-MfaGraph).DefaultParameterSet");
        Assert.Null(r.Terminating);
        Assert.Equal("AccessToken,Certificate,ClientSecret,ClientSecretCredential,Credential,DeviceCode,ManagedIdentity", r.Output[0].BaseObject);
        Assert.Equal("ManagedIdentity", r.Output[1].BaseObject);
    }

    [Fact]
    public void AWrongSecretStopsWithAnAuthenticationErrorThatExplains()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(secret: "Wrong~Secret-Value-123"));
        Assert.NotNull(r.Terminating);
        Assert.Equal("AuthenticationFailed,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        var record = ((RuntimeException)r.Terminating!).ErrorRecord;
        Assert.Equal(ErrorCategory.AuthenticationError, record.CategoryInfo.Category);
        Assert.Contains("AADSTS7000215", r.Terminating.Message);
        Assert.Contains("Correlation id", r.Terminating.Message);
        Assert.DoesNotContain("Wrong~Secret-Value-123", r.AllText());
        Assert.Empty(ps.Run("Get-MfaGraphContext").Output);
    }

    [Fact]
    public void AnUnknownTenantAndAnUnknownAppAreNamed()
    {
        using var ps = new PowerShellHarness();
        var unknownApp = ps.Run(_f.Connect(clientId: "00000000-0000-0000-0000-00000000beef"));
        Assert.Equal("AuthenticationFailed,MfaPhone.Commands.ConnectMfaGraphCommand", unknownApp.FirstErrorId);
        Assert.Contains("AADSTS700016", unknownApp.Terminating!.Message);
        var r = ps.Run(_f.Connect().Replace(ModuleFixture.TenantId, "nosuchtenant.onmicrosoft.com"));
        Assert.Equal("AuthenticationFailed,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        Assert.Contains("AADSTS90002", r.Terminating!.Message);
    }

    [Fact]
    public void AnUnreachableEndpointIsATransportError()
    {
        using var ps = new PowerShellHarness();
        // A port nobody listens on: bind one, then release it.
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        var r = ps.Run(_f.Connect(extra: "-TimeoutSec 5").Replace(_f.Endpoint, $"http://127.0.0.1:{port}"));
        Assert.NotNull(r.Terminating);
        Assert.Equal("TransportFailed,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, ((RuntimeException)r.Terminating!).ErrorRecord.CategoryInfo.Category);
        Assert.Contains($"127.0.0.1:{port}", r.Terminating!.Message);
    }

    [Fact]
    public void ABadEnvironmentOrEndpointIsRejectedClearly()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect().Replace($"-AuthorityHost '{_f.Endpoint}'", "-AuthorityHost 'login.example'"));
        Assert.NotNull(r.Terminating);
        Assert.Equal("InvalidInput,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        Assert.Contains("absolute http(s) URL", r.Terminating!.Message);
        var env = ps.Run(_f.Connect(extra: "-Environment Mars"));
        Assert.NotNull(env.Terminating);
        Assert.Contains("Global", env.Terminating!.Message);
    }

    [Fact]
    public void ConnectAcceptsAClientSecretCredential()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run($$"""
            $cred = [pscredential]::new('{{ModuleFixture.ClientId}}', [System.Net.NetworkCredential]::new('', '{{ModuleFixture.ClientSecret}}').SecurePassword)
            Connect-MfaGraph -TenantId {{ModuleFixture.TenantId}} -ClientSecretCredential $cred -AuthorityHost {{_f.Endpoint}} -GraphEndpoint {{_f.Endpoint}}
            (Get-MfaGraphContext).ClientId
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(ModuleFixture.ClientId, r.Output.Single().BaseObject);
    }

    [Fact]
    public void EachRunspaceHasItsOwnSession()
    {
        using var a = new PowerShellHarness();
        using var b = new PowerShellHarness();
        Assert.Null(a.Run(_f.Connect()).Terminating);
        Assert.Single(a.Run("Get-MfaGraphContext").Output);
        Assert.Empty(b.Run("Get-MfaGraphContext").Output);
    }
}
