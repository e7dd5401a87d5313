// The relay engine end to end over real HTTP on 127.0.0.1: a test server plays Teams, Slack
// and the Twilio REST API; requests are signed as Twilio signs them.
#include <atomic>
#include <catch2/catch.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "core/json.hpp"
#include "mfaphone/internal/base64.hpp"
#include "mfaphone/internal/relay.hpp"
#include "mfaphone/internal/url.hpp"
#include "test_server.hpp"

using namespace mfaphone;
using namespace mfaphone::relay;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "AC0123456789abcdef0123456789abcdef";
const std::string kOtherAccount = "ACfedcba9876543210fedcba9876543210";
const std::string kToken = "relay-test-auth-token";
const std::string kPublicUrl = "https://relay.example.com/twilio/sms";
const std::string kTeamsSecret = "teams-sig-secret-9f8e7d";
const std::string kSlackSecret = "slack-path-secret-1a2b3c";

struct Post {
    std::string path;
    std::string body;
    std::string authorization;
    std::string contentType;
};

// Teams, Slack and Twilio REST on one local server; answers can be scripted per path prefix.
struct Receivers {
    test::TestServer http;
    std::mutex mutex;
    std::vector<Post> posts;
    std::deque<std::pair<int, std::string>> teamsScript;  // status, Retry-After
    std::atomic<int> stallMs{0};

    Receivers() {
        auto record = [this](const httplib::Request& req) {
            std::lock_guard<std::mutex> lock(mutex);
            posts.push_back({req.path, req.body, req.get_header_value("Authorization"),
                             req.get_header_value("Content-Type")});
        };
        http.server.Post(R"(/teams/.*)", [this, record](const httplib::Request& req, httplib::Response& res) {
            if (stallMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(stallMs.load()));
            record(req);
            std::lock_guard<std::mutex> lock(mutex);
            if (!teamsScript.empty()) {
                auto [status, retryAfter] = teamsScript.front();
                teamsScript.pop_front();
                res.status = status;
                if (!retryAfter.empty()) res.set_header("Retry-After", retryAfter);
                res.set_content("{\"error\":{\"code\":\"x\"}}", "application/json");
                return;
            }
            res.status = 202;
        });
        http.server.Post(R"(/slack/.*)", [record](const httplib::Request& req, httplib::Response& res) {
            record(req);
            res.set_content("ok", "text/html");
        });
        http.server.Post(R"(/2010-04-01/Accounts/.*)",
                         [record](const httplib::Request& req, httplib::Response& res) {
                             record(req);
                             res.set_content("{\"sid\":\"x\",\"body\":\"\"}", "application/json");
                         });
        http.start();
    }
    std::string teamsUrl(const std::string& id = "contoso") const {
        return http.url("/teams/workflows/" + id +
                        "/triggers/manual/paths/invoke?api-version=1&sig=" + kTeamsSecret);
    }
    std::string slackUrl() const { return http.url("/slack/services/T000/B000/" + kSlackSecret); }
    std::vector<Post> postsTo(const std::string& prefix) {
        std::lock_guard<std::mutex> lock(mutex);
        std::vector<Post> out;
        for (const auto& p : posts)
            if (p.path.rfind(prefix, 0) == 0) out.push_back(p);
        return out;
    }
};

struct Text {
    std::string sid = "SM0123456789abcdef0123456789abcdef";
    std::string to = "+15005550006";
    std::string from = "+14255550100";
    std::string body = "Use verification code 482913 for Microsoft authentication.";
    std::string account = kAccount;
    std::string token = kToken;
    std::string idempotency;
};

Params paramsOf(const Text& t) {
    return {{"ToCountry", "US"},
            {"SmsMessageSid", t.sid},
            {"NumMedia", "0"},
            {"SmsSid", t.sid},
            {"SmsStatus", "received"},
            {"Body", t.body},
            {"To", t.to},
            {"NumSegments", "1"},
            {"MessageSid", t.sid},
            {"AccountSid", t.account},
            {"From", t.from},
            {"ApiVersion", "2010-04-01"}};
}

