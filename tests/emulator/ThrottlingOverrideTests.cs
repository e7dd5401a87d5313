using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Every throttling number (issue 3 §4): documented defaults, the control-API names, the
/// flags, and what each one changes.</summary>
public static class ThrottlingNumbers
{
    /// <summary>Control-API name, flag, documented default (graph.md), a non-default value.</summary>
    public static readonly (string key, string? flag, double def, double other)[] All =
    {
        ("ruWindowSeconds", "--ru-window", 10, 11),
        ("ruLimitSmall", "--ru-limit-small", 3500, 3501),
        ("ruLimitMedium", "--ru-limit-medium", 5000, 5001),
        ("ruLimitLarge", "--ru-limit-large", 8000, 8001),
        ("ruTierMediumFrom", "--ru-tier-medium-from", 50, 51),
        ("ruTierLargeAbove", "--ru-tier-large-above", 500, 501),
        ("costUsersGet", "--cost-users-get", 2, 7),
        ("costGet", "--cost-get", 1, 3),
        ("costWrite", "--cost-write", 1, 4),
        ("costWriteQuota", "--cost-write-quota", 1, 2),
        ("costSelect", "--cost-select", -1, -2),
        ("costExpand", "--cost-expand", 1, 2),
        ("costSmallTop", "--cost-small-top", -1, -3),
        ("smallTopBelow", "--small-top-below", 20, 10),
        ("costMinimum", "--cost-minimum", 1, 2),
        ("writeLimit", "--write-limit", 3000, 3001),
        ("writeWindowSeconds", "--write-window", 150, 151),
        ("tenantWriteLimit", "--tenant-write-limit", 18000, 18001),
        ("tenantWriteWindowSeconds", "--tenant-write-window", 300, 301),
        ("appLimit", "--app-ru-limit", 150000, 150001),
        ("appWindowSeconds", "--app-ru-window", 20, 21),
        ("appWriteLimit", "--app-write-limit", 70000, 70001),
        ("appWriteWindowSeconds", "--app-write-window", 300, 301),
        ("globalLimit", "--global-limit", 130000, 5),
        ("globalWindowSeconds", "--global-window", 10, 600),
        ("limitPercentageThreshold", "--limit-percentage-threshold", 0.8, 0.7),
    };

    public static double Get(JsonNode settings, string key)
    {
        var v = settings[key];
        Assert.True(v != null, $"/control/throttling has no '{key}'");
        return v!.GetValue<double>();
    }
}

public sealed class ThrottlingOverrideTests : EmulatorTest
{
    public ThrottlingOverrideTests(DemoEmulator f) : base(f) { }

    private Task<JsonNode?> GetSettings() => Emu.Control.SendAsync(HttpMethod.Get, "/control/throttling", null);

    [Fact]
    public async Task Defaults_AreTheDocumentedNumbers()
    {
        var s = (await GetSettings())!;
        foreach (var (key, _, def, _) in ThrottlingNumbers.All)
            Assert.True(def == ThrottlingNumbers.Get(s, key), $"{key}: expected {def}, got {s[key]}");
        Assert.True(s["enabled"]!.GetValue<bool>());
        Assert.Null(s["ruLimit"]);
    }

    [Fact]
    public async Task ControlCall_SetsEveryNumber_ResetRestoresStartValues()
    {
        var update = new JsonObject();
        foreach (var (key, _, _, other) in ThrottlingNumbers.All) update[key] = other;
        update["ruLimit"] = 42;
        var answer = (await Emu.Control.SetThrottlingAsync(update))!;
        var read = (await GetSettings())!;
        foreach (var (key, _, _, other) in ThrottlingNumbers.All)
        {
            Assert.True(other == ThrottlingNumbers.Get(answer, key), $"{key} in the POST answer");
            Assert.True(other == ThrottlingNumbers.Get(read, key), $"{key} in GET");
        }
        Assert.Equal(42, read["ruLimit"]!.GetValue<int>());

        await Emu.Control.SetThrottlingAsync(new JsonObject { ["ruLimit"] = null });
        Assert.Null((await GetSettings())!["ruLimit"]);

        await Emu.Control.ResetAsync();
        var after = (await GetSettings())!;
        foreach (var (key, _, def, _) in ThrottlingNumbers.All)
            Assert.True(def == ThrottlingNumbers.Get(after, key), $"{key} after reset");
    }

