using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Relay.Tests;

/// <summary>mfaphone-relay between the emulated Twilio and the emulated Teams/Slack receivers.</summary>
public sealed class DeliveryTests : RelayTestBase, IClassFixture<EmulatorFixture>
{
    public DeliveryTests(EmulatorFixture fixture) : base(fixture) { }

    [Fact]
    public async Task A_text_sent_through_Twilio_reaches_the_Teams_channel()
    {
        var relay = StartRelay(Config());
        var sent = await SendSms(relay);
        Assert.Equal(200, (int)sent["status"]!);
        Assert.Null(sent["errorCode"]);
        Assert.Equal("text/xml", sent["responseContentType"]!.GetValue<string>());
        Assert.Contains("<Response/>", sent["responseBody"]!.GetValue<string>());

        var posts = await TeamsPosts();
        var post = Assert.Single(posts);
        Assert.Equal("demo", post!["id"]!.GetValue<string>());
        Assert.True(post["valid"]!.GetValue<bool>(), post["problems"]!.ToJsonString());
        Assert.Equal("482913", CardCode(post));
        var content = post["body"]!["attachments"]![0]!["content"]!;
        Assert.Equal("MFA code for Contoso", content["body"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(Demo.MicrosoftText, content["body"]![3]!["text"]!.GetValue<string>());
        Assert.Contains("status=Delivered", Setup.Log);
        Assert.Contains("sinks=contoso-teams:ok/202/1", Setup.Log);
    }

    [Fact]
    public async Task Invalid_forged_and_unsigned_requests_are_refused_and_nothing_is_posted()
    {
        var relay = StartRelay(Config());
        var tampered = await SendSms(relay, tamper: true);
        Assert.Equal(403, (int)tampered["status"]!);
        Assert.Equal(11200, (int)tampered["errorCode"]!);

        var forged = await PostSigned(SmsUrl(relay), SmsUrl(relay), Form(Sid(1)), token: "a-guessed-token");
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Post, SmsUrl(relay))
        {
            Content = new StringContent(TwilioSigner.Encode(Form(Sid(2))), Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        var unsigned = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);

        // Signed for another path of the same host: the URL is part of the signature.
        var moved = await PostSigned(SmsUrl(relay), SmsUrl(relay, "2"), Form(Sid(3)));
        Assert.Equal(HttpStatusCode.Forbidden, moved.StatusCode);

        Assert.Empty(await TeamsPosts());
        Assert.Contains("reason=InvalidSignature", Setup.Log);
        Assert.Contains("reason=MissingSignature", Setup.Log);
    }

    [Fact]
    public async Task A_replayed_request_is_answered_but_not_posted_again()
    {
        var relay = StartRelay(Config());
        var form = Form(Sid(10));
        var first = await PostSigned(SmsUrl(relay), SmsUrl(relay), form, idempotencyToken: "tok-10");
        var replay = await PostSigned(SmsUrl(relay), SmsUrl(relay), form, idempotencyToken: "tok-10");
        var replayNewToken = await PostSigned(SmsUrl(relay), SmsUrl(relay), form, idempotencyToken: "tok-other");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("text/xml", replay.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, replayNewToken.StatusCode);
        Assert.Single(await TeamsPosts());
        Assert.Equal(2, Setup.Log.Split('\n').Count(l => l.Contains("status=Duplicate")));
    }

    [Fact]
    public async Task Duplicate_and_out_of_order_deliveries_collapse_to_one_post_per_text()
    {
        var relay = StartRelay(Config());
        string a = Sid(20), b = Sid(21);
        await SendSms(relay, "Use verification code 222222 for Microsoft authentication.", messageSid: b);
        await SendSms(relay, "Use verification code 111111 for Microsoft authentication.", messageSid: a);
        await SendSms(relay, "Use verification code 111111 for Microsoft authentication.", messageSid: a);
        await SendSms(relay, "Use verification code 222222 for Microsoft authentication.", messageSid: b);
        // Concurrent copies of one text, as Twilio's retries can overlap a slow answer.
        var c = Sid(22);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SendSms(relay, "Your code is 333333", messageSid: c)));
        var codes = (await TeamsPosts()).Select(p => CardCode(p!)).OrderBy(x => x).ToArray();
        Assert.Equal(new[] { "111111", "222222", "333333" }, codes);
    }

