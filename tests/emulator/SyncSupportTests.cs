using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>What a sync engine's tests read from the emulator: writes per user (received and
/// applied, $batch items included), 429s per user, Graph's peak concurrency, all cleared by a
/// reset; and $batch semantics it relies on (dependsOn → 424, per-item 429 with its own
/// Retry-After, 409 phoneNumberNotUnique with the write applied, the default method refused,
/// masked numbers for delegated Authentication Administrators).</summary>
public sealed class SyncSupportTests : EmulatorTest
{
    public SyncSupportTests(DemoEmulator f) : base(f) { }

    private const string MeganId = "30c81c46-a35c-4e17-8c1d-3b5e0a6f2d44";

    /// <summary>The user's phoneMethods path (by id for Megan, whose UPN starts with '$').</summary>
    private static string Methods(string upn) =>
        $"/users/{(upn == Demo.MeganUpn ? MeganId : Uri.EscapeDataString(upn))}/authentication/phoneMethods";

    private static JsonObject Write(string id, string method, string url, object? body = null, params string[] dependsOn)
    {
        var o = new JsonObject { ["id"] = id, ["method"] = method, ["url"] = url };
        if (body != null)
        {
            o["headers"] = new JsonObject { ["Content-Type"] = "application/json" };
            o["body"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body));
        }
        if (dependsOn.Length > 0) o["dependsOn"] = new JsonArray(dependsOn.Select(d => (JsonNode)d).ToArray());
        return o;
    }

    private async Task<Dictionary<string, JsonNode>> Batch(string token, params JsonObject[] items)
    {
        var (resp, body) = await Graph(HttpMethod.Post, "/v1.0/$batch", token, new JsonObject { ["requests"] = new JsonArray(items) });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return body!["responses"]!.AsArray().ToDictionary(r => r!["id"]!.GetValue<string>(), r => r!);
    }

    private static int Status(Dictionary<string, JsonNode> r, string id) => r[id]["status"]!.GetValue<int>();

    private static long Count(JsonNode counters, string map, string upn) => counters[map]?[upn]?.GetValue<long>() ?? 0;

    [Fact]
    public async Task WritesByUser_CountsEveryReceivedWrite_AppliedOnlyWhatChanged_BatchItemsIncluded()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"smsSignInEnabledByPolicy":true}""");
        var t = await AppToken();
        // applied
        Assert.Equal(HttpStatusCode.Created, (await Graph(HttpMethod.Post, "/v1.0" + Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900123", phoneType = "mobile" })).resp.StatusCode);
        // received, refused (type exists)
        Assert.Equal(HttpStatusCode.BadRequest, (await Graph(HttpMethod.Post, "/v1.0" + Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900124", phoneType = "mobile" })).resp.StatusCode);
        // received, refused (default method)
        Assert.Equal(HttpStatusCode.BadRequest, (await Graph(HttpMethod.Delete, $"/v1.0{Methods(Demo.ZoeUpn)}/{Demo.MobileId}", t)).resp.StatusCode);
        // reads are not writes
        Assert.Equal(HttpStatusCode.OK, (await Graph(HttpMethod.Get, "/v1.0" + Methods(Demo.MeganUpn), t)).resp.StatusCode);
        // $batch: each write item counts; 409 with the write applied counts as applied
        var r = await Batch(t,
            Write("1", "PATCH", $"{Methods(Demo.MeganUpn)}/{Demo.MobileId}", new { phoneNumber = "+49 15123456781", phoneType = "mobile" }),
            Write("2", "PATCH", $"{Methods(Demo.AlexUpn)}/{Demo.MobileId}", new { phoneNumber = "+46 701234567", phoneType = "mobile" }),
            Write("3", "DELETE", $"{Methods(Demo.MeganUpn)}/{Demo.OfficeId}"),
            Write("4", "GET", Methods(Demo.MeganUpn)));
        Assert.Equal(204, Status(r, "1"));
        Assert.Equal(409, Status(r, "2"));
        Assert.Equal(404, Status(r, "3"));
        Assert.Equal(200, Status(r, "4"));

        var c = await Emu.Control.GetCountersAsync();
        Assert.Equal(3, Count(c, "writesByUser", Demo.AlexUpn));
        Assert.Equal(2, Count(c, "appliedWritesByUser", Demo.AlexUpn));
        Assert.Equal(1, Count(c, "writesByUser", Demo.ZoeUpn));
        Assert.Equal(0, Count(c, "appliedWritesByUser", Demo.ZoeUpn));
        Assert.Equal(2, Count(c, "writesByUser", Demo.MeganUpn));
        Assert.Equal(1, Count(c, "appliedWritesByUser", Demo.MeganUpn));
    }

    [Fact]
    public async Task ThrottledWrites_AreCountedPerUser_NotAsReceivedWrites()
    {
        await Emu.Control.SetThrottlingAsync(new { writeLimit = 1, writeWindowSeconds = 1000 });
        var t = await AppToken();
        var path = $"/v1.0{Methods(Demo.MeganUpn)}/{Demo.MobileId}";
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Patch, path, t, new { phoneNumber = "+49 15123456781", phoneType = "mobile" })).resp.StatusCode);
        Assert.Equal((HttpStatusCode)429, (await Graph(HttpMethod.Patch, path, t, new { phoneNumber = "+49 15123456782", phoneType = "mobile" })).resp.StatusCode);
        await Emu.Control.SetFaultsAsync(new { script = new[] { "429" } }); // an injected 429 counts too
        Assert.Equal((HttpStatusCode)429, (await Graph(HttpMethod.Get, "/v1.0/me/authentication/phoneMethods", await Emu.Control.MintTokenAsync(new
        {
            tenant = Demo.TenantId, userPrincipalName = Demo.AdeleUpn, scopes = new[] { "UserAuthenticationMethod.Read" },
        }))).resp.StatusCode);
        var c = await Emu.Control.GetCountersAsync();
        Assert.Equal(1, Count(c, "writesByUser", Demo.MeganUpn));
        Assert.Equal(1, Count(c, "throttledByUser", Demo.MeganUpn));
        Assert.Equal(1, Count(c, "throttledByUser", Demo.AdeleUpn)); // /me resolves to the signed-in user
        Assert.Equal(2, c["throttled"]!.GetValue<long>());
    }

    [Fact]
    public async Task PeakGraphConcurrency_CountsGraphRequestsInFlight_NotControlCalls_AndResets()
    {
        var t = await AppToken();
        await Emu.Control.SetFaultsAsync(new { script = new[] { "stall", "stall" }, stallMs = 60000 });
        using var cts = new CancellationTokenSource();
        var stalled = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0{Methods(Demo.ZoeUpn)}");
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t);
            try { using var _ = await Http.SendAsync(req, cts.Token); }
            catch (OperationCanceledException) { }
        })).ToArray();

        // wait (not a timing assertion) until both stalled requests are in flight
        JsonNode c = await Emu.Control.GetCountersAsync();
        for (int i = 0; i < 600 && c["graphInFlight"]!.GetValue<long>() < 2; i++)
        {
            await Task.Delay(50);
            c = await Emu.Control.GetCountersAsync();
        }
        Assert.Equal(2, c["graphInFlight"]!.GetValue<long>());
        Assert.Equal(2, c["inFlight"]!.GetValue<long>()); // the control call itself is not service traffic
        Assert.True(c["peakGraphConcurrency"]!.GetValue<long>() >= 2);

        cts.Cancel();
        await Task.WhenAll(stalled);
        // the aborted requests leave Graph, then the server's outer pipeline: wait for both
        for (int i = 0; i < 600 && (c["graphInFlight"]!.GetValue<long>() > 0 || c["inFlight"]!.GetValue<long>() > 0); i++)
        {
            await Task.Delay(50);
            c = await Emu.Control.GetCountersAsync();
        }
        Assert.Equal(0, c["graphInFlight"]!.GetValue<long>());
        Assert.Equal(0, c["inFlight"]!.GetValue<long>());
        Assert.Equal(2, c["peakGraphConcurrency"]!.GetValue<long>());

        await Emu.Control.PostAsync("/control/counters/reset", null);
        c = await Emu.Control.GetCountersAsync();
        Assert.Equal(0, c["peakGraphConcurrency"]!.GetValue<long>());
        Assert.Equal(0, c["peakConcurrency"]!.GetValue<long>());
        Assert.Equal(0, c["requests"]!.GetValue<long>());
    }

    [Fact]
    public async Task Reset_ClearsEveryCounter()
    {
        await Emu.Control.SetThrottlingAsync(new { writeLimit = 1, writeWindowSeconds = 1000 });
        var t = await AppToken();
        var path = $"/v1.0{Methods(Demo.MeganUpn)}/{Demo.MobileId}";
        await Graph(HttpMethod.Patch, path, t, new { phoneNumber = "+49 15123456781", phoneType = "mobile" });
        await Graph(HttpMethod.Patch, path, t, new { phoneNumber = "+49 15123456782", phoneType = "mobile" });
        var before = await Emu.Control.GetCountersAsync();
        Assert.Equal(1, Count(before, "writesByUser", Demo.MeganUpn));
        Assert.Equal(1, Count(before, "appliedWritesByUser", Demo.MeganUpn));
        Assert.Equal(1, Count(before, "throttledByUser", Demo.MeganUpn));
        Assert.True(before["peakGraphConcurrency"]!.GetValue<long>() >= 1);

        foreach (var reset in new Func<Task>[] { () => Emu.Control.PostAsync("/control/counters/reset", null), () => Emu.Control.ResetAsync() })
        {
            await reset();
            var c = await Emu.Control.GetCountersAsync();
            foreach (var map in new[] { "writesByUser", "appliedWritesByUser", "throttledByUser", "resourceUnits", "tokensIssued" })
                Assert.Empty(c[map]!.AsObject());
            // only the reset call itself, recorded as it finished
            Assert.All(c["byRoute"]!.AsObject(), kv => Assert.StartsWith("control:", kv.Key));
            foreach (var n in new[] { "requests", "throttled", "peakConcurrency", "peakGraphConcurrency", "graphInFlight", "batchRequests", "batchItems" })
                Assert.True(c[n]!.GetValue<long>() == 0, $"{n} after reset: {c[n]}");
            // writes again: counted from zero
            t = await AppToken();
            await Emu.Control.SetThrottlingAsync(new { resetBudgets = true });
            await Graph(HttpMethod.Patch, path, t, new { phoneNumber = "+49 15123456783", phoneType = "mobile" });
            Assert.Equal(1, Count(await Emu.Control.GetCountersAsync(), "writesByUser", Demo.MeganUpn));
        }
    }

    [Fact]
    public async Task Batch_DependsOn_FailedOrThrottledDependency_Gives424_Transitively()
    {
        await Emu.Control.SetThrottlingAsync(new { writeLimit = 1, writeWindowSeconds = 1000 });
        var t = await AppToken();
        var r = await Batch(t,
            // 1 applies (uses the only write); 2 is throttled with its own Retry-After; 3 and 4 depend on it
            Write("1", "PATCH", $"{Methods(Demo.MeganUpn)}/{Demo.MobileId}", new { phoneNumber = "+49 15123456781", phoneType = "mobile" }),
            Write("2", "POST", Methods(Demo.AlexUpn), new { phoneNumber = "+44 7700900123", phoneType = "mobile" }, "1"),
            Write("3", "POST", Methods(Demo.AlexUpn), new { phoneNumber = "+44 7700900124", phoneType = "alternateMobile" }, "2"),
            Write("4", "GET", Methods(Demo.AlexUpn), null, "3"),
            Write("5", "GET", Methods(Demo.ZoeUpn)));
        Assert.Equal(204, Status(r, "1"));
        Assert.Equal(429, Status(r, "2"));
        var ra = double.Parse(r["2"]["headers"]!["Retry-After"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(ra, 900, 1000.001); // one write per 1000 s: the next fits in ~1000 s
        Assert.StartsWith("Tenant_Application/Write/", r["2"]["headers"]!["x-ms-throttle-scope"]!.GetValue<string>());
        Assert.Equal(424, Status(r, "3"));
        Assert.Equal("FailedDependency", r["3"]["body"]!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(424, Status(r, "4")); // depends on a 424
        Assert.Equal(200, Status(r, "5")); // independent items run

        var alex = await Emu.Control.GetUserAsync(Demo.TenantId, Demo.AlexUpn);
        Assert.Empty(alex["phoneMethods"]!.AsArray()); // nothing after the throttled item was applied
        var c = await Emu.Control.GetCountersAsync();
        Assert.Equal(0, Count(c, "writesByUser", Demo.AlexUpn));
        Assert.Equal(1, Count(c, "throttledByUser", Demo.AlexUpn));
    }

    [Fact]
    public async Task Batch_409PhoneNumberNotUnique_WriteApplied_DependentsGet424()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"smsSignInEnabledByPolicy":true}""");
        var t = await AppToken();
        var r = await Batch(t,
            Write("1", "POST", Methods(Demo.AlexUpn), new { phoneNumber = "+46 701234567", phoneType = "mobile" }), // Zoë's SMS number
            Write("2", "POST", Methods(Demo.AlexUpn), new { phoneNumber = "+44 7700900124", phoneType = "alternateMobile" }, "1"));
        Assert.Equal(409, Status(r, "1"));
        Assert.Equal("phoneNumberNotUnique", r["1"]["body"]!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(424, Status(r, "2"));
        // the MFA number was written anyway; re-reading shows it
        var (_, after) = await Graph(HttpMethod.Get, "/v1.0" + Methods(Demo.AlexUpn), t);
        var m = Assert.Single(after!["value"]!.AsArray())!;
        Assert.Equal("+46 701234567", m["phoneNumber"]!.GetValue<string>());
        Assert.Equal("phoneNumberNotUnique", m["smsSignInState"]!.GetValue<string>());
        // Zoë keeps SMS sign-in
        var (_, zoe) = await Graph(HttpMethod.Get, "/v1.0" + Methods(Demo.ZoeUpn), t);
        Assert.Equal("ready", zoe!["value"]![0]!["smsSignInState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_DefaultMethodDelete_Refused_UntilTheDefaultChanges()
    {
        var t = await AppToken();
        var r = await Batch(t, Write("1", "DELETE", $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}"));
        Assert.Equal(400, Status(r, "1"));
        Assert.Equal("badRequest", r["1"]["body"]!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("default authentication method", r["1"]["body"]!["error"]!["message"]!.GetValue<string>());
        Assert.Equal("+46 701234567", (await Emu.Control.GetUserAsync(Demo.TenantId, Demo.ZoeUpn))["phoneMethods"]![0]!["phoneNumber"]!.GetValue<string>());

        // change the default (beta signInPreferences), then the delete goes through in the same batch
        var r2 = await Batch(t,
            Write("1", "PATCH", $"/users/{Demo.ZoeId}/authentication/signInPreferences", new { userPreferredMethodForSecondaryAuthentication = "push" }),
            Write("2", "DELETE", $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}", null, "1"));
        // signInPreferences is beta-only: on v1.0 it is 400, so the delete is 424
        Assert.Equal(400, Status(r2, "1"));
        Assert.Equal(424, Status(r2, "2"));

        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Uri.EscapeDataString(Demo.ZoeUpn)}", """{"preferredMethod":"push","otherMethods":["microsoftAuthenticator"]}""");
        var r3 = await Batch(t, Write("1", "DELETE", $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}"));
        Assert.Equal(204, Status(r3, "1"));
    }

    [Fact]
    public async Task Batch_DelegatedAuthenticationAdministrator_SeesMaskedNumbers()
    {
        var r = await Batch(await HelpdeskToken(), Write("1", "GET", Methods(Demo.ZoeUpn)), Write("2", "GET", $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}"));
        Assert.Equal("+46 XXXXXXX67", r["1"]["body"]!["value"]![0]!["phoneNumber"]!.GetValue<string>());
        Assert.Equal("+1 XXXXXXXX23", r["2"]["body"]!["phoneNumber"]!.GetValue<string>());
        var app = await Batch(await AppToken(), Write("1", "GET", Methods(Demo.ZoeUpn)));
        Assert.Equal("+46 701234567", app["1"]["body"]!["value"]![0]!["phoneNumber"]!.GetValue<string>());
    }
}