    [Theory]
    [InlineData("{\"ruWindowSeconds\":0}")]
    [InlineData("{\"globalWindowSeconds\":-1}")]
    [InlineData("{\"writeLimit\":2.5}")]
    [InlineData("{\"globalLimit\":0}")]
    [InlineData("{\"costMinimum\":-1}")]
    [InlineData("{\"costGet\":\"cheap\"}")]
    [InlineData("{\"ruLimit\":0}")]
    [InlineData("{\"limitPercentageThreshold\":-0.1}")]
    [InlineData("{\"ruTierMediumFrom\":100,\"ruTierLargeAbove\":10}")]
    public async Task ControlCall_BadValue_Is400_AndChangesNothing(string bad)
    {
        var body = JsonNode.Parse(bad)!.AsObject();
        body["writeLimit"] ??= 7; // a valid change in the same call must not be applied either
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => Emu.Control.SetThrottlingAsync(body));
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        var s = (await GetSettings())!;
        foreach (var (key, _, def, _) in ThrottlingNumbers.All)
            Assert.True(def == ThrottlingNumbers.Get(s, key), $"{key} changed by a rejected call");
    }

    [Theory]
    [InlineData("{\"costUsersGet\":5}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c", "5")]
    [InlineData("{\"costUsersGet\":5}", "GET", "/v1.0/users?$top=50", "5")]
    [InlineData("{\"costGet\":3}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods", "3")]
    [InlineData("{\"costGet\":3}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c", "2")]
    [InlineData("{\"costWrite\":4}", "PATCH", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7", "4")]
    [InlineData("{\"costSelect\":0}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c?$select=id", "2")]
    [InlineData("{\"costSelect\":-3,\"costMinimum\":0}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c?$select=id", "0")]
    [InlineData("{}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods?$expand=x", "2")]
    [InlineData("{\"costExpand\":4}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods?$expand=x", "5")]
    [InlineData("{\"costSmallTop\":-4,\"costUsersGet\":6}", "GET", "/v1.0/users?$top=5", "2")]
    [InlineData("{\"smallTopBelow\":3}", "GET", "/v1.0/users?$top=5", "2")]
    [InlineData("{\"smallTopBelow\":60}", "GET", "/v1.0/users?$top=50", "1")]
    [InlineData("{\"costMinimum\":4}", "GET", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods", "4")]
    public async Task ControlCall_ResourceUnitCosts(string settings, string method, string path, string expectedCost)
    {
        await Emu.Control.SetThrottlingAsync(JsonNode.Parse(settings)!);
        var t = await AppToken();
        object? body = method == "PATCH" ? new { phoneNumber = "+46 701234568", phoneType = "mobile" } : null;
        var (resp, _) = await Graph(new HttpMethod(method), path, t, body);
        Assert.True(resp.IsSuccessStatusCode, $"{method} {path}: {(int)resp.StatusCode}");
        Assert.Equal(expectedCost, Header(resp, "x-ms-resource-unit"));
        var counters = await Emu.Control.GetCountersAsync();
        Assert.Equal(long.Parse(expectedCost, CultureInfo.InvariantCulture), counters["resourceUnits"]![$"{Demo.SyncAppId}/{Demo.TenantId}"]!.GetValue<long>());
    }

    [Fact]
    public async Task ControlCall_CostWriteQuota_WritesUseThatManyUnits()
    {
        await Emu.Control.SetThrottlingAsync(new { costWriteQuota = 2, writeLimit = 3 });
        var t = await AppToken();
        var m = $"/v1.0/users/{Demo.AdeleUpn}/authentication/phoneMethods/{Demo.MobileId}";
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Patch, m, t, new { phoneNumber = "+1 2065550001", phoneType = "mobile" })).resp.StatusCode);
        var (resp, body) = await Graph(HttpMethod.Patch, m, t, new { phoneNumber = "+1 2065550002", phoneType = "mobile" }); // 1 unit left, 2 needed
        AssertGraphError(resp, body, (HttpStatusCode)429, "TooManyRequests");
        Assert.Equal("WriteLimitExceeded", Header(resp, "x-ms-throttle-information"));
        // one unit missing refills at 3 per 150 s: about 50 s
        Assert.InRange(double.Parse(Header(resp, "Retry-After"), CultureInfo.InvariantCulture), 45, 50.01);
    }

    [Fact]
    public async Task ControlCall_TierBoundaries_MoveTheDemoTenantBetweenTiers()
    {
        // The demo tenant has 6 users: small by default. GET /users/{id} costs 2 RU.
        var t = await AppToken();
        var path = $"/v1.0/users/{Demo.ZoeId}";
        async Task<int> AllowedBefore429()
        {
            for (int i = 0; i < 20; i++)
                if ((await Graph(HttpMethod.Get, path, t)).resp.StatusCode == (HttpStatusCode)429) return i;
            return 20;
        }

        // long window: refills are negligible however slow the machine
        await Emu.Control.SetThrottlingAsync(new { ruLimitSmall = 2, ruLimitMedium = 4, ruLimitLarge = 6, ruWindowSeconds = 1000, resetBudgets = true });
        Assert.Equal(1, await AllowedBefore429()); // small

        await Emu.Control.SetThrottlingAsync(new { ruTierMediumFrom = 6, resetBudgets = true });
        Assert.Equal(2, await AllowedBefore429()); // 6 users: medium from 6

        await Emu.Control.SetThrottlingAsync(new { ruTierLargeAbove = 5, resetBudgets = true });
        Assert.Equal(3, await AllowedBefore429()); // above 5: large

        await Emu.Control.SetThrottlingAsync(new { ruTierMediumFrom = 7, ruTierLargeAbove = 100, resetBudgets = true });
        Assert.Equal(1, await AllowedBefore429()); // under 7: small again
    }

    [Fact]
    public async Task ControlCall_LimitPercentageThreshold_DecidesWhenTheHeaderAppears()
    {
        var t = await AppToken();
        var path = $"/v1.0/users/{Demo.ZoeId}"; // 2 RU of 10: 20 %, 40 %, 60 %, 80 %, 100 %
        async Task<List<string>> Run()
        {
            var seen = new List<string>();
            for (int i = 0; i < 5; i++)
            {
                var (resp, _) = await Graph(HttpMethod.Get, path, t);
                Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
                seen.Add(Header(resp, "x-ms-throttle-limit-percentage"));
            }
            return seen;
        }

        await Emu.Control.SetThrottlingAsync(new { ruLimit = 10, ruWindowSeconds = 1000, limitPercentageThreshold = 0.5, resetBudgets = true });
        var low = await Run();
        Assert.Equal(new[] { "", "", "0.6", "0.8", "1.0" }, low);

        await Emu.Control.SetThrottlingAsync(new { limitPercentageThreshold = 0.95, resetBudgets = true });
        var high = await Run();
        Assert.Equal(new[] { "", "", "", "", "1.0" }, high);
    }

    [Theory]
    [InlineData("{\"ruLimit\":2,\"ruWindowSeconds\":400}", "GET", 2, "Tenant_Application/ReadWrite", "ResourceUnitLimitExceeded", 200.0)]
    [InlineData("{\"appLimit\":2,\"appWindowSeconds\":1000}", "GET", 2, "Application/ReadWrite", "ResourceUnitLimitExceeded", 500.0)]
    [InlineData("{\"writeLimit\":1,\"writeWindowSeconds\":200}", "PATCH", 1, "Tenant_Application/Write", "WriteLimitExceeded", 200.0)]
    [InlineData("{\"tenantWriteLimit\":1,\"tenantWriteWindowSeconds\":300}", "PATCH", 1, "Tenant/Write", "WriteLimitExceeded", 300.0)]
    [InlineData("{\"appWriteLimit\":1,\"appWriteWindowSeconds\":400}", "PATCH", 1, "Application/Write", "WriteLimitExceeded", 400.0)]
    [InlineData("{\"globalLimit\":2,\"globalWindowSeconds\":600}", "GET", 2, "Global/ReadWrite", "RequestLimitExceeded", 300.0)]
    public async Task ControlCall_LimitsAndWindows_SetTheBudgetAndItsRefill(string settings, string method, int allowed, string scope, string information, double retryAfter)
    {
        await Emu.Control.SetThrottlingAsync(JsonNode.Parse(settings)!);
        var t = await AppToken();
        var path = method == "GET" ? $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods" // 1 RU
            : $"/v1.0/users/{Demo.AdeleUpn}/authentication/phoneMethods/{Demo.MobileId}";
        int n = 0;
        object? Body() => method == "PATCH" ? new { phoneNumber = $"+1 20655500{n:00}", phoneType = "mobile" } : null;
        for (; n < allowed; n++)
            Assert.True((await Graph(new HttpMethod(method), path, t, Body())).resp.IsSuccessStatusCode, $"request {n + 1} of {allowed}");
        var (resp, body) = await Graph(new HttpMethod(method), path, t, Body());
        AssertGraphError(resp, body, (HttpStatusCode)429, "TooManyRequests");
        Assert.Equal($"{scope}/{Demo.SyncAppId}/{Demo.TenantId}", Header(resp, "x-ms-throttle-scope"));
        Assert.Equal(information, Header(resp, "x-ms-throttle-information"));
        // a full bucket refills one unit every window / limit seconds
        Assert.InRange(double.Parse(Header(resp, "Retry-After"), CultureInfo.InvariantCulture), retryAfter * 0.9, retryAfter + 0.001);
        Assert.Equal("1.0", Header(resp, "x-ms-throttle-limit-percentage"));

        await Emu.Control.AdvanceClockAsync(retryAfter);
        Assert.True((await Graph(new HttpMethod(method), path, t, Body())).resp.IsSuccessStatusCode, "after Retry-After the request fits");
    }
}