RelayRequest signedRequest(const Text& t, const std::string& url = kPublicUrl) {
    Params p = paramsOf(t);
    RelayRequest r;
    r.method = "POST";
    r.url = url;
    r.contentType = "application/x-www-form-urlencoded";
    r.body = formEncode(p);
    r.signature = computeTwilioSignature(SecretString(t.token), url, p);
    r.idempotencyToken = t.idempotency;
    return r;
}

std::string sid(int n, const char* prefix = "SM") {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%s%032x", prefix, n);
    return buffer;
}

RelayOptions fastOptions(const Receivers& r) {
    RelayOptions o;
    o.deliveryTimeoutSeconds = 5;
    o.retryBaseDelayMs = 10;
    o.maxDeliveryRetries = 3;
    o.twilioApiBase = r.http.url();
    return o;
}

std::unique_ptr<RelayEngine> makeEngine(const Receivers& r, RelayOptions options = {}, bool defaults = true) {
    if (defaults) options = fastOptions(r);
    auto engine = std::make_unique<RelayEngine>(options);
    engine->addAccount(kAccount, SecretString(kToken));
    return engine;
}

RelayRoute teamsRoute(const Receivers& r, const std::string& tenant = "Contoso",
                      const std::string& to = "+15005550006") {
    RelayRoute route;
    route.tenant = tenant;
    route.to = to;
    route.sinks = {{tenant + "-teams", "teams", r.teamsUrl()}};
    return route;
}

// Nothing secret in what the engine reports: no code, no body, no webhook URL secret, no token.
void checkNoSecrets(const RelayResult& result, const std::vector<std::string>& secrets) {
    std::vector<std::string> texts = result.log;
    texts.push_back(result.message);
    texts.push_back(result.responseBody);
    texts.push_back(result.redactionError);
    for (const auto& s : result.sinks) texts.push_back(s.error);
    for (const auto& text : texts)
        for (const auto& secret : secrets) {
            INFO(text);
            CHECK(text.find(secret) == std::string::npos);
        }
}

}  // namespace

TEST_CASE("a signed text reaches Teams as an Adaptive Card with the code prominent", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    Text text;
    auto result = engine->receive(signedRequest(text), Context{});

    CHECK(result.status == "Delivered");
    CHECK(result.httpStatus == 200);
    CHECK(result.contentType == "text/xml");
    CHECK(result.responseBody == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
    CHECK(result.tenant == "Contoso");
    CHECK(result.code == "482913");
    CHECK(result.codeRule == "microsoft-keyword");
    CHECK(result.from == text.from);
    CHECK(result.messageSid == text.sid);
    CHECK(result.bodyLength == static_cast<int>(text.body.size()));
    REQUIRE(result.sinks.size() == 1);
    CHECK(result.sinks[0].delivered);
    CHECK(result.sinks[0].httpStatus == 202);
    CHECK(result.sinks[0].attempts == 1);

    auto posts = receivers.postsTo("/teams/");
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].contentType.rfind("application/json", 0) == 0);
    auto card = Json::parse(posts[0].body);
    CHECK(card["type"] == "message");
    auto& attachment = card["attachments"][0];
    CHECK(attachment["contentType"] == "application/vnd.microsoft.card.adaptive");
    CHECK(attachment["contentUrl"].is_null());
    auto& content = attachment["content"];
    CHECK(content["type"] == "AdaptiveCard");
    CHECK(content["version"] == "1.4");
    CHECK(content["body"][0]["text"] == "MFA code for Contoso");
    CHECK(content["body"][1]["text"] == "482913");
    CHECK(content["body"][1]["size"] == "ExtraLarge");
    auto facts = content["body"][2]["facts"];
    CHECK(facts[0]["value"] == "Contoso");
    CHECK(facts[1]["value"] == text.from);
    CHECK(facts[3]["value"] == result.receivedAt);
    CHECK(content["body"][3]["text"] == text.body);
    checkNoSecrets(result, {"482913", "verification code", kTeamsSecret, kToken});
}

