using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>The emulator with its demo tenant: Twilio account, Teams receiver "demo".</summary>
public sealed class RelayEmulatorFixture : IDisposable
{
    public EmulatorProcess Emulator { get; } = EmulatorProcess.StartWithDemoTenant("--seed", "5");
    public string Base => Emulator.BaseUrl.GetLeftPart(UriPartial.Authority);
    public void Dispose() => Emulator.Dispose();
}

/// <summary>Receive-MfaSms and Test-MfaSmsSignature against the emulated Teams and Twilio.</summary>
public sealed class RelayCmdletTests : IClassFixture<RelayEmulatorFixture>, IDisposable
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "demo-twilio-auth-token-0001";
    private const string PublicUrl = "https://relay.example.com/sms";
    private const string Text = "Use verification code 482913 for Microsoft authentication.";

    private readonly RelayEmulatorFixture _fixture;
    private readonly string _dir = Directory.CreateTempSubdirectory("mfaphone-relay-module-").FullName;

    public RelayCmdletTests(RelayEmulatorFixture fixture)
    {
        _fixture = fixture;
        _fixture.Emulator.Control.ResetAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string TeamsUrl => $"{_fixture.Base}/teams/workflows/demo/triggers/manual/paths/invoke?api-version=1&sig=demo-workflow-sig";

    private static string Sid(int n) => "SM" + n.ToString("x32");

    private static (string Body, string Signature) Signed(string sid, string body = Text, string url = PublicUrl, string token = AuthToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", sid), new("AccountSid", AccountSid), new("From", "+14155550100"), new("To", "+15005550006"),
            new("Body", body), new("NumMedia", "0"),
        };
        var data = new StringBuilder(url);
        foreach (var p in form.OrderBy(p => p.Key, StringComparer.Ordinal)) data.Append(p.Key).Append(p.Value);
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(token));
        string signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data.ToString())));
        return (string.Join("&", form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))), signature);
    }

    private const string Prelude = "$token = [System.Net.NetworkCredential]::new('', 'demo-twilio-auth-token-0001').SecurePassword\n";

    private const string Call =
        "Receive-MfaSms -Body $args[0] -Headers @{ 'X-Twilio-Signature' = $args[1]; 'Content-Type' = 'application/x-www-form-urlencoded' } " +
        "-Url 'https://relay.example.com/sms' -AuthToken $token ";

    [Fact]
    public async System.Threading.Tasks.Task A_signed_request_reaches_Teams_and_returns_a_typed_result_with_the_code_masked()
    {
        var (body, sig) = Signed(Sid(1));
        using var ps = new PowerShellHarness();
        var r = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; To = '+15005550006'; Teams = $args[2] } -Verbose",
            body, sig, TeamsUrl);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var result = Assert.Single(r.Output);
        Assert.Contains("MfaPhone.SmsRelayResult", result.TypeNames);
        Assert.Equal("Delivered", result.Properties["Status"].Value);
        Assert.Equal("Contoso", result.Properties["Tenant"].Value);
        Assert.Equal("+14155550100", result.Properties["From"].Value);
        Assert.Equal("******", result.Properties["Code"].Value);
        Assert.Equal(true, result.Properties["CodeFound"].Value);
        Assert.Equal(new[] { "Contoso-teams" }, (string[])result.Properties["SinksDelivered"].Value);
        Assert.Equal(200, result.Properties["HttpStatus"].Value);
        Assert.Equal("text/xml", result.Properties["ContentType"].Value);
        Assert.Contains("<Response/>", (string)result.Properties["ResponseBody"].Value);
        Assert.NotEmpty(r.Verbose);

        var post = Assert.Single(await _fixture.Emulator.Control.GetTeamsPostsAsync());
        Assert.Equal("482913", post!["body"]!["attachments"]![0]!["content"]!["body"]![1]!["text"]!.GetValue<string>());

        // Nothing but the card holds the code or the text.
        string all = r.AllText();
        foreach (var secret in new[] { "482913", "verification code", AuthToken, "demo-workflow-sig", sig })
            Assert.DoesNotContain(secret, all);
    }

    [Fact]
    public void ShowCode_reveals_the_code_in_the_result_only()
    {
        var (body, sig) = Signed(Sid(2));
        using var ps = new PowerShellHarness();
        var r = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; Teams = $args[2] } -ShowCode -Verbose", body, sig, TeamsUrl);
        Assert.Null(r.Terminating);
        Assert.Equal("482913", Assert.Single(r.Output).Properties["Code"].Value);
        Assert.DoesNotContain("482913", string.Join("\n", r.Verbose.Concat(r.Warning)));
    }

    [Fact]
    public void WebhookData_from_Azure_Automation_is_relayed()
    {
        var (body, sig) = Signed(Sid(3));
        using var ps = new PowerShellHarness();
        var r = ps.Run(Prelude +
            "$wd = [pscustomobject]@{ WebhookName = 'twilio'; RequestBody = $args[0]; RequestHeader = @{ 'x-twilio-signature' = $args[1]; 'Content-Type' = 'application/x-www-form-urlencoded' } }\n" +
            "Receive-MfaSms -WebhookData $wd -Url 'https://relay.example.com/sms' -AuthToken $token -Route @{ Tenant = 'Contoso'; Teams = $args[2] }",
            body, sig, TeamsUrl);
        Assert.Null(r.Terminating);
        Assert.Equal("Delivered", Assert.Single(r.Output).Properties["Status"].Value);

        var text = ps.Run(Prelude + "Receive-MfaSms -WebhookData '{\"RequestBody\":\"x\"}' -Url 'https://relay.example.com/sms' -AuthToken $token -Route @{ Tenant = 'C'; Teams = $args[0] }", TeamsUrl);
        Assert.StartsWith("InvalidInput", text.FirstErrorId);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_bad_signature_is_a_terminating_error_and_nothing_is_delivered()
    {
        var (body, _) = Signed(Sid(4));
        var (_, forged) = Signed(Sid(4), token: "guessed-token");
        using var ps = new PowerShellHarness();
        var r = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; Teams = $args[2] }; 'not reached'", body, forged, TeamsUrl);
        Assert.NotNull(r.Terminating);
        Assert.StartsWith("InvalidTwilioSignature", r.FirstErrorId);
        Assert.Empty(r.Output);
        var wrongUrl = ps.Run(Prelude + "Receive-MfaSms -Body $args[0] -Headers @{ 'X-Twilio-Signature' = $args[1] } -Url 'http://relay.example.com/sms' -AuthToken $token -Route @{ Tenant = 'Contoso'; Teams = $args[2] }",
            body, Signed(Sid(4)).Signature, TeamsUrl);
        Assert.StartsWith("InvalidTwilioSignature", wrongUrl.FirstErrorId);
        var unsigned = ps.Run(Prelude + "Receive-MfaSms -Body $args[0] -Url 'https://relay.example.com/sms' -AuthToken $token -Route @{ Tenant = 'Contoso'; Teams = $args[1] }",
            body, TeamsUrl);
        Assert.StartsWith("InvalidTwilioSignature", unsigned.FirstErrorId);
        var malformed = ps.Run(Prelude + "Receive-MfaSms -Body 'Body=%ZZ' -Headers @{ 'X-Twilio-Signature' = 'x'; 'Content-Type' = 'application/x-www-form-urlencoded' } -Url 'https://relay.example.com/sms' -AuthToken $token -Route @{ Tenant = 'Contoso'; Teams = $args[0] }",
            TeamsUrl);
        Assert.StartsWith("InvalidSmsWebhook", malformed.FirstErrorId);
        Assert.Empty(await _fixture.Emulator.Control.GetTeamsPostsAsync());
        Assert.DoesNotContain("relay.example.com", r.AllText());  // -Url may hold a secret: never echoed
    }

    [Fact]
    public async System.Threading.Tasks.Task A_route_file_names_its_webhook_URLs_in_files_and_a_dedupe_file_drops_replays()
    {
        string urlFile = Path.Combine(_dir, "teams.url");
        File.WriteAllText(urlFile, TeamsUrl + "\n");
        string routeFile = Path.Combine(_dir, "routes.json");
        File.WriteAllText(routeFile, new JsonObject
        {
            ["routes"] = new JsonArray(new JsonObject
            {
                ["tenant"] = "Contoso", ["to"] = "+15005550006",
                ["sinks"] = new JsonArray(new JsonObject { ["name"] = "contoso-teams", ["kind"] = "teams", ["urlFile"] = urlFile }),
            }),
        }.ToJsonString());
        string dedupe = Path.Combine(_dir, "dedupe");
        var (body, sig) = Signed(Sid(5));
        using var ps = new PowerShellHarness();
        string call = Prelude + Call + "-Route $args[2] -DedupePath $args[3]";
        var first = ps.Run(call, body, sig, routeFile, dedupe);
        var replay = ps.Run(call, body, sig, routeFile, dedupe);
        Assert.Null(first.Terminating);
        Assert.Equal("Delivered", first.Output.Single().Properties["Status"].Value);
        Assert.Equal(new[] { "contoso-teams" }, (string[])first.Output.Single().Properties["SinksDelivered"].Value);
        Assert.Equal("Duplicate", replay.Output.Single().Properties["Status"].Value);
        Assert.Single(await _fixture.Emulator.Control.GetTeamsPostsAsync());
    }

    [Fact]
    public async System.Threading.Tasks.Task Route_errors_name_the_problem_without_quoting_webhook_URLs()
    {
        var (body, sig) = Signed(Sid(6));
        using var ps = new PowerShellHarness();
        var retired = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; Teams = 'https://contoso.webhook.office.com/webhookb2/retired-secret/IncomingWebhook/x' }", body, sig);
        Assert.StartsWith("InvalidInput", retired.FirstErrorId);
        Assert.Contains("retired", retired.AllText());
        Assert.DoesNotContain("retired-secret", retired.AllText());
        var unknown = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; Teems = 'x' }", body, sig);
        Assert.Contains("unknown key 'Teems'", unknown.AllText());
        var noSink = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso' }", body, sig);
        Assert.Contains("has no sink", noSink.AllText());
        var missingFile = ps.Run(Prelude + Call + "-Route 'no-such-routes.json'", body, sig);
        Assert.Contains("neither a hashtable nor an existing JSON route file", missingFile.AllText());
        Assert.Empty(await _fixture.Emulator.Control.GetTeamsPostsAsync());
    }

    [Fact]
    public void A_failed_delivery_returns_503_for_Twilio_and_a_non_terminating_error()
    {
        var (body, sig) = Signed(Sid(7));
        using var ps = new PowerShellHarness();
        var r = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; Slack = 'http://127.0.0.1:9/slack/services/T/B/dead-secret' } -TimeoutSec 3", body, sig);
        Assert.Null(r.Terminating);
        var result = Assert.Single(r.Output);
        Assert.Equal("Failed", result.Properties["Status"].Value);
        Assert.Equal(503, result.Properties["HttpStatus"].Value);
        Assert.StartsWith("SmsDeliveryFailed", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.DoesNotContain("dead-secret", r.AllText());
        Assert.DoesNotContain("127.0.0.1:9", r.AllText());
    }

    [Fact]
    public async System.Threading.Tasks.Task Redact_clears_the_body_at_Twilio_after_delivery()
    {
        var (body, sig) = Signed(Sid(8));
        // The emulator only redacts messages it knows: let it create the message first.
        var created = await _fixture.Emulator.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = "+15005550006", ["body"] = Text, ["messageSid"] = Sid(8), ["url"] = $"{_fixture.Base}/none",
        });
        Assert.Equal(Sid(8), created["messageSid"]!.GetValue<string>());
        using var ps = new PowerShellHarness();
        var r = ps.Run(Prelude + Call + "-Route @{ Tenant = 'Contoso'; Teams = $args[2]; Redact = $true } -TwilioEndpoint $args[3]",
            body, sig, TeamsUrl, _fixture.Base);
        Assert.Null(r.Terminating);
        Assert.Equal(true, Assert.Single(r.Output).Properties["Redacted"].Value);
        using var http = new HttpClient();
        var get = new HttpRequestMessage(HttpMethod.Get, $"{_fixture.Base}/2010-04-01/Accounts/{AccountSid}/Messages/{Sid(8)}.json");
        get.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")));
        var message = JsonNode.Parse(await (await http.SendAsync(get)).Content.ReadAsStringAsync())!;
        Assert.Equal("", message["body"]!.GetValue<string>());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_text_sent_through_the_emulated_Twilio_reaches_Teams_through_Receive_MfaSms()
    {
        // A webhook host in this process (as an Azure Functions app would be) runs Receive-MfaSms
        // for each request the emulated Twilio sends, and answers with the result's TwiML.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        string hookUrl = $"http://127.0.0.1:{port}/api/sms";
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var ps = new PowerShellHarness();
        PsResult? seen = null;
        var host = System.Threading.Tasks.Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
            var headers = new System.Collections.Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (string? key in context.Request.Headers.AllKeys)
                if (key != null) headers[key] = context.Request.Headers[key];
            seen = ps.Run(Prelude + "Receive-MfaSms -Body $args[0] -Headers $args[1] -Url $args[2] -AuthToken $token -Route @{ Tenant = 'Contoso'; To = '+15005550006'; Teams = $args[3] }",
                body, headers, hookUrl, TeamsUrl);
            var result = seen.Output.Single();
            context.Response.StatusCode = (int)result.Properties["HttpStatus"].Value;
            context.Response.ContentType = (string)result.Properties["ContentType"].Value;
            byte[] answer = Encoding.UTF8.GetBytes((string)result.Properties["ResponseBody"].Value);
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        });
        var sent = await _fixture.Emulator.Control.SendSmsAsync(new JsonObject { ["to"] = "+15005550006", ["body"] = Text, ["url"] = hookUrl });
        await host;
        Assert.Null(seen!.Terminating);
        Assert.Equal(200, (int)sent["status"]!);
        Assert.Null(sent["errorCode"]);
        Assert.Equal("text/xml", sent["responseContentType"]!.GetValue<string>());
        Assert.Equal("Delivered", seen.Output.Single().Properties["Status"].Value);
        var post = Assert.Single(await _fixture.Emulator.Control.GetTeamsPostsAsync());
        Assert.Equal("482913", post!["body"]!["attachments"]![0]!["content"]!["body"]![1]!["text"]!.GetValue<string>());
        Assert.DoesNotContain("482913", seen.AllText());
    }

    [Fact]
    public void Test_MfaSmsSignature_returns_true_only_for_a_valid_signature()
    {
        using var ps = new PowerShellHarness();
        const string body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
        var r = ps.Run("""
            $t = [System.Net.NetworkCredential]::new('', '12345').SecurePassword
            Test-MfaSmsSignature -Url 'https://mycompany.com/myapp.php?foo=1&bar=2' -Body $args[0] -Signature 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' -AuthToken $t
            Test-MfaSmsSignature -Url 'https://mycompany.com:443/myapp.php?foo=1&bar=2' -Body $args[0] -Signature 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' -AuthToken $t
            Test-MfaSmsSignature -Url 'https://mycompany.com/myapp.php?foo=1&bar=3' -Body $args[0] -Signature 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' -AuthToken $t
            Test-MfaSmsSignature 'https://mycompany.com/myapp.php?foo=1&bar=2' -Body ($args[0] + '&X=1') -Signature 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' -AuthToken $t
            Test-MfaSmsSignature 'https://mycompany.com/myapp.php?foo=1&bar=2' -Body $args[0] -Signature '' -AuthToken $t
            """, body);
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { true, true, false, false, false }, r.Output.Select(o => o.BaseObject));
    }
}