/// <summary>Graph's global limit: 130,000 requests per 10 s per app across all tenants.</summary>
public sealed class GlobalLimitTests : EmulatorTest
{
    public GlobalLimitTests(DemoEmulator f) : base(f) { }

    private static JsonObject Get(string id, string url) => new() { ["id"] = id, ["method"] = "GET", ["url"] = url };

    [Fact]
    public async Task GlobalLimit_CountsRequestsPerAppAcrossTenants_429WithRetryAfterAndHeaders()
    {
        // The same app registered in a second tenant shares the global budget; the RU budgets
        // (per tenant, and 2 RU per user GET) are far from their limits.
        const string secret = "global-limit-secret";
        var gen = await Emu.Control.PostAsync("/control/generate", new { users = 3, seed = 9, domain = "global.onmicrosoft.com", clientId = Demo.SyncAppId, clientSecret = secret });
        var otherTenant = gen!["tenantId"]!.GetValue<string>();
        var (tr, tb) = await PostForm($"/{otherTenant}/oauth2/v2.0/token", ("client_id", Demo.SyncAppId), ("client_secret", secret),
            ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, tr.StatusCode);
        var inOther = tb!["access_token"]!.GetValue<string>();
        var inDemo = await AppToken();

        // 3 requests per 300 s: one more every 100 s (a long window, so timing on a busy machine does not matter)
        await Emu.Control.SetThrottlingAsync(new { globalLimit = 3, globalWindowSeconds = 300, resetBudgets = true });
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", inDemo)).resp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0/users?$top=2", inOther)).resp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", inDemo)).resp.StatusCode);

        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/users?$top=2", inOther);
        AssertGraphError(resp, body, (HttpStatusCode)429, "TooManyRequests");
        var retryAfter = Header(resp, "Retry-After");
        Assert.Matches(@"^\d+(\.\d{1,3})?$", retryAfter);
        Assert.InRange(double.Parse(retryAfter, CultureInfo.InvariantCulture), 90, 100.001);
        Assert.Equal($"Global/ReadWrite/{Demo.SyncAppId}/{otherTenant}", Header(resp, "x-ms-throttle-scope"));
        Assert.Equal("RequestLimitExceeded", Header(resp, "x-ms-throttle-information"));
        Assert.Equal("1.0", Header(resp, "x-ms-throttle-limit-percentage"));
        Assert.NotEqual("", Header(resp, "x-ms-resource-unit"));
        Assert.Equal((HttpStatusCode)429, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", inDemo)).resp.StatusCode);

        // another app has its own global budget
        var reader = await AppToken(Demo.ReaderAppId, Demo.ReaderAppSecret);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", reader)).resp.StatusCode);

        await Emu.Control.AdvanceClockAsync(100);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", inDemo)).resp.StatusCode);
        var counters = await Emu.Control.GetCountersAsync();
        Assert.Equal(2, counters["throttled"]!.GetValue<long>());
    }

    [Fact]
    public async Task GlobalLimit_EachBatchItemIsARequest()
    {
        await Emu.Control.SetThrottlingAsync(new { globalLimit = 3, globalWindowSeconds = 300 });
        var t = await AppToken();
        var reqs = new JsonArray();
        for (int i = 1; i <= 5; i++) reqs.Add(Get(i.ToString(CultureInfo.InvariantCulture), $"/users/{Demo.ZoeId}"));
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = reqs });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var items = body!["responses"]!.AsArray();
        Assert.Equal(3, items.Count(r => r!["status"]!.GetValue<int>() == 200));
        var throttled = items.Where(r => r!["status"]!.GetValue<int>() == 429).ToList();
        Assert.Equal(2, throttled.Count);
        foreach (var r in throttled)
        {
            Assert.InRange(double.Parse(r!["headers"]!["Retry-After"]!.GetValue<string>(), CultureInfo.InvariantCulture), 90, 100.001);
            Assert.Equal("RequestLimitExceeded", r["headers"]!["x-ms-throttle-information"]!.GetValue<string>());
            Assert.StartsWith("Global/ReadWrite/", r["headers"]!["x-ms-throttle-scope"]!.GetValue<string>());
        }
        // the envelope was not counted (3 items went through); a later batch's item is refused too
        var (again, againBody) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = new JsonArray(Get("1", $"/users/{Demo.ZoeId}")) });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(429, againBody!["responses"]![0]!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task NoThrottling_DisablesTheGlobalLimitToo()
    {
        await Emu.Control.SetThrottlingAsync(new { globalLimit = 1, enabled = false });
        var t = await AppToken();
        for (int i = 0; i < 3; i++)
        {
            var (resp, _) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", t);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Equal("", Header(resp, "x-ms-throttle-limit-percentage"));
        }
    }
}

