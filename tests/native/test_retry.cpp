#include <catch2/catch.hpp>

#include "fakes.hpp"
#include "mfaphone/internal/http.hpp"

using namespace mfaphone;
using namespace mfaphone::test;
using namespace std::chrono_literals;

namespace {
struct RecordingSleeper {
    std::vector<std::chrono::milliseconds> delays;
    RetryPolicy::Sleeper fn() {
        return [this](std::chrono::milliseconds d, const Context&) { delays.push_back(d); };
    }
};
HttpRequest get(const std::string& url) {
    HttpRequest r;
    r.url = url;
    return r;
}
}  // namespace

TEST_CASE("Retry-After is parsed as fractional seconds or an HTTP-date", "[retry]") {
    auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    CHECK(parseRetryAfter("2", now) == 2000ms);
    CHECK(parseRetryAfter(" 2.128 ", now) == 2128ms);
    CHECK(parseRetryAfter("0.0001", now) == 1ms);
    CHECK(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now) == 10000ms);
    CHECK(parseRetryAfter("Sun, 06 Nov 1994 08:49:30 GMT", now) == 0ms);
    CHECK_FALSE(parseRetryAfter("", now));
    CHECK_FALSE(parseRetryAfter("soon", now));
    CHECK_FALSE(parseRetryAfter("-1", now));
    CHECK_FALSE(parseRetryAfter("1.2.3", now));
    CHECK(parseRetryAfter("2.", now) == 2000ms);
    CHECK(parseRetryAfter(".5", now) == 500ms);
    CHECK(parseRetryAfter("0.0000", now) == 0ms);
    // A leap day: 2028-02-29T00:00:00Z is Unix 1835395200.
    CHECK(parseRetryAfter("Tue, 29 Feb 2028 00:00:00 GMT",
                          std::chrono::system_clock::from_time_t(1835395200 - 3600)) == 3600000ms);
    CHECK_FALSE(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 UTC", now));
    CHECK_FALSE(parseRetryAfter("Sun, 06 Xyz 1994 08:49:37 GMT", now));
    CHECK_FALSE(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now));
    // Absurd values are clamped, never wrapped into a negative or zero wait.
    auto huge = parseRetryAfter("99999999999999999999", now);
    REQUIRE(huge);
    CHECK(*huge > std::chrono::hours(24));
    auto farDate = parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now);
    REQUIRE(farDate);
    CHECK(*farDate > std::chrono::hours(24));
}

TEST_CASE("a huge Retry-After gives up instead of retrying at once", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(429, "", {{"retry-after", "99999999999999999999"}}));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
    CHECK(policy.send(get("https://g/x"), Context{}).status == 429);
    CHECK(sleeper.delays.empty());
    CHECK(inner->requests.size() == 1);
}

TEST_CASE("a change (POST, PATCH) is resent only when the service says it was not processed", "[retry]") {
    for (const char* method : {"POST", "PATCH"}) {
        for (int status : {500, 502, 504}) {
            auto inner = std::make_shared<ScriptedTransport>();
            inner->then(response(status, ""));
            RecordingSleeper sleeper;
            RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
            HttpRequest r = get("https://g/x");
            r.method = method;
            CHECK(policy.send(r, Context{}).status == status);
            CHECK(inner->requests.size() == 1);
        }
        for (int status : {429, 503}) {
            auto inner = std::make_shared<ScriptedTransport>();
            inner->then(response(status, "", {{"retry-after", "1"}}));
            inner->then(response(201, ""));
            RecordingSleeper sleeper;
            RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
            HttpRequest r = get("https://g/x");
            r.method = method;
            CHECK(policy.send(r, Context{}).status == 201);
            CHECK(inner->requests.size() == 2);
        }
    }
}

