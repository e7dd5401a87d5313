using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>Sign-in and Graph calls over HTTPS, with the test CA given by -CaBundle.</summary>
public sealed class HttpsTests : IDisposable
{
    private readonly EmulatorProcess _emulator;
    private readonly string _tls;

    public HttpsTests()
    {
        _tls = Environment.GetEnvironmentVariable("MFAPHONE_TLS_DIR") is { Length: > 0 } dir
            ? dir : Path.Combine(PowerShellHarness.RepoRoot, "build", "tls");
        Assert.True(File.Exists(Path.Combine(_tls, "ca.pem")), $"test certificates missing in {_tls}: run ./build.sh build");
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        _emulator = EmulatorProcess.Start(new[] { "--tenant", tenant }, _tls);
    }

    private string HttpsEndpoint => _emulator.HttpsBaseUrl!.ToString().TrimEnd('/');

    [Fact]
    public void WorksOverHttpsWithTheTestCa()
    {
        using var ps = new PowerShellHarness();
        string ca = Path.Combine(_tls, "ca.pem");
        var r = ps.Run(ModuleFixture.ConnectScript(HttpsEndpoint, extra: $"-CaBundle '{ca}'") +
                       "Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile -Debug");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal("+1 2065550101", Assert.Single(r.Output).Properties["PhoneNumber"].Value);
        // Graph speaks HTTP/2 over TLS; so do the client and the emulator.
        Assert.Contains(r.Debug, d => d.StartsWith("graph: 200 from GET https://") && d.Contains("(HTTP/2)"));
    }

    [Fact]
    public void AnUntrustedCertificateIsRefused()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(ModuleFixture.ConnectScript(HttpsEndpoint));
        Assert.NotNull(r.Terminating);
        Assert.Equal("TransportFailed,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        Assert.Contains("certificate", r.Terminating!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AMissingCaBundleIsNamed()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(ModuleFixture.ConnectScript(HttpsEndpoint, extra: "-CaBundle '/nonexistent/ca.pem'"));
        Assert.Equal("InvalidInput,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        Assert.Contains("/nonexistent/ca.pem", r.Terminating!.Message);
    }

    public void Dispose() => _emulator.Dispose();
}