/// <summary>The same numbers given as flags at start: read back, applied, and kept by /control/reset.</summary>
public sealed class ThrottlingFlagTests
{
    [Fact]
    public async Task EveryThrottlingFlag_SetsItsNumber_AndResetKeepsIt()
    {
        var args = new List<string> { "--tenant", EmulatorProcess.DemoTenantPath, "--ru-limit", "40" };
        foreach (var (_, flag, _, other) in ThrottlingNumbers.All)
        {
            args.Add(flag!);
            args.Add(other.ToString(CultureInfo.InvariantCulture));
        }
        using var emu = EmulatorProcess.Start(args.ToArray());
        var s = (await emu.Control.SendAsync(HttpMethod.Get, "/control/throttling", null))!;
        foreach (var (key, flag, _, other) in ThrottlingNumbers.All)
            Assert.True(other == ThrottlingNumbers.Get(s, key), $"{flag} did not set {key}: {s[key]}");
        Assert.Equal(40, s["ruLimit"]!.GetValue<int>());

        await emu.Control.SetThrottlingAsync(new { costUsersGet = 1, globalLimit = 1000 });
        await emu.Control.ResetAsync();
        s = (await emu.Control.SendAsync(HttpMethod.Get, "/control/throttling", null))!;
        foreach (var (key, flag, _, other) in ThrottlingNumbers.All)
            Assert.True(other == ThrottlingNumbers.Get(s, key), $"reset lost {flag}: {s[key]}");

        // the numbers apply: costs 7 (users) / 3 (other GET), $select -2, $top under 10 -3, minimum 2;
        // global limit 5 per 600 s; limit-percentage header from 70 %
        using var http = emu.CreateHttpClient();
        var tr = await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
        }));
        var token = JsonNode.Parse(await tr.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        async Task<HttpResponseMessage> Get(string path)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, path);
            req.Headers.Authorization = new("Bearer", token);
            return await http.SendAsync(req);
        }
        static string H(HttpResponseMessage r, string name) => r.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : "";

        var expected = new (string path, string cost)[]
        {
            ($"/v1.0/users/{Demo.ZoeId}", "7"),
            ($"/v1.0/users/{Demo.ZoeId}?$select=id", "5"),
            ("/v1.0/users?$top=5", "4"),
            ("/v1.0/users?$top=15", "7"),
            ($"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods?$top=5", "2"),
        };
        var percentages = new List<string>();
        foreach (var (path, cost) in expected)
        {
            using var r = await Get(path);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{path}: {(int)r.StatusCode}");
            Assert.Equal(cost, H(r, "x-ms-resource-unit"));
            percentages.Add(H(r, "x-ms-throttle-limit-percentage"));
        }
        // 25 RU of the forced 40 and 3 of 5 global requests stay under 70 %; the 4th request is at 80 % of the global budget
        Assert.Equal(new[] { "", "", "", "0.8", "1.0" }, percentages);

        using var refused = await Get($"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal("RequestLimitExceeded", H(refused, "x-ms-throttle-information"));
        Assert.InRange(double.Parse(H(refused, "Retry-After"), CultureInfo.InvariantCulture), 110, 120.001); // 5 per 600 s
    }

    [Theory]
    [InlineData("--global-limit", "0")]
    [InlineData("--ru-window", "0")]
    [InlineData("--cost-get", "1.5")]
    [InlineData("--cost-minimum", "-1")]
    [InlineData("--limit-percentage-threshold", "x")]
    public void BadThrottlingFlag_ExitsWith2(string flag, string value)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(EmulatorProcess.LocateEmulator());
        psi.ArgumentList.Add(flag);
        psi.ArgumentList.Add(value);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains(flag, err);
    }

    [Fact]
    public void HelpAndReadme_DocumentEveryThrottlingNumber()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(EmulatorProcess.LocateEmulator());
        psi.ArgumentList.Add("--help");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var help = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var readme = File.ReadAllText(RepoFile("emulator/README.md"));
        foreach (var (key, flag, _, _) in ThrottlingNumbers.All)
        {
            Assert.Contains(flag! + " ", help);
            Assert.Contains($"[{key}]", help);
            Assert.Contains(flag!, readme);
            Assert.Contains($"`{key}`", readme);
        }
    }

    internal static string RepoFile(string relative)
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null)
        {
            var f = Path.Combine(d.FullName, relative);
            if (File.Exists(f)) return f;
            d = d.Parent;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
