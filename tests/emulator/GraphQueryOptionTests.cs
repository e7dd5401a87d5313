using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Query options Graph does not support are refused with its codes and messages instead
/// of being ignored: $search without its rules, delta filters other than object ids, $orderby and
/// $expand where unsupported, advanced queries without ConsistencyLevel (aad-advanced-queries,
/// search-query-parameter, user-delta, delta-query-overview).</summary>
public sealed class GraphQueryOptionTests : EmulatorTest
{
    public GraphQueryOptionTests(DemoEmulator f) : base(f) { }

    private static readonly Dictionary<string, string> Eventual = new() { ["ConsistencyLevel"] = "eventual" };

    private const string AdeleId = "6bc1bee2-2e40-4f96-8e93-d2cb4a7e1f01";
    private const string AlexId = "ae2d8a57-1e03-4ac9-9c9f-b7a0e8d3c512";

    private static string Message(JsonNode? body) => body!["error"]!["message"]!.GetValue<string>();

    private static string[] Names(JsonNode? body) =>
        body!["value"]!.AsArray().Select(v => v!["displayName"]!.GetValue<string>()).OrderBy(x => x, StringComparer.Ordinal).ToArray();

    private async Task<(HttpResponseMessage resp, JsonNode? body)> Get(string pathAndQuery, Dictionary<string, string>? headers = null) =>
        await Graph(HttpMethod.Get, pathAndQuery, await AppToken(), headers: headers);

    // ---------------- $search ----------------

