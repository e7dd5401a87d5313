#include <catch2/catch.hpp>
#include <regex>

#include "fakes.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/pipeline.hpp"

using namespace mfaphone;
using namespace mfaphone::test;
using namespace std::chrono_literals;

namespace {
const std::string kTokenA = "eyJ.TOKEN-A.sig";
const std::string kTokenB = "eyJ.TOKEN-B.sig";

std::string tokenBody(const std::string& token, int expiresIn = 3599) {
    return R"({"token_type":"Bearer","expires_in":)" + std::to_string(expiresIn) + R"(,"access_token":")" +
           token + R"("})";
}

bool isGuid(const std::string& s) {
    static const std::regex guid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    return std::regex_match(s, guid);
}

HttpRequest request(const std::string& method, const std::string& url, const std::string& body = "") {
    HttpRequest r;
    r.method = method;
    r.url = url;
    r.body = SecretString(body);
    return r;
}

// A Graph pipeline over scripted transports for the token endpoint and for Graph, with a
// clock the test moves and a sleeper that records (and can move the clock).
struct GraphFixture {
    std::shared_ptr<ScriptedTransport> login = std::make_shared<ScriptedTransport>();
    std::shared_ptr<ScriptedTransport> graph = std::make_shared<ScriptedTransport>();
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    std::vector<std::chrono::milliseconds> sleeps;
    std::chrono::seconds advancePerSleep{0};
    std::vector<std::string> logs;
    std::shared_ptr<TokenCache> tokens;
    std::shared_ptr<ConcurrencyLimiter> limiter;

    Logger logger(LogLevel level = LogLevel::Debug) {
        return Logger(level, [this](LogLevel, std::string_view c, std::string m) {
            logs.push_back(std::string(c) + ": " + m);
        });
    }

    std::shared_ptr<Transport> pipeline(LogLevel level = LogLevel::Debug, bool withLimiter = false) {
        auto cloud = resolveCloud("Global", "", "");
        auto cred = std::make_shared<ClientSecretCredential>(login, cloud, "t", "c",
                                                             SecretString(std::string("s")), Logger{});
        tokens =
            std::make_shared<TokenCache>(cred, std::chrono::seconds(300), Logger{}, [this] { return now; });
        if (withLimiter) limiter = makeAdaptiveLimiter(LimiterOptions{}, Logger{});
        PipelineOptions options;
        options.sleeper = [this](std::chrono::milliseconds d, const Context&) {
            sleeps.push_back(d);
            now += advancePerSleep;
        };
        return makeGraphPipeline(graph, tokens, limiter, logger(level), options);
    }
};
}  // namespace

TEST_CASE("the Graph pipeline sends the exact headers: caller's, request id, bearer token", "[pipeline]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.graph->then(response(200, "{}"));
    auto p = f.pipeline(LogLevel::None);
    HttpRequest r = request("PATCH", "https://graph.microsoft.com/v1.0/users/u/authentication/phoneMethods/m",
                            R"({"phoneNumber":"+1 5555551234"})");
    r.headers = {{"Accept", "application/json"}, {"Content-Type", "application/json"}};
    CHECK(p->send(r, Context{}).status == 200);
    REQUIRE(f.graph->requests.size() == 1);
    const auto& sent = f.graph->requests[0];
    CHECK(sent.method == "PATCH");
    CHECK(sent.url == "https://graph.microsoft.com/v1.0/users/u/authentication/phoneMethods/m");
    CHECK(sent.body == R"({"phoneNumber":"+1 5555551234"})");
    REQUIRE(sent.headers.size() == 4);
    CHECK(sent.headers[0] == std::make_pair(std::string("Accept"), std::string("application/json")));
    CHECK(sent.headers[1] == std::make_pair(std::string("Content-Type"), std::string("application/json")));
    CHECK(sent.headers[2].first == "client-request-id");
    CHECK(isGuid(sent.headers[2].second));
    CHECK(sent.headers[3] == std::make_pair(std::string("Authorization"), "Bearer " + kTokenA));
    // The caller's request is left as it was.
    CHECK(r.headers.size() == 2);
}

TEST_CASE("the request id is the same across retries and new for each request", "[pipeline]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.graph->then(response(429, "", {{"retry-after", "1"}}));
    f.graph->then(response(503, ""));
    f.graph->then(response(200, "{}"));
    f.graph->then(response(200, "{}"));
    auto p = f.pipeline(LogLevel::None);
    p->send(request("GET", "https://graph.microsoft.com/v1.0/users/a"), Context{});
    p->send(request("GET", "https://graph.microsoft.com/v1.0/users/b"), Context{});
    REQUIRE(f.graph->requests.size() == 4);
    std::string id = f.graph->requests[0].header("client-request-id");
    CHECK(isGuid(id));
    CHECK(f.graph->requests[1].header("client-request-id") == id);
    CHECK(f.graph->requests[2].header("client-request-id") == id);
    std::string second = f.graph->requests[3].header("client-request-id");
    CHECK(isGuid(second));
    CHECK(second != id);
}