TEST_CASE("forged, tampered and unsigned requests are refused and deliver nothing", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));

    Text forged;
    forged.token = "not-the-auth-token";
    auto r1 = engine->receive(signedRequest(forged), Context{});
    CHECK(r1.status == "Rejected");
    CHECK(r1.reason == "InvalidSignature");
    CHECK(r1.httpStatus == 403);
    CHECK(r1.code.empty());

    auto tampered = signedRequest(Text{});
    auto pos = tampered.body.find("482913");
    tampered.body.replace(pos, 6, "000000");
    CHECK(engine->receive(tampered, Context{}).reason == "InvalidSignature");

    auto unsignedRequest = signedRequest(Text{});
    unsignedRequest.signature.clear();
    auto r3 = engine->receive(unsignedRequest, Context{});
    CHECK(r3.reason == "MissingSignature");
    CHECK(r3.httpStatus == 400);

    // Signed for another URL (another relay, or a proxy rewriting the path).
    auto elsewhere = signedRequest(Text{}, "https://attacker.example/sms");
    elsewhere.url = kPublicUrl;
    CHECK(engine->receive(elsewhere, Context{}).reason == "InvalidSignature");

    Text otherAccount;
    otherAccount.account = kOtherAccount;
    auto r5 = engine->receive(signedRequest(otherAccount), Context{});
    CHECK(r5.reason == "UnknownAccount");
    CHECK(r5.httpStatus == 403);

    auto big = signedRequest(Text{});
    big.body += "&Pad=" + std::string(40000, 'x');
    CHECK(engine->receive(big, Context{}).reason == "BodyTooLarge");

    CHECK(receivers.postsTo("/").empty());
}

TEST_CASE("URL variants: behind a proxy with a port, and credentials in the configured URL",
          "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    Text a;
    a.sid = sid(1);
    // Twilio signed the URL without the port; the relay knows its public URL with :443.
    auto request = signedRequest(a, "https://relay.example.com/twilio/sms");
    request.url = "https://relay.example.com:443/twilio/sms";
    CHECK(engine->receive(request, Context{}).status == "Delivered");
    // The webhook is configured with user:pass@ (Basic auth); Twilio signs without them.
    Text b;
    b.sid = sid(2);
    request = signedRequest(b, "https://relay.example.com/twilio/sms?tenant=contoso");
    request.url = "https://twilio:pw@relay.example.com/twilio/sms?tenant=contoso";
    CHECK(engine->receive(request, Context{}).status == "Delivered");
    CHECK(receivers.postsTo("/teams/").size() == 2);
}

TEST_CASE("duplicate and out-of-order deliveries collapse to one post per text", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    Text a, b;
    a.sid = sid(10);
    a.idempotency = "idem-a";
    b.sid = sid(11);
    b.idempotency = "idem-b";
    b.body = "Use verification code 111222 for Microsoft authentication.";

    CHECK(engine->receive(signedRequest(b), Context{}).status == "Delivered");
    CHECK(engine->receive(signedRequest(a), Context{}).status == "Delivered");
    auto dupA = engine->receive(signedRequest(a), Context{});
    CHECK(dupA.status == "Duplicate");
    CHECK(dupA.httpStatus == 200);
    CHECK(dupA.responseBody.find("<Response/>") != std::string::npos);
    CHECK(engine->receive(signedRequest(b), Context{}).status == "Duplicate");
    // A retry carries the same idempotency token; a replay under a new token keeps its SID.
    Text sameToken = a;
    sameToken.sid = sid(12);
    CHECK(engine->receive(signedRequest(sameToken), Context{}).status == "Duplicate");
    Text replay = b;
    replay.idempotency = "idem-other";
    CHECK(engine->receive(signedRequest(replay), Context{}).status == "Duplicate");
    CHECK(receivers.postsTo("/teams/").size() == 2);

    // Concurrent copies of one text: one post.
    Text c;
    c.sid = sid(13);
    std::vector<std::thread> threads;
    std::atomic<int> delivered{0}, duplicates{0};
    for (int i = 0; i < 6; ++i)
        threads.emplace_back([&] {
            auto r = engine->receive(signedRequest(c), Context{});
            if (r.status == "Delivered") ++delivered;
            if (r.status == "Duplicate") ++duplicates;
        });
    for (auto& t : threads) t.join();
    CHECK(delivered == 1);
    CHECK(duplicates == 5);
    CHECK(receivers.postsTo("/teams/").size() == 3);
}

