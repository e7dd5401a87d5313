using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Demo tenant facts (emulator/tenants/demo.json).</summary>
public static class Demo
{
    public const string TenantId = "8c3a1f2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b";
    public const string Domain = "contoso.onmicrosoft.com";
    public const string SyncAppId = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b";
    public const string SyncAppSecret = "demo-client-secret-1";
    public const string PublicAppId = "0d9c8b7a-6e5f-4d3c-2b1a-0f9e8d7c6b5a";
    public const string ReaderAppId = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
    public const string ReaderAppSecret = "demo-reader-secret-1";
    public const string ZoeUpn = "zoë.ångström@contoso.com";
    public const string ZoeId = "2b7e151a-28ae-4d2a-abf7-158809cf4f3c";
    public const string AdeleUpn = "adele.vance@contoso.com";
    public const string AlexUpn = "alex.wilber@contoso.com";
    public const string MeganUpn = "$megan.bowen@contoso.com";
    public const string GuestUpn = "pat_fabrikam.com#EXT#@contoso.onmicrosoft.com";
    public const string HelpdeskUpn = "helpdesk@contoso.com";
    public const string HelpdeskPassword = "Demo-Passw0rd!";
    public const string MiClientId = "c0ffee00-1234-4abc-9def-0123456789ab";
    public const string TwilioAccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string TwilioAuthToken = "demo-twilio-auth-token-0001";
    public const string MobileId = "3179e48a-750b-4051-897c-87b9720928f7";
    public const string AlternateMobileId = "b6332ec1-7057-4abe-9331-3d72feddfe41";
    public const string OfficeId = "e37fc753-ff3b-4958-9484-eaa9425c82bc";
    public const string GraphScope = "https://graph.microsoft.com/.default";
}

/// <summary>One emulator with the demo tenant per test class; reset before every test.</summary>
public sealed class DemoEmulator : IDisposable
{
    public EmulatorProcess Process { get; } = EmulatorProcess.StartWithDemoTenant("--seed", "7", "--batch-order", "reverse");
    public void Dispose() => Process.Dispose();
}

public abstract class EmulatorTest : IClassFixture<DemoEmulator>, IDisposable
{
    protected readonly EmulatorProcess Emu;
    protected readonly HttpClient Http;

    protected EmulatorTest(DemoEmulator fixture)
    {
        Emu = fixture.Process;
        Emu.Control.ResetAsync().GetAwaiter().GetResult();
        Http = Emu.CreateHttpClient();
    }

    public void Dispose() => Http.Dispose();

    protected static FormUrlEncodedContent Form(params (string, string)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)));

    protected async Task<(HttpResponseMessage resp, JsonNode? body)> PostForm(string path, params (string, string)[] fields)
    {
        var resp = await Http.PostAsync(path, Form(fields));
        var text = await resp.Content.ReadAsStringAsync();
        return (resp, string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text));
    }

    protected async Task<string> AppToken(string clientId = Demo.SyncAppId, string secret = Demo.SyncAppSecret)
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/token",
            ("client_id", clientId), ("client_secret", secret), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return body!["access_token"]!.GetValue<string>();
    }

    /// <summary>A delegated token for the given user through the password grant of the public demo app.</summary>
    protected async Task<string> HelpdeskToken()
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/token",
            ("client_id", Demo.PublicAppId), ("scope", "https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All https://graph.microsoft.com/User.Read.All"),
            ("username", Demo.HelpdeskUpn), ("password", Demo.HelpdeskPassword), ("grant_type", "password"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return body!["access_token"]!.GetValue<string>();
    }

    protected async Task<(HttpResponseMessage resp, JsonNode? body)> Graph(HttpMethod method, string pathAndQuery, string? token, object? json = null, Dictionary<string, string>? headers = null)
    {
        using var req = new HttpRequestMessage(method, pathAndQuery);
        if (token != null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (headers != null) foreach (var h in headers) req.Headers.TryAddWithoutValidation(h.Key, h.Value);
        if (json != null)
            req.Content = new StringContent(json is string s ? s : json is JsonNode n ? n.ToJsonString() : System.Text.Json.JsonSerializer.Serialize(json), Encoding.UTF8, "application/json");
        var resp = await Http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JsonNode? body = null;
        if (text.Length > 0 && (resp.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false)) body = JsonNode.Parse(text);
        return (resp, body);
    }

    protected static string Header(HttpResponseMessage resp, string name) =>
        resp.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
        : resp.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";

    /// <summary>Asserts the Graph error shape and returns the error code.</summary>
    protected static void AssertGraphError(HttpResponseMessage resp, JsonNode? body, HttpStatusCode status, string code)
    {
        Assert.Equal(status, resp.StatusCode);
        Assert.NotNull(body);
        var err = body!["error"]!;
        Assert.Equal(code, err["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(err["message"]!.GetValue<string>()));
        var inner = err["innerError"]!;
        Assert.True(DateTime.TryParse(inner["date"]!.GetValue<string>(), out _));
        var rid = inner["request-id"]!.GetValue<string>();
        Assert.True(Guid.TryParse(rid, out _));
        Assert.Equal(rid, Header(resp, "request-id"));
        Assert.Equal(inner["client-request-id"]!.GetValue<string>(), Header(resp, "client-request-id"));
    }

    /// <summary>Asserts the documented Entra error body and returns it.</summary>
    protected static void AssertAadError(HttpResponseMessage resp, JsonNode? body, HttpStatusCode status, string error, int code)
    {
        Assert.Equal(status, resp.StatusCode);
        Assert.NotNull(body);
        Assert.Equal(error, body!["error"]!.GetValue<string>());
        var desc = body["error_description"]!.GetValue<string>();
        Assert.StartsWith($"AADSTS{code}:", desc);
        Assert.Contains("\r\nTrace ID: ", desc);
        Assert.Contains("\r\nCorrelation ID: ", desc);
        Assert.Equal(code, body["error_codes"]![0]!.GetValue<int>());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", body["timestamp"]!.GetValue<string>());
        Assert.True(Guid.TryParse(body["trace_id"]!.GetValue<string>(), out _));
        Assert.True(Guid.TryParse(body["correlation_id"]!.GetValue<string>(), out _));
        Assert.Equal($"https://login.microsoftonline.com/error?code={code}", body["error_uri"]!.GetValue<string>());
    }

    protected static JsonObject Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part += new string('=', (4 - part.Length % 4) % 4);
        return (JsonObject)JsonNode.Parse(Convert.FromBase64String(part))!;
    }

    protected static string UpnPath(string upn) => Uri.EscapeDataString(upn);
}
