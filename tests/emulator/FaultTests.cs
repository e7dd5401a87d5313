using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Emulator.Tests;

public sealed class FaultTests : EmulatorTest
{
    public FaultTests(DemoEmulator f) : base(f) { }

    private string Path => $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods";

    [Fact]
    public async Task Script_GivesExactOutcomesInOrder()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { script = new[] { "503", "500", "504", "429", "ok" } });
        var (r1, b1) = await Graph(HttpMethod.Get, Path, t);
        AssertGraphError(r1, b1, HttpStatusCode.ServiceUnavailable, "serviceNotAvailable");
        var (r2, b2) = await Graph(HttpMethod.Get, Path, t);
        AssertGraphError(r2, b2, HttpStatusCode.InternalServerError, "generalException");
        var (r3, b3) = await Graph(HttpMethod.Get, Path, t);
        AssertGraphError(r3, b3, HttpStatusCode.GatewayTimeout, "UnknownError");
        var (r4, b4) = await Graph(HttpMethod.Get, Path, t);
        AssertGraphError(r4, b4, (HttpStatusCode)429, "TooManyRequests");
        Assert.Equal("2.5", Header(r4, "Retry-After"));
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, Path, t)).resp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, Path, t)).resp.StatusCode);
        var c = await Emu.Control.GetCountersAsync();
        Assert.Equal(1, c["faults"]!["script:503"]!.GetValue<long>());
    }

    [Fact]
    public async Task ConnectionReset_FailsTheRequest()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { script = new[] { "reset" } });
        using var fresh = Emu.CreateHttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Get, Path) { Headers = { Authorization = new("Bearer", t) } };
        await Assert.ThrowsAsync<HttpRequestException>(() => fresh.SendAsync(req));
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, Path, t)).resp.StatusCode);
    }

    [Fact]
    public async Task Stall_OutlastsAClientTimeout()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { script = new[] { "stall" }, stallMs = 5000 });
        using var impatient = Emu.CreateHttpClient();
        impatient.Timeout = TimeSpan.FromMilliseconds(700);
        using var req = new HttpRequestMessage(HttpMethod.Get, Path) { Headers = { Authorization = new("Bearer", t) } };
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.SendAsync(req));
        // a lower bound only (the stall outlasted the client's timeout); no upper bound on a busy machine
        Assert.True(sw.ElapsedMilliseconds >= 600, $"gave up after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task FixedLatency_IsAdded()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { latency = "300" });
        var sw = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, Path, t)).resp.StatusCode);
        Assert.True(sw.ElapsedMilliseconds >= 290, $"took {sw.ElapsedMilliseconds} ms");
        var f = await Emu.Control.SendAsync(HttpMethod.Get, "/control/faults", null);
        Assert.Equal("fixed:300", f!["latency"]!.GetValue<string>());
    }

    [Fact]
    public async Task Storm_Every429UntilWindowEnds()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { stormSeconds = 20, stormRetryAfter = 1.25 });
        for (int i = 0; i < 3; i++)
        {
            var (r, b) = await Graph(HttpMethod.Get, Path, t);
            AssertGraphError(r, b, (HttpStatusCode)429, "TooManyRequests");
            Assert.Equal("1.25", Header(r, "Retry-After"));
        }
        await Emu.Control.AdvanceClockAsync(21);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, Path, t)).resp.StatusCode);
    }

    [Fact]
    public async Task ErrorRate_AllErrorsAtRateOne_AndResetClearsFaults()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { errorRate = 1.0, errorStatuses = new[] { 502 } });
        var (r, b) = await Graph(HttpMethod.Get, Path, t);
        AssertGraphError(r, b, HttpStatusCode.BadGateway, "UnknownError");
        await Emu.Control.ResetAsync();
        t = await AppToken();
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, Path, t)).resp.StatusCode);
    }

    [Fact]
    public async Task BadFaultSettings_Is400()
    {
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => Emu.Control.SetFaultsAsync(new { script = new[] { "explode" } }));
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
    }
}

/// <summary>--seed makes fault decisions reproducible.</summary>
public sealed class DeterminismTests
{
    private static async Task<List<int>> Run(string seed)
    {
        using var emu = EmulatorProcess.StartWithDemoTenant("--seed", seed, "--fault-rate", "0.4", "--throttle-rate", "0.1");
        using var http = emu.CreateHttpClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
        });
        var token = JsonNode.Parse(await (await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", form)).Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        var statuses = new List<int>();
        for (int i = 0; i < 40; i++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods") { Headers = { Authorization = new("Bearer", token) } };
            statuses.Add((int)(await http.SendAsync(req)).StatusCode);
        }
        return statuses;
    }

    [Fact]
    public async Task SameSeed_SameFaultSequence_DifferentSeed_Differs()
    {
        var a = await Run("1234");
        var b = await Run("1234");
        var c = await Run("99");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Contains(200, a);
        Assert.Contains(429, a);
        Assert.True(a.Count(s => s >= 500) >= 5, string.Join(",", a));
    }

    [Fact]
    public async Task StartupStormAndTokenOutageFlags()
    {
        using var emu = EmulatorProcess.StartWithDemoTenant("--storm", "600", "--token-outage", "600", "--storm-retry-after", "0.75");
        using var http = emu.CreateHttpClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
        });
        var tokenResp = await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", form);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tokenResp.StatusCode);
        var token = await emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, roles = new[] { "User.Read.All" } });
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}") { Headers = { Authorization = new("Bearer", token) } };
        var g = await http.SendAsync(req);
        Assert.Equal((HttpStatusCode)429, g.StatusCode);
        Assert.Equal("0.75", string.Join(",", g.Headers.GetValues("Retry-After")));
    }

    [Fact]
    public async Task LatencyDistribution_AndManyConcurrentRequests_AreServed()
    {
        using var emu = EmulatorProcess.StartWithDemoTenant("--latency-dist", "uniform:150:250", "--no-throttling");
        using var http = emu.CreateHttpClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
        });
        var token = JsonNode.Parse(await (await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", form)).Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1200 };
        using var wide = new HttpClient(handler) { BaseAddress = emu.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        var tasks = Enumerable.Range(0, 1000).Select(async _ =>
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods") { Headers = { Authorization = new("Bearer", token) } };
            using var resp = await wide.SendAsync(req);
            return (int)resp.StatusCode;
        }).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, s => Assert.Equal(200, s));
        var counters = await emu.Control.GetCountersAsync();
        var peak = counters["peakConcurrency"]!.GetValue<long>();
        Assert.True(peak >= 300, $"peak concurrency only {peak}");
        _ = CultureInfo.InvariantCulture;
    }
}
