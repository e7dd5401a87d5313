using System.Management.Automation;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;
using static MfaPhone.Module.Tests.SignInSeed;

namespace MfaPhone.Module.Tests;

/// <summary>
/// A private emulator with a one-second device-code interval and 20-second access tokens: the
/// device-code sign-in (approved, declined, expired, cancelled) and refresh before expiry.
/// </summary>
public sealed class ShortLivedEmulatorFixture : IDisposable
{
    public EmulatorProcess Emulator { get; }

    public ShortLivedEmulatorFixture()
    {
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        Emulator = EmulatorProcess.Start("--tenant", tenant, "--device-code-interval", "1", "--token-lifetime", "20");
        SeedAsync(Emulator.Control).GetAwaiter().GetResult();
    }

    public string Endpoint => Emulator.BaseUrl.ToString().TrimEnd('/');

    public void Dispose() => Emulator.Dispose();
}

public sealed class DeviceCodeAndRefreshTests : IClassFixture<ShortLivedEmulatorFixture>
{
    private readonly ShortLivedEmulatorFixture _f;
    private string? _lastCode;
    public DeviceCodeAndRefreshTests(ShortLivedEmulatorFixture f) => _f = f;

    private string DeviceCodeConnect(string tenant = Tenant) =>
        $"Connect-MfaGraph -TenantId {tenant} -ClientId {PublicClient} -UseDeviceCode {Hosts(_f.Endpoint)}";

    /// <summary>Starts a device-code sign-in, waits for its pending code and lets <paramref name="act"/> act on it.</summary>
    private async Task<(PowerShell Ps, List<string> Warnings, Exception? Error)> SignInAsync(PowerShellHarness harness, string script, Func<string, PowerShell, Task> act)
    {
        var ps = PowerShell.Create();
        ps.Runspace = harness.Runspace;
        // A cmdlet's terminating error only ends its statement; rethrowing ends the pipeline with it.
        ps.AddScript("try {\n" + script + "\n} catch { throw }");
        var warnings = new List<string>();
        ps.Streams.Warning.DataAdded += (s, e) => { lock (warnings) warnings.Add(ps.Streams.Warning[e.Index].Message); };
        // Codes of earlier tests (one left pending by a cancelled sign-in) are not this one's.
        async Task<IEnumerable<JsonNode>> Codes() =>
            (await _f.Emulator.Control.SendAsync(HttpMethod.Get, "/control/devicecodes", null))?["deviceCodes"]?.AsArray().OfType<JsonNode>() ?? Array.Empty<JsonNode>();
        var earlier = (await Codes()).Select(c => c["userCode"]!.GetValue<string>()).ToHashSet();
        var handle = ps.BeginInvoke();
        string? userCode = null;
        for (int i = 0; i < 300 && userCode == null; i++)
        {
            userCode = (await Codes()).Select(c => c["userCode"]!.GetValue<string>()).FirstOrDefault(c => !earlier.Contains(c));
            if (userCode == null) await Task.Delay(100);
        }
        Assert.NotNull(userCode);
        _lastCode = userCode;
        await act(userCode!, ps);
        Exception? error = null;
        try
        {
            await Task.Factory.FromAsync(handle, ps.EndInvoke);
        }
        catch (Exception e)
        {
            error = e;
        }
        return (ps, warnings, error);
    }

