using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Every throttling budget holds under concurrent load: many clients hammer one bucket over
/// real HTTP and the units it lets through never exceed capacity + rate × elapsed (elapsed measured
/// around the whole run, so the bound is a correctness bound, not a timing assertion).</summary>
public sealed class ThrottleConcurrencyTests : EmulatorTest
{
    public ThrottleConcurrencyTests(DemoEmulator f) : base(f) { }

    private const int Clients = 64;
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(2);

    /// <summary>Budget under test: its settings (every other budget far above it), the limit and
    /// window, the expected x-ms-throttle-scope prefix, whether the requests are writes and whether
    /// they go through $batch (20 items per envelope).</summary>
    public sealed record Case(string Name, JsonObject Settings, double Limit, double Window, string Scope, bool Write, bool Batch)
    {
        public override string ToString() => Name;
    }

    private static JsonObject Roomy() => new()
    {
        ["ruLimit"] = 1_000_000, ["appLimit"] = 1_000_000, ["globalLimit"] = 1_000_000,
        ["writeLimit"] = 1_000_000, ["tenantWriteLimit"] = 1_000_000, ["appWriteLimit"] = 1_000_000,
    };

    private static Case Make(string name, string limitKey, string windowKey, double limit, double window, string scope, bool write, bool batch)
    {
        var s = Roomy();
        s[limitKey] = limit;
        s[windowKey] = window;
        return new Case(name, s, limit, window, scope, write, batch);
    }

    public static TheoryData<Case> Cases => new()
    {
        Make("resource units per app per tenant", "ruLimit", "ruWindowSeconds", 60, 6, "Tenant_Application/ReadWrite/", false, false),
        Make("resource units per app across tenants", "appLimit", "appWindowSeconds", 60, 6, "Application/ReadWrite/", false, false),
        Make("global requests per app", "globalLimit", "globalWindowSeconds", 60, 6, "Global/ReadWrite/", false, false),
        Make("writes per app per tenant", "writeLimit", "writeWindowSeconds", 30, 6, "Tenant_Application/Write/", true, false),
        Make("writes per tenant", "tenantWriteLimit", "tenantWriteWindowSeconds", 30, 6, "Tenant/Write/", true, false),
        Make("writes per app across tenants", "appWriteLimit", "appWriteWindowSeconds", 30, 6, "Application/Write/", true, false),
        Make("resource units, $batch items", "ruLimit", "ruWindowSeconds", 60, 6, "Tenant_Application/ReadWrite/", false, true),
        Make("global requests, $batch items", "globalLimit", "globalWindowSeconds", 60, 6, "Global/ReadWrite/", false, true),
        Make("writes per app per tenant, $batch items", "writeLimit", "writeWindowSeconds", 30, 6, "Tenant_Application/Write/", true, true),
    };

    // Every request costs one unit of the budget under test: a phone-method GET is 1 RU and one
    // request; a phone-method PATCH is one write (and 1 RU).
    private static readonly string ReadPath = $"/users/{Demo.ZoeId}/authentication/phoneMethods";
    private static readonly string WritePath = $"/users/{Uri.EscapeDataString(Demo.AdeleUpn)}/authentication/phoneMethods/{Demo.OfficeId}";
    private const string WriteBody = "{\"phoneNumber\":\"+1 2065550100x123\",\"phoneType\":\"office\"}";

