using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

public sealed class GraphUserTests : EmulatorTest
{
    public GraphUserTests(DemoEmulator f) : base(f) { }

    private static readonly Dictionary<string, string> Eventual = new() { ["ConsistencyLevel"] = "eventual" };

    [Fact]
    public async Task GetById_ReturnsDefaultProperties_WithoutExtensionAttributes()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.EndsWith("/v1.0/$metadata#users/$entity", body!["@odata.context"]!.GetValue<string>());
        Assert.Equal(Demo.ZoeUpn, body["userPrincipalName"]!.GetValue<string>());
        Assert.Equal("Zoë Ångström", body["displayName"]!.GetValue<string>());
        Assert.True(body.AsObject().ContainsKey("businessPhones"));
        Assert.False(body.AsObject().ContainsKey("onPremisesExtensionAttributes"));
        Assert.False(body.AsObject().ContainsKey("usageLocation"));
        Assert.Equal("2", Header(resp, "x-ms-resource-unit"));
    }

    [Fact]
    public async Task NonAsciiUpn_RoundTripsAsUtf8()
    {
        var t = await AppToken();
        var resp = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{UpnPath(Demo.ZoeUpn)}?$select=userPrincipalName")
        { Headers = { Authorization = new("Bearer", t) } });
        var bytes = await resp.Content.ReadAsByteArrayAsync();
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"userPrincipalName\":\"zoë.ångström@contoso.com\"", text); // literal UTF-8, not \u escapes
        Assert.Contains("charset=utf-8", resp.Content.Headers.ContentType!.ToString());
    }

    [Theory]
    [InlineData("ZOË.ÅNGSTRÖM%40CONTOSO.COM")]
    [InlineData("Zo%C3%AB.%C3%85ngstr%C3%B6m%40Contoso.com")]
    [InlineData("zo%C3%AB.%C3%A5ngstr%C3%B6m@contoso.com")]
    public async Task UpnMatch_IsCaseInsensitive_AndPercentDecoded(string path)
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{path}?$select=id", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(Demo.ZoeId, body!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task DollarUpn_MustUseParenthesisForm()
    {
        var t = await AppToken();
        var (bad, bb) = await Graph(HttpMethod.Get, "/v1.0/users/%24megan.bowen%40contoso.com", t);
        AssertGraphError(bad, bb, HttpStatusCode.BadRequest, "BadRequest");
        var (ok, body) = await Graph(HttpMethod.Get, "/v1.0/users('%24megan.bowen%40contoso.com')?$select=id,userPrincipalName", t);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(Demo.MeganUpn, body!["userPrincipalName"]!.GetValue<string>());
        var (pm, pb) = await Graph(HttpMethod.Get, "/v1.0/users('$megan.bowen@contoso.com')/authentication/phoneMethods", t);
        Assert.Equal(HttpStatusCode.OK, pm.StatusCode);
        Assert.Single(pb!["value"]!.AsArray());
    }

    [Fact]
    public async Task GuestUpn_HashEncodedAsPercent23()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/users/pat_fabrikam.com%23EXT%23%40contoso.onmicrosoft.com?$select=id,userType", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("Guest", body!["userType"]!.GetValue<string>());
        // an unencoded '#' starts a fragment: the path ends before it and the user is not found
        var (r2, b2) = await Graph(HttpMethod.Get, "/v1.0/users/pat_fabrikam.com#EXT#@contoso.onmicrosoft.com", t);
        AssertGraphError(r2, b2, HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [Fact]
    public async Task QuoteInParenthesisKey_IsDoubled()
    {
        await Emu.Control.PostAsync($"/control/tenants/{Demo.TenantId}/users", new JsonObject { ["userPrincipalName"] = "o'brien@contoso.com" });
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/users('o''brien%40contoso.com')?$select=userPrincipalName", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("o'brien@contoso.com", body!["userPrincipalName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Select_ExtensionAttributesAndUsageLocation()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}?$select=id,userPrincipalName,usageLocation,onPremisesExtensionAttributes", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.EndsWith("#users(id,userPrincipalName,usageLocation,onPremisesExtensionAttributes)/$entity", body!["@odata.context"]!.GetValue<string>());
        Assert.Equal("SE", body["usageLocation"]!.GetValue<string>());
        Assert.Equal("070-123 45 67", body["onPremisesExtensionAttributes"]!["extensionAttribute15"]!.GetValue<string>());
        Assert.Equal(15, body["onPremisesExtensionAttributes"]!.AsObject().Count);
        Assert.False(body.AsObject().ContainsKey("displayName"));
        Assert.Equal("1", Header(resp, "x-ms-resource-unit")); // $select: 2 - 1
    }

    [Fact]
    public async Task Select_UnknownProperty_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}?$select=id,bogus", t);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task ReadUser_WithoutUserReadAll_Is403()
    {
        var token = await Emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, roles = new[] { "UserAuthMethod-Phone.Read.All" } });
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", token);
        AssertGraphError(resp, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }

    [Fact]
    public async Task List_TopAndNextLinkPaging_VisitsEveryUserOnce()
    {
        var t = await AppToken();
        var seen = new List<string>();
        string? next = "/v1.0/users?$select=id&$top=2";
        int pages = 0;
        while (next != null)
        {
            var (resp, body) = await Graph(HttpMethod.Get, next.StartsWith("http") ? new Uri(next).PathAndQuery : next, t);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            var value = body!["value"]!.AsArray();
            Assert.InRange(value.Count, 1, 2);
            seen.AddRange(value.Select(v => v!["id"]!.GetValue<string>()));
            next = body["@odata.nextLink"]?.GetValue<string>();
            if (next != null) Assert.StartsWith(Emu.BaseUrl.ToString().TrimEnd('/') + "/v1.0/users?", next);
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(6, seen.Distinct().Count());
        Assert.Equal(6, seen.Count);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000")]
    public async Task List_TopOutOfRange_Is400(string top)
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users?$top={top}", t);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
    }

    [Fact]
    public async Task List_Skip_IsNotSupported()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/users?$skip=2", t);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Fact]
    public async Task Filter_ExtensionAttributeNeNull_NeedsConsistencyLevelAndCount()
    {
        var t = await AppToken();
        const string f = "/v1.0/users?$filter=onPremisesExtensionAttributes/extensionAttribute15%20ne%20null&$select=id,userPrincipalName";
        var (r1, b1) = await Graph(HttpMethod.Get, f, t);
        AssertGraphError(r1, b1, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        var (r2, b2) = await Graph(HttpMethod.Get, f, t, headers: Eventual);
        AssertGraphError(r2, b2, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        var (r3, b3) = await Graph(HttpMethod.Get, f + "&$count=true", t); // $count=true without the header is ignored
        AssertGraphError(r3, b3, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        var (ok, body) = await Graph(HttpMethod.Get, f + "&$count=true", t, headers: Eventual);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(4, body!["@odata.count"]!.GetValue<int>()); // Zoë, Adele, Alex, Megan (guest has null, helpdesk none)
        Assert.Equal(4, body["value"]!.AsArray().Count);
    }

    [Fact]
    public async Task Filter_ConsistencyLevelMustBeResentOnNextLink()
    {
        var t = await AppToken();
        var (ok, body) = await Graph(HttpMethod.Get, "/v1.0/users?$filter=onPremisesExtensionAttributes/extensionAttribute15%20ne%20null&$count=true&$top=2&$select=id", t, headers: Eventual);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var next = new Uri(body!["@odata.nextLink"]!.GetValue<string>()).PathAndQuery;
        var (without, wb) = await Graph(HttpMethod.Get, next, t);
        AssertGraphError(without, wb, HttpStatusCode.BadRequest, "Request_UnsupportedQuery"); // the ne filter travels in the nextLink
        var (with, b2) = await Graph(HttpMethod.Get, next, t, headers: Eventual);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal(2, b2!["value"]!.AsArray().Count);
        Assert.Null(b2["@odata.nextLink"]);
    }

    [Fact]
    public async Task Filter_EqWithDoubledQuote_AndStartsWith()
    {
        await Emu.Control.PostAsync($"/control/tenants/{Demo.TenantId}/users", new JsonObject { ["userPrincipalName"] = "o'brien@contoso.com" });
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Get, "/v1.0/users?$filter=userPrincipalName%20eq%20'o''brien@contoso.com'&$select=userPrincipalName", t);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal("o'brien@contoso.com", Assert.Single(b1!["value"]!.AsArray())!["userPrincipalName"]!.GetValue<string>());
        var (r2, b2) = await Graph(HttpMethod.Get, "/v1.0/users?$filter=startswith(displayName,'a')&$select=displayName", t);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal(new[] { "Adele Vance", "Alex Wilber" }, b2!["value"]!.AsArray().Select(v => v!["displayName"]!.GetValue<string>()).OrderBy(x => x));
    }

    [Fact]
    public async Task Count_Endpoint_NeedsConsistencyLevel()
    {
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Get, "/v1.0/users/$count", t);
        AssertGraphError(r1, b1, HttpStatusCode.BadRequest, "Request_BadRequest");
        var (r2, _) = await Graph(HttpMethod.Get, "/v1.0/users/$count", t, headers: Eventual);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal("6", await r2.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Delta_InitialRound_ThenChangesAndRemovals()
    {
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Get, "/v1.0/users/delta?$select=userPrincipalName,onPremisesExtensionAttributes", t);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal(6, b1!["value"]!.AsArray().Count);
        var deltaLink = b1["@odata.deltaLink"]!.GetValue<string>();
        Assert.Contains("$deltatoken=", deltaLink);

        var (r2, b2) = await Graph(HttpMethod.Get, new Uri(deltaLink).PathAndQuery, t);
        Assert.Empty(b2!["value"]!.AsArray());

        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"onPremisesExtensionAttributes":{"extensionAttribute15":"+44 7700 900999"}}""");
        await Emu.Control.SendAsync(HttpMethod.Delete, $"/control/tenants/{Demo.TenantId}/users/{Demo.HelpdeskUpn}", null);
        var (r3, b3) = await Graph(HttpMethod.Get, new Uri(b2["@odata.deltaLink"]!.GetValue<string>()).PathAndQuery, t);
        Assert.Equal(HttpStatusCode.OK, r3.StatusCode);
        var changes = b3!["value"]!.AsArray();
        Assert.Equal(2, changes.Count);
        var alex = changes.Single(c => c!["userPrincipalName"]?.GetValue<string>() == Demo.AlexUpn)!;
        Assert.Equal("+44 7700 900999", alex["onPremisesExtensionAttributes"]!["extensionAttribute15"]!.GetValue<string>());
        var removed = changes.Single(c => c!["@removed"] != null)!;
        Assert.Equal("0f1e2d3c-4b5a-4697-8877-665544332211", removed["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delta_PagesWithMaxPageSize()
    {
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Get, "/v1.0/users/delta?$select=id", t, headers: new() { ["Prefer"] = "odata.maxpagesize=4" });
        Assert.Equal(4, b1!["value"]!.AsArray().Count);
        Assert.Null(b1["@odata.deltaLink"]);
        var (r2, b2) = await Graph(HttpMethod.Get, new Uri(b1["@odata.nextLink"]!.GetValue<string>()).PathAndQuery, t, headers: new() { ["Prefer"] = "odata.maxpagesize=4" });
        Assert.Equal(2, b2!["value"]!.AsArray().Count);
        Assert.NotNull(b2["@odata.deltaLink"]);
    }

    [Fact]
    public async Task Delta_LinksCarryOnlyAStateTokenAndKeepTheInitialSelect()
    {
        var t = await AppToken();
        var prefer = new Dictionary<string, string> { ["Prefer"] = "odata.maxpagesize=4" };
        var (r1, b1) = await Graph(HttpMethod.Get, "/v1.0/users/delta?$select=userPrincipalName,onPremisesExtensionAttributes", t, headers: prefer);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        var next = new Uri(b1!["@odata.nextLink"]!.GetValue<string>());
        // Graph's links are opaque: the path and one state token, the query options inside it.
        Assert.Equal("/v1.0/users/delta", next.AbsolutePath);
        Assert.StartsWith("?$skiptoken=", next.Query);
        Assert.DoesNotContain("select", next.Query, StringComparison.OrdinalIgnoreCase);
        var (r2, b2) = await Graph(HttpMethod.Get, next.PathAndQuery, t, headers: prefer);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        var page2 = b2!["value"]!.AsArray();
        Assert.Equal(2, page2.Count);
        Assert.All(page2, u => Assert.Equal(new[] { "id", "onPremisesExtensionAttributes", "userPrincipalName" },
            u!.AsObject().Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal)));
        var delta = new Uri(b2["@odata.deltaLink"]!.GetValue<string>());
        Assert.Equal("/v1.0/users/delta", delta.AbsolutePath);
        Assert.StartsWith("?$deltatoken=", delta.Query);
        Assert.Null(b2["@odata.nextLink"]);

        // The next round returns the changed user with the initial $select, and a fresh deltaLink.
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"onPremisesExtensionAttributes":{"extensionAttribute15":"+1 206 555 0142"}}""");
        var (r3, b3) = await Graph(HttpMethod.Get, delta.PathAndQuery, t);
        var alex = Assert.Single(b3!["value"]!.AsArray())!;
        Assert.Equal(Demo.AlexUpn, alex["userPrincipalName"]!.GetValue<string>());
        Assert.Equal("+1 206 555 0142", alex["onPremisesExtensionAttributes"]!["extensionAttribute15"]!.GetValue<string>());
        Assert.Null(alex["displayName"]);
        Assert.NotNull(b3["@odata.deltaLink"]);
    }

    [Fact]
    public async Task Delta_ALinkOlderThanSevenDaysIsSyncStateNotFound()
    {
        var t = await AppToken();
        var (_, b1) = await Graph(HttpMethod.Get, "/v1.0/users/delta?$select=id", t);
        var delta = new Uri(b1!["@odata.deltaLink"]!.GetValue<string>()).PathAndQuery;
        await Emu.Control.AdvanceClockAsync(6 * 86400);
        t = await AppToken();
        var (r2, b2) = await Graph(HttpMethod.Get, delta, t);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        await Emu.Control.AdvanceClockAsync(2 * 86400);
        t = await AppToken();
        var (r3, b3) = await Graph(HttpMethod.Get, delta, t);
        AssertGraphError(r3, b3, HttpStatusCode.BadRequest, "syncStateNotFound");
        // A fresh link from the round in between is still good.
        var (r4, _) = await Graph(HttpMethod.Get, new Uri(b2!["@odata.deltaLink"]!.GetValue<string>()).PathAndQuery, t);
        Assert.Equal(HttpStatusCode.OK, r4.StatusCode);
    }

    [Fact]
    public async Task Me_WithAppToken_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/me", t);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task UnknownSegment_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/groups", t);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "BadRequest");
    }
}