    [Fact]
    public async Task ADeviceCodeSignInShowsTheCodeAndCompletesOnceApproved()
    {
        using var harness = new PowerShellHarness();
        var (ps, warnings, error) = await SignInAsync(harness, DeviceCodeConnect(),
            (code, _) => _f.Emulator.Control.ApproveDeviceCodeAsync(code, ServiceAccount));
        using (ps)
        {
            Assert.Null(error);
            var prompt = Assert.Single(warnings, w => w.Contains("devicelogin"));
            Assert.Contains(_lastCode!, prompt);
        }
        var r = harness.Run($"$c = Get-MfaGraphContext; $c.AuthType; $c.Account; $c.Delegated; (Get-MfaPhone -UserId '{User}').PhoneNumber");
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { "DeviceCode", ServiceAccount, true, "+44 7700900111" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public async Task ADeviceCodeSignInAtOrganizationsWorks()
    {
        using var harness = new PowerShellHarness();
        var (ps, _, error) = await SignInAsync(harness, DeviceCodeConnect("organizations"),
            (code, _) => _f.Emulator.Control.ApproveDeviceCodeAsync(code, ServiceAccount));
        ps.Dispose();
        Assert.Null(error);
        var r = harness.Run("(Get-MfaGraphContext).TenantId");
        Assert.Equal(TenantGuid, r.Output.Single().BaseObject);  // the tenant the token names
    }

    [Theory]
    [InlineData("deny", "declined")]
    [InlineData("expire", "expired")]
    public async Task ADeclinedOrExpiredDeviceCodeEndsWithAClearError(string action, string text)
    {
        using var harness = new PowerShellHarness();
        var (ps, _, error) = await SignInAsync(harness, DeviceCodeConnect(),
            (code, _) => _f.Emulator.Control.PostAsync("/control/devicecode/" + action, new JsonObject { ["userCode"] = code }));
        ps.Dispose();
        var record = Assert.IsAssignableFrom<IContainsErrorRecord>(error).ErrorRecord;
        Assert.Equal("AuthenticationFailed,MfaPhone.Commands.ConnectMfaGraphCommand", record.FullyQualifiedErrorId);
        Assert.Contains(text, record.Exception.Message);
        Assert.Empty(harness.Run("Get-MfaGraphContext").Output);
    }

    [Fact]
    public async Task CtrlCCancelsAWaitingDeviceCodeSignIn()
    {
        using var harness = new PowerShellHarness();
        var (ps, _, error) = await SignInAsync(harness, DeviceCodeConnect(), (code, pipeline) =>
        {
            pipeline.Stop();  // Ctrl+C while the sign-in polls
            return Task.CompletedTask;
        });
        using (ps)
        {
            Assert.IsType<PipelineStoppedException>(error);
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        }
        Assert.Empty(harness.Run("Get-MfaGraphContext").Output);
    }

    [Fact]
    public async Task ShortLivedTokensAreRefreshedBeforeTheyExpire()
    {
        using var harness = new PowerShellHarness();
        var connect = harness.Run(Secure("fs", AppSecret) + $"Connect-MfaGraph -TenantId {Tenant} -ClientId {App} -ClientSecret $fs {Hosts(_f.Endpoint)}");
        Assert.Null(connect.Terminating);
        var control = _f.Emulator.Control;
        var before = await control.GetCountersAsync();
        // 20-second tokens are renewed at half-life: after 11 s the next call gets a new token
        // first, so Graph never sees an expired one.
        await Task.Delay(TimeSpan.FromSeconds(11));
        var r = harness.Run($"(Get-MfaPhone -UserId '{User}').PhoneNumber");
        Assert.Null(r.Terminating);
        Assert.Equal("+44 7700900111", r.Output.Single().BaseObject);
        var after = await control.GetCountersAsync();
        int Issued(JsonNode n) => n["byRoute"]?["entra:token"]?["200"]?.GetValue<int>() ?? 0;
        int Unauthorized(JsonNode n) => n["byRoute"]?["graph:error"]?["401"]?.GetValue<int>() ?? 0;
        Assert.Equal(Issued(before) + 1, Issued(after));
        Assert.Equal(Unauthorized(before), Unauthorized(after));
    }

    [Fact]
    public async Task A401RefreshesTheTokenOnceAndRetries()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(Secure("fs", AppSecret) + $"Connect-MfaGraph -TenantId {Tenant} -ClientId {App} -ClientSecret $fs {Hosts(_f.Endpoint)}").Terminating);
        var control = _f.Emulator.Control;
        var before = await control.GetCountersAsync();
        {
            // The emulator's clock (this class's own emulator) jumps past the token's expiry; this side
            // still thinks it is fresh.
            await control.AdvanceClockAsync(3 * 3600);
            var r = ps.Run($"(Get-MfaPhone -UserId '{User}' -Verbose).PhoneNumber");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal("+44 7700900111", r.Output.Single().BaseObject);
            Assert.Contains(r.Verbose, v => v.Contains("401") && v.Contains("refreshing the token once"));
            var after = await control.GetCountersAsync();
            int Issued(JsonNode n) => n["byRoute"]?["entra:token"]?["200"]?.GetValue<int>() ?? 0;
            int Unauthorized(JsonNode n) => n["byRoute"]?["graph:error"]?["401"]?.GetValue<int>() ?? 0;
            Assert.True(Issued(before) + 1 == Issued(after), $"tokens issued before: {before["tokensIssued"]?.ToJsonString()}; after: {after["tokensIssued"]?.ToJsonString()}");
            Assert.True(Unauthorized(before) + 1 == Unauthorized(after), $"before: {before["byRoute"]?.ToJsonString()}; after: {after["byRoute"]?.ToJsonString()}");
        }
    }
}