TEST_CASE("Teams 429 and 5xx answers are retried, honouring Retry-After", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    {
        std::lock_guard<std::mutex> lock(receivers.mutex);
        receivers.teamsScript = {{429, "0.05"}, {500, ""}, {503, ""}};
    }
    Text t;
    auto result = engine->receive(signedRequest(t), Context{});
    CHECK(result.status == "Delivered");
    REQUIRE(result.sinks.size() == 1);
    CHECK(result.sinks[0].attempts == 4);
    CHECK(result.sinks[0].httpStatus == 202);
    CHECK(receivers.postsTo("/teams/").size() == 4);
}

TEST_CASE("a failed delivery answers 503 and lets Twilio's retry deliver", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    {
        std::lock_guard<std::mutex> lock(receivers.mutex);
        // 503 without Retry-After is an outage, retried with backoff up to maxRetries (a 503 with
        // Retry-After is throttling, paced for as long as the delivery time allows).
        receivers.teamsScript = {{503, ""}, {503, ""}, {503, ""}, {503, ""}};
    }
    Text t;
    t.idempotency = "retry-token";
    auto failed = engine->receive(signedRequest(t), Context{});
    CHECK(failed.status == "Failed");
    CHECK(failed.httpStatus == 503);
    CHECK(failed.sinks[0].attempts == 4);
    CHECK(failed.sinks[0].error.find("503") != std::string::npos);
    auto retried = engine->receive(signedRequest(t), Context{});
    CHECK(retried.status == "Delivered");
    CHECK(engine->receive(signedRequest(t), Context{}).status == "Duplicate");

    // A refused URL (401) is not retried, and its error names no URL.
    {
        std::lock_guard<std::mutex> lock(receivers.mutex);
        receivers.teamsScript = {{401, ""}};
    }
    Text u;
    u.sid = sid(20);
    auto refused = engine->receive(signedRequest(u), Context{});
    CHECK(refused.status == "Failed");
    CHECK(refused.sinks[0].attempts == 1);
    CHECK(refused.sinks[0].error.find("401") != std::string::npos);
    checkNoSecrets(refused, {kTeamsSecret, "482913", "http://"});
}

TEST_CASE("an unreachable sink fails without naming its URL", "[relay][engine]") {
    Receivers receivers;
    RelayOptions options = fastOptions(receivers);
    options.deliveryTimeoutSeconds = 3;
    auto engine = std::make_unique<RelayEngine>(options);
    engine->addAccount(kAccount, SecretString(kToken));
    std::vector<std::string> logged;
    engine->setLogger(Logger(LogLevel::Debug, [&](LogLevel, std::string_view, std::string line) {
        logged.push_back(std::move(line));
    }));
    RelayRoute route;
    route.tenant = "Contoso";
    route.sinks = {{"dead-slack", "slack", "http://127.0.0.1:9/slack/services/T/B/" + kSlackSecret}};
    engine->addRoute(route);
    auto result = engine->receive(signedRequest(Text{}), Context{});
    CHECK(result.status == "Failed");
    CHECK(result.sinks[0].error == "the receiver could not be reached");
    checkNoSecrets(result, {kSlackSecret, "127.0.0.1:9"});
    REQUIRE_FALSE(logged.empty());
    for (const auto& line : logged) {
        INFO(line);
        CHECK(line.find(kSlackSecret) == std::string::npos);
    }
}

