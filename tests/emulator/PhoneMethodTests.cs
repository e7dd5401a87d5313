using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

public sealed class PhoneMethodTests : EmulatorTest
{
    public PhoneMethodTests(DemoEmulator f) : base(f) { }

    private string Methods(string upn) => $"/v1.0/users/{UpnPath(upn)}/authentication/phoneMethods";

    private async Task<JsonNode> Stored(string upn) => await Emu.Control.GetUserAsync(Demo.TenantId, upn);

    private static string? StoredNumber(JsonNode user, string type) =>
        user["phoneMethods"]!.AsArray().FirstOrDefault(p => p!["phoneType"]!.GetValue<string>() == type)?["phoneNumber"]?.GetValue<string>();

    [Fact]
    public async Task Get_ById_AndMissingMethod_Is404()
    {
        var t = await AppToken();
        var (ok, body) = await Graph(HttpMethod.Get, $"{Methods(Demo.AdeleUpn)}/{Demo.OfficeId}", t);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("+1 2065550100x123", body!["phoneNumber"]!.GetValue<string>());
        Assert.Equal("office", body["phoneType"]!.GetValue<string>());
        Assert.Equal("notSupported", body["smsSignInState"]!.GetValue<string>());
        var (nf, nb) = await Graph(HttpMethod.Get, $"{Methods(Demo.ZoeUpn)}/{Demo.OfficeId}", t);
        AssertGraphError(nf, nb, HttpStatusCode.NotFound, "itemNotFound");
        var (bad, bb) = await Graph(HttpMethod.Get, $"{Methods(Demo.ZoeUpn)}/{Guid.NewGuid()}", t);
        AssertGraphError(bad, bb, HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task List_OrdersMobileAlternateOffice()
    {
        var t = await AppToken();
        var (_, body) = await Graph(HttpMethod.Get, Methods(Demo.AdeleUpn), t);
        Assert.Equal(new[] { Demo.MobileId, Demo.AlternateMobileId, Demo.OfficeId }, body!["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Create_Returns201_WithFixedId_AndIsStored()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900123", phoneType = "mobile" });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        Assert.Equal(Demo.MobileId, body!["id"]!.GetValue<string>());
        Assert.Equal("+44 7700900123", body["phoneNumber"]!.GetValue<string>());
        Assert.Equal("ready", body["smsSignInState"]!.GetValue<string>());
        Assert.Equal("+44 7700900123", StoredNumber(await Stored(Demo.AlexUpn), "mobile"));
        var counters = await Emu.Control.GetCountersAsync();
        Assert.Equal(1, counters["writesByUser"]![Demo.AlexUpn]!.GetValue<long>());
    }

    [Theory]
    [InlineData("+1 5555551234")]
    [InlineData("+46 707654321")]
    [InlineData("+1 5555551234x123")]
    [InlineData("+358 401234567")]
    public async Task Create_AcceptsGraphFormat(string number)
    {
        var t = await AppToken();
        var (resp, _) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = number, phoneType = "mobile" });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
    }