    [Fact]
    public async Task After_a_failed_delivery_Twilio_retry_delivers_exactly_once()
    {
        var relay = StartRelay(Config());
        // Four 503s exhaust the relay's own retries (1 + 3): it answers 503 and Twilio retries.
        await Emu.Control.PostAsync("/control/receivers/failures", new JsonObject { ["teams"] = new JsonArray(503, 503, 503, 503) });
        var sent = await SendSms(relay, url: SmsUrl(relay) + "#rc=2&rp=all");
        var attempts = sent["attempts"]!.AsArray();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(503, (int)attempts[0]!["status"]!);
        Assert.Equal(200, (int)attempts[1]!["status"]!);
        var post = Assert.Single(await TeamsPosts());
        Assert.Equal("482913", CardCode(post!));
        Assert.Contains("status=Failed http=503", Setup.Log);
        Assert.Contains("status=Delivered", Setup.Log);
    }

    [Fact]
    public async Task Teams_429_and_5xx_answers_are_retried()
    {
        var relay = StartRelay(Config());
        await Emu.Control.PostAsync("/control/receivers/failures", new JsonObject { ["teams"] = new JsonArray(429, 500) });
        var sent = await SendSms(relay);
        Assert.Equal(200, (int)sent["status"]!);
        Assert.Single(await TeamsPosts());
        Assert.Contains("sinks=contoso-teams:ok/202/3", Setup.Log);
    }

    [Fact]
    public async Task Texts_are_routed_by_number_to_their_tenant_Teams_and_Slack()
    {
        var slackUrl = $"{EmuBase}/slack/services/T0FAB/B0FAB/fabrikam-slack-path-secret";
        var relay = StartRelay(Config(
            Route("Contoso", Demo.Number, Sink("contoso-teams", "teams", Setup.WriteSecret("c.url", TeamsUrl()))),
            Route("Fabrikam", "+15005550007",
                Sink("fabrikam-teams", "teams", Setup.WriteSecret("f.url", TeamsUrl("fabrikam", "fabrikam-workflow-sig"))),
                Sink("fabrikam-slack", "slack", Setup.WriteSecret("fs.url", slackUrl)))));
        await SendSms(relay, "Your code is 100001", to: Demo.Number);
        await SendSms(relay, "Your code is 200002", to: "+15005550007");
        var unrouted = await SendSms(relay, "Your code is 300003", to: "+15005550008");
        Assert.Equal(200, (int)unrouted["status"]!);

        var posts = await TeamsPosts();
        Assert.Equal(2, posts.Count);
        Assert.Equal("100001", CardCode(posts.Single(p => p!["id"]!.GetValue<string>() == "demo")!));
        Assert.Equal("200002", CardCode(posts.Single(p => p!["id"]!.GetValue<string>() == "fabrikam")!));
        var slack = Assert.Single(await Emu.Control.GetSlackPostsAsync());
        Assert.Equal("MFA code for Fabrikam: 200002", slack!["body"]!["text"]!.GetValue<string>());
        Assert.Contains("status=Unrouted", Setup.Log);
    }