TEST_CASE("Slack sinks, several sinks per route, and partial delivery", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    RelayRoute route = teamsRoute(receivers);
    route.sinks.push_back({"contoso-slack", "slack", receivers.slackUrl()});
    engine->addRoute(route);
    auto result = engine->receive(signedRequest(Text{}), Context{});
    CHECK(result.status == "Delivered");
    CHECK(result.sinks.size() == 2);
    auto slack = receivers.postsTo("/slack/");
    REQUIRE(slack.size() == 1);
    auto message = Json::parse(slack[0].body);
    CHECK(message["text"] == "MFA code for Contoso: 482913");
    CHECK(message["blocks"][0]["type"] == "header");
    CHECK(message["blocks"][3]["text"]["text"] == Text{}.body);

    {
        std::lock_guard<std::mutex> lock(receivers.mutex);
        receivers.teamsScript = {{404, ""}};
    }
    Text t;
    t.sid = sid(30);
    auto partial = engine->receive(signedRequest(t), Context{});
    CHECK(partial.status == "PartiallyDelivered");
    CHECK(partial.httpStatus == 200);
    int failedSinks = 0;
    for (const auto& s : partial.sinks)
        if (!s.delivered) {
            ++failedSinks;
            CHECK(s.kind == "teams");
            CHECK(s.error.find("no longer exists") != std::string::npos);
        }
    CHECK(failedSinks == 1);
    checkNoSecrets(partial, {kTeamsSecret, kSlackSecret, "482913"});
}

TEST_CASE("routing by To and AccountSid", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addAccount(kOtherAccount, SecretString("other-token"));
    RelayRoute contoso = teamsRoute(receivers, "Contoso", "+1 (500) 555-0006");
    RelayRoute fabrikam = teamsRoute(receivers, "Fabrikam", "+15005550007");
    RelayRoute otherAccount = teamsRoute(receivers, "Northwind", "+15005550006");
    otherAccount.accountSid = kOtherAccount;
    RelayRoute fallback = teamsRoute(receivers, "Default", "");
    fallback.accountSid = kOtherAccount;
    engine->addRoute(contoso);
    engine->addRoute(fabrikam);
    engine->addRoute(otherAccount);
    engine->addRoute(fallback);

    auto send = [&](const std::string& to, const std::string& account, const std::string& token, int n) {
        Text t;
        t.to = to;
        t.account = account;
        t.token = token;
        t.sid = sid(100 + n);
        return engine->receive(signedRequest(t), Context{});
    };
    CHECK(send("+15005550006", kAccount, kToken, 1).tenant == "Contoso");
    CHECK(send("+15005550007", kAccount, kToken, 2).tenant == "Fabrikam");
    CHECK(send("+15005550006", kOtherAccount, "other-token", 3).tenant == "Northwind");
    CHECK(send("+15005550007", kOtherAccount, "other-token", 4).tenant == "Fabrikam");
    CHECK(send("+15005559999", kOtherAccount, "other-token", 5).tenant == "Default");
    auto unrouted = send("+15005559999", kAccount, kToken, 6);
    CHECK(unrouted.status == "Unrouted");
    CHECK(unrouted.httpStatus == 200);
    CHECK(unrouted.message.find("5550") == std::string::npos);  // the number is masked
    CHECK(receivers.postsTo("/teams/").size() == 5);

    // A token of one account does not sign for another.
    CHECK(send("+15005550006", kOtherAccount, kToken, 7).reason == "InvalidSignature");

    CHECK_THROWS_WITH(engine->addRoute(teamsRoute(receivers, "Again", "+15005550006")),
                      Catch::Contains("same number"));
}

