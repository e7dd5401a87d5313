#include <catch2/catch.hpp>
#include <thread>

#include "fakes.hpp"
#include "mfaphone/internal/credentials.hpp"

using namespace mfaphone;
using namespace mfaphone::test;

namespace {
// A JWT-shaped token with a payload of {"roles":["UserAuthenticationMethod.ReadWrite.All","User.Read.All"]}.
const std::string kToken =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJyb2xlcyI6WyJVc2VyQXV0aGVudGljYXRpb25NZXRob2QuUmVhZFdyaXRlLkFsbCIsIlVzZXIuUmVhZC5BbGwiXX0.sig";

std::string tokenBody(long expiresIn = 3599) {
    return R"({"token_type":"Bearer","expires_in":)" + std::to_string(expiresIn) +
           R"(,"ext_expires_in":3599,"access_token":")" + kToken + R"("})";
}

ClientSecretCredential credential(std::shared_ptr<Transport> t, const std::string& secret = "s3cr&t+=/") {
    return ClientSecretCredential(t, resolveCloud("Global", "", ""), "contoso.onmicrosoft.com",
                                  "11111111-2222-3333-4444-555555555555", SecretString(secret), Logger{});
}
}  // namespace

TEST_CASE("client secret flow sends exactly the documented request", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody()));
    auto cred = credential(t);
    AccessToken token = cred.requestToken(Context{});
    REQUIRE(t->requests.size() == 1);
    const auto& r = t->requests[0];
    CHECK(r.method == "POST");
    CHECK(r.url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    CHECK(r.header("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(r.body ==
          "client_id=11111111-2222-3333-4444-555555555555"
          "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
          "&client_secret=s3cr%26t%2B%3D%2F"
          "&grant_type=client_credentials");
    CHECK(std::string(token.token.data(), token.token.size()) == kToken);
    auto life = token.expiresOn - std::chrono::system_clock::now();
    CHECK(life > std::chrono::seconds(3590));
    CHECK(life <= std::chrono::seconds(3599));
}

TEST_CASE("national clouds and overrides pick hosts and scope", "[auth]") {
    auto gov = resolveCloud("usgovdod", "", "");
    CHECK(gov.name == "USGovDoD");
    CHECK(gov.authorityHost == "https://login.microsoftonline.us");
    CHECK(gov.graphResource == "https://dod-graph.microsoft.us");
    auto emu = resolveCloud("Global", "http://127.0.0.1:5000/", "http://127.0.0.1:5000");
    CHECK(emu.authorityHost == "http://127.0.0.1:5000");
    CHECK(emu.graphEndpoint == "http://127.0.0.1:5000");
    CHECK(emu.graphResource == "https://graph.microsoft.com");  // the scope stays the cloud's
    CHECK_THROWS_WITH(resolveCloud("Mars", "", ""), Catch::Contains("Global, USGov, USGovDoD, China"));
    CHECK_THROWS_AS(resolveCloud("Global", "login.example", ""), InvalidInputError);
}

TEST_CASE("overrides may use http only for this machine, and never carry credentials", "[auth][secrets]") {
    CHECK(resolveCloud("Global", "http://localhost:8080", "http://[::1]:9000/").graphEndpoint ==
          "http://[::1]:9000");
    CHECK(resolveCloud("Global", "https://login.example.com", "").authorityHost ==
          "https://login.example.com");
    CHECK_THROWS_WITH(resolveCloud("Global", "http://login.microsoftonline.com", ""),
                      Catch::Contains("unencrypted") && Catch::Contains("https://"));
    CHECK_THROWS_AS(resolveCloud("Global", "", "http://graph.example.com"), InvalidInputError);
    CHECK_THROWS_AS(resolveCloud("Global", "http://127.0.0.1.evil.example", ""), InvalidInputError);
    // Credentials in the URL would be echoed in logs and the context: refuse them, unnamed.
    try {
        resolveCloud("Global", "https://admin:hunter2@login.example.com", "");
        FAIL("expected InvalidInputError");
    } catch (const InvalidInputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("user name or password") && !Catch::Contains("hunter2"));
    }
    CHECK_THROWS_AS(resolveCloud("Global", "https://h/x?a=1", ""), InvalidInputError);
}

TEST_CASE("AADSTS errors become clear messages with the correlation id", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(
        401,
        R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y","error_codes":[7000215],"timestamp":"2026-01-01 00:00:00Z","trace_id":"t-1","correlation_id":"c-42"})"));
    auto cred = credential(t, "the-secret-value");
    try {
        cred.requestToken(Context{});
        FAIL("expected AuthError");
    } catch (const AuthError& e) {
        std::string m = e.what();
        CHECK(e.error() == "invalid_client");
        CHECK(e.aadsts() == 7000215);
        CHECK(e.correlationId() == "c-42");
        CHECK(e.httpStatus() == 401);
        CHECK_THAT(
            m, Catch::Contains("AADSTS7000215") && Catch::Contains("Secret ID") && Catch::Contains("c-42"));
        CHECK_THAT(m, !Catch::Contains("Trace ID"));  // first line of the description only
        CHECK_THAT(m, !Catch::Contains("the-secret-value"));
    }
}