    [Theory]
    [InlineData("+15555551234")]
    [InlineData("5555551234")]
    [InlineData("+1 555 555 1234")]
    [InlineData("+1 (555) 5551234")]
    [InlineData("+1-5555551234")]
    [InlineData("+1 5555551234 x123")]
    [InlineData("+1 5555551234ext123")]
    [InlineData("+1  5555551234")]
    [InlineData("+0 5555551234")]
    [InlineData("+1 12")]
    [InlineData("")]
    public async Task Create_RejectsOtherFormats_400(string number)
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = number, phoneType = "mobile" });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "badRequest");
        Assert.Null(StoredNumber(await Stored(Demo.AlexUpn), "mobile"));
    }

    [Fact]
    public async Task Create_MustSendNumberAndType_NeverSmsSignInState()
    {
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900123" });
        AssertGraphError(r1, b1, HttpStatusCode.BadRequest, "badRequest");
        var (r2, b2) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneType = "mobile" });
        AssertGraphError(r2, b2, HttpStatusCode.BadRequest, "badRequest");
        var (r3, b3) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900123", phoneType = "mobile", smsSignInState = "ready" });
        AssertGraphError(r3, b3, HttpStatusCode.BadRequest, "badRequest");
        var (r4, b4) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900123", phoneType = "landline" });
        AssertGraphError(r4, b4, HttpStatusCode.BadRequest, "badRequest");
        var (r5, b5) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, "{not json");
        AssertGraphError(r5, b5, HttpStatusCode.BadRequest, "BadRequest");
        using var noType = new HttpRequestMessage(HttpMethod.Post, Methods(Demo.AlexUpn))
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("{\"phoneNumber\":\"+44 7700900123\",\"phoneType\":\"mobile\"}")),
        };
        noType.Headers.Authorization = new("Bearer", t);
        var r6 = await Http.SendAsync(noType);
        Assert.Equal(HttpStatusCode.BadRequest, r6.StatusCode); // Content-Type: application/json is required
    }

    [Fact]
    public async Task Create_TypeThatExists_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.ZoeUpn), t, new { phoneNumber = "+46 709999999", phoneType = "mobile" });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "badRequest");
        Assert.Equal("+46 701234567", StoredNumber(await Stored(Demo.ZoeUpn), "mobile"));
    }

    [Fact]
    public async Task Create_AlternateMobileWithoutMobile_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+44 7700900124", phoneType = "alternateMobile" });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "badRequest");
        var (ok, ob) = await Graph(HttpMethod.Post, Methods(Demo.ZoeUpn), t, new { phoneNumber = "+46 709999999", phoneType = "alternateMobile" });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal("notSupported", ob!["smsSignInState"]!.GetValue<string>()); // voice only
    }

    [Fact]
    public async Task Create_409PhoneNumberNotUnique_WithWriteApplied()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"smsSignInEnabledByPolicy":true}""");
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+46 701234567", phoneType = "mobile" }); // Zoë's SMS sign-in number
        AssertGraphError(resp, body, HttpStatusCode.Conflict, "phoneNumberNotUnique");
        var (_, after) = await Graph(HttpMethod.Get, Methods(Demo.AlexUpn), t);
        var m = Assert.Single(after!["value"]!.AsArray())!;
        Assert.Equal("+46 701234567", m["phoneNumber"]!.GetValue<string>());
        Assert.Equal("phoneNumberNotUnique", m["smsSignInState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_NotInSmsSignInScope_IsNotAllowedByPolicy()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AlexUpn}", """{"smsSignInEnabledByPolicy":false}""");
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+46 701234567", phoneType = "mobile" });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode); // no SMS sign-in registration, no conflict
        Assert.Equal("notAllowedByPolicy", body!["smsSignInState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_Is204_AndChangesNumber()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Patch, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}", t, new { phoneNumber = "+1 2065555554", phoneType = "mobile" });
        Assert.Equal(HttpStatusCode.NoContent, resp.StatusCode);
        Assert.Null(body);
        Assert.Equal("+1 2065555554", StoredNumber(await Stored(Demo.AdeleUpn), "mobile"));
    }

    [Fact]
    public async Task Update_TypeCannotChange_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Patch, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}", t, new { phoneNumber = "+1 2065555554", phoneType = "office" });
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "badRequest");
        Assert.Equal("+1 2065550123", StoredNumber(await Stored(Demo.AdeleUpn), "mobile"));
    }

    [Fact]
    public async Task Update_MissingMethod_Is404_BadFormat_Is400()
    {
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Patch, $"{Methods(Demo.AlexUpn)}/{Demo.MobileId}", t, new { phoneNumber = "+44 7700900123", phoneType = "mobile" });
        AssertGraphError(r1, b1, HttpStatusCode.NotFound, "itemNotFound");
        var (r2, b2) = await Graph(HttpMethod.Patch, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}", t, new { phoneNumber = "206-555-0123", phoneType = "mobile" });
        AssertGraphError(r2, b2, HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task Update_MobileToSomeoneElsesSmsNumber_Is409_WithWriteApplied()
    {
        await Emu.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{Demo.TenantId}/users/{Demo.AdeleUpn}", """{"smsSignInEnabledByPolicy":true}""");
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Patch, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}", t, new { phoneNumber = "+46 701234567", phoneType = "mobile" });
        AssertGraphError(resp, body, HttpStatusCode.Conflict, "phoneNumberNotUnique");
        Assert.Equal("+46 701234567", StoredNumber(await Stored(Demo.AdeleUpn), "mobile"));
    }

    [Fact]
    public async Task Delete_Is204()
    {
        var t = await AppToken();
        var (resp, _) = await Graph(HttpMethod.Delete, $"{Methods(Demo.AdeleUpn)}/{Demo.AlternateMobileId}", t);
        Assert.Equal(HttpStatusCode.NoContent, resp.StatusCode);
        Assert.Null(StoredNumber(await Stored(Demo.AdeleUpn), "alternateMobile"));
        var (again, ab) = await Graph(HttpMethod.Delete, $"{Methods(Demo.AdeleUpn)}/{Demo.AlternateMobileId}", t);
        AssertGraphError(again, ab, HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Delete_DefaultMethod_Is400_badRequest()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Delete, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}", t); // Zoë's default is sms
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains("default authentication method", body!["error"]!["message"]!.GetValue<string>());
        Assert.Equal("+46 701234567", StoredNumber(await Stored(Demo.ZoeUpn), "mobile"));
    }

    [Fact]
    public async Task Delete_MobileWhileAlternateMobileExists_Is400()
    {
        var t = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Delete, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}", t);
        AssertGraphError(resp, body, HttpStatusCode.BadRequest, "badRequest");
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Delete, $"{Methods(Demo.AdeleUpn)}/{Demo.AlternateMobileId}", t)).resp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Delete, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}", t)).resp.StatusCode);
    }

    [Fact]
    public async Task SmsSignIn_EnableDisable()
    {
        var t = await AppToken();
        var (d, _) = await Graph(HttpMethod.Post, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}/disableSmsSignIn", t);
        Assert.Equal(HttpStatusCode.NoContent, d.StatusCode);
        var (_, g1) = await Graph(HttpMethod.Get, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}", t);
        Assert.Equal("notEnabled", g1!["smsSignInState"]!.GetValue<string>());
        var (e, _) = await Graph(HttpMethod.Post, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}/enableSmsSignIn", t);
        Assert.Equal(HttpStatusCode.NoContent, e.StatusCode);
        var (_, g2) = await Graph(HttpMethod.Get, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}", t);
        Assert.Equal("ready", g2!["smsSignInState"]!.GetValue<string>());
    }

    [Fact]
    public async Task SmsSignIn_NumberFreedByDisable_CanBeTakenThenConflictsOnReenable()
    {
        var t = await AppToken();
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Post, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}/disableSmsSignIn", t)).resp.StatusCode);
        var (created, cb) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), t, new { phoneNumber = "+46 701234567", phoneType = "mobile" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("ready", cb!["smsSignInState"]!.GetValue<string>());
        var (again, ab) = await Graph(HttpMethod.Post, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}/enableSmsSignIn", t);
        AssertGraphError(again, ab, HttpStatusCode.Conflict, "phoneNumberNotUnique");
        var (_, zoe) = await Graph(HttpMethod.Get, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}", t);
        Assert.Equal("phoneNumberNotUnique", zoe!["smsSignInState"]!.GetValue<string>());
        // Alex moves to another number: Zoë's number is free again
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Patch, $"{Methods(Demo.AlexUpn)}/{Demo.MobileId}", t, new { phoneNumber = "+46 707777777" })).resp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Graph(HttpMethod.Post, $"{Methods(Demo.ZoeUpn)}/{Demo.MobileId}/enableSmsSignIn", t)).resp.StatusCode);
    }

    [Fact]
    public async Task SmsSignIn_OnlyForMobile_AndOnlyInPolicyScope()
    {
        var t = await AppToken();
        var (r1, b1) = await Graph(HttpMethod.Post, $"{Methods(Demo.AdeleUpn)}/{Demo.OfficeId}/enableSmsSignIn", t);
        AssertGraphError(r1, b1, HttpStatusCode.BadRequest, "badRequest");
        var (r2, b2) = await Graph(HttpMethod.Post, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}/enableSmsSignIn", t); // Adele not in policy scope
        AssertGraphError(r2, b2, HttpStatusCode.BadRequest, "badRequest");
        var (r3, b3) = await Graph(HttpMethod.Get, $"{Methods(Demo.AdeleUpn)}/{Demo.MobileId}/enableSmsSignIn", t);
        AssertGraphError(r3, b3, HttpStatusCode.MethodNotAllowed, "Request_BadRequest");
    }

    [Fact]
    public async Task DelegatedAuthenticationAdministrator_SeesMaskedNumbers_AppSeesFull()
    {
        var delegated = await HelpdeskToken();
        var (resp, body) = await Graph(HttpMethod.Get, Methods(Demo.ZoeUpn), delegated);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var masked = body!["value"]![0]!["phoneNumber"]!.GetValue<string>();
        Assert.Equal("+46 XXXXXXX67", masked);
        var (_, adele) = await Graph(HttpMethod.Get, Methods(Demo.AdeleUpn), delegated);
        Assert.Equal("+1 XXXXXXXX00xXXX", adele!["value"]![2]!["phoneNumber"]!.GetValue<string>());
        var (_, full) = await Graph(HttpMethod.Get, Methods(Demo.ZoeUpn), await AppToken());
        Assert.Equal("+46 701234567", full!["value"]![0]!["phoneNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task DelegatedPrivilegedAuthenticationAdministrator_SeesFullNumbers()
    {
        var token = await Emu.Control.MintTokenAsync(new
        {
            tenant = Demo.TenantId, userPrincipalName = Demo.HelpdeskUpn, scopes = new[] { "UserAuthenticationMethod.ReadWrite.All" },
            wids = new[] { "Privileged Authentication Administrator" },
        });
        var (_, body) = await Graph(HttpMethod.Get, Methods(Demo.ZoeUpn), token);
        Assert.Equal("+46 701234567", body!["value"]![0]!["phoneNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task DelegatedWithoutAdminRole_Is403()
    {
        var token = await Emu.Control.MintTokenAsync(new
        {
            tenant = Demo.TenantId, userPrincipalName = Demo.AlexUpn, scopes = new[] { "UserAuthenticationMethod.ReadWrite.All" }, wids = Array.Empty<string>(),
        });
        var (resp, body) = await Graph(HttpMethod.Get, Methods(Demo.ZoeUpn), token);
        AssertGraphError(resp, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        // a user may read their own methods, but not change them through Graph (no self-service)
        var (self, _) = await Graph(HttpMethod.Get, "/v1.0/me/authentication/phoneMethods", token);
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        var (selfWrite, sw) = await Graph(HttpMethod.Post, "/v1.0/me/authentication/phoneMethods", token, new { phoneNumber = "+44 7700900123", phoneType = "mobile" });
        AssertGraphError(selfWrite, sw, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }

    [Fact]
    public async Task AuthenticationAdministrator_CannotWriteAdminsMethods_403()
    {
        var delegated = await HelpdeskToken();
        var admin = await Emu.Control.PostAsync($"/control/tenants/{Demo.TenantId}/users",
            new JsonObject { ["userPrincipalName"] = "ga@contoso.com", ["directoryRoles"] = new JsonArray("Global Administrator") });
        var (resp, body) = await Graph(HttpMethod.Post, Methods("ga@contoso.com"), delegated, new { phoneNumber = "+1 4255550100", phoneType = "mobile" });
        AssertGraphError(resp, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        var (ok, _) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), delegated, new { phoneNumber = "+44 7700900123", phoneType = "mobile" });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.NotNull(admin);
    }

    [Fact]
    public async Task ReadOnlyRole_CannotWrite_403()
    {
        var token = await Emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, roles = new[] { "UserAuthMethod-Phone.Read.All" } });
        var (ok, _) = await Graph(HttpMethod.Get, Methods(Demo.ZoeUpn), token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var (resp, body) = await Graph(HttpMethod.Post, Methods(Demo.AlexUpn), token, new { phoneNumber = "+44 7700900123", phoneType = "mobile" });
        AssertGraphError(resp, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }

    [Fact]
    public async Task BetaSignInPreferences_GetAndPatch()
    {
        var t = await Emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, roles = new[] { "UserAuthenticationMethod.ReadWrite.All" } });
        var (resp, body) = await Graph(HttpMethod.Get, $"/beta/users/{UpnPath(Demo.ZoeUpn)}/authentication/signInPreferences", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("sms", body!["userPreferredMethodForSecondaryAuthentication"]!.GetValue<string>());
        Assert.False(body["isSystemPreferredAuthenticationMethodEnabled"]!.GetValue<bool>());

        var (v1, vb) = await Graph(HttpMethod.Get, $"/v1.0/users/{UpnPath(Demo.ZoeUpn)}/authentication/signInPreferences", t);
        AssertGraphError(v1, vb, HttpStatusCode.BadRequest, "BadRequest");

        // phone-only permission is not enough for sign-in preferences
        var phoneOnly = await AppToken();
        var (f, fb) = await Graph(HttpMethod.Get, $"/beta/users/{UpnPath(Demo.ZoeUpn)}/authentication/signInPreferences", phoneOnly);
        AssertGraphError(f, fb, HttpStatusCode.Forbidden, "Authorization_RequestDenied");

        // change the default, then the mobile can be deleted
        await Graph(HttpMethod.Post, $"/beta/users/{UpnPath(Demo.ZoeUpn)}/authentication/phoneMethods", t, new { phoneNumber = "+46 709999999", phoneType = "alternateMobile" });
        var (p, _) = await Graph(HttpMethod.Patch, $"/beta/users/{UpnPath(Demo.ZoeUpn)}/authentication/signInPreferences", t, new { userPreferredMethodForSecondaryAuthentication = "voiceAlternateMobile" });
        Assert.Equal(HttpStatusCode.NoContent, p.StatusCode);
        var (badPref, bp) = await Graph(HttpMethod.Patch, $"/beta/users/{UpnPath(Demo.ZoeUpn)}/authentication/signInPreferences", t, new { userPreferredMethodForSecondaryAuthentication = "voiceOffice" });
        AssertGraphError(badPref, bp, HttpStatusCode.BadRequest, "badRequest");
        await Graph(HttpMethod.Delete, $"/v1.0/users/{UpnPath(Demo.ZoeUpn)}/authentication/phoneMethods/{Demo.AlternateMobileId}", t); // now the default: refused
        var (_, still) = await Graph(HttpMethod.Get, Methods(Demo.ZoeUpn), t);
        Assert.Equal(2, still!["value"]!.AsArray().Count);
    }

    [Fact]
    public async Task AuthenticationMethods_ListsPhonesWithODataType()
    {
        var t = await Emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, roles = new[] { "UserAuthenticationMethod.Read.All" } });
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/methods", t);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var types = body!["value"]!.AsArray().Select(v => v!["@odata.type"]!.GetValue<string>()).ToList();
        Assert.Equal(new[] { "#microsoft.graph.passwordAuthenticationMethod", "#microsoft.graph.phoneAuthenticationMethod" }, types);
    }
}