TEST_CASE("the body is redacted at Twilio after delivery when the route asks", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    RelayRoute route = teamsRoute(receivers);
    route.redact = true;
    engine->addRoute(route);
    Text t;
    auto result = engine->receive(signedRequest(t), Context{});
    CHECK(result.status == "Delivered");
    CHECK(result.redactionRequested);
    CHECK(result.redacted);
    auto calls = receivers.postsTo("/2010-04-01/");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].path == "/2010-04-01/Accounts/" + kAccount + "/Messages/" + t.sid + ".json");
    CHECK(calls[0].body == "Body=");
    CHECK(calls[0].contentType == "application/x-www-form-urlencoded");
    std::string basic = kAccount + ":" + kToken;
    CHECK(calls[0].authorization ==
          "Basic " + base64::encode(basic));

    // With an API key, the key authenticates instead of the auth token.
    const std::string keySid = "SK0123456789abcdef0123456789abcdef";
    engine->setApiKey(kAccount, keySid, SecretString("key-secret"));
    Text u;
    u.sid = sid(40);
    CHECK(engine->receive(signedRequest(u), Context{}).redacted);
    calls = receivers.postsTo("/2010-04-01/");
    REQUIRE(calls.size() == 2);
    std::string keyPair = keySid + ":key-secret";
    CHECK(calls[1].authorization ==
          "Basic " + base64::encode(keyPair));

    // No redaction unless asked; none after a failed delivery.
    RelayRoute plain = teamsRoute(receivers, "Plain", "+15005550099");
    engine->addRoute(plain);
    Text v;
    v.sid = sid(41);
    v.to = "+15005550099";
    CHECK_FALSE(engine->receive(signedRequest(v), Context{}).redactionRequested);
    CHECK(receivers.postsTo("/2010-04-01/").size() == 2);
}

TEST_CASE("JSON bodies with bodySHA256 and GET webhooks are delivered", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));

    std::string json = R"({"MessageSid":")" + sid(50) + R"(","AccountSid":")" + kAccount +
                       R"(","To":"+15005550006","From":"+14255550100","Body":"Your code is 123456"})";
    RelayRequest j;
    j.url = kPublicUrl + "?bodySHA256=" + sha256Hex(json);
    j.contentType = "application/json";
    j.body = json;
    j.signature = computeTwilioSignature(SecretString(kToken), j.url, {});
    auto result = engine->receive(j, Context{});
    CHECK(result.status == "Delivered");
    CHECK(result.code == "123456");
    j.body.replace(j.body.rfind("123456"), 6, "654321");
    CHECK(engine->receive(j, Context{}).reason == "BodyHashMismatch");

    Text t;
    t.sid = sid(51);
    RelayRequest g;
    g.method = "GET";
    g.url = kPublicUrl + "?" + formEncode(paramsOf(t));
    g.signature = computeTwilioSignature(SecretString(kToken), g.url, {});
    CHECK(engine->receive(g, Context{}).status == "Delivered");
    CHECK(receivers.postsTo("/teams/").size() == 2);
}