TEST_CASE("each documented AADSTS code has advice", "[auth]") {
    for (long code :
         {50126L, 50076L, 50079L, 53003L, 7000215L, 7000222L, 7000218L, 700016L, 65001L, 70011L, 90002L})
        CHECK_FALSE(describeAadsts(code).empty());
    CHECK(describeAadsts(12345).empty());
}

TEST_CASE("a non-JSON token error is still an AuthError", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(502, "<html>bad gateway</html>"));
    auto cred = credential(t);
    CHECK_THROWS_AS(cred.requestToken(Context{}), AuthError);
}

TEST_CASE("the token cache refreshes before expiry and after a rejected token", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody(3599)));
    t->then(response(200, tokenBody(3599)));
    auto cred = std::make_shared<ClientSecretCredential>(credential(t));
    TokenCache cache(cred);
    SecretString first = cache.bearer(Context{});
    cache.bearer(Context{});
    CHECK(t->requests.size() == 1);  // cached
    cache.invalidate(first);
    cache.bearer(Context{});
    CHECK(t->requests.size() == 2);
}

namespace {
struct ManualClock {
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    TokenCache::Clock fn() {
        return [this] { return now; };
    }
};
}  // namespace

TEST_CASE("tokens are refreshed five minutes before they expire", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody(3600)));
    t->then(response(200, tokenBody(3600)));
    ManualClock clock;
    TokenCache cache(std::make_shared<ClientSecretCredential>(credential(t)), std::chrono::seconds(300),
                     Logger{}, clock.fn());
    cache.bearer(Context{});
    clock.now += std::chrono::seconds(3600 - 301);
    cache.bearer(Context{});
    CHECK(t->requests.size() == 1);
    clock.now += std::chrono::seconds(2);  // now within the last five minutes
    cache.bearer(Context{});
    CHECK(t->requests.size() == 2);
}

TEST_CASE("a failed early refresh keeps using a token that still has life", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody(3600)));
    t->then(response(400, R"({"error":"temporarily_unavailable","error_codes":[50000]})"));
    t->then(response(200, tokenBody(3600)));
    ManualClock clock;
    std::vector<std::string> warnings;
    Logger logger(LogLevel::Warning,
                  [&](LogLevel, std::string_view, std::string m) { warnings.push_back(m); });
    TokenCache cache(std::make_shared<ClientSecretCredential>(credential(t)), std::chrono::seconds(300),
                     logger, clock.fn());
    SecretString first = cache.bearer(Context{});
    clock.now += std::chrono::seconds(3600 - 120);
    CHECK(cache.bearer(Context{}) == first);  // refresh failed: the cached token is still good
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("refreshing the access token failed"));
    cache.bearer(Context{});
    CHECK(t->requests.size() == 2);  // no new attempt within 10 s of the failure
    clock.now += std::chrono::seconds(11);
    cache.bearer(Context{});
    CHECK(t->requests.size() == 3);
}

TEST_CASE("a failed refresh of a nearly expired token is an error", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody(3600)));
    t->then(response(401, R"({"error":"invalid_client","error_codes":[7000222]})"));
    ManualClock clock;
    TokenCache cache(std::make_shared<ClientSecretCredential>(credential(t)), std::chrono::seconds(300),
                     Logger{}, clock.fn());
    cache.bearer(Context{});
    clock.now += std::chrono::seconds(3600 - 10);
    CHECK_THROWS_AS(cache.bearer(Context{}), AuthError);
}

TEST_CASE("concurrent callers share one refresh", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then([](const RecordedRequest&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return response(200, tokenBody(3600));
    });
    TokenCache cache(std::make_shared<ClientSecretCredential>(credential(t)));
    std::vector<std::thread> callers;
    for (int i = 0; i < 8; ++i) callers.emplace_back([&] { cache.bearer(Context{}); });
    for (auto& c : callers) c.join();
    CHECK(t->requests.size() == 1);
}

TEST_CASE("short-lived tokens are refreshed at half-life", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody(1)));
    t->then(response(200, tokenBody(1)));
    auto cred = std::make_shared<ClientSecretCredential>(credential(t));
    TokenCache cache(cred);
    cache.bearer(Context{});
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    cache.bearer(Context{});
    CHECK(t->requests.size() == 2);
}

TEST_CASE("roles are read from the token for diagnostics", "[auth]") {
    auto roles = tokenRoles(SecretString(kToken));
    CHECK(roles == std::vector<std::string>{"UserAuthenticationMethod.ReadWrite.All", "User.Read.All"});
    CHECK(tokenRoles(SecretString(std::string("not-a-jwt"))).empty());
}

TEST_CASE("empty credentials are rejected before any request", "[auth]") {
    auto t = std::make_shared<ScriptedTransport>();
    CHECK_THROWS_AS(ClientSecretCredential(t, resolveCloud("Global", "", ""), "", "id",
                                           SecretString(std::string("x")), Logger{}),
                    InvalidInputError);
    CHECK_THROWS_AS(
        ClientSecretCredential(t, resolveCloud("Global", "", ""), "t", "id", SecretString(), Logger{}),
        InvalidInputError);
    CHECK(t->requests.empty());
}
