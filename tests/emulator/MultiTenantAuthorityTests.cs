using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Device-code and refresh-token grants at /organizations and /common: the tenant comes
/// from the account (the approving user, the refresh token's user); the password grant stays
/// refused at /common and /consumers (auth.md), client credentials need a tenant.</summary>
public sealed class MultiTenantAuthorityTests : EmulatorTest
{
    public MultiTenantAuthorityTests(DemoEmulator f) : base(f) { }

    private const string Scope = "https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All offline_access";
    private const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

    private async Task<JsonNode> StartDeviceCode(string authority)
    {
        var (resp, body) = await PostForm($"/{authority}/oauth2/v2.0/devicecode", ("client_id", Demo.PublicAppId), ("scope", Scope));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return body!;
    }

    private Task<(HttpResponseMessage, JsonNode?)> Poll(string authority, string deviceCode) =>
        PostForm($"/{authority}/oauth2/v2.0/token", ("client_id", Demo.PublicAppId), ("device_code", deviceCode), ("grant_type", DeviceGrant));

    /// <summary>A second tenant with the public demo app registered (a multi-tenant app) and one user.</summary>
    private async Task<string> SecondTenantWithApp(bool registerApp = true)
    {
        var tenantId = Guid.NewGuid().ToString();
        var tenant = new JsonObject
        {
            ["id"] = tenantId,
            ["displayName"] = "Fabrikam",
            ["domains"] = new JsonArray("fabrikam.onmicrosoft.com"),
            ["users"] = new JsonArray(new JsonObject
            {
                ["userPrincipalName"] = "megan@fabrikam.onmicrosoft.com", ["password"] = "Fabrikam-Passw0rd!",
                ["directoryRoles"] = new JsonArray("Authentication Administrator"),
            }),
        };
        if (registerApp)
            tenant["apps"] = new JsonArray(new JsonObject
            {
                ["clientId"] = Demo.PublicAppId, ["publicClient"] = true,
                ["delegatedPermissions"] = new JsonArray("User.Read.All", "UserAuthenticationMethod.ReadWrite.All"),
            });
        await Emu.Control.SeedAsync(new JsonObject { ["tenants"] = new JsonArray(tenant) });
        return tenantId;
    }

    [Theory]
    [InlineData("organizations")]
    [InlineData("common")]
    public async Task DeviceCode_AtMultiTenantAuthority_TokenIsForTheApprovingAccountsTenant(string authority)
    {
        var dc = await StartDeviceCode(authority);
        var code = dc["device_code"]!.GetValue<string>();
        var (r1, b1) = await Poll(authority, code);
        AssertAadError(r1, b1, HttpStatusCode.BadRequest, "authorization_pending", 70016);

        var codes = await Emu.Control.SendAsync(HttpMethod.Get, "/control/devicecodes", null);
        var listed = codes!["deviceCodes"]!.AsArray().Single(d => d!["userCode"]!.GetValue<string>() == dc["user_code"]!.GetValue<string>())!;
        Assert.True(listed["multiTenant"]!.GetValue<bool>());
        Assert.Null(listed["tenantId"]); // no tenant until an account signs in

        await Emu.Control.ApproveDeviceCodeAsync(dc["user_code"]!.GetValue<string>(), Demo.HelpdeskUpn);
        var (r2, b2) = await Poll(authority, code);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        var p = Payload(b2!["access_token"]!.GetValue<string>());
        Assert.Equal(Demo.TenantId, p["tid"]!.GetValue<string>());
        Assert.Equal($"https://sts.windows.net/{Demo.TenantId}/", p["iss"]!.GetValue<string>());
        Assert.Equal(Demo.HelpdeskUpn, p["upn"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(b2["refresh_token"]!.GetValue<string>()));

        // the token works on Graph
        var (g, _) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", b2["access_token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, g.StatusCode);
    }