TEST_CASE("a caller's own client-request-id is kept", "[pipeline]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(200, ""));
    RequestIdPolicy policy(inner);
    HttpRequest r = request("GET", "https://g/x");
    r.headers = {{"Client-Request-Id", "batch-7"}};
    policy.send(r, Context{});
    REQUIRE(inner->requests[0].headers.size() == 1);
    CHECK(inner->requests[0].header("Client-Request-Id") == "batch-7");
}

TEST_CASE("a retried 401 gets a fresh token, once", "[pipeline]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.login->then(response(200, tokenBody(kTokenB)));
    f.graph->then(response(401, R"({"error":{"code":"InvalidAuthenticationToken","message":"expired"}})"));
    f.graph->then(response(401, R"({"error":{"code":"InvalidAuthenticationToken","message":"expired"}})"));
    auto p = f.pipeline(LogLevel::Verbose);
    HttpResponse r = p->send(request("GET", "https://graph.microsoft.com/v1.0/users/u"), Context{});
    CHECK(r.status == 401);  // the second 401 is the answer, not a loop
    REQUIRE(f.graph->requests.size() == 2);
    CHECK(f.graph->requests[0].header("Authorization") == "Bearer " + kTokenA);
    CHECK(f.graph->requests[1].header("Authorization") == "Bearer " + kTokenB);
    CHECK(f.graph->requests[0].header("client-request-id") ==
          f.graph->requests[1].header("client-request-id"));
    CHECK(f.login->requests.size() == 2);
    REQUIRE(f.logs.size() == 1);
    CHECK(f.logs[0] ==
          "graph: 401 from GET https://graph.microsoft.com/v1.0/users/u; refreshing the token once");
}

TEST_CASE("a request retried after a 429 is sent with a fresh token once the old one expires", "[pipeline]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA, 600)));
    f.login->then(response(200, tokenBody(kTokenB, 3600)));
    f.graph->then(response(429, "", {{"retry-after", "2.5"}}));
    f.graph->then(response(200, "{}"));
    f.advancePerSleep = std::chrono::seconds(400);  // the wait outlives token A's refresh margin
    auto p = f.pipeline(LogLevel::None);
    CHECK(p->send(request("GET", "https://graph.microsoft.com/v1.0/users/u"), Context{}).status == 200);
    REQUIRE(f.sleeps.size() == 1);
    CHECK(f.sleeps[0] == 2500ms);
    REQUIRE(f.graph->requests.size() == 2);
    CHECK(f.graph->requests[0].header("Authorization") == "Bearer " + kTokenA);
    CHECK(f.graph->requests[1].header("Authorization") == "Bearer " + kTokenB);
}

TEST_CASE("retries exhausted on Graph describe Graph's error", "[pipeline]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    for (int i = 0; i < 7; ++i)
        f.graph->then(response(503,
                               R"({"error":{"code":"serviceNotAvailable","message":"Service unavailable"}})",
                               {{"request-id", "rid-" + std::to_string(i)}}));
    auto p = f.pipeline(LogLevel::None);
    try {
        p->send(request("GET", "https://graph.microsoft.com/v1.0/users/u"), Context{});
        FAIL("expected RetriesExhaustedError");
    } catch (const RetriesExhaustedError& e) {
        CHECK(e.status() == 503);
        CHECK(e.code() == "retriesExhausted");
        CHECK(e.requestId() == "rid-6");
        CHECK_THAT(e.what(),
                   Catch::Matches("Gave up after 7 attempts over [0-9.]+ s: Graph answered HTTP 503 "
                                  "serviceNotAvailable: Service unavailable \\(request-id rid-6\\)"));
    }
    CHECK(f.graph->requests.size() == 7);
}