TEST_CASE("the Teams card fits the size limit; long texts are shortened", "[relay][engine]") {
    Receivers receivers;
    RelayOptions options = fastOptions(receivers);
    options.teamsMaxBytes = 4096;
    auto engine = std::make_unique<RelayEngine>(options);
    engine->addAccount(kAccount, SecretString(kToken));
    engine->addRoute(teamsRoute(receivers));
    Text t;
    t.body = "Your code is 123456. ";
    for (int i = 0; i < 400; ++i) t.body += "Zoë \"quoted\" text ";
    auto result = engine->receive(signedRequest(t), Context{});
    CHECK(result.status == "Delivered");
    auto posts = receivers.postsTo("/teams/");
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].body.size() <= 4096);
    auto card = Json::parse(posts[0].body);
    std::string shown = card["attachments"][0]["content"]["body"][3]["text"];
    CHECK(shown.find("shortened") != std::string::npos);
    CHECK(shown.rfind("Your code is 123456.", 0) == 0);
    CHECK(card["attachments"][0]["content"]["body"][1]["text"] == "123456");

    MessageView view;
    view.tenant = "T";
    view.body = std::string(100000, 'x');
    CHECK(teamsPayload(view, 28000).size() <= 28000);
    CHECK(slackPayload(view, 38000).size() <= 38000);
}

TEST_CASE("sink URLs: retired connectors and plain http are refused without quoting the URL",
          "[relay][engine]") {
    auto refuse = [](const std::string& kind, const std::string& url) {
        try {
            checkSink({"s", kind, url});
        } catch (const InvalidInputError& e) {
            std::string message = e.what();
            CHECK(message.find(url) == std::string::npos);
            CHECK(message.find("secret-part") == std::string::npos);
            return message;
        }
        return std::string("accepted");
    };
    CHECK(refuse("teams", "https://contoso.webhook.office.com/webhookb2/secret-part/IncomingWebhook/x/y")
              .find("retired") != std::string::npos);
    CHECK(refuse("teams", "https://outlook.office.com/webhook/secret-part/IncomingWebhook/x")
              .find("Workflows") != std::string::npos);
    CHECK(
        refuse("teams", "http://prod-00.westus.logic.azure.com/workflows/secret-part?sig=x").find("https") !=
        std::string::npos);
    CHECK(refuse("pager", "https://example.com/secret-part").find("'pager'") != std::string::npos);
    CHECK(refuse("teams", "https://user:secret-part@example.com/x").find("credentials") != std::string::npos);
    CHECK(refuse("teams", "not a url secret-part") != "accepted");
    CHECK(refuse("teams",
                 "https://prod-00.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/"
                 "invoke?api-version=2016-06-01&sig=secret-part") == "accepted");
    CHECK(refuse("teams",
                 "https://default0123.environment.api.powerplatform.com/powerautomate/x?sig=secret-part") ==
          "accepted");
    CHECK(refuse("slack", "https://hooks.slack.com/services/T0/B0/secret-part") == "accepted");
    CHECK(refuse("slack", "http://127.0.0.1:8080/slack/services/secret-part") == "accepted");

    // The redaction call carries the auth token: the Twilio API address must be https too.
    RelayOptions options;
    options.twilioApiBase = "http://api.twilio.example";
    CHECK_THROWS_WITH(RelayEngine(options), Catch::Contains("must use https"));
    options.twilioApiBase = "http://127.0.0.1:5000";
    CHECK_NOTHROW(RelayEngine(options));
}

TEST_CASE("cancel stops a delivery in progress", "[relay][engine]") {
    Receivers receivers;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    receivers.stallMs = 3000;
    Context context;
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        context.cancel();
    });
    auto result = engine->receive(signedRequest(Text{}), context);
    canceller.join();
    CHECK(result.status == "Failed");
    CHECK(result.sinks[0].error == "cancelled");
    receivers.stallMs = 0;
}

