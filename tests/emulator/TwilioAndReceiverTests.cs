using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>A one-shot local webhook target recording what the Twilio emulator sends.</summary>
internal sealed class WebhookTarget : IDisposable
{
    private readonly HttpListener _listener = new();
    public string Url { get; }
    public List<(string method, string rawUrl, Dictionary<string, string> headers, string body)> Received { get; } = new();
    private readonly Func<HttpListenerContext, Task> _answer;
    private readonly Task _loop;

    public WebhookTarget(Func<HttpListenerContext, Task>? answer = null)
    {
        int port = FreePort();
        Url = $"http://127.0.0.1:{port}/sms/inbound";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _answer = answer ?? (async c =>
        {
            c.Response.StatusCode = 200;
            c.Response.ContentType = "text/xml";
            var b = Encoding.UTF8.GetBytes("<Response></Response>");
            await c.Response.OutputStream.WriteAsync(b);
            c.Response.Close();
        });
        _loop = Task.Run(Loop);
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext c;
            try { c = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var r = new StreamReader(c.Request.InputStream, Encoding.UTF8);
            var body = await r.ReadToEndAsync();
            var headers = c.Request.Headers.AllKeys.Where(k => k != null).ToDictionary(k => k!, k => c.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            lock (Received) Received.Add((c.Request.HttpMethod, c.Request.RawUrl ?? "", headers, body));
            try { await _answer(c); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(2000); } catch (AggregateException) { }
    }
}

public sealed class TwilioTests : EmulatorTest
{
    public TwilioTests(DemoEmulator f) : base(f) { }

    private static string Sign(string token, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var sb = new StringBuilder(url);
        foreach (var kv in form.OrderBy(k => k.Key, StringComparer.Ordinal)) sb.Append(kv.Key).Append(kv.Value);
        using var h = new HMACSHA1(Encoding.UTF8.GetBytes(token));
        return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    [Fact]
    public async Task Signer_MatchesTheOfficialTestVector()
    {
        await Emu.Control.PostAsync("/control/twilio/accounts", new { accountSid = "AC00000000000000000000000000000001", authToken = "12345" });
        using var target = new WebhookTarget();
        var result = await Emu.Control.SendSmsAsync(new
        {
            accountSid = "AC00000000000000000000000000000001", to = "+18005551212", url = target.Url,
            signatureUrl = "https://mycompany.com/myapp.php?foo=1&bar=2",
            rawParams = new Dictionary<string, string>
            {
                ["CallSid"] = "CA1234567890ABCDE", ["Caller"] = "+14158675309", ["Digits"] = "1234", ["From"] = "+14158675309", ["To"] = "+18005551212",
            },
        });
        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", result["signature"]!.GetValue<string>());
        var got = Assert.Single(target.Received);
        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task SendSms_PostsRealisticSignedWebhook()
    {
        using var target = new WebhookTarget();
        var result = await Emu.Control.SendSmsAsync(new { from = "+14155550123", to = "+15005550006", body = "Use verification code 123456 for Microsoft authentication.", url = target.Url + "?tenant=contoso" });
        Assert.Equal(200, result["status"]!.GetValue<int>());
        Assert.Null(result["errorCode"]);
        var sid = result["messageSid"]!.GetValue<string>();
        Assert.Matches("^SM[0-9a-f]{32}$", sid);
        var got = Assert.Single(target.Received);
        Assert.Equal("POST", got.method);
        Assert.Equal("/sms/inbound?tenant=contoso", got.rawUrl);
        Assert.StartsWith("application/x-www-form-urlencoded", got.headers["Content-Type"]);
        Assert.True(got.headers.ContainsKey("I-Twilio-Idempotency-Token"));
        var form = got.body.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        foreach (var k in new[] { "MessageSid", "SmsMessageSid", "SmsSid", "AccountSid", "MessagingServiceSid", "From", "To", "Body", "NumMedia", "NumSegments", "SmsStatus", "ApiVersion", "FromCountry", "ToCountry", "FromCity", "ToState" })
            Assert.True(form.ContainsKey(k), $"missing {k}");
        Assert.Equal(sid, form["MessageSid"]);
        Assert.Equal("received", form["SmsStatus"]);
        Assert.Equal("2010-04-01", form["ApiVersion"]);
        Assert.Equal(Demo.TwilioAccountSid, form["AccountSid"]);
        Assert.Equal("Use verification code 123456 for Microsoft authentication.", form["Body"]);
        Assert.Equal("US", form["FromCountry"]);
        Assert.Equal(Sign(Demo.TwilioAuthToken, target.Url + "?tenant=contoso", form), got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task SendSms_WebhookFailureIs11200_EmptyAnswerIs12300_UnreachableIs11205()
    {
        using (var failing = new WebhookTarget(c => { c.Response.StatusCode = 500; c.Response.Close(); return Task.CompletedTask; }))
        {
            var r = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "x", url = failing.Url });
            Assert.Equal(500, r["status"]!.GetValue<int>());
            Assert.Equal(11200, r["errorCode"]!.GetValue<int>());
        }
        using (var empty = new WebhookTarget(c => { c.Response.StatusCode = 200; c.Response.Close(); return Task.CompletedTask; }))
        {
            var r = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "x", url = empty.Url });
            Assert.Equal(12300, r["errorCode"]!.GetValue<int>());
        }
        var dead = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "x", url = $"http://127.0.0.1:{WebhookTarget.FreePort()}/none" });
        Assert.Equal(11205, dead["errorCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task SendSms_TamperedSignature_DiffersFromTheValidOne()
    {
        using var target = new WebhookTarget();
        var r = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "x", url = target.Url, tamper = true, messageSid = "SM0123456789abcdef0123456789abcdef" });
        var got = Assert.Single(target.Received);
        var form = got.body.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        Assert.NotEqual(Sign(Demo.TwilioAuthToken, target.Url, form), got.headers["X-Twilio-Signature"]);
        Assert.Equal("SM0123456789abcdef0123456789abcdef", r["messageSid"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendSms_ConnectionOverrides_RetryWithSameIdempotencyToken()
    {
        int calls = 0;
        using var flaky = new WebhookTarget(async c =>
        {
            if (Interlocked.Increment(ref calls) == 1) { c.Response.StatusCode = 503; c.Response.Close(); return; }
            c.Response.StatusCode = 200;
            c.Response.ContentType = "text/xml";
            await c.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("<Response></Response>"));
            c.Response.Close();
        });
        var r = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "Code 111111", url = flaky.Url + "#rc=2&rp=5xx" });
        Assert.Equal(200, r["status"]!.GetValue<int>());
        Assert.Equal(2, r["attempts"]!.AsArray().Count);
        Assert.Equal(2, flaky.Received.Count);
        Assert.Equal(flaky.Received[0].headers["I-Twilio-Idempotency-Token"], flaky.Received[1].headers["I-Twilio-Idempotency-Token"]);
        Assert.Equal(flaky.Received[0].body, flaky.Received[1].body); // a duplicate: same MessageSid
        // the fragment is neither sent nor signed
        Assert.Equal("/sms/inbound", flaky.Received[0].rawUrl);
        var form = flaky.Received[0].body.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        Assert.Equal(Sign(Demo.TwilioAuthToken, flaky.Url, form), flaky.Received[0].headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task SendSms_Mms_AddsMediaParameters_AllSigned()
    {
        using var target = new WebhookTarget();
        await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "", url = target.Url, mediaUrls = new[] { "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1" }, mediaContentTypes = new[] { "image/png" } });
        var got = Assert.Single(target.Received);
        var form = got.body.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        Assert.Equal("1", form["NumMedia"]);
        Assert.Equal("image/png", form["MediaContentType0"]);
        Assert.StartsWith("https://api.twilio.com/", form["MediaUrl0"]);
        Assert.Equal(Sign(Demo.TwilioAuthToken, target.Url, form), got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task SendSms_NoRetryByDefault()
    {
        using var failing = new WebhookTarget(c => { c.Response.StatusCode = 503; c.Response.Close(); return Task.CompletedTask; });
        var r = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "x", url = failing.Url });
        Assert.Single(r["attempts"]!.AsArray());
        Assert.Single(failing.Received);
    }

    [Fact]
    public async Task SendSms_GetMethod_SignsUrlWithQuery()
    {
        using var target = new WebhookTarget();
        var r = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "hi there", url = target.Url, method = "GET" });
        var got = Assert.Single(target.Received);
        Assert.Equal("GET", got.method);
        Assert.Equal("", got.body);
        var fullUrl = target.Url[..target.Url.IndexOf("/sms", StringComparison.Ordinal)] + got.rawUrl;
        Assert.Equal(Sign(Demo.TwilioAuthToken, fullUrl, Array.Empty<KeyValuePair<string, string>>()), got.headers["X-Twilio-Signature"]);
        Assert.Equal(r["signature"]!.GetValue<string>(), got.headers["X-Twilio-Signature"]);
    }

    private HttpRequestMessage Rest(HttpMethod m, string path, string user, string pass, HttpContent? content = null)
    {
        var req = new HttpRequestMessage(m, $"/2010-04-01/Accounts/{Demo.TwilioAccountSid}/{path}") { Content = content };
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{pass}")));
        return req;
    }

    [Fact]
    public async Task MessagesRest_FetchRedactDelete_WithBasicAuth()
    {
        using var target = new WebhookTarget();
        var sid = (await Emu.Control.SendSmsAsync(new { from = "+14155550123", to = "+15005550006", body = "Your code is 654321", url = target.Url }))["messageSid"]!.GetValue<string>();

        var fetch = await Http.SendAsync(Rest(HttpMethod.Get, $"Messages/{sid}.json", Demo.TwilioAccountSid, Demo.TwilioAuthToken));
        Assert.Equal(HttpStatusCode.OK, fetch.StatusCode);
        var m = JsonNode.Parse(await fetch.Content.ReadAsStringAsync())!;
        Assert.Equal(sid, m["sid"]!.GetValue<string>());
        Assert.Equal("Your code is 654321", m["body"]!.GetValue<string>());
        Assert.Equal("inbound", m["direction"]!.GetValue<string>());
        Assert.Equal("received", m["status"]!.GetValue<string>());
        Assert.Equal("+14155550123", m["from"]!.GetValue<string>());
        Assert.EndsWith("+0000", m["date_created"]!.GetValue<string>());

        // API key auth works too
        var byKey = await Http.SendAsync(Rest(HttpMethod.Get, $"Messages/{sid}.json", "SK0123456789abcdef0123456789abcdef", "demo-twilio-api-key-secret"));
        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);

        var redact = await Http.SendAsync(Rest(HttpMethod.Post, $"Messages/{sid}.json", Demo.TwilioAccountSid, Demo.TwilioAuthToken,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Body"] = "" })));
        Assert.Equal(HttpStatusCode.OK, redact.StatusCode);
        Assert.Equal("", JsonNode.Parse(await redact.Content.ReadAsStringAsync())!["body"]!.GetValue<string>());

        var notEmpty = await Http.SendAsync(Rest(HttpMethod.Post, $"Messages/{sid}.json", Demo.TwilioAccountSid, Demo.TwilioAuthToken,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Body"] = "new text" })));
        Assert.Equal(HttpStatusCode.BadRequest, notEmpty.StatusCode);

        var del = await Http.SendAsync(Rest(HttpMethod.Delete, $"Messages/{sid}.json", Demo.TwilioAccountSid, Demo.TwilioAuthToken));
        Assert.Equal(HttpStatusCode.NoContent, del.StatusCode);
        var gone = await Http.SendAsync(Rest(HttpMethod.Get, $"Messages/{sid}.json", Demo.TwilioAccountSid, Demo.TwilioAuthToken));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var err = JsonNode.Parse(await gone.Content.ReadAsStringAsync())!;
        Assert.Equal(20404, err["code"]!.GetValue<int>());
        Assert.Equal(404, err["status"]!.GetValue<int>());
        Assert.Equal("https://www.twilio.com/docs/errors/20404", err["more_info"]!.GetValue<string>());
    }

    [Fact]
    public async Task MessagesRest_WrongCredentials_Is401_20003()
    {
        var resp = await Http.SendAsync(Rest(HttpMethod.Get, "Messages.json", Demo.TwilioAccountSid, "wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
        Assert.Equal(20003, JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["code"]!.GetValue<int>());
        Assert.StartsWith("Basic", resp.Headers.WwwAuthenticate.ToString());
        var none = await Http.GetAsync($"/2010-04-01/Accounts/{Demo.TwilioAccountSid}/Messages.json");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Fact]
    public async Task MessagesRest_ListsReceivedMessages()
    {
        using var target = new WebhookTarget();
        await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "one", url = target.Url });
        await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "two", url = target.Url });
        var resp = await Http.SendAsync(Rest(HttpMethod.Get, "Messages.json", Demo.TwilioAccountSid, Demo.TwilioAuthToken));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(2, JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["messages"]!.AsArray().Count);
    }
}

