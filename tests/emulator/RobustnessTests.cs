using System.Net;
using System.Text;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Malformed input gets a 4xx answer in the service's own error shape, never a 500 or a hang.</summary>
public sealed class RobustnessTests : EmulatorTest
{
    public RobustnessTests(DemoEmulator f) : base(f) { }

    [Theory]
    [InlineData("GET", "/v1.0/users('abc", null)]
    [InlineData("GET", "/v1.0/users/%", null)]
    [InlineData("GET", "/v1.0/users?$filter=id%20eq%205", null)]
    [InlineData("GET", "/v1.0/users?$filter=(((", null)]
    [InlineData("GET", "/v1.0/users?$filter=startswith(displayName)", null)]
    [InlineData("GET", "/v1.0/users?$filter=displayName%20eq%20'unterminated", null)]
    [InlineData("GET", "/v1.0/users?$top=abc", null)]
    [InlineData("GET", "/v1.0/users?$select=id&$select=mail", null)]
    [InlineData("GET", "/v1.0/users/delta?$deltatoken=garbage", null)]
    [InlineData("GET", "/v1.0/users?$skiptoken=garbage", null)]
    [InlineData("POST", "/v1.0/$batch", "{\"requests\":[null]}")]
    [InlineData("POST", "/v1.0/$batch", "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\"}]}")]
    [InlineData("POST", "/v1.0/$batch", "{\"requests\":{}}")]
    [InlineData("POST", "/v1.0/$batch", "[]")]
    [InlineData("POST", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods", "{\"phoneNumber\":123,\"phoneType\":\"mobile\"}")]
    [InlineData("POST", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods", "{\"phoneNumber\":\"+1 5555551234\",\"phoneType\":null}")]
    [InlineData("POST", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c/authentication/phoneMethods", "[1,2]")]
    [InlineData("PATCH", "/v1.0/users/2b7e151a-28ae-4d2a-abf7-158809cf4f3c", "{\"bogus\":1}")]
    [InlineData("DELETE", "/v1.0/users", null)]
    public async Task Graph_MalformedRequests_Are4xx(string method, string path, string? body)
    {
        var t = await Emu.Control.MintTokenAsync(new { tenant = Demo.TenantId, roles = new[] { "User.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All" } });
        var (resp, json) = await Graph(new HttpMethod(method), path, t, body);
        Assert.InRange((int)resp.StatusCode, 400, 499);
        Assert.NotNull(json!["error"]!["code"]);
    }

    [Theory]
    [InlineData("/control/reset", "{not json")]
    [InlineData("/control/tenants", "{\"tenants\":[{\"users\":[{}]}]}")]
    [InlineData("/control/tenants", "{\"tenants\":[{\"apps\":[{\"clientId\":\"x\",\"certificates\":[\"not a pem\"]}]}]}")]
    [InlineData("/control/faults", "{\"errorStatuses\":[\"x\"]}")]
    [InlineData("/control/faults", "{\"latency\":\"sometimes\"}")]
    [InlineData("/control/generate", "{\"users\":-1}")]
    [InlineData("/control/tokens", "{\"tenant\":\"nosuch\"}")]
    [InlineData("/control/twilio/send-sms", "{\"body\":\"no to\"}")]
    public async Task Control_BadInput_Is4xx(string path, string body)
    {
        var resp = await Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.InRange((int)resp.StatusCode, 400, 499);
        Assert.Contains("error", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Token_NonFormBody_IsMissingGrantType()
    {
        var resp = await Http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", new StringContent("{\"grant_type\":\"client_credentials\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Contains("AADSTS900144", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownPath_Is404()
    {
        var resp = await Http.GetAsync("/nothing/here");
        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
    }
}