TEST_CASE("route documents: routes with sinks from files and environment variables", "[relay][engine]") {
    auto dir = std::filesystem::temp_directory_path() /
               ("mfaphone-routes-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    // Forward slashes: the path goes into a JSON string unescaped, and Windows accepts them.
    auto urlFile = (dir / "teams.url").generic_string();
    { std::ofstream(urlFile) << "https://prod-00.westus.logic.azure.com/workflows/x?sig=file-secret\n"; }
    setenv("MFAPHONE_TEST_SLACK_URL", "https://hooks.slack.com/services/T/B/env-secret", 1);
    auto routes =
        parseRoutesJson(R"({"routes":[{"tenant":"Contoso","to":"+15005550006","redact":true,"sinks":[
        {"name":"c-teams","kind":"teams","urlFile":")" +
                        urlFile + R"("},
        {"kind":"slack","urlEnv":"MFAPHONE_TEST_SLACK_URL"}]}]})");
    REQUIRE(routes.size() == 1);
    CHECK(routes[0].tenant == "Contoso");
    CHECK(routes[0].redact);
    REQUIRE(routes[0].sinks.size() == 2);
    CHECK(routes[0].sinks[0].url == "https://prod-00.westus.logic.azure.com/workflows/x?sig=file-secret");
    CHECK(routes[0].sinks[1].name == "Contoso-slack-1");
    CHECK(routes[0].sinks[1].url == "https://hooks.slack.com/services/T/B/env-secret");
    CHECK(parseRoutesJson(R"([{"tenant":"T","sinks":[{"urlEnv":"MFAPHONE_TEST_SLACK_URL","kind":"slack"}]}])")
              .size() == 1);

    auto error = [](const std::string& json) {
        try {
            parseRoutesJson(json);
        } catch (const InvalidInputError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(error("{").find("not valid JSON") != std::string::npos);
    CHECK(error(R"({"routes":[]})").find("non-empty") != std::string::npos);
    CHECK(error(R"([{"tenant":"T","sinks":[{"url":"https://x/inline-secret"}]}])")
              .find("routes[0].sinks[0].url") != std::string::npos);
    CHECK(error(R"([{"tenant":"T","sinks":[{"url":"https://x/inline-secret"}]}])").find("inline-secret") ==
          std::string::npos);
    CHECK(error(R"([{"tenant":"T","sinks":[{"urlEnv":"MFAPHONE_TEST_UNSET_VARIABLE"}]}])")
              .find("routes[0].sinks[0].urlEnv: the environment variable 'MFAPHONE_TEST_UNSET_VARIABLE'") !=
          std::string::npos);
    CHECK(error(R"([{"tenant":"T","tenat":"x","sinks":[]}])").find("unknown setting 'tenat'") !=
          std::string::npos);
    setenv("MFAPHONE_TEST_OLD_URL", "https://x.webhook.office.com/webhookb2/old-secret", 1);
    std::string retired = error(R"([{"tenant":"T","sinks":[{"urlEnv":"MFAPHONE_TEST_OLD_URL"}]}])");
    CHECK(retired.find("retired") != std::string::npos);
    CHECK(retired.find("old-secret") == std::string::npos);

    Relay facade(RelayOptions{});
    facade.addRoutesJson(
        R"([{"tenant":"T","to":"+15005550006","sinks":[{"urlEnv":"MFAPHONE_TEST_SLACK_URL","kind":"slack"}]}])");
    CHECK_THROWS_WITH(
        facade.addRoutesJson(
            R"([{"tenant":"U","to":"+15005550006","sinks":[{"urlEnv":"MFAPHONE_TEST_SLACK_URL","kind":"slack"}]}])"),
        Catch::StartsWith("routes[0]: ") && Catch::Contains("same number"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the facade: masked codes, TwiML and time spent waiting vs. overhead", "[relay][engine]") {
    CHECK(Relay::maskCode("482913") == "******");
    CHECK(Relay::maskCode("") == "");
    CHECK(Relay::twiml() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");

    Receivers receivers;
    receivers.stallMs = 300;
    auto engine = makeEngine(receivers);
    engine->addRoute(teamsRoute(receivers));
    auto result = engine->receive(signedRequest(Text{}), Context{});
    CHECK(result.status == "Delivered");
    CHECK(result.sinks[0].waitMs >= 300);
    CHECK(result.overheadMs >= 0);
    CHECK(result.overheadMs == Approx(result.elapsedMs - result.sinks[0].waitMs).margin(0.001));
}
