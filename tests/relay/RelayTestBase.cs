using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Relay.Tests;

/// <summary>Demo tenant facts (emulator/tenants/demo.json) the relay tests rely on.</summary>
public static class Demo
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "demo-twilio-auth-token-0001";
    public const string ApiKeySid = "SK0123456789abcdef0123456789abcdef";
    public const string ApiKeySecret = "demo-twilio-api-key-secret";
    public const string Number = "+15005550006";
    public const string TeamsId = "demo";
    public const string TeamsSig = "demo-workflow-sig";
    public const string MicrosoftText = "Use verification code 482913 for Microsoft authentication.";
}

/// <summary>One emulator (demo tenant; trusts the test CA for HTTPS webhooks) per test class.</summary>
public sealed class EmulatorFixture : IDisposable
{
    public EmulatorProcess Emulator { get; }

    public static string TlsDir
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("MFAPHONE_TLS_DIR");
            if (!string.IsNullOrEmpty(env)) return env;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "build", "tls", "ca.pem"))) return Path.Combine(dir.FullName, "build", "tls");
            throw new FileNotFoundException("test certificates not found: set MFAPHONE_TLS_DIR (emulator/gen-test-certs.sh)");
        }
    }

    public EmulatorFixture() =>
        Emulator = EmulatorProcess.StartWithDemoTenant("--seed", "11", "--twilio-ca", Path.Combine(TlsDir, "ca.pem"), "--twilio-timeout", "15");

    public void Dispose() => Emulator.Dispose();
}

public abstract class RelayTestBase : IDisposable
{
    protected readonly EmulatorProcess Emu;
    protected readonly RelaySetup Setup = new();
    private readonly List<RelayProcess> _relays = new();
    protected static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    protected RelayTestBase(EmulatorFixture fixture)
    {
        Emu = fixture.Emulator;
        Emu.Control.ResetAsync().GetAwaiter().GetResult();
        Emu.Control.PostAsync("/control/teams/receivers", new JsonObject { ["id"] = "fabrikam", ["sig"] = "fabrikam-workflow-sig" })
            .GetAwaiter().GetResult();
    }

    protected string EmuBase => Emu.BaseUrl.GetLeftPart(UriPartial.Authority);

    protected string TeamsUrl(string id = Demo.TeamsId, string sig = Demo.TeamsSig) =>
        $"{EmuBase}/teams/workflows/{id}/triggers/manual/paths/invoke?api-version=2016-06-01&sig={sig}";

    protected static JsonObject Sink(string name, string kind, string urlFile) =>
        new() { ["name"] = name, ["kind"] = kind, ["urlFile"] = urlFile };

    protected static JsonObject Route(string tenant, string to, params JsonObject[] sinks) =>
        new() { ["tenant"] = tenant, ["to"] = to, ["sinks"] = new JsonArray(sinks.Select(s => (JsonNode)s).ToArray()) };

    /// <summary>The demo account, a Contoso route to the demo Teams receiver, fast retries, a log file.</summary>
    protected JsonObject Config(params JsonObject[] routes)
    {
        if (routes.Length == 0)
            routes = new[] { Route("Contoso", Demo.Number, Sink("contoso-teams", "teams", Setup.WriteSecret("contoso-teams.url", TeamsUrl()))) };
        return new JsonObject
        {
            ["listen"] = new JsonObject { ["address"] = "127.0.0.1", ["port"] = 0, ["path"] = "/sms" },
            ["log"] = new JsonObject { ["file"] = Setup.LogFile, ["verbose"] = true },
            ["delivery"] = new JsonObject { ["timeoutSeconds"] = 8, ["retryBaseDelayMs"] = 20, ["maxRetries"] = 3 },
            ["dedupe"] = new JsonObject { ["file"] = Path.Combine(Setup.Dir, "dedupe.db") },
            ["twilio"] = new JsonObject
            {
                ["apiBase"] = EmuBase,
                ["accounts"] = new JsonArray(new JsonObject
                {
                    ["accountSid"] = Demo.AccountSid,
                    ["authTokenFile"] = Setup.WriteSecret("twilio.token", Demo.AuthToken),
                }),
            },
            ["routes"] = new JsonArray(routes.Select(r => (JsonNode)r).ToArray()),
        };
    }

    protected RelayProcess StartRelay(JsonObject config, IDictionary<string, string>? env = null)
    {
        var relay = RelayProcess.Start(Setup.WriteConfig(config), env);
        _relays.Add(relay);
        return relay;
    }

    protected static string SmsUrl(RelayProcess relay, string suffix = "") => relay.BaseUrl.GetLeftPart(UriPartial.Authority) + "/sms" + suffix;

    protected Task<JsonNode> SendSms(RelayProcess relay, string body = Demo.MicrosoftText, string to = Demo.Number,
        string? messageSid = null, string? url = null, string? signatureUrl = null, bool tamper = false, string method = "POST",
        string? idempotencyToken = null)
    {
        var request = new JsonObject { ["to"] = to, ["body"] = body, ["url"] = url ?? SmsUrl(relay), ["method"] = method };
        if (messageSid != null) request["messageSid"] = messageSid;
        if (signatureUrl != null) request["signatureUrl"] = signatureUrl;
        if (tamper) request["tamper"] = true;
        if (idempotencyToken != null) request["idempotencyToken"] = idempotencyToken;
        return Emu.Control.SendSmsAsync(request);
    }

    protected async Task<JsonArray> TeamsPosts() => await Emu.Control.GetTeamsPostsAsync();

    protected static string CardCode(JsonNode post) => post["body"]!["attachments"]![0]!["content"]!["body"]![1]!["text"]!.GetValue<string>();

    /// <summary>A text signed with <paramref name="token"/> for <paramref name="signedUrl"/>, posted to <paramref name="target"/>.</summary>
    protected static async Task<HttpResponseMessage> PostSigned(string target, string signedUrl, List<KeyValuePair<string, string>> form,
        string token = Demo.AuthToken, Action<HttpRequestMessage>? customize = null, string? idempotencyToken = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target)
        {
            Content = new StringContent(TwilioSigner.Encode(form), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.TryAddWithoutValidation("X-Twilio-Signature", TwilioSigner.Sign(token, signedUrl, form));
        if (idempotencyToken != null) request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", idempotencyToken);
        customize?.Invoke(request);
        return await Http.SendAsync(request);
    }

    protected static List<KeyValuePair<string, string>> Form(string sid, string body = Demo.MicrosoftText, string to = Demo.Number,
        string from = "+14155550100") => new()
    {
        new("MessageSid", sid), new("SmsMessageSid", sid), new("SmsSid", sid), new("AccountSid", Demo.AccountSid),
        new("From", from), new("To", to), new("Body", body), new("NumMedia", "0"), new("NumSegments", "1"),
        new("SmsStatus", "received"), new("ApiVersion", "2010-04-01"),
    };

    protected static string Sid(int n) => "SM" + n.ToString("x32");

    public virtual void Dispose()
    {
        foreach (var r in _relays) r.Dispose();
        Setup.Dispose();
    }
}
