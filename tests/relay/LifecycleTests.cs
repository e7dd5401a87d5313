using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Relay.Tests;

/// <summary>Start-up, configuration errors (message and exit code), health, bounded concurrency
/// and graceful shutdown of mfaphone-relay. A slow receiver in the test process plays Teams.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly RelaySetup _setup = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private JsonObject Config(string teamsUrl, int maxConcurrency = 16)
    {
        return new JsonObject
        {
            ["listen"] = new JsonObject { ["address"] = "127.0.0.1", ["port"] = 8080, ["path"] = "/sms" },
            ["log"] = new JsonObject { ["file"] = _setup.LogFile },
            ["maxConcurrency"] = maxConcurrency,
            ["drainSeconds"] = 20,
            ["twilio"] = new JsonObject
            {
                ["accounts"] = new JsonArray(new JsonObject { ["accountSid"] = Demo.AccountSid, ["authTokenFile"] = _setup.WriteSecret("token", Demo.AuthToken) }),
            },
            ["routes"] = new JsonArray(new JsonObject
            {
                ["tenant"] = "Contoso",
                ["to"] = Demo.Number,
                ["sinks"] = new JsonArray(new JsonObject { ["name"] = "slow-teams", ["kind"] = "teams", ["urlFile"] = _setup.WriteSecret("teams.url", teamsUrl) }),
            }),
        };
    }

    private static List<KeyValuePair<string, string>> Form(string sid) => new()
    {
        new("MessageSid", sid), new("AccountSid", Demo.AccountSid), new("From", "+14155550100"), new("To", Demo.Number),
        new("Body", "Your code is 123456"),
    };

    private Task<HttpResponseMessage> Post(RelayProcess relay, string sid)
    {
        string url = relay.BaseUrl.GetLeftPart(UriPartial.Authority) + "/sms";
        var form = Form(sid);
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.TryAddWithoutValidation("X-Twilio-Signature", TwilioSigner.Sign(Demo.AuthToken, url, form));
        return _http.SendAsync(request);
    }

    private (int code, string stdout, string stderr) RunWith(JsonNode config, params string[] extra) =>
        RelayProcess.Run(new[] { "--config", _setup.WriteConfig(config, "check.json"), "--check" }.Concat(extra));

    [Fact]
    public async Task Port_0_prints_the_chosen_port_and_health_answers()
    {
        using var receiver = new SlowReceiver(0);
        using var relay = RelayProcess.Start(_setup.WriteConfig(Config(receiver.Url)));
        Assert.Matches(@"^mfaphone-relay listening on http://127\.0\.0\.1:\d+\r?\nmfaphone-relay ready", relay.Stdout);
        Assert.NotEqual(0, relay.BaseUrl.Port);
        var health = JsonNode.Parse(await _http.GetStringAsync(relay.BaseUrl.GetLeftPart(UriPartial.Authority) + "/healthz"))!;
        Assert.Equal("ok", health["status"]!.GetValue<string>());
        Assert.Equal(1, (int)health["routes"]!);
        var other = await _http.GetAsync(relay.BaseUrl.GetLeftPart(UriPartial.Authority) + "/other");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        var put = await _http.PutAsync(relay.BaseUrl.GetLeftPart(UriPartial.Authority) + "/sms", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.True(relay.Stop());
        Assert.Equal(0, relay.ExitCode);
        Assert.Contains("relay stopped", _setup.Log);
    }

    [Fact]
    public void Config_check_succeeds_for_a_valid_configuration()
    {
        var (code, stdout, stderr) = RunWith(Config("https://prod.westus.logic.azure.com/workflows/x?sig=abc"));
        Assert.True(code == 0, stderr);
        Assert.Contains("configuration OK", stdout);
    }

    public static IEnumerable<object[]> ConfigErrors()
    {
        // mutation name, expected exit code, expected message fragment
        yield return new object[] { "not-json", 3, "is not valid JSON" };
        yield return new object[] { "missing-file", 3, "cannot read" };
        yield return new object[] { "unknown-key", 4, "unknown setting 'rotues'" };
        yield return new object[] { "inline-token", 4, "secrets are not written in the config file" };
        yield return new object[] { "inline-url", 4, "secrets are not written in the config file" };
        yield return new object[] { "no-routes", 4, "routes: list at least one route" };
        yield return new object[] { "bad-port", 4, "listen.port: must be between 0 and 65535" };
        yield return new object[] { "retired-connector", 4, "retired" };
        yield return new object[] { "plain-http-sink", 4, "must use https" };
        yield return new object[] { "bad-account", 4, "is not a Twilio account SID" };
        yield return new object[] { "duplicate-number", 4, "same number" };
        yield return new object[] { "token-file-missing", 5, "twilio.accounts[0].authTokenFile: cannot read" };
        yield return new object[] { "token-env-unset", 5, "MFAPHONE_TEST_UNSET_TOKEN' is not set" };
        yield return new object[] { "url-file-empty", 5, "is empty" };
        yield return new object[] { "tls-missing", 6, "cannot start HTTPS" };
        yield return new object[] { "dedupe-unwritable", 6, "dedupe.file" };
    }

    [Theory]
    [MemberData(nameof(ConfigErrors))]
    public void Config_errors_name_the_setting_and_exit_with_their_code(string mutation, int exitCode, string fragment)
    {
        const string secretUrl = "https://contoso.webhook.office.com/webhookb2/retired-secret-part/IncomingWebhook/x/y";
        var config = Config("https://prod.westus.logic.azure.com/workflows/x?sig=abc");
        string path = _setup.WriteConfig(config, "bad.json");
        switch (mutation)
        {
            case "not-json": File.WriteAllText(path, "{ \"listen\": "); break;
            case "missing-file": path = Path.Combine(_setup.Dir, "nope.json"); break;
            case "unknown-key": config["rotues"] = new JsonArray(); break;
            case "inline-token": config["twilio"]!["accounts"]![0]!["authToken"] = "inline-secret-token"; break;
            case "inline-url": config["routes"]![0]!["sinks"]![0]!["url"] = "https://x.example/inline-secret"; break;
            case "no-routes": config["routes"] = new JsonArray(); break;
            case "bad-port": config["listen"]!["port"] = 70000; break;
            case "retired-connector": config["routes"]![0]!["sinks"]![0]!["urlFile"] = _setup.WriteSecret("old.url", secretUrl); break;
            case "plain-http-sink": config["routes"]![0]!["sinks"]![0]!["urlFile"] = _setup.WriteSecret("http.url", "http://teams.example/x?sig=plain-secret"); break;
            case "bad-account": config["twilio"]!["accounts"]![0]!["accountSid"] = "ACnot-a-sid"; break;
            case "duplicate-number": config["routes"]!.AsArray().Add(config["routes"]![0]!.DeepClone()); break;
            case "token-file-missing": config["twilio"]!["accounts"]![0]!["authTokenFile"] = Path.Combine(_setup.Dir, "missing.token"); break;
            case "token-env-unset":
                config["twilio"]!["accounts"]![0]!.AsObject().Remove("authTokenFile");
                config["twilio"]!["accounts"]![0]!["authTokenEnv"] = "MFAPHONE_TEST_UNSET_TOKEN";
                break;
            case "url-file-empty": File.WriteAllText(Path.Combine(_setup.Dir, "empty.url"), "\n"); config["routes"]![0]!["sinks"]![0]!["urlFile"] = Path.Combine(_setup.Dir, "empty.url"); break;
            case "tls-missing":
                config["listen"]!["tlsCertFile"] = Path.Combine(_setup.Dir, "none.pem");
                config["listen"]!["tlsKeyFile"] = Path.Combine(_setup.Dir, "none.key");
                break;
            case "dedupe-unwritable": config["dedupe"] = new JsonObject { ["file"] = "/proc/mfaphone-relay/dedupe" }; break;
        }
        if (mutation != "not-json" && mutation != "missing-file") File.WriteAllText(path, config.ToJsonString());
        var (code, stdout, stderr) = RelayProcess.Run(new[] { "--config", path, "--check" });
        Assert.True(exitCode == code, $"exit {code}, stderr: {stderr}");
        Assert.Contains(fragment, stderr);
        Assert.StartsWith("mfaphone-relay: ", stderr);
        Assert.DoesNotContain("configuration OK", stdout);
        foreach (var secret in new[] { "inline-secret", "retired-secret-part", "plain-secret", Demo.AuthToken })
            Assert.DoesNotContain(secret, stdout + stderr);
    }

    [Fact]
    public void Secrets_are_refused_on_the_command_line_without_being_echoed()
    {
        var (code, _, stderr) = RelayProcess.Run(new[] { "--auth-token", "cmdline-secret-value", "--config", "x.json" });
        Assert.Equal(2, code);
        Assert.Contains("never taken from the command line", stderr);
        Assert.DoesNotContain("cmdline-secret-value", stderr);
        var (code2, _, stderr2) = RelayProcess.Run(new[] { "--webhook-url=https://x/cmdline-secret-value" });
        Assert.Equal(2, code2);
        Assert.DoesNotContain("cmdline-secret-value", stderr2);
        var (code3, _, stderr3) = RelayProcess.Run(new[] { "--config" });
        Assert.Equal(2, code3);
        Assert.Contains("--config needs a file", stderr3);
    }

    [Fact]
    public void A_port_in_use_exits_with_the_start_code()
    {
        using var receiver = new SlowReceiver(0);
        using var first = RelayProcess.Start(_setup.WriteConfig(Config(receiver.Url)));
        var config = Config(receiver.Url);
        var (code, _, stderr) = RelayProcess.Run(new[] { "--config", _setup.WriteConfig(config, "second.json"), "--port", first.BaseUrl.Port.ToString() });
        Assert.Equal(6, code);
        Assert.Contains("cannot listen on 127.0.0.1:" + first.BaseUrl.Port, stderr);
    }

    [Fact]
    public async Task SIGTERM_drains_deliveries_in_progress_then_exits_0()
    {
        using var receiver = new SlowReceiver(1500);
        using var relay = RelayProcess.Start(_setup.WriteConfig(Config(receiver.Url)));
        var pending = Post(relay, "SM" + 1.ToString("x32"));
        await receiver.FirstArrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(relay.Stop(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, relay.ExitCode);
        var response = await pending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, receiver.Completed);
        var log = _setup.Log;
        Assert.Contains("relay stopping: draining 1 request(s) in progress", log);
        Assert.True(log.IndexOf("status=Delivered", StringComparison.Ordinal) < log.IndexOf("relay stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrency_is_bounded_by_maxConcurrency()
    {
        using var receiver = new SlowReceiver(300);
        using var relay = RelayProcess.Start(_setup.WriteConfig(Config(receiver.Url, maxConcurrency: 2)));
        var responses = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => Post(relay, "SM" + i.ToString("x32"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(6, receiver.Completed);
        Assert.InRange(receiver.MaxConcurrent, 1, 2);
    }

    public void Dispose()
    {
        _http.Dispose();
        _setup.Dispose();
    }
}
