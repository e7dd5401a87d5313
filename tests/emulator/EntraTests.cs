using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

public sealed class EntraTests : EmulatorTest
{
    public EntraTests(DemoEmulator f) : base(f) { }

    private string TokenPath => $"/{Demo.TenantId}/oauth2/v2.0/token";

    // ---------- client secret ----------

    [Fact]
    public async Task ExpiredSecret_Is401_7000222()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/apps/{Demo.SyncAppId}",
            """{"secrets":[{"value":"old-secret","expires":"2020-01-01T00:00:00Z"}]}""");
        var (resp, body) = await PostForm(TokenPath, ("client_id", Demo.SyncAppId), ("client_secret", "old-secret"), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 7000222);
    }

    [Fact]
    public async Task MissingGrantType_Is400_900144()
    {
        var (resp, body) = await PostForm(TokenPath, ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", Demo.GraphScope));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_request", 900144);
        Assert.Contains("'grant_type'", body!["error_description"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnsupportedGrantType_Is400_70003()
    {
        var (resp, body) = await PostForm(TokenPath, ("client_id", Demo.SyncAppId), ("grant_type", "authorization_code_typo"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "unsupported_grant_type", 70003);
    }

    [Fact]
    public async Task GetOnTokenEndpoint_Is400_900561()
    {
        var resp = await Http.GetAsync(TokenPath);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync());
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_request", 900561);
    }

    [Fact]
    public async Task ClientCredentials_OnCommon_Is400_90002()
    {
        var (resp, body) = await PostForm("/common/oauth2/v2.0/token", ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_request", 90002);
    }

    [Fact]
    public async Task CorrelationId_EchoesClientRequestId()
    {
        var id = Guid.NewGuid().ToString();
        using var req = new HttpRequestMessage(HttpMethod.Post, TokenPath) { Content = Form(("client_id", Demo.SyncAppId), ("client_secret", "bad"), ("scope", Demo.GraphScope), ("grant_type", "client_credentials")) };
        req.Headers.Add("client-request-id", id);
        var resp = await Http.SendAsync(req);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal(id, body["correlation_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokenSignature_VerifiesAgainstJwks_AndMetadataPointsAtEmulator()
    {
        var meta = JsonNode.Parse(await Http.GetStringAsync($"/{Demo.Domain}/v2.0/.well-known/openid-configuration"))!;
        Assert.Equal($"{Emu.BaseUrl.ToString().TrimEnd('/')}/{Demo.TenantId}/oauth2/v2.0/token", meta["token_endpoint"]!.GetValue<string>());
        Assert.Equal($"https://login.microsoftonline.com/{Demo.TenantId}/v2.0", meta["issuer"]!.GetValue<string>());
        Assert.EndsWith("/oauth2/v2.0/devicecode", meta["device_authorization_endpoint"]!.GetValue<string>());
        var jwksUri = new Uri(meta["jwks_uri"]!.GetValue<string>());
        var jwks = JsonNode.Parse(await Http.GetStringAsync(jwksUri.PathAndQuery))!;
        var key = jwks["keys"]![0]!;
        Assert.Equal("RSA", key["kty"]!.GetValue<string>());
        var token = await AppToken();
        var parts = token.Split('.');
        var header = JsonNode.Parse(Convert.FromBase64String(B64(parts[0])))!;
        Assert.Equal(key["kid"]!.GetValue<string>(), header["kid"]!.GetValue<string>());
        using var rsa = RSA.Create(new RSAParameters { Modulus = Convert.FromBase64String(B64(key["n"]!.GetValue<string>())), Exponent = Convert.FromBase64String(B64(key["e"]!.GetValue<string>())) });
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Convert.FromBase64String(B64(parts[2])), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task Metadata_UnknownTenant_Is400_90002()
    {
        var resp = await Http.GetAsync("/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration");
        AssertAadError(resp, JsonNode.Parse(await resp.Content.ReadAsStringAsync()), HttpStatusCode.BadRequest, "invalid_request", 90002);
    }

    private static string B64(string s) { s = s.Replace('-', '+').Replace('_', '/'); return s + new string('=', (4 - s.Length % 4) % 4); }

    // ---------- certificate assertions ----------

    private static readonly Lazy<(X509Certificate2 cert, RSA key)> Cert = new(() =>
    {
        var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=MfaPhone test client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return (cert, key);
    });

    private async Task RegisterCert()
    {
        await Emu.Control.PostAsync($"/control/tenants/{Demo.TenantId}/apps/{Demo.SyncAppId}/certificates",
            new JsonObject { ["pem"] = Cert.Value.cert.ExportCertificatePem() });
    }

    private static string Assertion(string alg, string? aud, string? jti = null, long? exp = null, long? nbf = null, string iss = Demo.SyncAppId,
        string? sub = null, bool sha1Thumb = false, RSA? signer = null, bool noThumb = false)
    {
        var (cert, key) = Cert.Value;
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (!noThumb)
        {
            if (sha1Thumb) header["x5t"] = B64Url(cert.GetCertHash(HashAlgorithmName.SHA1));
            else header["x5t#S256"] = B64Url(cert.GetCertHash(HashAlgorithmName.SHA256));
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["aud"] = aud, ["iss"] = iss, ["sub"] = sub ?? iss, ["jti"] = jti ?? Guid.NewGuid().ToString(),
            ["nbf"] = nbf ?? now, ["exp"] = exp ?? now + 600, ["iat"] = now,
        };
        string input = B64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var padding = alg == "PS256" ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        var sig = (signer ?? key).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, padding);
        return input + "." + B64Url(sig);
    }

    private static string B64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string Aud => $"https://login.microsoftonline.com/{Demo.TenantId}/oauth2/v2.0/token";

    private Task<(HttpResponseMessage, JsonNode?)> RedeemAssertion(string assertion) =>
        PostForm(TokenPath, ("client_id", Demo.SyncAppId), ("scope", Demo.GraphScope),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion), ("grant_type", "client_credentials"));

    [Fact]
    public async Task Certificate_PS256_WithX5tS256_IssuesToken()
    {
        await RegisterCert();
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("2", Payload(body!["access_token"]!.GetValue<string>())["appidacr"]!.GetValue<string>());
    }

    [Fact]
    public async Task Certificate_RS256_WithX5t_IssuesToken_AudienceMayBeTheEmulatorUrl()
    {
        await RegisterCert();
        var (resp, _) = await RedeemAssertion(Assertion("RS256", $"{Emu.BaseUrl.ToString().TrimEnd('/')}/{Demo.Domain}/oauth2/v2.0/token", sha1Thumb: true));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
    }

    [Fact]
    public async Task Certificate_Unregistered_Is401_700027()
    {
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 700027);
    }

    [Fact]
    public async Task Certificate_WrongSigningKey_Is401_700027()
    {
        await RegisterCert();
        using var other = RSA.Create(2048);
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud, signer: other));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 700027);
    }

    [Fact]
    public async Task Certificate_WrongAudience_Is401_700023()
    {
        await RegisterCert();
        var (resp, body) = await RedeemAssertion(Assertion("PS256", "https://login.microsoftonline.com/common/oauth2/v2.0/token"));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 700023);
    }

    [Fact]
    public async Task Certificate_IssuerNotClientId_Is401_700021()
    {
        await RegisterCert();
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud, sub: Guid.NewGuid().ToString()));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 700021);
    }

    [Fact]
    public async Task Certificate_Expired_Is401_700024()
    {
        await RegisterCert();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud, exp: now - 3600, nbf: now - 4200));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 700024);
    }

    [Fact]
    public async Task Certificate_NotYetValid_Is401_700024()
    {
        await RegisterCert();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud, nbf: now + 3600, exp: now + 4000));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 700024);
    }

    [Fact]
    public async Task Certificate_JtiReplay_IsRejected()
    {
        await RegisterCert();
        var a = Assertion("PS256", Aud, jti: Guid.NewGuid().ToString());
        var (r1, _) = await RedeemAssertion(a);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        var (r2, b2) = await RedeemAssertion(a);
        AssertAadError(r2, b2, HttpStatusCode.Unauthorized, "invalid_client", 700020);
    }

    [Fact]
    public async Task Certificate_NoThumbprint_Is401()
    {
        await RegisterCert();
        var (resp, body) = await RedeemAssertion(Assertion("PS256", Aud, noThumb: true));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 5002723);
    }

    [Fact]
    public async Task Certificate_MalformedAssertion_Is401_50027()
    {
        var (resp, body) = await RedeemAssertion("not-a-jwt");
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 50027);
    }

    // ---------- ROPC ----------

    private Task<(HttpResponseMessage, JsonNode?)> Ropc(string user, string password, string clientId = Demo.PublicAppId, string tenant = Demo.TenantId) =>
        PostForm($"/{tenant}/oauth2/v2.0/token", ("client_id", clientId), ("scope", "https://graph.microsoft.com/.default offline_access"),
            ("username", user), ("password", password), ("grant_type", "password"));

    [Fact]
    public async Task Ropc_IssuesDelegatedTokenWithScpAndWids()
    {
        var (resp, body) = await Ropc(Demo.HelpdeskUpn, Demo.HelpdeskPassword);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.NotNull(body!["refresh_token"]);
        var p = Payload(body["access_token"]!.GetValue<string>());
        Assert.Equal("User.Read.All UserAuthenticationMethod.ReadWrite.All", p["scp"]!.GetValue<string>());
        Assert.Contains("c4e39bd9-1100-46d3-8c65-fb160da0071f", p["wids"]!.AsArray().Select(w => w!.GetValue<string>()));
        Assert.Equal(Demo.HelpdeskUpn, p["upn"]!.GetValue<string>());
        Assert.Null(p["roles"]);
        Assert.Equal("0f1e2d3c-4b5a-4697-8877-665544332211", p["oid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ropc_WrongPassword_Is400_50126()
    {
        var (resp, body) = await Ropc(Demo.HelpdeskUpn, "wrong");
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_grant", 50126);
    }

    [Fact]
    public async Task Ropc_MfaRequired_Is400_50076()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Uri.EscapeDataString(Demo.ZoeUpn)}", """{"password":"Zoe-Passw0rd","mfaRequired":true}""");
        var (resp, body) = await Ropc(Demo.ZoeUpn, "Zoe-Passw0rd");
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_grant", 50076);
        Assert.Equal("basic_action", body!["suberror"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ropc_MfaRegistrationRequired_Is400_50079()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"password":"Alex-Passw0rd","mfaRegistrationRequired":true}""");
        var (resp, body) = await Ropc(Demo.AlexUpn, "Alex-Passw0rd");
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_grant", 50079);
    }

    [Fact]
    public async Task Ropc_ConditionalAccessBlockedApp_Is400_53003()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/apps/{Demo.PublicAppId}", """{"conditionalAccessBlocked":true}""");
        var (resp, body) = await Ropc(Demo.HelpdeskUpn, Demo.HelpdeskPassword);
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_grant", 53003);
    }

    [Fact]
    public async Task Ropc_ConfidentialAppWithoutSecret_Is401_7000218()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/apps/{Demo.SyncAppId}", """{"delegatedPermissions":["User.Read.All"]}""");
        var (resp, body) = await Ropc(Demo.HelpdeskUpn, Demo.HelpdeskPassword, Demo.SyncAppId);
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 7000218);
    }

    [Fact]
    public async Task Ropc_ScopeNotConsented_Is400_65001()
    {
        var (resp, body) = await PostForm(TokenPath, ("client_id", Demo.PublicAppId), ("scope", "https://graph.microsoft.com/Mail.Read"),
            ("username", Demo.HelpdeskUpn), ("password", Demo.HelpdeskPassword), ("grant_type", "password"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_grant", 65001);
    }

    [Fact]
    public async Task Ropc_OrganizationsResolvesTenantFromUser()
    {
        var (resp, body) = await Ropc(Demo.HelpdeskUpn, Demo.HelpdeskPassword, tenant: "organizations");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(Demo.TenantId, Payload(body!["access_token"]!.GetValue<string>())["tid"]!.GetValue<string>());
    }

    [Fact]
    public async Task RefreshToken_IssuesNewAccessToken()
    {
        var (_, body) = await Ropc(Demo.HelpdeskUpn, Demo.HelpdeskPassword);
        var (resp, b2) = await PostForm(TokenPath, ("client_id", Demo.PublicAppId), ("refresh_token", body!["refresh_token"]!.GetValue<string>()), ("grant_type", "refresh_token"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(Demo.HelpdeskUpn, Payload(b2!["access_token"]!.GetValue<string>())["upn"]!.GetValue<string>());
        var (r3, b3) = await PostForm(TokenPath, ("client_id", Demo.PublicAppId), ("refresh_token", "bogus"), ("grant_type", "refresh_token"));
        AssertAadError(r3, b3, HttpStatusCode.BadRequest, "invalid_grant", 9002313);
    }

    // ---------- device code ----------

    private async Task<JsonNode> StartDeviceCode()
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/devicecode", ("client_id", Demo.PublicAppId), ("scope", "https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All offline_access"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return body!;
    }

    private Task<(HttpResponseMessage, JsonNode?)> Poll(string deviceCode) =>
        PostForm(TokenPath, ("client_id", Demo.PublicAppId), ("device_code", deviceCode), ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"));

    [Fact]
    public async Task DeviceCode_ResponseShape()
    {
        var dc = await StartDeviceCode();
        var userCode = dc["user_code"]!.GetValue<string>();
        Assert.Matches("^[A-Z0-9]{9}$", userCode);
        Assert.Equal("https://microsoft.com/devicelogin", dc["verification_uri"]!.GetValue<string>());
        Assert.Equal(900, dc["expires_in"]!.GetValue<int>());
        Assert.Equal(5, dc["interval"]!.GetValue<int>());
        Assert.Contains(userCode, dc["message"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(dc["device_code"]!.GetValue<string>()));
    }

    [Fact]
    public async Task DeviceCode_PendingThenApproved()
    {
        var dc = await StartDeviceCode();
        var code = dc["device_code"]!.GetValue<string>();
        var (r1, b1) = await Poll(code);
        AssertAadError(r1, b1, HttpStatusCode.BadRequest, "authorization_pending", 70016);
        await Emu.Control.ApproveDeviceCodeAsync(dc["user_code"]!.GetValue<string>(), Demo.HelpdeskUpn);
        var (r2, b2) = await Poll(code);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        var p = Payload(b2!["access_token"]!.GetValue<string>());
        Assert.Equal("UserAuthenticationMethod.ReadWrite.All", p["scp"]!.GetValue<string>());
        Assert.Equal(Demo.HelpdeskUpn, p["upn"]!.GetValue<string>());
        var (r3, b3) = await Poll(code); // a device code is redeemed once
        AssertAadError(r3, b3, HttpStatusCode.BadRequest, "expired_token", 70019);
    }

    [Fact]
    public async Task DeviceCode_Denied_IsAuthorizationDeclined()
    {
        var dc = await StartDeviceCode();
        await Emu.Control.DenyDeviceCodeAsync(dc["user_code"]!.GetValue<string>());
        var (r, b) = await Poll(dc["device_code"]!.GetValue<string>());
        AssertAadError(r, b, HttpStatusCode.BadRequest, "authorization_declined", 70000);
    }

    [Fact]
    public async Task DeviceCode_Expired_IsExpiredToken()
    {
        var dc = await StartDeviceCode();
        await Emu.Control.AdvanceClockAsync(901);
        var (r, b) = await Poll(dc["device_code"]!.GetValue<string>());
        AssertAadError(r, b, HttpStatusCode.BadRequest, "expired_token", 70019);
    }

    [Fact]
    public async Task DeviceCode_SlowDown_WhenInjected()
    {
        var dc = await StartDeviceCode();
        await Emu.Control.PostAsync("/control/devicecode/slow-down", new JsonObject { ["userCode"] = dc["user_code"]!.GetValue<string>() });
        var (r, b) = await Poll(dc["device_code"]!.GetValue<string>());
        Assert.Equal("slow_down", b!["error"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task DeviceCode_UnknownCode_IsBadVerificationCode()
    {
        var (r, b) = await Poll("nope");
        AssertAadError(r, b, HttpStatusCode.BadRequest, "bad_verification_code", 70000);
    }

    // ---------- managed identity / IMDS ----------

    private async Task<HttpResponseMessage> Msi(string query, string? header)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/msi/token?" + query);
        if (header != null) req.Headers.Add("X-IDENTITY-HEADER", header);
        req.Headers.Add("Metadata", "True");
        return await Http.SendAsync(req);
    }

    [Fact]
    public async Task ManagedIdentity_AutomationShape_IssuesGraphToken()
    {
        var resp = await Msi("api-version=2019-08-01&resource=https://graph.microsoft.com/", "emulator-identity-header");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
        Assert.Equal("https://graph.microsoft.com/", body["resource"]!.GetValue<string>());
        Assert.Equal(Demo.MiClientId, body["client_id"]!.GetValue<string>());
        var expiresOn = long.Parse(body["expires_on"]!.GetValue<string>()); // epoch seconds as a string
        Assert.True(expiresOn > DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3000);
        var p = Payload(body["access_token"]!.GetValue<string>());
        Assert.Equal(Demo.MiClientId, p["appid"]!.GetValue<string>());
        Assert.Contains("UserAuthMethod-Phone.ReadWrite.All", p["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        var (g, _) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", body["access_token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, g.StatusCode);
    }

    [Fact]
    public async Task ManagedIdentity_UserAssignedByClientId()
    {
        var resp = await Msi($"api-version=2019-08-01&resource=https://graph.microsoft.com&client_id={Demo.MiClientId}", "emulator-identity-header");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var bad = await Msi($"api-version=2019-08-01&resource=https://graph.microsoft.com&client_id={Guid.NewGuid()}", "emulator-identity-header");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("No managed identity", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ManagedIdentity_MissingHeader_Is400_WrongHeader_Is401()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Msi("api-version=2019-08-01&resource=https://graph.microsoft.com", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Msi("api-version=2019-08-01&resource=https://graph.microsoft.com", "wrong")).StatusCode);
    }

    [Fact]
    public async Task ManagedIdentity_WrongApiVersion_Is400()
    {
        var r = await Msi("api-version=2017-09-01&resource=https://graph.microsoft.com", "emulator-identity-header");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task ManagedIdentity_TokenForOtherResource_IsRejectedByGraph()
    {
        var r = await Msi("api-version=2019-08-01&resource=https://management.azure.com/", "emulator-identity-header");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var tok = JsonNode.Parse(await r.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        var (g, b) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", tok);
        AssertGraphError(g, b, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
        Assert.Contains("audience", b!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Imds_RequiresMetadataHeader_AndIssuesToken()
    {
        var noHeader = await Http.GetAsync("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/");
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);
        Assert.Equal("invalid_request", JsonNode.Parse(await noHeader.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        using var req = new HttpRequestMessage(HttpMethod.Get, "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/");
        req.Headers.Add("Metadata", "true");
        var ok = await Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var body = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        Assert.True(JsonValueKindString(body["expires_in"]));
        Assert.Equal(Demo.MiClientId, body["client_id"]!.GetValue<string>());
    }

    private static bool JsonValueKindString(JsonNode? n) => n?.GetValueKind() == System.Text.Json.JsonValueKind.String;

    // ---------- lifetime, expiry, outages ----------

    [Fact]
    public async Task ExpiredToken_Is401_AfterClockAdvances()
    {
        var token = await AppToken();
        var lifetime = Payload(token)["exp"]!.GetValue<long>() - DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await Emu.Control.AdvanceClockAsync(lifetime + 5);
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", token);
        AssertGraphError(resp, body, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
        Assert.Contains("expired", body!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task ForgedToken_Is401()
    {
        var token = await AppToken();
        var parts = token.Split('.');
        var p = Payload(token);
        p["roles"] = new JsonArray("UserAuthenticationMethod.ReadWrite.All");
        var forged = parts[0] + "." + B64Url(Encoding.UTF8.GetBytes(p.ToJsonString())) + "." + parts[2];
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", forged);
        AssertGraphError(resp, body, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
    }

    [Fact]
    public async Task TokenForUnknownTenant_Is401()
    {
        var token = await Emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, tid = Guid.NewGuid().ToString(), roles = new[] { "User.Read.All" } });
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}", token);
        AssertGraphError(resp, body, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
    }

    [Fact]
    public async Task TokenOutageWindow_Is503_ThenRecovers()
    {
        await Emu.Control.SetFaultsAsync(new { tokenOutageSeconds = 30 });
        var (r1, b1) = await PostForm(TokenPath, ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(r1, b1, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", 90033);
        await Emu.Control.AdvanceClockAsync(31);
        var (r2, _) = await PostForm(TokenPath, ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
    }
}

/// <summary>--token-lifetime: a short lifetime is honoured end to end.</summary>
public sealed class TokenLifetimeTests
{
    [Fact]
    public async Task ShortLifetime_ExpiresInAndGraphRejectsAfterwards()
    {
        // the expiry is reached by moving the emulator clock, so a busy machine cannot expire the token early
        using var emu = MfaPhone.Testing.EmulatorProcess.StartWithDemoTenant("--token-lifetime", "120");
        using var http = emu.CreateHttpClient();
        var resp = await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
        }));
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal(120, body["expires_in"]!.GetValue<int>());
        var token = body["access_token"]!.GetValue<string>();
        using var ok = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}");
        ok.Headers.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ok)).StatusCode);
        await emu.Control.AdvanceClockAsync(121);
        using var late = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}");
        late.Headers.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(late)).StatusCode);
    }
}

/// <summary>--cloud: tokens are issued for, and Graph accepts only, the chosen cloud's Graph resource.</summary>
public sealed class NationalCloudTests
{
    [Fact]
    public async Task UsGov_IssuesGraphUsTokens_AndRejectsGlobalScope()
    {
        using var emu = MfaPhone.Testing.EmulatorProcess.StartWithDemoTenant("--cloud", "USGov");
        using var http = emu.CreateHttpClient();
        async Task<(HttpStatusCode, JsonNode)> Token(string scope)
        {
            var resp = await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = scope, ["grant_type"] = "client_credentials",
            }));
            return (resp.StatusCode, JsonNode.Parse(await resp.Content.ReadAsStringAsync())!);
        }
        var (s1, b1) = await Token("https://graph.microsoft.us/.default");
        Assert.Equal(HttpStatusCode.OK, s1);
        var token = b1["access_token"]!.GetValue<string>();
        var part = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part += new string('=', (4 - part.Length % 4) % 4);
        Assert.Equal("https://graph.microsoft.us", JsonNode.Parse(Convert.FromBase64String(part))!["aud"]!.GetValue<string>());
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}") { Headers = { Authorization = new("Bearer", token) } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(req)).StatusCode);

        var (s2, b2) = await Token("https://graph.microsoft.com/.default");
        Assert.Equal(HttpStatusCode.BadRequest, s2);
        Assert.Equal(500011, b2["error_codes"]![0]!.GetValue<int>());
        Assert.Equal("https://login.microsoftonline.us/error?code=500011", b2["error_uri"]!.GetValue<string>());
    }
}
