using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>An emulator seeded with the identifiers used in Microsoft's documentation examples.</summary>
public sealed class DocsEmulator : IDisposable
{
    public const string Tenant = "contoso.onmicrosoft.com";
    public const string TenantId = "aaaabbbb-0000-cccc-1111-dddd2222eeee";
    public const string ClientId = "535fb089-9ff3-47b6-9bfb-4f1264799865";
    public const string ClientSecret = "sampleCredentia1s";
    public const string PublicClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
    public const string Kim = "kim@contoso.com";

    public EmulatorProcess Process { get; }
    public X509Certificate2 Certificate { get; }
    public RSA Key { get; }

    public DocsEmulator()
    {
        Process = EmulatorProcess.Start("--seed", "2024", "--batch-order", "shuffle");
        Key = RSA.Create(2048);
        Certificate = new CertificateRequest("CN=docs", Key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var seed = new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = TenantId,
                ["displayName"] = "Contoso",
                ["domains"] = new JsonArray(Tenant, "contoso.com"),
                ["apps"] = new JsonArray(
                    new JsonObject
                    {
                        ["clientId"] = ClientId, ["displayName"] = "docs daemon", ["secrets"] = new JsonArray(ClientSecret),
                        ["certificates"] = new JsonArray(Certificate.ExportCertificatePem()),
                        ["applicationPermissions"] = new JsonArray("User.Read.All", "UserAuthenticationMethod.ReadWrite.All"),
                    },
                    new JsonObject
                    {
                        ["clientId"] = PublicClientId, ["displayName"] = "docs public client", ["publicClient"] = true,
                        ["delegatedPermissions"] = new JsonArray("User.Read", "User.Read.All", "UserAuthenticationMethod.ReadWrite.All"),
                    }),
                ["managedIdentities"] = new JsonArray(new JsonObject { ["clientId"] = "00001111-aaaa-2222-bbbb-3333cccc4444", ["systemAssigned"] = true, ["applicationPermissions"] = new JsonArray("User.Read.All") }),
                ["users"] = new JsonArray(
                    new JsonObject
                    {
                        ["id"] = "87d349ed-44d7-43e1-9a83-5f2406dee5bd", ["userPrincipalName"] = Kim, ["displayName"] = "Kim Akers", ["mail"] = Kim,
                        ["password"] = "SuperS3cret", ["directoryRoles"] = new JsonArray("Authentication Administrator"), ["smsSignInEnabledByPolicy"] = true,
                    },
                    new JsonObject { ["userPrincipalName"] = "adele@contoso.com", ["displayName"] = "Adele Vance", ["mail"] = "adele@contoso.com" },
                    new JsonObject { ["userPrincipalName"] = "alex@fabrikam.com", ["displayName"] = "Alex Wilber", ["mail"] = "alex@outlook.com" }),
            }),
            ["twilio"] = new JsonObject { ["accounts"] = new JsonArray(new JsonObject { ["accountSid"] = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", ["authToken"] = "your_auth_token" }) },
        };
        Process.Control.SeedAsync(seed).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Process.Dispose();
        Certificate.Dispose();
        Key.Dispose();
    }
}

/// <summary>Plain HTTP requests shaped exactly as in Microsoft's documentation examples, checked
/// against the documented responses.</summary>
public sealed class ConformanceTests : IClassFixture<DocsEmulator>, IDisposable
{
    private readonly DocsEmulator _docs;
    private readonly HttpClient _http;

    public ConformanceTests(DocsEmulator docs)
    {
        _docs = docs;
        _http = docs.Process.CreateHttpClient();
    }

    public void Dispose() => _http.Dispose();

    private static StringContent FormBody(string raw) => new(raw, Encoding.UTF8, "application/x-www-form-urlencoded");

    private async Task<JsonNode> Ok(HttpResponseMessage resp, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.StatusCode == expected, $"{(int)resp.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<string> DaemonToken()
    {
        // v2-oauth2-client-creds-grant-flow: "First case: Access token request with a shared secret"
        var resp = await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/token", FormBody(
            $"client_id={DocsEmulator.ClientId}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret={DocsEmulator.ClientSecret}&grant_type=client_credentials"));
        var body = await Ok(resp);
        return body["access_token"]!.GetValue<string>();
    }

