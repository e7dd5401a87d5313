using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

public sealed class GeneratorTests : EmulatorTest
{
    public GeneratorTests(DemoEmulator f) : base(f) { }

    private async Task<(JsonNode gen, JsonArray users)> Generate(int n, int seed, string domain)
    {
        var gen = await Emu.Control.GenerateAsync(n, seed, domain);
        var state = await Emu.Control.GetStateAsync(gen["tenantId"]!.GetValue<string>());
        return (gen, state["tenants"]![0]!["users"]!.AsArray());
    }

    [Fact]
    public async Task Generate_IsDeterministicPerSeed()
    {
        var (g1, u1) = await Generate(200, 11, "a.onmicrosoft.com");
        await Emu.Control.ResetAsync();
        var (g2, u2) = await Generate(200, 11, "a.onmicrosoft.com");
        Assert.Equal(g1["tenantId"]!.GetValue<string>(), g2["tenantId"]!.GetValue<string>());
        Assert.Equal(u1.ToJsonString(), u2.ToJsonString());
        await Emu.Control.ResetAsync();
        var (_, u3) = await Generate(200, 12, "a.onmicrosoft.com");
        Assert.NotEqual(u1.ToJsonString(), u3.ToJsonString());
    }

    [Fact]
    public async Task Generate_HasTheDocumentedMix()
    {
        var (gen, users) = await Generate(1000, 5, "mix.onmicrosoft.com");
        Assert.Equal(1000, gen["users"]!.GetValue<int>());
        Assert.Equal(1000, users.Count);
        var stats = gen["stats"]!;
        foreach (var k in new[] { "ext15Empty", "ext15Invalid", "ext15National", "ext15International", "mobileMatching", "mobileDiffering", "mobileMissing",
                     "smsSignInConflict", "phoneIsDefault", "alternateMobile", "office", "guest", "dollarUpn", "apostropheUpn", "nonAsciiUpn" })
            Assert.True(stats[k]?.GetValue<int>() > 0, $"no {k} in {stats.ToJsonString()}");

        // numbers from at least 10 countries (by usageLocation of users with a number)
        var regions = users.Where(u => u!["onPremisesExtensionAttributes"]!["extensionAttribute15"] != null && u["usageLocation"] != null)
            .Select(u => u!["usageLocation"]!.GetValue<string>()).Distinct().Count();
        Assert.True(regions >= 10, $"only {regions} countries");

        // matching methods use Graph's format
        foreach (var u in users)
            foreach (var p in u!["phoneMethods"]!.AsArray())
                Assert.Matches(@"^\+[1-9]\d{0,2} \d{4,14}(x\d+)?$", p!["phoneNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generate_SmsSignInConflict_Produces409()
    {
        var (gen, users) = await Generate(300, 8, "conf.onmicrosoft.com");
        static string Digits(string s) => new(s.Where(char.IsDigit).ToArray());
        var holders = users.Where(u => u!["phoneMethods"]!.AsArray().Any(p => p!["phoneType"]!.GetValue<string>() == "mobile" && p["smsSignInState"]!.GetValue<string>() == "ready"))
            .ToDictionary(u => Digits(u!["phoneMethods"]!.AsArray().First(p => p!["phoneType"]!.GetValue<string>() == "mobile")!["phoneNumber"]!.GetValue<string>()), u => u!, StringComparer.Ordinal)
            ;
        // a victim: in SMS sign-in scope, without a mobile, whose desired number another user holds for SMS sign-in
        JsonNode? victim = null;
        string? number = null;
        foreach (var u in users)
        {
            if (!u!["smsSignInEnabledByPolicy"]!.GetValue<bool>() || u["phoneMethods"]!.AsArray().Any(p => p!["phoneType"]!.GetValue<string>() == "mobile")) continue;
            foreach (var h in holders)
            {
                var ext = u["onPremisesExtensionAttributes"]!["extensionAttribute15"]?.GetValue<string>();
                if (ext != null && Digits(ext).EndsWith(h.Key[^8..], StringComparison.Ordinal) && h.Value["id"]!.GetValue<string>() != u["id"]!.GetValue<string>())
                {
                    victim = u;
                    var m = h.Value["phoneMethods"]!.AsArray().First(p => p!["phoneType"]!.GetValue<string>() == "mobile")!;
                    number = m["phoneNumber"]!.GetValue<string>();
                    break;
                }
            }
            if (victim != null) break;
        }
        Assert.NotNull(victim);
        var (tr, tb) = await PostForm($"/{gen["tenantId"]!.GetValue<string>()}/oauth2/v2.0/token", ("client_id", gen["clientId"]!.GetValue<string>()),
            ("client_secret", gen["clientSecret"]!.GetValue<string>()), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, tr.StatusCode);
        var (resp, body) = await Graph(HttpMethod.Post, $"/v1.0/users/{victim!["id"]!.GetValue<string>()}/authentication/phoneMethods",
            tb!["access_token"]!.GetValue<string>(), new { phoneNumber = number, phoneType = "mobile" });
        AssertGraphError(resp, body, HttpStatusCode.Conflict, "phoneNumberNotUnique");
    }

    [Fact]
    public async Task Generate_IntoExistingTenant_AddsUsers()
    {
        var r = await Emu.Control.PostAsync("/control/generate", new { tenant = Demo.Domain, users = 20, seed = 2 });
        Assert.Equal(26, r!["users"]!.GetValue<int>());
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/users?$top=999&$select=id", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(26, body!["value"]!.AsArray().Count);
    }
}