    [Fact]
    public async Task DeviceCode_AtOrganizations_AccountOfAnotherTenant_GetsThatTenant()
    {
        var other = await SecondTenantWithApp();
        var dc = await StartDeviceCode("organizations");
        await Emu.Control.ApproveDeviceCodeAsync(dc["user_code"]!.GetValue<string>(), "megan@fabrikam.onmicrosoft.com");
        var (resp, body) = await Poll("organizations", dc["device_code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var p = Payload(body!["access_token"]!.GetValue<string>());
        Assert.Equal(other, p["tid"]!.GetValue<string>());
        Assert.Equal("megan@fabrikam.onmicrosoft.com", p["upn"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeviceCode_AtOrganizations_AccountWhoseTenantLacksTheApp_Is700016()
    {
        await SecondTenantWithApp(registerApp: false);
        var dc = await StartDeviceCode("organizations");
        await Emu.Control.ApproveDeviceCodeAsync(dc["user_code"]!.GetValue<string>(), "megan@fabrikam.onmicrosoft.com");
        var (resp, body) = await Poll("organizations", dc["device_code"]!.GetValue<string>());
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "unauthorized_client", 700016);
    }

    [Fact]
    public async Task DeviceCode_RedeemedOnlyAtTheKindOfAuthorityItWasAskedFor()
    {
        var multi = await StartDeviceCode("organizations");
        var single = await StartDeviceCode(Demo.TenantId);
        await Emu.Control.ApproveDeviceCodeAsync(multi["user_code"]!.GetValue<string>(), Demo.HelpdeskUpn);
        await Emu.Control.ApproveDeviceCodeAsync(single["user_code"]!.GetValue<string>(), Demo.HelpdeskUpn);
        var (r1, b1) = await Poll(Demo.TenantId, multi["device_code"]!.GetValue<string>());
        AssertAadError(r1, b1, HttpStatusCode.BadRequest, "bad_verification_code", 70000);
        var (r2, b2) = await Poll("organizations", single["device_code"]!.GetValue<string>());
        AssertAadError(r2, b2, HttpStatusCode.BadRequest, "bad_verification_code", 70000);
        // /organizations and /common are interchangeable for a code asked for at either
        var (r3, _) = await Poll("common", multi["device_code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, r3.StatusCode);
    }

    [Fact]
    public async Task DeviceCode_AtOrganizations_DeniedExpiredUnknownAndUnknownApp()
    {
        var denied = await StartDeviceCode("organizations");
        await Emu.Control.DenyDeviceCodeAsync(denied["user_code"]!.GetValue<string>());
        var (r1, b1) = await Poll("organizations", denied["device_code"]!.GetValue<string>());
        AssertAadError(r1, b1, HttpStatusCode.BadRequest, "authorization_declined", 70000);

        var expired = await StartDeviceCode("organizations");
        await Emu.Control.AdvanceClockAsync(901);
        var (r2, b2) = await Poll("organizations", expired["device_code"]!.GetValue<string>());
        AssertAadError(r2, b2, HttpStatusCode.BadRequest, "expired_token", 70019);

        var (r3, b3) = await Poll("organizations", "nope");
        AssertAadError(r3, b3, HttpStatusCode.BadRequest, "bad_verification_code", 70000);

        var (r4, b4) = await PostForm("/organizations/oauth2/v2.0/devicecode", ("client_id", Guid.NewGuid().ToString()), ("scope", Scope));
        AssertAadError(r4, b4, HttpStatusCode.BadRequest, "unauthorized_client", 700016);
    }

    [Theory]
    [InlineData("organizations")]
    [InlineData("common")]
    public async Task RefreshToken_AtMultiTenantAuthority_UsesTheTokensTenant(string authority)
    {
        var other = await SecondTenantWithApp();
        foreach (var (tenant, user, password) in new[] { (Demo.TenantId, Demo.HelpdeskUpn, Demo.HelpdeskPassword), (other, "megan@fabrikam.onmicrosoft.com", "Fabrikam-Passw0rd!") })
        {
            var (r0, b0) = await PostForm($"/{tenant}/oauth2/v2.0/token", ("client_id", Demo.PublicAppId), ("scope", Scope),
                ("username", user), ("password", password), ("grant_type", "password"));
            Assert.Equal(HttpStatusCode.OK, r0.StatusCode);
            var (r1, b1) = await PostForm($"/{authority}/oauth2/v2.0/token", ("client_id", Demo.PublicAppId),
                ("refresh_token", b0!["refresh_token"]!.GetValue<string>()), ("grant_type", "refresh_token"));
            Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
            var p = Payload(b1!["access_token"]!.GetValue<string>());
            Assert.Equal(tenant, p["tid"]!.GetValue<string>());
            Assert.Equal(user, p["upn"]!.GetValue<string>());
        }
        var (r2, b2) = await PostForm($"/{authority}/oauth2/v2.0/token", ("client_id", Demo.PublicAppId), ("refresh_token", "bogus"), ("grant_type", "refresh_token"));
        AssertAadError(r2, b2, HttpStatusCode.BadRequest, "invalid_grant", 9002313);
    }

    [Theory]
    [InlineData("common")]
    [InlineData("consumers")]
    public async Task Password_AtCommonOrConsumers_StaysRefused(string authority)
    {
        var (resp, body) = await PostForm($"/{authority}/oauth2/v2.0/token", ("client_id", Demo.PublicAppId), ("scope", Demo.GraphScope),
            ("username", Demo.HelpdeskUpn), ("password", Demo.HelpdeskPassword), ("grant_type", "password"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_grant", 9001023);
    }
}