    [Fact]
    public async Task Search_WithoutConsistencyLevel_Is400UnsupportedQuery()
    {
        var (resp, body) = await Get("/v1.0/users?$search=%22displayName:Adele%22");
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        Assert.Equal("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'", Message(body));
        var (count, cb) = await Get("/v1.0/users/$count?$search=%22displayName:Adele%22", new() { ["ConsistencyLevel"] = "session" });
        AssertGraphError(count, cb, HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Theory]
    [InlineData("displayName:Adele")]                          // not in double quotes
    [InlineData("%22displayName:Adele%22%20or%20%22mail:x%22")] // lower-case or
    [InlineData("%22Adele%22")]                                  // no property
    [InlineData("%22displayName:%22")]                           // nothing to search for
    [InlineData("%22displayName:Adele")]                         // unterminated
    [InlineData("(%22displayName:Adele%22")]                     // unbalanced parenthesis
    [InlineData("%22displayName:Adele%22%20%22mail:a%22")]       // two clauses without AND/OR
    [InlineData("%22favouriteColour:blue%22")]                   // not a property of user
    public async Task Search_BadSyntax_Is400UnsupportedQuery(string search)
    {
        var (resp, body) = await Get("/v1.0/users?$search=" + search, Eventual);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
    }

    [Fact]
    public async Task Search_MatchesDisplayNameTokensAndOtherPropertiesByPrefix()
    {
        // displayName by tokens: "vance" is the second word of "Adele Vance"; "wil" starts "Wilber"
        var (r1, b1) = await Get("/v1.0/users?$search=%22displayName:vance%22&$select=displayName", Eventual);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal(new[] { "Adele Vance" }, Names(b1));
        Assert.Null(b1!["@odata.count"]); // $search needs no $count; none asked
        var (r2, b2) = await Get("/v1.0/users?$search=%22displayName:wil%22%20OR%20%22displayName:bowen%22&$select=displayName&$count=true", Eventual);
        Assert.Equal(new[] { "Alex Wilber", "Megan Bowen" }, Names(b2));
        Assert.Equal(2, b2!["@odata.count"]!.GetValue<int>());
        // other properties: startsWith, so "vance" does not match the mail adele.vance@…
        var (r3, b3) = await Get("/v1.0/users?$search=%22mail:vance%22&$select=displayName", Eventual);
        Assert.Empty(b3!["value"]!.AsArray());
        var (r4, b4) = await Get("/v1.0/users?$search=%22mail:adele%22%20AND%20(%22displayName:vance%22%20OR%20%22displayName:nobody%22)&$select=displayName", Eventual);
        Assert.Equal(new[] { "Adele Vance" }, Names(b4));
        // combined with $filter (AND)
        var (r5, b5) = await Get("/v1.0/users?$search=%22displayName:a%22&$filter=startswith(userPrincipalName,'alex')&$select=displayName", Eventual);
        Assert.Equal(new[] { "Alex Wilber" }, Names(b5));
        // casing changes split words: "O'Brien" gives "o", "brien"; "(Fabrikam)" gives "fabrikam"
        var (r6, b6) = await Get("/v1.0/users?$search=%22displayName:fabrikam%20brien%22&$select=displayName", Eventual);
        Assert.Equal(new[] { "Pat O'Brien (Fabrikam)" }, Names(b6));
        // /users/$count takes $search too
        var (r7, _) = await Get("/v1.0/users/$count?$search=%22displayName:a%22", Eventual);
        Assert.Equal("2", await r7.Content.ReadAsStringAsync()); // Adele, Alex ("Ångström" does not start with "a")
    }

    // ---------------- advanced queries without their parameters ----------------

    [Fact]
    public async Task CountTrue_WithoutConsistencyLevel_IsSilentlyIgnored()
    {
        var (resp, body) = await Get("/v1.0/users?$count=true&$select=id");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Null(body!["@odata.count"]);
        Assert.Equal(6, body["value"]!.AsArray().Count);
    }

    [Fact]
    public async Task CountSegment_WithoutConsistencyLevel_Is400WithGraphsMessage()
    {
        var (resp, body) = await Get("/v1.0/users/$count");
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_BadRequest");
        Assert.Equal("$count is not currently supported.", Message(body));
    }

    [Theory]
    [InlineData("onPremisesExtensionAttributes/extensionAttribute15%20ne%20null", "Filter operator 'NotEqualsMatch' is not supported.")]
    [InlineData("accountEnabled%20ne%20true", "Filter operator 'NotEqualsMatch' is not supported.")]
    [InlineData("not(startswith(displayName,'A'))", "Filter operator 'Not' is not supported.")]
    [InlineData("endsWith(mail,'@contoso.com')", "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information")]
    [InlineData("onPremisesExtensionAttributes/extensionAttribute15%20eq%20'x'", "Unsupported or invalid query filter clause specified for property 'extensionAttribute15' of resource 'User'.")]
    public async Task AdvancedFilter_WithoutItsParameters_Is400WithGraphsMessage(string filter, string message)
    {
        var path = "/v1.0/users?$select=id&$filter=" + filter;
        foreach (var (query, headers) in new[] { ("", (Dictionary<string, string>?)null), ("", Eventual), ("&$count=true", null) })
        {
            var (resp, body) = await Get(path + query, headers);
            AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
            Assert.Equal(message, Message(body));
        }
        var (ok, _) = await Get(path + "&$count=true", Eventual);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task EndsWith_OnAPropertyNotIndexedForIt_Is400EvenInAnAdvancedQuery()
    {
        var (resp, body) = await Get("/v1.0/users?$filter=endsWith(displayName,'Vance')&$count=true", Eventual);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        Assert.Equal("Unsupported or invalid query filter clause specified for property 'displayName' of resource 'User'.", Message(body));
    }

    // ---------------- $orderby ----------------

    [Theory]
    [InlineData("/v1.0/users?$orderby=jobTitle", null)]
    [InlineData("/v1.0/users?$orderby=displayName%20sideways", null)]
    [InlineData("/v1.0/users?$orderby=createdDateTime", null)]                                    // advanced only
    [InlineData("/v1.0/users?$orderby=displayName&$filter=startswith(displayName,'A')", null)]   // filter + orderby: advanced only
    [InlineData("/v1.0/users?$orderby=createdDateTime&$count=true", "session")]
    public async Task OrderBy_Unsupported_Is400(string path, string? consistency)
    {
        var (resp, body) = await Get(path, consistency == null ? null : new() { ["ConsistencyLevel"] = consistency });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        Assert.Equal("Sorting not supported for current query.", Message(body));
    }

    [Fact]
    public async Task OrderBy_Supported_Sorts()
    {
        var (r1, b1) = await Get("/v1.0/users?$orderby=displayName%20desc&$select=displayName");
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal("Zoë Ångström", b1!["value"]![0]!["displayName"]!.GetValue<string>());
        var (r2, b2) = await Get("/v1.0/users?$orderby=createdDateTime%20desc&$count=true&$select=displayName", Eventual);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal("Helpdesk Operator", b2!["value"]![0]!["displayName"]!.GetValue<string>()); // seeded last
    }

    // ---------------- $expand ----------------

    [Fact]
    public async Task Expand_NavigationProperties_UnknownIs400_AdvancedIsUnsupported()
    {
        var (r1, b1) = await Get($"/v1.0/users/{AlexId}?$expand=manager,memberOf($select=id)");
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.False(b1!.AsObject().ContainsKey("manager")); // no manager: absent, as in Graph
        Assert.Empty(b1["memberOf"]!.AsArray());
        var (r2, b2) = await Get("/v1.0/users?$expand=directReports&$select=id&$top=2");
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.All(b2!["value"]!.AsArray(), u => Assert.Empty(u!["directReports"]!.AsArray()));

        var (r3, b3) = await Get("/v1.0/users?$expand=phoneMethods");
        AssertGraphError(r3, b3, HttpStatusCode.BadRequest, "BadRequest");
        Assert.Equal("Could not find a property named 'phoneMethods' on type 'microsoft.graph.user'.", Message(b3));
        var (r4, b4) = await Get("/v1.0/users?$expand=manager&$count=true", Eventual);
        AssertGraphError(r4, b4, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
        var (r5, b5) = await Get("/v1.0/users?$expand=manager&$search=%22displayName:a%22", Eventual);
        AssertGraphError(r5, b5, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
    }

    // ---------------- $skip ----------------

    [Fact]
    public async Task Skip_IsRefusedWithGraphsCodeAndMessage()
    {
        foreach (var path in new[] { "/v1.0/users?$skip=2", "/v1.0/users/delta?$skip=2" })
        {
            var (resp, body) = await Get(path);
            AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_BadRequest");
            Assert.Equal("'$skip' is not supported by the service.", Message(body));
        }
    }

    // ---------------- delta ----------------

    [Theory]
    [InlineData("$filter=startswith(displayName,'A')")]
    [InlineData("$filter=userPrincipalName%20eq%20'adele.vance@contoso.com'")]
    [InlineData("$filter=id%20ne%20'6bc1bee2-2e40-4f96-8e93-d2cb4a7e1f01'")]
    [InlineData("$filter=id%20eq%20'6bc1bee2-2e40-4f96-8e93-d2cb4a7e1f01'%20and%20id%20eq%20'ae2d8a57-1e03-4ac9-9c9f-b7a0e8d3c512'")]
    [InlineData("$orderby=displayName")]
    [InlineData("$expand=manager")]
    [InlineData("$search=%22displayName:a%22")]
    public async Task Delta_UnsupportedQueryOptions_Are400(string query)
    {
        var (resp, body) = await Get("/v1.0/users/delta?" + query, Eventual);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
    }

    [Fact]
    public async Task Delta_ScopingFilterOnIds_TracksOnlyThoseUsers()
    {
        var f = $"$filter=id%20eq%20'{AdeleId}'%20or%20id%20eq%20'{AlexId}'&$select=displayName";
        var (r1, b1) = await Get("/v1.0/users/delta?" + f);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal(new[] { "Adele Vance", "Alex Wilber" }, Names(b1));
        var deltaLink = new Uri(b1!["@odata.deltaLink"]!.GetValue<string>()).PathAndQuery;

        // a change to a tracked user shows; a change to another user does not
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"displayName":"Alex W."}""");
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Uri.EscapeDataString(Demo.ZoeUpn)}", """{"displayName":"Zoë Å."}""");
        var (r2, b2) = await Get(deltaLink);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal(new[] { "Alex W." }, Names(b2));

        var many = string.Join("%20or%20", Enumerable.Range(0, 51).Select(i => $"id%20eq%20'{Guid.NewGuid()}'"));
        var (r3, b3) = await Get("/v1.0/users/delta?$filter=" + many);
        AssertGraphError(r3, b3, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
    }
}