    private sealed class Tally
    {
        public long Charged, Throttled, Other, ScopeMatches;
        public string? Unexpected;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ConcurrentClients_NeverGetMoreThanCapacityPlusRefill(Case c)
    {
        var token = await AppToken();
        await Emu.Control.SetThrottlingAsync(c.Settings);
        // The round trip above is not charged; the bucket starts full at the first request below.

        var tally = new Tally();
        var stop = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (c.Batch) await SendBatch(token, c, tally);
                else await SendOne(token, c, tally);
            }
        })).ToList();
        await Task.Delay(RunFor);
        stop.Cancel();
        await Task.WhenAll(workers);
        double elapsed = sw.Elapsed.TotalSeconds;

        Assert.True(tally.Unexpected == null, tally.Unexpected);
        Assert.Equal(0, tally.Other);
        double bound = c.Limit + c.Limit / c.Window * elapsed;
        Assert.True(tally.Charged <= bound,
            $"{c.Name}: {tally.Charged} units let through in {elapsed:0.000} s; the bucket allows at most {bound:0.0} (capacity {c.Limit} + {c.Limit / c.Window:0.###}/s)");
        // The run really pressed the budget under test: it let the capacity through, and refused
        // requests with that budget's scope.
        Assert.True(tally.Charged >= c.Limit, $"{c.Name}: only {tally.Charged} units let through (capacity {c.Limit})");
        Assert.True(tally.Throttled > 0 && tally.ScopeMatches == tally.Throttled,
            $"{c.Name}: {tally.Throttled} 429s, {tally.ScopeMatches} with scope {c.Scope}…");

        if (!c.Batch)
        {
            // The server's own count agrees with what the clients saw.
            var counters = await Emu.Control.GetCountersAsync();
            Assert.Equal(tally.Throttled, counters["throttled"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task Clock_OnlyMovesForward_SoBudgetsNeverRefillBackwards()
    {
        await Emu.Control.AdvanceClockAsync(50);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Emu.Control.AdvanceClockAsync(-10));
        Assert.Contains("advanceSeconds", ex.Message);
        var clock = await Emu.Control.SendAsync(HttpMethod.Get, "/control/clock", null);
        Assert.Equal(50, clock!["offsetSeconds"]!.GetValue<double>());

        // After a reset the clock is back at zero and budgets start full again.
        await Emu.Control.SetThrottlingAsync(new { ruLimit = 1, ruWindowSeconds = 1000 });
        var t = await AppToken();
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0" + ReadPath, t)).resp.StatusCode);
        Assert.Equal((HttpStatusCode)429, (await Graph(HttpMethod.Get, "/v1.0" + ReadPath, t)).resp.StatusCode);
        await Emu.Control.ResetAsync();
        await Emu.Control.SetThrottlingAsync(new { ruLimit = 1, ruWindowSeconds = 1000 });
        t = await AppToken();
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0" + ReadPath, t)).resp.StatusCode);
        Assert.Equal((HttpStatusCode)429, (await Graph(HttpMethod.Get, "/v1.0" + ReadPath, t)).resp.StatusCode);
        await Emu.Control.AdvanceClockAsync(1000);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0" + ReadPath, t)).resp.StatusCode);
    }

    private async Task SendOne(string token, Case c, Tally tally)
    {
        using var req = new HttpRequestMessage(c.Write ? HttpMethod.Patch : HttpMethod.Get, "/v1.0" + (c.Write ? WritePath : ReadPath));
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (c.Write) req.Content = new StringContent(WriteBody, Encoding.UTF8, "application/json");
        using var resp = await Http.SendAsync(req);
        await resp.Content.ReadAsByteArrayAsync();
        int expected = c.Write ? 204 : 200;
        Count(tally, (int)resp.StatusCode, expected, Header(resp, "x-ms-throttle-scope"), c.Scope);
    }

    private async Task SendBatch(string token, Case c, Tally tally)
    {
        var items = new JsonArray();
        for (int i = 1; i <= 20; i++)
        {
            var item = new JsonObject { ["id"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["method"] = c.Write ? "PATCH" : "GET", ["url"] = c.Write ? WritePath : ReadPath };
            if (c.Write)
            {
                item["headers"] = new JsonObject { ["Content-Type"] = "application/json" };
                item["body"] = JsonNode.Parse(WriteBody);
            }
            items.Add(item);
        }
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1.0/$batch");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        req.Content = new StringContent(new JsonObject { ["requests"] = items }.ToJsonString(), Encoding.UTF8, "application/json");
        using var resp = await Http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        if (resp.StatusCode != HttpStatusCode.OK)
        {
            lock (tally) tally.Unexpected ??= $"$batch envelope answered {(int)resp.StatusCode}";
            return;
        }
        foreach (var r in JsonNode.Parse(text)!["responses"]!.AsArray())
        {
            var scope = r!["headers"]?["x-ms-throttle-scope"]?.GetValue<string>() ?? "";
            Count(tally, r["status"]!.GetValue<int>(), c.Write ? 204 : 200, scope, c.Scope);
        }
    }

    private static void Count(Tally tally, int status, int expected, string scope, string expectedScope)
    {
        lock (tally)
        {
            if (status == expected) tally.Charged++;
            else if (status == 429)
            {
                tally.Throttled++;
                if (scope.StartsWith(expectedScope, StringComparison.Ordinal)) tally.ScopeMatches++;
            }
            else
            {
                tally.Other++;
                tally.Unexpected ??= $"unexpected status {status}";
            }
        }
    }
}
