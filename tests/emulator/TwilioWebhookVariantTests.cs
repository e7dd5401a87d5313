using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Every webhook shape a validator must handle, end to end from the emulated Twilio:
/// URLs with user:pass@ (HTTP authentication answered on challenge, the configured URL signed),
/// repeated parameters, and JSON bodies with bodySHA256 — checked against the official helper
/// libraries' published vectors and recomputed from what the target received.</summary>
public sealed class TwilioWebhookVariantTests : EmulatorTest
{
    public TwilioWebhookVariantTests(DemoEmulator f) : base(f) { }

    private const string VectorAccount = "AC00000000000000000000000000000001";

    private static readonly Dictionary<string, string> VectorParams = new()
    {
        ["CallSid"] = "CA1234567890ABCDE", ["Caller"] = "+14158675309", ["Digits"] = "1234", ["From"] = "+14158675309", ["To"] = "+18005551212",
    };

    private static string Hmac(string token, string data)
    {
        using var h = new HMACSHA1(Encoding.UTF8.GetBytes(token));
        return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes(data)));
    }

    private static List<KeyValuePair<string, string>> ParseForm(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('='))
            .Select(p => KeyValuePair.Create(Uri.UnescapeDataString(p[0].Replace('+', ' ')), Uri.UnescapeDataString(p[1].Replace('+', ' ')))).ToList();

    /// <summary>The signature as relay.md defines it: URL, then names sorted, each name with each of its values (sorted).</summary>
    private static string Expected(string token, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var sb = new StringBuilder(url);
        foreach (var g in form.GroupBy(k => k.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            foreach (var v in g.Select(k => k.Value).OrderBy(v => v, StringComparer.Ordinal)) sb.Append(g.Key).Append(v);
        return Hmac(token, sb.ToString());
    }

    private Task AddVectorAccount() =>
        Emu.Control.PostAsync("/control/twilio/accounts", new { accountSid = VectorAccount, authToken = "12345" });

    private static async Task Answer(HttpListenerContext c, int status, string? challenge = null)
    {
        c.Response.StatusCode = status;
        if (challenge != null) c.Response.AddHeader("WWW-Authenticate", challenge);
        c.Response.ContentType = "text/xml";
        var b = Encoding.UTF8.GetBytes(status == 200 ? "<Response></Response>" : "<Error/>");
        await c.Response.OutputStream.WriteAsync(b);
        c.Response.Close();
    }

    // ---------------- user:pass@ ----------------

    [Fact]
    public async Task Credentials_BasicChallengeAnswered_ConfiguredUrlWithCredentialsIsSigned()
    {
        string expectedAuth = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("relay:s?cretPW"));
        using var target = new WebhookTarget(c =>
            c.Request.Headers["Authorization"] == expectedAuth ? Answer(c, 200) : Answer(c, 401, "Basic realm=\"relay\""));
        var configured = target.Url.Replace("http://", "http://relay:s%3FcretPW@") + "?tenant=contoso";
        var result = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "code 123456", url = configured });

        Assert.Equal(200, result["status"]!.GetValue<int>());
        Assert.Null(result["errorCode"]);
        Assert.Equal("basic", result["attempts"]![0]!["challenged"]!.GetValue<string>());
        Assert.DoesNotContain("cretPW", result.ToJsonString()); // the password is never echoed
        Assert.Contains("relay:***@", result["url"]!.GetValue<string>());

        Assert.Equal(2, target.Received.Count);
        var (first, second) = (target.Received[0], target.Received[1]);
        Assert.False(first.headers.ContainsKey("Authorization")); // never sent unasked
        Assert.Equal(expectedAuth, second.headers["Authorization"]);
        Assert.Equal("/sms/inbound?tenant=contoso", second.rawUrl);
        Assert.Equal(first.headers["X-Twilio-Signature"], second.headers["X-Twilio-Signature"]);
        Assert.Equal(first.headers["I-Twilio-Idempotency-Token"], second.headers["I-Twilio-Idempotency-Token"]);
        Assert.Equal(first.body, second.body);
        Assert.Equal(Expected(Demo.TwilioAuthToken, configured, ParseForm(second.body)), second.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task Credentials_NotChallenged_AreNotSent()
    {
        using var target = new WebhookTarget();
        var configured = target.Url.Replace("http://", "http://relay:secret@");
        var result = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "hello", url = configured });
        Assert.Equal(200, result["status"]!.GetValue<int>());
        var got = Assert.Single(target.Received);
        Assert.False(got.headers.ContainsKey("Authorization"));
        Assert.Equal(Expected(Demo.TwilioAuthToken, configured, ParseForm(got.body)), got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task Credentials_SignCredentialsFalse_SignsTheUrlWithoutThem()
    {
        using var target = new WebhookTarget(c => c.Request.Headers["Authorization"] != null ? Answer(c, 200) : Answer(c, 401, "Basic realm=\"x\""));
        var result = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "hello", url = target.Url.Replace("http://", "http://u:p@"), signCredentials = false });
        Assert.Equal(200, result["status"]!.GetValue<int>());
        var got = target.Received[^1];
        Assert.Equal(Expected(Demo.TwilioAuthToken, target.Url, ParseForm(got.body)), got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task Credentials_DigestChallengeAnswered()
    {
        using var target = new WebhookTarget(c =>
        {
            var auth = c.Request.Headers["Authorization"];
            if (auth == null || !auth.StartsWith("Digest ", StringComparison.Ordinal))
                return Answer(c, 401, "Digest realm=\"relay\", nonce=\"abc123\", qop=\"auth\", opaque=\"xyz\"");
            var d = auth[7..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim('"'));
            static string Md5(string x) => Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(x))).ToLowerInvariant();
            var expected = Md5($"{Md5("relay:relay:pa55")}:abc123:{d["nc"]}:{d["cnonce"]}:auth:{Md5("POST:" + d["uri"])}");
            bool ok = d["username"] == "relay" && d["realm"] == "relay" && d["opaque"] == "xyz" && d["uri"] == c.Request.RawUrl && d["response"] == expected;
            return Answer(c, ok ? 200 : 403);
        });
        var result = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "hello", url = target.Url.Replace("http://", "http://relay:pa55@") });
        Assert.Equal(200, result["status"]!.GetValue<int>());
        Assert.Equal("digest", result["attempts"]![0]!["challenged"]!.GetValue<string>());
        Assert.Equal(2, target.Received.Count);
    }

    [Fact]
    public async Task Credentials_Rejected_Is11200()
    {
        using var target = new WebhookTarget(c => Answer(c, 401, "Basic realm=\"relay\""));
        var result = await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "hello", url = target.Url.Replace("http://", "http://relay:wrong@") });
        Assert.Equal(401, result["status"]!.GetValue<int>());
        Assert.Equal(11200, result["errorCode"]!.GetValue<int>());
        Assert.Equal(2, target.Received.Count); // one challenge answered, no loop
    }

    [Fact]
    public async Task Credentials_OfficialVector_CredentialsArePreservedInTheSignedUrl()
    {
        await AddVectorAccount();
        using var target = new WebhookTarget();
        var result = await Emu.Control.SendSmsAsync(new
        {
            accountSid = VectorAccount, to = "+18005551212", url = target.Url,
            signatureUrl = "http://username:password@MyCompany.com/myapp.php?foo=1&bar=2", rawParams = VectorParams,
        });
        Assert.Equal("PJ08CxXr7KLPjEQCTc8LkUSMwSM=", result["signature"]!.GetValue<string>());
        Assert.Equal("PJ08CxXr7KLPjEQCTc8LkUSMwSM=", Assert.Single(target.Received).headers["X-Twilio-Signature"]);
    }

    // ---------------- repeated parameters ----------------

    [Fact]
    public async Task RepeatedParameters_AreSentInOrderAndSignedWithEveryValueSorted()
    {
        await AddVectorAccount();
        using var target = new WebhookTarget();
        var result = await Emu.Control.SendSmsAsync(new
        {
            accountSid = VectorAccount, to = "+18005551212", url = target.Url,
            rawParams = new Dictionary<string, object> { ["Tag"] = new[] { "zeta", "alpha" }, ["Body"] = "hi" },
            @params = new object[] { new[] { "Tag", "mid" }, new { name = "Extra", value = "1" } },
        });
        var got = Assert.Single(target.Received);
        var form = ParseForm(got.body);
        Assert.Equal(new[] { "zeta", "alpha", "mid" }, form.Where(k => k.Key == "Tag").Select(k => k.Value));
        // independent of the helper above: the concatenation written out
        var expected = Hmac("12345", target.Url + "BodyhiExtra1TagalphaTagmidTagzeta");
        Assert.Equal(expected, got.headers["X-Twilio-Signature"]);
        Assert.Equal(expected, result["signature"]!.GetValue<string>());
    }

    [Fact]
    public async Task RepeatedParameters_FromExtraArrays()
    {
        using var target = new WebhookTarget();
        await Emu.Control.SendSmsAsync(new { to = "+15005550006", body = "hi", url = target.Url, extra = new { AddOnTag = new[] { "b", "a" } } });
        var got = Assert.Single(target.Received);
        var form = ParseForm(got.body);
        Assert.Equal(new[] { "b", "a" }, form.Where(k => k.Key == "AddOnTag").Select(k => k.Value));
        Assert.Equal(Expected(Demo.TwilioAuthToken, target.Url, form), got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task Params_BadShape_Is400()
    {
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Emu.Control.SendSmsAsync(new { to = "+15005550006", url = "http://127.0.0.1:9/x", @params = new[] { 1, 2 } }));
        Assert.Contains("params", ex.Message);
    }

    // ---------------- JSON bodies ----------------

    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "a9nBmqA0ju/hNViExpshrM61xv4=")]
    [InlineData("https://mycompany.com/myapp.php", "y77kIzt2vzLz71DgmJGsen2scGs=")]
    public async Task JsonBody_OfficialVectors_BodySha256InTheSignedUrl(string signatureUrl, string signature)
    {
        await AddVectorAccount();
        const string body = "{\"property\": \"value\", \"boolean\": true}";
        const string hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        using var target = new WebhookTarget();
        var result = await Emu.Control.SendSmsAsync(new { accountSid = VectorAccount, to = "+18005551212", url = target.Url + "?x=1", signatureUrl, jsonBody = body });
        Assert.Equal(signature, result["signature"]!.GetValue<string>());
        Assert.Equal(hash, result["bodySHA256"]!.GetValue<string>());
        var got = Assert.Single(target.Received);
        Assert.Equal(signature, got.headers["X-Twilio-Signature"]);
        Assert.StartsWith("application/json", got.headers["Content-Type"]);
        Assert.Equal(body, got.body); // exactly the bytes hashed
        Assert.Equal("/sms/inbound?x=1&bodySHA256=" + hash, got.rawUrl);
    }

    [Fact]
    public async Task JsonBody_Object_IsSentCompact_HashAndSignatureMatchWhatArrived()
    {
        using var target = new WebhookTarget();
        await Emu.Control.SendSmsAsync(new { to = "+15005550006", url = target.Url, jsonBody = new { MessageSid = "SM1", Body = "Kod: 123456 – ä" } });
        var got = Assert.Single(target.Received);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(got.body))).ToLowerInvariant();
        Assert.EndsWith("?bodySHA256=" + hash, got.rawUrl);
        Assert.Equal("Kod: 123456 – ä", JsonNode.Parse(got.body)!["Body"]!.GetValue<string>());
        Assert.Equal(Hmac(Demo.TwilioAuthToken, target.Url + "?bodySHA256=" + hash), got.headers["X-Twilio-Signature"]);
    }

    [Fact]
    public async Task JsonBody_WithGet_Is400()
    {
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Emu.Control.SendSmsAsync(new { to = "+15005550006", url = "http://127.0.0.1:9/x", method = "GET", jsonBody = "{}" }));
        Assert.Contains("jsonBody", ex.Message);
    }
}