TEST_CASE("the Graph pipeline feeds the session's limiter and holds a permit per request",
          "[pipeline][limiter]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    auto p = f.pipeline(LogLevel::None, true);
    f.graph->then([&](const RecordedRequest&) {
        CHECK(f.limiter->stats().inFlight == 1);
        return response(429, "", {{"retry-after", "0.01"}});
    });
    f.graph->then([&](const RecordedRequest&) {
        CHECK(f.limiter->stats().inFlight == 1);
        return response(200, "{}");
    });
    CHECK(p->send(request("GET", "https://graph.microsoft.com/v1.0/users/u"), Context{}).status == 200);
    auto stats = f.limiter->stats();
    CHECK(stats.inFlight == 0);
    CHECK(stats.requests == 2);
    CHECK(stats.throttled == 1);
    CHECK(stats.limit == 8);  // not halved: a 429 is answered by pausing and pacing
    CHECK(stats.rate == 0);   // nothing accepted before it: no rate to pace at, the pause alone
    CHECK(stats.pauses == 1);
}

TEST_CASE("GraphClient sends through the pipeline and keeps its public methods", "[pipeline][graph]") {
    GraphFixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.graph->then(
        response(200, R"({"value":[{"id":"m","phoneNumber":"+46 701234567","phoneType":"mobile"}]})"));
    GraphClient client(f.pipeline(LogLevel::None), "https://graph.microsoft.com/", Logger{});
    auto methods = client.listPhoneMethods("adele@contoso.com", Context{});
    REQUIRE(methods.size() == 1);
    CHECK(methods[0].phoneNumber == "+46 701234567");
    REQUIRE(f.graph->requests.size() == 1);
    CHECK(f.graph->requests[0].url ==
          "https://graph.microsoft.com/v1.0/users/adele@contoso.com/authentication/phoneMethods");
    CHECK(f.graph->requests[0].header("Authorization") == "Bearer " + kTokenA);
    CHECK(isGuid(f.graph->requests[0].header("client-request-id")));
}

TEST_CASE("the log policy shows allow-listed headers and query names only, never a body",
          "[pipeline][secrets]") {
    auto inner = std::make_shared<ScriptedTransport>();
    HttpResponse answer = response(200, "RESPONSEBODYSECRET",
                                   {{"request-id", "rid-1"}, {"set-cookie", "session=COOKIESECRET"}});
    answer.httpVersion = 20;
    inner->then(answer);
    std::vector<std::string> lines;
    Logger logger(LogLevel::Debug, [&](LogLevel level, std::string_view c, std::string m) {
        CHECK(level == LogLevel::Debug);
        lines.push_back(std::string(c) + ": " + m);
    });
    LogPolicy policy(inner, logger, "graph");
    HttpRequest r = request("POST", "https://g/users?token=QUERYSECRET&$select=id", "REQUESTBODYSECRET");
    r.headers = {{"Authorization", "Bearer TOKENSECRET"},
                 {"X-IDENTITY-HEADER", "IDENTITYSECRET"},
                 {"Accept", "application/json"},
                 {"client-request-id", "c-1"}};
    policy.send(r, Context{});
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] ==
          "graph: POST https://g/users?token=REDACTED&$select=id\n  Authorization: REDACTED\n"
          "  X-IDENTITY-HEADER: REDACTED\n  Accept: application/json\n  client-request-id: c-1");
    CHECK_THAT(lines[1],
               Catch::Matches("graph: 200 from POST https://g/users\\?token=REDACTED&\\$select=id in "
                              "[0-9]+ ms \\(HTTP/2\\)\n  request-id: rid-1\n  set-cookie: REDACTED"));
    for (const auto& line : lines)
        for (const char* secret :
             {"TOKENSECRET", "QUERYSECRET", "COOKIESECRET", "IDENTITYSECRET", "BODYSECRET"})
            CHECK_THAT(line, !Catch::Contains(secret));
}

TEST_CASE("the log policy formats nothing below its level", "[pipeline]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(200, ""));
    int gateCalls = 0, sinkCalls = 0;
    Logger logger([&](LogLevel level) { return ++gateCalls, level >= LogLevel::Verbose; },
                  [&](LogLevel, std::string_view, std::string) { ++sinkCalls; });
    LogPolicy policy(inner, logger, "graph");
    policy.send(request("GET", "https://g/x"), Context{});
    CHECK(gateCalls == 1);  // asked once, before any formatting
    CHECK(sinkCalls == 0);
}

