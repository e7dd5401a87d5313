using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

public sealed class BatchTests : EmulatorTest
{
    public BatchTests(DemoEmulator f) : base(f) { }

    private static JsonObject Get(string id, string url) => new() { ["id"] = id, ["method"] = "GET", ["url"] = url };

    private static JsonNode Item(JsonNode body, string id) => body["responses"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == id)!;

    [Fact]
    public async Task Batch_MixedItems_EnvelopeIs200_ItemsCarryTheirOwnStatus()
    {
        var t = await AppToken();
        var req = new JsonObject
        {
            ["requests"] = new JsonArray(
                Get("1", $"/users/{Demo.ZoeId}/authentication/phoneMethods"),
                Get("2", "/users/nobody@contoso.com/authentication/phoneMethods"),
                new JsonObject
                {
                    ["id"] = "3", ["method"] = "POST", ["url"] = $"/users/{Demo.AlexUpn}/authentication/phoneMethods",
                    ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                    ["body"] = new JsonObject { ["phoneNumber"] = "+44 7700900123", ["phoneType"] = "mobile" },
                }),
        };
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, req);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(200, Item(body!, "1")["status"]!.GetValue<int>());
        Assert.Equal("+46 701234567", Item(body!, "1")["body"]!["value"]![0]!["phoneNumber"]!.GetValue<string>());
        var nf = Item(body!, "2");
        Assert.Equal(404, nf["status"]!.GetValue<int>());
        Assert.Equal("Request_ResourceNotFound", nf["body"]!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(201, Item(body!, "3")["status"]!.GetValue<int>());
        // the emulator fixture runs with --batch-order reverse: responses need not follow request order
        Assert.Equal(new[] { "3", "2", "1" }, body!["responses"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Batch_MoreThan20_Is400()
    {
        var t = await AppToken();
        var reqs = new JsonArray();
        for (int i = 1; i <= 21; i++) reqs.Add(Get(i.ToString(CultureInfo.InvariantCulture), $"/users/{Demo.ZoeId}"));
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = reqs });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
        var twenty = (JsonArray)reqs.DeepClone();
        twenty.RemoveAt(20);
        var (ok, _) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = twenty });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Batch_DuplicateIds_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = new JsonArray(Get("1", "/users"), Get("1", "/users")) });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Batch_BodyWithoutContentTypeHeader_Is400()
    {
        var t = await AppToken();
        var item = new JsonObject { ["id"] = "1", ["method"] = "POST", ["url"] = $"/users/{Demo.AlexUpn}/authentication/phoneMethods", ["body"] = new JsonObject { ["phoneNumber"] = "+44 7700900123", ["phoneType"] = "mobile" } };
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = new JsonArray(item) });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Batch_DependsOnFailed_Gets424_AndRunsAfterItsDependency()
    {
        var t = await AppToken();
        var req = new JsonObject
        {
            ["requests"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = "2", ["method"] = "POST", ["url"] = $"/users/{Demo.AlexUpn}/authentication/phoneMethods", ["dependsOn"] = new JsonArray("1"),
                    ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                    ["body"] = new JsonObject { ["phoneNumber"] = "+44 7700900124", ["phoneType"] = "alternateMobile" },
                },
                new JsonObject
                {
                    ["id"] = "1", ["method"] = "POST", ["url"] = $"/users/{Demo.AlexUpn}/authentication/phoneMethods",
                    ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                    ["body"] = new JsonObject { ["phoneNumber"] = "+44 7700900123", ["phoneType"] = "mobile" },
                },
                new JsonObject
                {
                    ["id"] = "3", ["method"] = "POST", ["url"] = $"/users/{Demo.ZoeId}/authentication/phoneMethods",
                    ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                    ["body"] = new JsonObject { ["phoneNumber"] = "bad", ["phoneType"] = "office" },
                },
                new JsonObject { ["id"] = "4", ["method"] = "DELETE", ["url"] = $"/users/{Demo.ZoeId}/authentication/phoneMethods/{Demo.OfficeId}", ["dependsOn"] = new JsonArray("3") }),
        };
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, req);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(201, Item(body!, "1")["status"]!.GetValue<int>());
        Assert.Equal(201, Item(body!, "2")["status"]!.GetValue<int>()); // ran after 1 although listed first
        Assert.Equal(400, Item(body!, "3")["status"]!.GetValue<int>());
        var dep = Item(body!, "4");
        Assert.Equal(424, dep["status"]!.GetValue<int>());
        Assert.Equal("FailedDependency", dep["body"]!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_DependsOnUnknownId_Is400()
    {
        var t = await AppToken();
        var item = Get("1", "/users");
        item["dependsOn"] = new JsonArray("9");
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = new JsonArray(item) });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Batch_AbsoluteUrl_ItemIs400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = new JsonArray(Get("1", "https://graph.microsoft.com/v1.0/users")) });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(400, Item(body!, "1")["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Batch_ItemHeaders_ConsistencyLevelApplies()
    {
        var t = await AppToken();
        var item = Get("1", "users?$filter=onPremisesExtensionAttributes/extensionAttribute15 ne null&$count=true&$select=id");
        item["headers"] = new JsonObject { ["ConsistencyLevel"] = "eventual" };
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = new JsonArray(item, Get("2", "users?$filter=onPremisesExtensionAttributes/extensionAttribute15 ne null&$count=true")) });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(4, Item(body!, "1")["body"]!["@odata.count"]!.GetValue<int>());
        Assert.Equal(400, Item(body!, "2")["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Batch_PerItem429_WithOwnRetryAfter()
    {
        await Emu.Control.SetThrottlingAsync(new { ruLimit = 3 });
        var t = await AppToken();
        var reqs = new JsonArray();
        for (int i = 1; i <= 5; i++) reqs.Add(Get(i.ToString(CultureInfo.InvariantCulture), $"/users/{Demo.ZoeId}/authentication/phoneMethods")); // 1 RU each
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, new JsonObject { ["requests"] = reqs });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var statuses = body!["responses"]!.AsArray().ToDictionary(r => r!["id"]!.GetValue<string>(), r => r!["status"]!.GetValue<int>());
        Assert.Equal(3, statuses.Values.Count(s => s == 200));
        Assert.Equal(2, statuses.Values.Count(s => s == 429));
        foreach (var r in body["responses"]!.AsArray().Where(r => r!["status"]!.GetValue<int>() == 429))
        {
            var ra = double.Parse(r!["headers"]!["Retry-After"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            Assert.InRange(ra, 0.001, 10);
            Assert.Equal("TooManyRequests", r["body"]!["error"]!["code"]!.GetValue<string>());
        }
        var counters = await Emu.Control.GetCountersAsync();
        Assert.Equal(2, counters["throttled"]!.GetValue<long>());
    }

    [Fact]
    public async Task Batch_EnvelopeNotJson_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", t, "{\"requests\": [");
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }
}

public sealed class ThrottlingTests : EmulatorTest
{
    public ThrottlingTests(DemoEmulator f) : base(f) { }

    [Theory]
    [InlineData("/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c", "2")]
    [InlineData("/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c?$select=id", "1")]
    [InlineData("/v1.0/users?$top=5", "1")]
    [InlineData("/v1.0/users?$top=50", "2")]
    [InlineData("/v1.0/users?$top=5&$select=id", "1")]
    [InlineData("/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods", "1")]
    public async Task ResourceUnitCosts(string path, string cost)
    {
        var t = await AppToken();
        var (resp, _) = await Graph(HttpMethod.Get, path, t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(cost, Header(resp, "x-ms-resource-unit"));
    }

    [Fact]
    public async Task RuBudget_429WithFractionalRetryAfterAndHeaders_ThenRecoversAfterWindow()
    {
        await Emu.Control.SetThrottlingAsync(new { ruLimit = 10 });
        var t = await AppToken();
        var path = $"/v1.0/users/{Demo.ZoeId}"; // 2 RU
        for (int i = 0; i < 5; i++)
        {
            var (ok, _) = await Graph(HttpMethod.Get, path, t);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            if (i < 3) Assert.Equal("", Header(ok, "x-ms-throttle-limit-percentage")); // under 80 %
            if (i == 4) Assert.Equal("1.0", Header(ok, "x-ms-throttle-limit-percentage"));
        }
        var (resp, body) = await Graph(HttpMethod.Get, path, t);
        AssertGraphError(resp, body, (HttpStatusCode)429, "TooManyRequests");
        var retryAfter = Header(resp, "Retry-After");
        var ra = double.Parse(retryAfter, CultureInfo.InvariantCulture);
        Assert.InRange(ra, 1.0, 2.0); // a token bucket of 10 RU refilling at 1 RU/s needs ~2 s for 2 RU
        Assert.Matches(@"^\d+(\.\d{1,3})?$", retryAfter);
        Assert.Equal("ResourceUnitLimitExceeded", Header(resp, "x-ms-throttle-information"));
        Assert.Equal($"Tenant_Application/ReadWrite/{Demo.SyncAppId}/{Demo.TenantId}", Header(resp, "x-ms-throttle-scope"));

        // another app has its own budget
        var other = await AppToken(Demo.ReaderAppId, Demo.ReaderAppSecret);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, path, other)).resp.StatusCode);

        await Emu.Control.AdvanceClockAsync(10);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, path, t)).resp.StatusCode);
        var counters = await Emu.Control.GetCountersAsync();
        Assert.Equal(1, counters["throttled"]!.GetValue<long>());
        Assert.Equal(1, counters["byRoute"]!["graph:users.get"]!["429"]!.GetValue<long>());
    }

    [Fact]
    public async Task WriteQuota_429WriteLimitExceeded()
    {
        await Emu.Control.SetThrottlingAsync(new { writeLimit = 2 });
        var t = await AppToken();
        var m = $"/v1.0/users/{Demo.AdeleUpn}/authentication/phoneMethods/{Demo.MobileId}";
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Patch, m, t, new { phoneNumber = "+1 2065550001", phoneType = "mobile" })).resp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Patch, m, t, new { phoneNumber = "+1 2065550002", phoneType = "mobile" })).resp.StatusCode);
        var (resp, body) = await Graph(HttpMethod.Patch, m, t, new { phoneNumber = "+1 2065550003", phoneType = "mobile" });
        AssertGraphError(resp, body, (HttpStatusCode)429, "TooManyRequests");
        Assert.Equal("WriteLimitExceeded", Header(resp, "x-ms-throttle-information"));
        Assert.Equal($"Tenant_Application/Write/{Demo.SyncAppId}/{Demo.TenantId}", Header(resp, "x-ms-throttle-scope"));
        var ra = double.Parse(Header(resp, "Retry-After"), CultureInfo.InvariantCulture);
        Assert.InRange(ra, 60, 75); // 2 writes per 150 s refill one write every 75 s
        // reads still go through
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, m, t)).resp.StatusCode);
        var user = await Emu.Control.GetUserAsync(Demo.TenantId, Demo.AdeleUpn);
        Assert.Equal("+1 2065550002", user["phoneMethods"]![0]!["phoneNumber"]!.GetValue<string>()); // throttled write not applied
    }

    [Fact]
    public async Task TenantSizeTier_SelectsTheLimit()
    {
        // tiers: < 50 users small, 50–500 medium, > 500 large
        await Emu.Control.SetThrottlingAsync(new { ruLimitSmall = 100, ruLimitMedium = 4 });
        var gen = await Emu.Control.GenerateAsync(60, seed: 3, domain: "tier.onmicrosoft.com");
        var (tr, tb) = await PostForm($"/{gen["tenantId"]!.GetValue<string>()}/oauth2/v2.0/token", ("client_id", gen["clientId"]!.GetValue<string>()),
            ("client_secret", gen["clientSecret"]!.GetValue<string>()), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, tr.StatusCode);
        var mediumToken = tb!["access_token"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0/users?$top=50", mediumToken)).resp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0/users?$top=50", mediumToken)).resp.StatusCode);
        Assert.Equal((HttpStatusCode)429, (await Graph(HttpMethod.Get, "/v1.0/users?$top=50", mediumToken)).resp.StatusCode);
        var small = await AppToken();
        for (int i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0/users?$top=50", small)).resp.StatusCode);
    }

    [Fact]
    public async Task AppLimitAcrossTenants_AppliesOverPerTenantBudgets()
    {
        await Emu.Control.SetThrottlingAsync(new { appLimit = 3 });
        var t = await AppToken();
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", t)).resp.StatusCode);
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", t);
        AssertGraphError(resp, body, (HttpStatusCode)429, "TooManyRequests");
        Assert.Equal($"Application/ReadWrite/{Demo.SyncAppId}/{Demo.TenantId}", Header(resp, "x-ms-throttle-scope")); // <Scope>/<Limit>/<ApplicationId>/<TenantId>
    }

    [Fact]
    public async Task ThrottlingSettings_ReadableAndDisableable()
    {
        var s = await Emu.Control.SendAsync(HttpMethod.Get, "/control/throttling", null);
        Assert.Equal(3500, s!["ruLimitSmall"]!.GetValue<int>());
        Assert.Equal(5000, s["ruLimitMedium"]!.GetValue<int>());
        Assert.Equal(8000, s["ruLimitLarge"]!.GetValue<int>());
        Assert.Equal(3000, s["writeLimit"]!.GetValue<int>());
        Assert.Equal(150, s["writeWindowSeconds"]!.GetValue<double>());
        Assert.Equal(10, s["ruWindowSeconds"]!.GetValue<double>());
        await Emu.Control.SetThrottlingAsync(new { ruLimit = 1, enabled = false });
        var t = await AppToken();
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", t)).resp.StatusCode);
    }
}