TEST_CASE("429 and 5xx are retried, honouring Retry-After", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(429, "", {{"retry-after", "2.5"}}));
    inner->then(response(503, ""));
    inner->then(response(200, "ok"));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 42);
    HttpResponse r = policy.send(get("https://graph/x"), Context{});
    CHECK(r.status == 200);
    CHECK(inner->requests.size() == 3);
    REQUIRE(sleeper.delays.size() == 2);
    CHECK(sleeper.delays[0] == 2500ms);
    // Exponential backoff with jitter for the 503 without Retry-After: attempt 1 -> [800, 1600] ms.
    CHECK(sleeper.delays[1] >= 800ms);
    CHECK(sleeper.delays[1] <= 1600ms);
}

TEST_CASE("non-retriable statuses are returned at once", "[retry]") {
    for (int status : {400, 401, 403, 404, 409, 501}) {
        auto inner = std::make_shared<ScriptedTransport>();
        inner->then(response(status, ""));
        RecordingSleeper sleeper;
        RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
        CHECK(policy.send(get("https://g/x"), Context{}).status == status);
        CHECK(sleeper.delays.empty());
    }
}

TEST_CASE("the retry budget ends with the last response", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    RetryOptions options;
    options.maxRetries = 2;
    for (int i = 0; i < 3; ++i) inner->then(response(500, ""));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, options, Logger{}, sleeper.fn(), 1);
    CHECK(policy.send(get("https://g/x"), Context{}).status == 500);
    CHECK(inner->requests.size() == 3);
    CHECK(sleeper.delays.size() == 2);
    CHECK(inner->remaining() == 0);
}

TEST_CASE("transport errors are retried only when repeating is safe", "[retry]") {
    SECTION("GET is retried") {
        auto inner = std::make_shared<ScriptedTransport>();
        inner->thenThrow(TransportError("reset"));
        inner->then(response(200, ""));
        RecordingSleeper sleeper;
        RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
        CHECK(policy.send(get("https://g/x"), Context{}).status == 200);
    }
    SECTION("only a few times") {
        auto inner = std::make_shared<ScriptedTransport>();
        for (int i = 0; i < 3; ++i) inner->thenThrow(TransportError("refused"));
        RecordingSleeper sleeper;
        RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
        CHECK_THROWS_AS(policy.send(get("https://g/x"), Context{}), TransportError);
        CHECK(inner->requests.size() == 3);
        CHECK(sleeper.delays.size() == 2);
    }
    SECTION("POST is not") {
        auto inner = std::make_shared<ScriptedTransport>();
        inner->thenThrow(TransportError("reset"));
        RecordingSleeper sleeper;
        RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
        HttpRequest post = get("https://g/x");
        post.method = "POST";
        CHECK_THROWS_AS(policy.send(post, Context{}), TransportError);
        CHECK(sleeper.delays.empty());
    }
}

TEST_CASE("a Retry-After longer than the limit is not waited for", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(429, "", {{"retry-after", "3600"}}));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
    CHECK(policy.send(get("https://g/x"), Context{}).status == 429);
    CHECK(sleeper.delays.empty());
}

TEST_CASE("cancellation during a backoff stops retrying", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(503, "", {{"retry-after", "30"}}));
    Context ctx;
    RetryPolicy policy(
        inner, RetryOptions{}, Logger{},
        [](std::chrono::milliseconds, const Context& c) {
            c.cancel();
            c.throwIfCancelled();
        },
        1);
    CHECK_THROWS_AS(policy.send(get("https://g/x"), ctx), CancelledError);
    CHECK(inner->requests.size() == 1);
}

TEST_CASE("retries are logged without secrets in the URL", "[retry][secrets]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(429, "", {{"retry-after", "1"}}));
    inner->then(response(200, ""));
    std::vector<std::string> lines;
    Logger logger(LogLevel::Debug, [&](LogLevel, std::string_view c, std::string m) {
        lines.push_back(std::string(c) + ": " + m);
    });
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, logger, sleeper.fn(), 1);
    policy.send(get("https://hooks/x?sig=SECRETSIG"), Context{});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] ==
          "http: retrying GET https://hooks/x?sig=REDACTED after HTTP 429 in 1.0 s (retry 1 of 6)");
}