TEST_CASE("a webhook pipeline logs only the origin of its secret URL", "[pipeline][secrets]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(503, "", {{"retry-after", "0.1"}}));
    inner->then(response(202, ""));
    std::vector<std::string> lines;
    Logger logger(LogLevel::Debug, [&](LogLevel, std::string_view c, std::string m) {
        lines.push_back(std::string(c) + ": " + m);
    });
    PipelineOptions options;
    options.sleeper = [](std::chrono::milliseconds, const Context&) {};
    auto p = makePlainPipeline(inner, logger, options);
    HttpRequest r = request("POST", "https://user:PASS@hooks.slack.com/services/T0/B0/HOOKSECRET?x=1", "{}");
    r.idempotent = true;
    CHECK(p->send(r, Context{}).status == 202);
    REQUIRE(lines.size() == 5);  // request, 503, retrying, request, 202
    CHECK_THAT(lines[2],
               Catch::StartsWith("http: retrying POST https://hooks.slack.com/REDACTED after HTTP 503"));
    for (const auto& line : lines) {
        CHECK_THAT(line, Catch::Contains("https://hooks.slack.com/REDACTED"));
        CHECK_THAT(line, !Catch::Contains("HOOKSECRET") && !Catch::Contains("PASS"));
    }
    // No credentials are added to a webhook request.
    CHECK(inner->requests[0].header("Authorization").empty());
    CHECK(isGuid(inner->requests[0].header("client-request-id")));
}

TEST_CASE("the managed identity pipeline sends its secret header and Metadata: true", "[pipeline]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(500, ""));
    inner->then(response(200, "{}"));
    std::vector<std::string> lines;
    Logger logger(LogLevel::Debug, [&](LogLevel, std::string_view c, std::string m) {
        lines.push_back(std::string(c) + ": " + m);
    });
    PipelineOptions options;
    options.sleeper = [](std::chrono::milliseconds, const Context&) {};
    auto p = makeManagedIdentityPipeline(inner, "X-IDENTITY-HEADER", SecretString(std::string("IDHDRSECRET")),
                                         logger, options);
    CHECK(p->send(request("GET", "http://127.0.0.1:20072/oauth2/token?api-version=2019-08-01&resource=x"),
                  Context{})
              .status == 200);
    REQUIRE(inner->requests.size() == 2);
    for (const auto& sent : inner->requests) {
        REQUIRE(sent.headers.size() == 3);
        CHECK(sent.headers[0].first == "client-request-id");
        CHECK(sent.headers[1] == std::make_pair(std::string("Metadata"), std::string("true")));
        CHECK(sent.headers[2] ==
              std::make_pair(std::string("X-IDENTITY-HEADER"), std::string("IDHDRSECRET")));
    }
    CHECK_THAT(lines.front(), Catch::StartsWith("auth: GET http://127.0.0.1:20072/oauth2/token?"));
    for (const auto& line : lines) CHECK_THAT(line, !Catch::Contains("IDHDRSECRET"));

    SECTION("IMDS: no secret, only Metadata") {
        auto imds = std::make_shared<ScriptedTransport>();
        imds->then(response(200, "{}"));
        auto q = makeManagedIdentityPipeline(imds, "", SecretString(), Logger{}, options);
        q->send(request("GET", "http://169.254.169.254/metadata/identity/oauth2/token"), Context{});
        REQUIRE(imds->requests[0].headers.size() == 2);
        CHECK(imds->requests[0].header("Metadata") == "true");
    }
}

TEST_CASE("the Basic auth pipeline sends base64(user:password)", "[pipeline]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(200, ""));
    auto p = makeBasicAuthPipeline(inner, "AC123", SecretString(std::string("s3cr:t")), Logger{});
    p->send(request("GET", "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages/SM1.json"), Context{});
    CHECK(inner->requests[0].header("Authorization") == "Basic QUMxMjM6czNjcjp0");
    CHECK_THROWS_AS(makeBasicAuthPipeline(inner, "a:b", SecretString(std::string("x")), Logger{}),
                    InvalidInputError);
}

TEST_CASE("the token endpoint pipeline adds no credentials and logs as auth", "[pipeline]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(200, tokenBody(kTokenA)));
    std::vector<std::string> lines;
    Logger logger(LogLevel::Debug, [&](LogLevel, std::string_view c, std::string m) {
        lines.push_back(std::string(c) + ": " + m);
    });
    auto p = makeTokenEndpointPipeline(inner, logger);
    HttpRequest r = request("POST", "https://login.microsoftonline.com/t/oauth2/v2.0/token",
                            "client_id=c&client_secret=FORMSECRET");
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    p->send(r, Context{});
    REQUIRE(inner->requests[0].headers.size() == 2);
    CHECK(inner->requests[0].header("Authorization").empty());
    CHECK(inner->requests[0].body == "client_id=c&client_secret=FORMSECRET");
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines[0],
               Catch::StartsWith("auth: POST https://login.microsoftonline.com/t/oauth2/v2.0/token"));
    for (const auto& line : lines)
        CHECK_THAT(line, !Catch::Contains("FORMSECRET") && !Catch::Contains(kTokenA));
}