    [Fact]
    public async Task The_body_is_redacted_at_Twilio_after_delivery()
    {
        var route = Route("Contoso", Demo.Number, Sink("contoso-teams", "teams", Setup.WriteSecret("c.url", TeamsUrl())));
        route["redact"] = true;
        var relay = StartRelay(Config(route));
        var sent = await SendSms(relay);
        var sid = sent["messageSid"]!.GetValue<string>();
        Assert.Single(await TeamsPosts());

        using var rest = new HttpRequestMessage(HttpMethod.Get, $"{EmuBase}/2010-04-01/Accounts/{Demo.AccountSid}/Messages/{sid}.json");
        rest.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Demo.AccountSid}:{Demo.AuthToken}")));
        var message = JsonNode.Parse(await (await Http.SendAsync(rest)).Content.ReadAsStringAsync())!;
        Assert.Equal("", message["body"]!.GetValue<string>());
        Assert.Contains("redaction=done", Setup.Log);
    }

    [Fact]
    public async Task URL_variants_public_URL_ports_credentials_queries_and_GET()
    {
        // Behind a proxy: Twilio calls https://relay.example.com/sms, the relay listens locally.
        var config = Config();
        config["publicUrl"] = "https://relay.example.com:443";
        var relay = StartRelay(config);
        var viaProxy = await SendSms(relay, "Your code is 400001", messageSid: Sid(40), signatureUrl: "https://relay.example.com/sms");
        Assert.Equal(200, (int)viaProxy["status"]!);
        var query = await SendSms(relay, "Your code is 400002", messageSid: Sid(41), url: SmsUrl(relay, "?tenant=contoso&note=a%20b'c"),
            signatureUrl: "https://relay.example.com:443/sms?tenant=contoso&note=a%20b'c");
        Assert.Equal(200, (int)query["status"]!);
        var get = await SendSms(relay, "Your code is 400003", messageSid: Sid(42), method: "GET", signatureUrl: "https://relay.example.com/sms");
        Assert.Equal(200, (int)get["status"]!);
        var wrongHost = await SendSms(relay, "Your code is 400004", messageSid: Sid(43), signatureUrl: "https://other.example.com/sms");
        Assert.Equal(403, (int)wrongHost["status"]!);

        // The webhook URL carries user:pass@ (Basic auth at the proxy); Twilio signs it without them.
        var creds = Config();
        creds["publicUrl"] = "https://twilio:pw@relay.example.com";
        var relay2 = StartRelay(creds);
        Assert.Equal(200, (int)(await SendSms(relay2, "Your code is 400005", messageSid: Sid(44), signatureUrl: "https://relay.example.com/sms"))["status"]!);
        Assert.Equal(200, (int)(await SendSms(relay2, "Your code is 400006", messageSid: Sid(45), signatureUrl: "https://twilio:pw@relay.example.com:443/sms"))["status"]!);

        var codes = (await TeamsPosts()).Select(p => CardCode(p!)).OrderBy(x => x).ToArray();
        Assert.Equal(new[] { "400001", "400002", "400003", "400005", "400006" }, codes);
    }

    [Fact]
    public async Task Forwarded_headers_are_used_only_when_trusted()
    {
        void Forwarded(HttpRequestMessage r)
        {
            r.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
            r.Headers.TryAddWithoutValidation("X-Forwarded-Host", "relay.example.com");
        }
        var untrusting = StartRelay(Config());
        var refused = await PostSigned(SmsUrl(untrusting), "https://relay.example.com/sms", Form(Sid(50)), customize: Forwarded);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var config = Config();
        config["trustForwardedHeaders"] = true;
        var trusting = StartRelay(config);
        var accepted = await PostSigned(SmsUrl(trusting), "https://relay.example.com/sms", Form(Sid(51)), customize: Forwarded);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Single(await TeamsPosts());
    }

    [Fact]
    public async Task Repeated_parameters_and_JSON_bodies_validate()
    {
        var relay = StartRelay(Config());
        var form = Form(Sid(60), "Your code is 600001");
        form.Add(new("MediaUrl0", "https://api.twilio.com/media/a"));
        form.Add(new("Tag", "b"));
        form.Add(new("Tag", "a"));
        Assert.Equal(HttpStatusCode.OK, (await PostSigned(SmsUrl(relay), SmsUrl(relay), form)).StatusCode);

        var json = new JsonObject
        {
            ["MessageSid"] = Sid(61), ["AccountSid"] = Demo.AccountSid, ["From"] = "+14155550100", ["To"] = Demo.Number,
            ["Body"] = "Your code is 600002",
        }.ToJsonString();
        var url = SmsUrl(relay, "?bodySHA256=" + TwilioSigner.Sha256Hex(json));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Twilio-Signature", TwilioSigner.Sign(Demo.AuthToken, url, Array.Empty<KeyValuePair<string, string>>()));
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(request)).StatusCode);

        var codes = (await TeamsPosts()).Select(p => CardCode(p!)).OrderBy(x => x).ToArray();
        Assert.Equal(new[] { "600001", "600002" }, codes);
    }

    [Fact]
    public async Task Size_limits_refuse_large_bodies_and_keep_the_card_small()
    {
        var config = Config();
        config["limits"] = new JsonObject { ["maxBodyBytes"] = 4096 };
        config["delivery"]!["teamsMaxBytes"] = 2048;
        var relay = StartRelay(config);
        var big = Form(Sid(70), "Your code is 700001 " + new string('x', 5000));
        var refused = await PostSigned(SmsUrl(relay), SmsUrl(relay), big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        var huge = Form(Sid(71), new string('y', 20000));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostSigned(SmsUrl(relay), SmsUrl(relay), huge)).StatusCode);
        var invalidUtf8 = new HttpRequestMessage(HttpMethod.Post, SmsUrl(relay))
        {
            Content = new StringContent("Body=%C3%28&To=%2B15005550006", Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        invalidUtf8.Headers.TryAddWithoutValidation("X-Twilio-Signature", "x");
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.SendAsync(invalidUtf8)).StatusCode);

        var longText = Form(Sid(72), "Your code is 700002. " + string.Concat(Enumerable.Repeat("Zoë's long text ", 100)));
        Assert.Equal(HttpStatusCode.OK, (await PostSigned(SmsUrl(relay), SmsUrl(relay), longText)).StatusCode);
        var post = Assert.Single(await TeamsPosts());
        Assert.True((int)post!["bytes"]! <= 2048);
        Assert.Equal("700002", CardCode(post));
        Assert.Contains("shortened", post["body"]!["attachments"]![0]!["content"]!["body"]![3]!["text"]!.GetValue<string>());
        Assert.Contains("reason=BodyTooLarge", Setup.Log);
        Assert.Contains("reason=InvalidUtf8", Setup.Log);
    }

    [Fact]
    public async Task Emulated_Twilio_variants_credentials_repeated_parameters_and_JSON_bodies()
    {
        var config = Config();
        config["listen"]!["basicAuth"] = new JsonObject { ["user"] = "twilio", ["passwordFile"] = Setup.WriteSecret("basic.pw", "pw-basic-7788") };
        var relay = StartRelay(config);
        string withCreds = SmsUrl(relay).Replace("http://", "http://twilio:pw-basic-7788@");

        // Twilio answers the relay's Basic challenge with the URL's credentials; it signs the URL
        // with them (the helper libraries' vector) or without them.
        var signedWith = await Emu.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = Demo.Number, ["body"] = "Your code is 810001", ["messageSid"] = Sid(80), ["url"] = withCreds,
        });
        Assert.Equal(200, (int)signedWith["status"]!);
        Assert.Equal("basic", signedWith["attempts"]![0]!["challenged"]!.GetValue<string>());
        var signedWithout = await Emu.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = Demo.Number, ["body"] = "Your code is 810002", ["messageSid"] = Sid(81), ["url"] = withCreds, ["signCredentials"] = false,
        });
        Assert.Equal(200, (int)signedWithout["status"]!);
        var wrongPassword = await Emu.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = Demo.Number, ["body"] = "Your code is 810003", ["messageSid"] = Sid(82), ["url"] = SmsUrl(relay).Replace("http://", "http://twilio:guess@"),
        });
        Assert.Equal(401, (int)wrongPassword["status"]!);
        var noCredentials = await Emu.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = Demo.Number, ["body"] = "Your code is 810004", ["messageSid"] = Sid(83), ["url"] = SmsUrl(relay),
        });
        Assert.Equal(401, (int)noCredentials["status"]!);

        // Repeated parameters (every value signed, sorted per name) and a JSON body with bodySHA256.
        var repeated = await Emu.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = Demo.Number, ["body"] = "Your code is 810005", ["messageSid"] = Sid(84), ["url"] = withCreds,
            ["params"] = new JsonArray(new JsonArray("Tag", "b"), new JsonArray("Tag", "a"), new JsonArray("Tag", "a")),
        });
        Assert.Equal(200, (int)repeated["status"]!);
        var json = await Emu.Control.SendSmsAsync(new JsonObject
        {
            ["to"] = Demo.Number, ["messageSid"] = Sid(85), ["url"] = withCreds,
            ["jsonBody"] = new JsonObject
            {
                ["MessageSid"] = Sid(85), ["AccountSid"] = Demo.AccountSid, ["From"] = "+14155550100", ["To"] = Demo.Number,
                ["Body"] = "Your code is 810006",
            },
        });
        Assert.Equal(200, (int)json["status"]!);
        Assert.NotNull(json["bodySHA256"]);

        var codes = (await TeamsPosts()).Select(p => CardCode(p!)).OrderBy(x => x).ToArray();
        Assert.Equal(new[] { "810001", "810002", "810005", "810006" }, codes);
        Assert.Contains("status=Challenged http=401", Setup.Log);
        Assert.Contains("reason=BadCredentials", Setup.Log);
        Assert.DoesNotContain("pw-basic-7788", Setup.Log + relay.Stdout + relay.Stderr);
    }

    [Fact]
    public async Task The_relay_serves_HTTPS_with_a_certificate_Twilio_trusts()
    {
        var config = Config();
        config["listen"]!["tlsCertFile"] = Path.Combine(EmulatorFixture.TlsDir, "server.pem");
        config["listen"]!["tlsKeyFile"] = Path.Combine(EmulatorFixture.TlsDir, "server.key");
        var relay = StartRelay(config);
        Assert.Equal("https", relay.BaseUrl.Scheme);
        var sent = await SendSms(relay);
        Assert.Equal(200, (int)sent["status"]!);
        Assert.Equal("482913", CardCode(Assert.Single(await TeamsPosts())!));
    }
}