public sealed class ReceiverTests : EmulatorTest
{
    public ReceiverTests(DemoEmulator f) : base(f) { }

    private static JsonObject Card(string text) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = "application/vnd.microsoft.card.adaptive",
            ["contentUrl"] = null,
            ["content"] = new JsonObject
            {
                ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                ["type"] = "AdaptiveCard",
                ["version"] = "1.4",
                ["body"] = new JsonArray(new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true }),
            },
        }),
    };

    private Task<HttpResponseMessage> PostTeams(string pathAndQuery, string json) =>
        Http.PostAsync(pathAndQuery, new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Teams_ValidCard_202EmptyBody_Recorded()
    {
        var resp = await PostTeams("/teams/workflows/demo/triggers/manual/paths/invoke?api-version=2016-06-01&sig=demo-workflow-sig", Card("Code 123456").ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, resp.StatusCode);
        Assert.Equal("", await resp.Content.ReadAsStringAsync());
        var post = Assert.Single(await Emu.Control.GetTeamsPostsAsync())!;
        Assert.Equal("demo", post["id"]!.GetValue<string>());
        Assert.True(post["valid"]!.GetValue<bool>());
        Assert.Equal("Code 123456", post["body"]!["attachments"]![0]!["content"]!["body"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Teams_BadEnvelope_StillAnswers202_ButFlowFails()
    {
        var resp = await PostTeams("/teams/workflows/any?sig=x", """{"text":"legacy connector payload"}""");
        Assert.Equal(HttpStatusCode.Accepted, resp.StatusCode);
        var post = Assert.Single(await Emu.Control.GetTeamsPostsAsync())!;
        Assert.False(post["valid"]!.GetValue<bool>());
        Assert.Contains("type must be \"message\"", post["problems"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task Teams_Over28KB_Is413_NotRecorded()
    {
        var big = Card(new string('x', 29 * 1024)).ToJsonString();
        var resp = await PostTeams("/teams/workflows/demo?sig=demo-workflow-sig", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, resp.StatusCode);
        var justUnder = Card(new string('x', 27 * 1024)).ToJsonString();
        Assert.Equal(HttpStatusCode.Accepted, (await PostTeams("/teams/workflows/demo?sig=demo-workflow-sig", justUnder)).StatusCode);
        Assert.Single(await Emu.Control.GetTeamsPostsAsync());
    }

    [Fact]
    public async Task Teams_MissingOrWrongSig_Is401_InvalidJson_Is400()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostTeams("/teams/workflows/demo", Card("x").ToJsonString())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostTeams("/teams/workflows/demo?sig=wrong", Card("x").ToJsonString())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostTeams("/teams/workflows/demo?sig=demo-workflow-sig", "{not json")).StatusCode);
        Assert.Empty(await Emu.Control.GetTeamsPostsAsync());
    }

    [Fact]
    public async Task Teams_InjectedFailures()
    {
        await Emu.Control.PostAsync("/control/receivers/failures", new { teams = new[] { 429, 500 } });
        var r1 = await PostTeams("/teams/workflows/demo?sig=demo-workflow-sig", Card("x").ToJsonString());
        Assert.Equal((HttpStatusCode)429, r1.StatusCode);
        Assert.Equal("1", r1.Headers.RetryAfter!.ToString());
        Assert.Equal(HttpStatusCode.InternalServerError, (await PostTeams("/teams/workflows/demo?sig=demo-workflow-sig", Card("x").ToJsonString())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostTeams("/teams/workflows/demo?sig=demo-workflow-sig", Card("x").ToJsonString())).StatusCode);
    }

    [Fact]
    public async Task Slack_Ok_NoText_InvalidPayload()
    {
        var ok = await Http.PostAsync("/slack/services/T000/B000/XXXX", new StringContent("""{"text":"Code 123456"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("ok", await ok.Content.ReadAsStringAsync());
        var noText = await Http.PostAsync("/slack/services/T000/B000/XXXX", new StringContent("""{"username":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, noText.StatusCode);
        Assert.Equal("no_text", await noText.Content.ReadAsStringAsync());
        var bad = await Http.PostAsync("/slack/services/T000/B000/XXXX", new StringContent("nope", Encoding.UTF8, "application/json"));
        Assert.Equal("invalid_payload", await bad.Content.ReadAsStringAsync());
        var post = Assert.Single(await Emu.Control.GetSlackPostsAsync())!;
        Assert.Equal("T000/B000/XXXX", post["path"]!.GetValue<string>());
        Assert.Equal("Code 123456", post["body"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Slack_RateLimitedAfterBurst()
    {
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 12; i++)
            statuses.Add((await Http.PostAsync("/slack/services/T1/B1/burst", new StringContent("""{"text":"x"}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal((HttpStatusCode)429, statuses[^1]);
    }
}