    private HttpRequestMessage Graph(HttpMethod m, string url, string token, string? json = null)
    {
        var req = new HttpRequestMessage(m, url);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json != null) req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return req;
    }

    [Fact]
    public async Task ClientCredentials_SharedSecret_DocumentedResponse()
    {
        var resp = await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/token", FormBody(
            $"client_id={DocsEmulator.ClientId}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret={DocsEmulator.ClientSecret}&grant_type=client_credentials"));
        var body = await Ok(resp);
        Assert.Equal(new[] { "token_type", "expires_in", "ext_expires_in", "access_token" }, body.AsObject().Select(kv => kv.Key));
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ClientCredentials_Certificate_DocumentedRequest()
    {
        // certificate-credentials: header alg PS256 + x5t#S256; claims aud, exp, iss, jti, nbf, sub, iat
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = $"{{\"alg\":\"PS256\",\"typ\":\"JWT\",\"x5t#S256\":\"{B64(_docs.Certificate.GetCertHash(HashAlgorithmName.SHA256))}\"}}";
        var payload = $"{{\"aud\":\"https://login.microsoftonline.com/{DocsEmulator.TenantId}/oauth2/v2.0/token\",\"exp\":{now + 600},\"iss\":\"{DocsEmulator.ClientId}\",\"jti\":\"{Guid.NewGuid()}\",\"nbf\":{now},\"sub\":\"{DocsEmulator.ClientId}\",\"iat\":{now}}}";
        var input = B64(Encoding.UTF8.GetBytes(header)) + "." + B64(Encoding.UTF8.GetBytes(payload));
        var sig = _docs.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        var assertion = input + "." + B64(sig);
        var resp = await _http.PostAsync($"/{DocsEmulator.TenantId}/oauth2/v2.0/token", FormBody(
            $"scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_id={DocsEmulator.ClientId}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={assertion}&grant_type=client_credentials"));
        var body = await Ok(resp);
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ropc_DocumentedRequestAndResponse()
    {
        // v2-oauth-ropc: scope=user.read%20openid%20profile%20offline_access
        var resp = await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/token", FormBody(
            $"client_id={DocsEmulator.PublicClientId}&scope=user.read%20openid%20profile%20offline_access&username={Uri.EscapeDataString(DocsEmulator.Kim)}&password=SuperS3cret&grant_type=password"));
        var body = await Ok(resp);
        foreach (var k in new[] { "token_type", "scope", "expires_in", "access_token", "refresh_token", "id_token" })
            Assert.True(body.AsObject().ContainsKey(k), $"missing {k}");
        Assert.Contains("User.Read", body["scope"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeviceCode_DocumentedFlow()
    {
        var dc = await Ok(await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/devicecode", FormBody(
            $"client_id={DocsEmulator.PublicClientId}&scope=user.read%20openid%20profile")));
        foreach (var k in new[] { "device_code", "user_code", "verification_uri", "expires_in", "interval", "message" })
            Assert.True(dc.AsObject().ContainsKey(k), $"missing {k}");
        var poll = $"grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id={DocsEmulator.PublicClientId}&device_code={dc["device_code"]!.GetValue<string>()}";
        var pending = await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/token", FormBody(poll));
        Assert.Equal(HttpStatusCode.BadRequest, pending.StatusCode);
        Assert.Equal("authorization_pending", JsonNode.Parse(await pending.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        await _docs.Process.Control.ApproveDeviceCodeAsync(dc["user_code"]!.GetValue<string>(), DocsEmulator.Kim);
        var body = await Ok(await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/token", FormBody(poll)));
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task PhoneMethods_DocumentedLifecycle()
    {
        var token = await DaemonToken();
        // authentication-post-phonemethods
        var created = await Ok(await _http.SendAsync(Graph(HttpMethod.Post, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods", token,
            "{\n  \"phoneNumber\": \"+1 2065555555\",\n  \"phoneType\": \"mobile\"\n}")), HttpStatusCode.Created);
        Assert.Equal("+1 2065555555", created["phoneNumber"]!.GetValue<string>());
        Assert.Equal("mobile", created["phoneType"]!.GetValue<string>());
        Assert.Equal("ready", created["smsSignInState"]!.GetValue<string>());
        Assert.Equal("3179e48a-750b-4051-897c-87b9720928f7", created["id"]!.GetValue<string>());

        // authentication-list-phonemethods
        var list = await Ok(await _http.SendAsync(Graph(HttpMethod.Get, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods", token)));
        Assert.Single(list["value"]!.AsArray());

        // phoneauthenticationmethod-get
        var got = await Ok(await _http.SendAsync(Graph(HttpMethod.Get, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7", token)));
        Assert.Equal("+1 2065555555", got["phoneNumber"]!.GetValue<string>());

        // phoneauthenticationmethod-update
        var upd = await _http.SendAsync(Graph(HttpMethod.Patch, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7", token,
            "{\n  \"phoneNumber\": \"+1 2065555554\",\n  \"phoneType\": \"mobile\"\n}"));
        Assert.Equal(HttpStatusCode.NoContent, upd.StatusCode);

        // phoneauthenticationmethod-disablesmssignin / enablesmssignin
        Assert.Equal(HttpStatusCode.NoContent, (await _http.SendAsync(Graph(HttpMethod.Post, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/disableSmsSignIn", token))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.SendAsync(Graph(HttpMethod.Post, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn", token))).StatusCode);

        // phoneauthenticationmethod-delete
        Assert.Equal(HttpStatusCode.NoContent, (await _http.SendAsync(Graph(HttpMethod.Delete, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7", token))).StatusCode);
        var empty = await Ok(await _http.SendAsync(Graph(HttpMethod.Get, $"/v1.0/users/{DocsEmulator.Kim}/authentication/phoneMethods", token)));
        Assert.Empty(empty["value"]!.AsArray());
    }

    [Fact]
    public async Task Me_PhoneMethods_DelegatedDocumentedRequest()
    {
        var ropc = await Ok(await _http.PostAsync($"/{DocsEmulator.Tenant}/oauth2/v2.0/token", FormBody(
            $"client_id={DocsEmulator.PublicClientId}&scope=https%3A%2F%2Fgraph.microsoft.com%2FUserAuthenticationMethod.ReadWrite.All&username={Uri.EscapeDataString(DocsEmulator.Kim)}&password=SuperS3cret&grant_type=password")));
        var list = await Ok(await _http.SendAsync(Graph(HttpMethod.Get, "/v1.0/me/authentication/phoneMethods", ropc["access_token"]!.GetValue<string>())));
        Assert.NotNull(list["value"]);
    }

    [Fact]
    public async Task User_GetWithSelect_DocumentedRequest()
    {
        var token = await DaemonToken();
        // user-get example 4: $select=displayName,givenName,postalCode,identities
        var u = await Ok(await _http.SendAsync(Graph(HttpMethod.Get, "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd?$select=displayName,givenName,postalCode,identities", token)));
        Assert.Equal("Kim Akers", u["displayName"]!.GetValue<string>());
        Assert.True(u.AsObject().ContainsKey("postalCode"));
        Assert.Equal("userPrincipalName", u["identities"]![0]!["signInType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Users_AdvancedQuery_DocumentedRequest()
    {
        var token = await DaemonToken();
        // aad-advanced-queries: endsWith on mail with $count, $orderby and ConsistencyLevel
        var req = Graph(HttpMethod.Get, "/v1.0/users?$count=true&$filter=endsWith(mail,'@outlook.com')&$orderby=userPrincipalName&$select=id,displayName,mail", token);
        req.Headers.Add("ConsistencyLevel", "eventual");
        var body = await Ok(await _http.SendAsync(req));
        Assert.Equal(1, body["@odata.count"]!.GetValue<int>());
        Assert.Equal("alex@outlook.com", body["value"]![0]!["mail"]!.GetValue<string>());
        // without the header the same request fails
        var bad = await _http.SendAsync(Graph(HttpMethod.Get, "/v1.0/users?$count=true&$filter=endsWith(mail,'@outlook.com')&$orderby=userPrincipalName&$select=id,displayName,mail", token));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Batch_DocumentedShape_WithDependsOn()
    {
        var token = await DaemonToken();
        var json = """
        {
          "requests": [
            { "id": "1", "method": "GET", "url": "/users/kim@contoso.com/authentication/phoneMethods" },
            { "id": "2", "dependsOn": [ "1" ], "method": "POST", "url": "/users/adele@contoso.com/authentication/phoneMethods",
              "body": { "phoneNumber": "+1 4255550100", "phoneType": "mobile" }, "headers": { "Content-Type": "application/json" } },
            { "id": "3", "method": "GET", "url": "users?$select=id,displayName,userPrincipalName&$filter=city eq null&$count=true", "headers": { "ConsistencyLevel": "eventual" } }
          ]
        }
        """;
        var body = await Ok(await _http.SendAsync(Graph(HttpMethod.Post, "/v1.0/$batch", token, json)));
        var responses = body["responses"]!.AsArray();
        Assert.Equal(3, responses.Count);
        var byId = responses.ToDictionary(r => r!["id"]!.GetValue<string>(), r => r!);
        Assert.Equal(200, byId["1"]["status"]!.GetValue<int>());
        Assert.Equal(201, byId["2"]["status"]!.GetValue<int>());
        foreach (var r in responses) Assert.NotNull(r!["headers"]);
    }

    [Fact]
    public async Task ManagedIdentity_AppServiceDocumentedRequest()
    {
        var req = new HttpRequestMessage(HttpMethod.Get, "/msi/token?resource=https://graph.microsoft.com/&api-version=2019-08-01");
        req.Headers.Add("X-IDENTITY-HEADER", "emulator-identity-header");
        var body = await Ok(await _http.SendAsync(req));
        Assert.Equal(new[] { "access_token", "expires_on", "resource", "token_type", "client_id" }, body.AsObject().Select(kv => kv.Key));
    }

    [Fact]
    public async Task Imds_DocumentedRequest()
    {
        var req = new HttpRequestMessage(HttpMethod.Get, "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/");
        req.Headers.Add("Metadata", "true");
        var body = await Ok(await _http.SendAsync(req));
        foreach (var k in new[] { "access_token", "refresh_token", "expires_in", "expires_on", "not_before", "resource", "token_type" })
            Assert.True(body.AsObject().ContainsKey(k), $"missing {k}");
        Assert.Equal("https://management.azure.com/", body["resource"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenIdConfiguration_DocumentedFields()
    {
        var body = await Ok(await _http.GetAsync($"/{DocsEmulator.Tenant}/v2.0/.well-known/openid-configuration"));
        foreach (var k in new[] { "token_endpoint", "jwks_uri", "issuer", "authorization_endpoint", "device_authorization_endpoint", "id_token_signing_alg_values_supported" })
            Assert.True(body.AsObject().ContainsKey(k), $"missing {k}");
    }

    [Fact]
    public async Task Twilio_FetchMessage_DocumentedRequest()
    {
        using var target = new WebhookTarget();
        var sent = await _docs.Process.Control.SendSmsAsync(new { accountSid = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", from = "+15017122661", to = "+15558675310", body = "Hi there", url = target.Url });
        var sid = sent["messageSid"]!.GetValue<string>();
        var req = new HttpRequestMessage(HttpMethod.Get, $"/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/{sid}.json");
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:your_auth_token")));
        var body = await Ok(await _http.SendAsync(req));
        foreach (var k in new[] { "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction", "error_code", "error_message", "from", "messaging_service_sid", "num_media", "num_segments", "price", "price_unit", "sid", "status", "subresource_uris", "to", "uri" })
            Assert.True(body.AsObject().ContainsKey(k), $"missing {k}");
        Assert.Equal("Hi there", body["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Teams_WorkflowsDocumentedPayload()
    {
        var json = """
        {
          "type": "message",
          "attachments": [
            {
              "contentType": "application/vnd.microsoft.card.adaptive",
              "contentUrl": null,
              "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [ { "type": "TextBlock", "text": "Hello from the docs" } ]
              }
            }
          ]
        }
        """;
        var resp = await _http.PostAsync("/teams/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, resp.StatusCode);
        Assert.Empty(await resp.Content.ReadAsByteArrayAsync());
    }
}
