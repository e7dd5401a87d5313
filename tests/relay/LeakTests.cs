using System.Text.Json.Nodes;
using Xunit;

namespace MfaPhone.Relay.Tests;

/// <summary>No secret and no code in any stream of the service or its log, whatever happens:
/// delivery, retries, partial failure, rejection, duplicates, redaction, shutdown.</summary>
public sealed class LeakTests : RelayTestBase, IClassFixture<EmulatorFixture>
{
    public LeakTests(EmulatorFixture fixture) : base(fixture) { }

    [Fact]
    public async Task Secrets_codes_bodies_and_numbers_never_reach_stdout_stderr_or_the_log()
    {
        const string slackSecret = "slack-path-secret-7q7q7q";
        var slackUrl = $"{EmuBase}/slack/services/T0LEAK/B0LEAK/{slackSecret}";
        var route = Route("Contoso", Demo.Number,
            Sink("contoso-teams", "teams", Setup.WriteSecret("t.url", TeamsUrl())),
            Sink("contoso-slack", "slack", Setup.WriteSecret("s.url", slackUrl)));
        route["redact"] = true;
        var config = Config(route);
        var account = config["twilio"]!["accounts"]![0]!.AsObject();
        account.Remove("authTokenFile");
        account["authTokenEnv"] = "MFAPHONE_RELAY_TEST_TOKEN";
        account["apiKeySid"] = Demo.ApiKeySid;
        account["apiKeySecretEnv"] = "MFAPHONE_RELAY_TEST_KEY";
        var relay = StartRelay(config, new Dictionary<string, string>
        {
            ["MFAPHONE_RELAY_TEST_TOKEN"] = Demo.AuthToken,
            ["MFAPHONE_RELAY_TEST_KEY"] = Demo.ApiKeySecret,
        });

        var codes = new[] { "482913", "551177", "662288", "773399" };
        await SendSms(relay, Demo.MicrosoftText);                                        // delivered to both, redacted
        await SendSms(relay, Demo.MicrosoftText, messageSid: Sid(1));                    // new text
        await SendSms(relay, Demo.MicrosoftText, messageSid: Sid(1));                    // duplicate
        await SendSms(relay, "Your code is 551177", tamper: true);                       // forged
        await Emu.Control.PostAsync("/control/receivers/failures", new JsonObject { ["teams"] = new JsonArray(500, 500, 500, 500) });
        await SendSms(relay, "G-662288 is your Google verification code.", messageSid: Sid(2));  // Teams fails, Slack ok
        await SendSms(relay, "Your code is 773399", to: "+15005559999");                 // unrouted
        var posts = await TeamsPosts();
        Assert.Equal(2, posts.Count);
        Assert.True(relay.Stop());

        var everything = relay.Stdout + relay.Stderr + Setup.Log;
        Assert.Contains("status=Delivered", everything);
        Assert.Contains("status=PartiallyDelivered", everything);
        Assert.Contains("status=Duplicate", everything);
        Assert.Contains("reason=InvalidSignature", everything);
        Assert.Contains("status=Unrouted", everything);
        Assert.Contains("redaction=done", everything);
        var secrets = new List<string>
        {
            Demo.AuthToken, Demo.ApiKeySecret, Demo.TeamsSig, slackSecret, "sig=", "/slack/services/T0LEAK",
            "verification code", "Your code is", "Microsoft authentication", "Google verification",
            Demo.Number, "+14155550100", "+15005559999",
        };
        secrets.AddRange(codes);
        foreach (var secret in secrets) Assert.DoesNotContain(secret, everything);
    }
}
