#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>

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
    try {
        policy.send(get("https://g/x"), Context{});
        FAIL("expected RetriesExhaustedError");
    } catch (const RetriesExhaustedError& e) {
        CHECK(e.status() == 429);
        CHECK(e.code() == "retriesExhausted");
        CHECK_THAT(e.what(), Catch::StartsWith("Gave up after 1 attempt over ") &&
                                 Catch::Contains("longer than the 300 s allowed"));
    }
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
    // Exponential backoff with jitter for the 503 without Retry-After, the first server error:
    // half of the 800 ms base window fixed, half random -> [400, 800] ms.
    CHECK(sleeper.delays[1] >= 400ms);
    CHECK(sleeper.delays[1] <= 800ms);
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

TEST_CASE("server errors are retried a bounded number of times, then the error says so", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    RetryOptions options;
    options.maxRetries = 2;
    for (int i = 0; i < 3; ++i) inner->then(response(500, "", {{"request-id", "r-" + std::to_string(i)}}));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, options, Logger{}, sleeper.fn(), 1);
    try {
        policy.send(get("https://g/x?token=SECRET"), Context{});
        FAIL("expected RetriesExhaustedError");
    } catch (const RetriesExhaustedError& e) {
        CHECK(e.status() == 500);
        CHECK(e.requestId() == "r-2");
        CHECK(e.attempts() == 3);
        CHECK_THAT(e.what(), Catch::Matches("Gave up after 3 attempts over [0-9.]+ s: HTTP 500 from GET "
                                            "https://g/x\\?token=REDACTED \\(request-id r-2\\)"));
    }
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
        for (int i = 0; i < 3; ++i) inner->thenThrow(TransportError("GET https://g/x failed: refused"));
        RecordingSleeper sleeper;
        RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
        try {
            policy.send(get("https://g/x"), Context{});
            FAIL("expected TransportError");
        } catch (const TransportError& e) {
            CHECK_THAT(e.what(), Catch::Matches("Gave up after 3 attempts over [0-9.]+ s: GET https://g/x "
                                                "failed: refused"));
        }
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
    CHECK_THROWS_AS(policy.send(get("https://g/x"), Context{}), RetriesExhaustedError);
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
    CHECK(lines[0] == "http: retrying GET https://hooks/x?sig=REDACTED after HTTP 429 in 1.0 s (attempt 2)");
}

namespace {
std::string httpDate(std::chrono::system_clock::time_point when) {
    std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return text;
}
}  // namespace

TEST_CASE("throttling is paced to fractional and HTTP-date Retry-After values", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(429, "", {{"retry-after", "0.25"}}));
    inner->then(response(503, "", {{"retry-after", "2.128"}}));
    inner->then([](const RecordedRequest&) {
        return response(429, "", {{"retry-after", httpDate(std::chrono::system_clock::now() + 10s)}});
    });
    inner->then(response(200, "done"));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
    CHECK(policy.send(get("https://g/x"), Context{}).body == "done");
    REQUIRE(sleeper.delays.size() == 3);
    CHECK(sleeper.delays[0] == 250ms);
    CHECK(sleeper.delays[1] == 2128ms);
    // Second resolution: the date is 9 to 10 s away when it is read.
    CHECK(sleeper.delays[2] > 5000ms);
    CHECK(sleeper.delays[2] <= 10000ms);
}

TEST_CASE("sustained throttling is retried as long as it takes, not a fixed number of times", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    RetryOptions options;
    options.maxRetries = 2;
    options.budgetCapacity = 0;  // throttling does not spend the retry budget
    for (int i = 0; i < 40; ++i) inner->then(response(429, "", {{"retry-after", "0.5"}}));
    inner->then(response(503, "", {{"retry-after", "1"}}));
    inner->then(response(200, "ok"));
    RecordingSleeper sleeper;
    HttpRequest post = get("https://g/x");
    post.method = "POST";  // not repeatable, but a 429/503 says it was not processed
    RetryPolicy policy(inner, options, Logger{}, sleeper.fn(), 1);
    CHECK(policy.send(post, Context{}).status == 200);
    CHECK(inner->requests.size() == 42);
    CHECK(sleeper.delays.size() == 41);
}

TEST_CASE("a 429 without Retry-After backs off exponentially", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    for (int i = 0; i < 3; ++i) inner->then(response(429, ""));
    inner->then(response(200, ""));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 7);
    CHECK(policy.send(get("https://g/x"), Context{}).status == 200);
    REQUIRE(sleeper.delays.size() == 3);
    CHECK(sleeper.delays[0] >= 400ms);
    CHECK(sleeper.delays[0] <= 800ms);
    CHECK(sleeper.delays[1] >= 800ms);
    CHECK(sleeper.delays[1] <= 1600ms);
    CHECK(sleeper.delays[2] >= 1600ms);
    CHECK(sleeper.delays[2] <= 3200ms);
}

TEST_CASE("throttling gives up when the context's deadline comes before Retry-After ends", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(429, "", {{"retry-after", "0.1"}}));
    inner->then(response(429, "", {{"retry-after", "120"}, {"request-id", "r-9"}}));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
    try {
        policy.send(get("https://g/x"), Context{}.withTimeout(60s));
        FAIL("expected RetriesExhaustedError");
    } catch (const RetriesExhaustedError& e) {
        CHECK(e.status() == 429);
        CHECK(e.requestId() == "r-9");
        CHECK_THAT(e.what(), Catch::StartsWith("Gave up after 2 attempts over ") &&
                                 Catch::Contains("HTTP 429 from GET https://g/x (request-id r-9)") &&
                                 Catch::Contains("deadline"));
    }
    CHECK(sleeper.delays.size() == 1);
}

TEST_CASE("the retry budget bounds 5xx retries across requests", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    RetryOptions options;
    options.budgetCapacity = 2;
    options.budgetRatio = 0.5;
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, options, Logger{}, sleeper.fn(), 1);
    SECTION("an outage spends the budget, then requests fail after one attempt") {
        for (int i = 0; i < 3; ++i)
            inner->then(response(503, "", {{"request-id", "r-" + std::to_string(i)}}));
        try {
            policy.send(get("https://g/x"), Context{});
            FAIL("expected RetriesExhaustedError");
        } catch (const RetriesExhaustedError& e) {
            CHECK(e.status() == 503);
            CHECK(e.code() == "retriesExhausted");
            CHECK(e.attempts() == 3);
            CHECK_THAT(e.what(), Catch::Matches("Gave up after 3 attempts over [0-9.]+ s: HTTP 503 from GET "
                                                "https://g/x \\(request-id r-2\\); the retry budget is spent "
                                                "\\(too many requests failed recently\\)"));
        }
        CHECK(sleeper.delays.size() == 2);
        // The next request gets no retry at all: the budget is shared.
        inner->then(response(502, ""));
        try {
            policy.send(get("https://g/y"), Context{});
            FAIL("expected RetriesExhaustedError");
        } catch (const RetriesExhaustedError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("Gave up after 1 attempt over "));
        }
        CHECK(inner->requests.size() == 4);
        CHECK(sleeper.delays.size() == 2);
    }
    SECTION("answered requests earn retries back") {
        for (int i = 0; i < 3; ++i) inner->then(response(503, ""));
        CHECK_THROWS_AS(policy.send(get("https://g/x"), Context{}), RetriesExhaustedError);
        inner->then(response(200, ""));
        inner->then(response(404, ""));
        CHECK(policy.send(get("https://g/a"), Context{}).status == 200);
        CHECK(policy.send(get("https://g/b"), Context{}).status == 404);
        CHECK(policy.budget().balance() >= 1.0);
        inner->then(response(500, ""));
        inner->then(response(200, "recovered"));
        CHECK(policy.send(get("https://g/c"), Context{}).body == "recovered");
    }
}

TEST_CASE("no 5xx retry starts after the time allowed per request", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->then(response(500, ""));
    RetryOptions options;
    options.maxElapsed = 0ms;
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, options, Logger{}, sleeper.fn(), 1);
    try {
        policy.send(get("https://g/x"), Context{});
        FAIL("expected RetriesExhaustedError");
    } catch (const RetriesExhaustedError& e) {
        CHECK_THAT(e.what(), Catch::Contains("no retry starts later than 0.0 s after the first attempt"));
    }
    CHECK(sleeper.delays.empty());
}

TEST_CASE("certificate-verification failures are never retried", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    inner->thenThrow(TransportError("GET https://g/x failed: SSL certificate problem", false, false));
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
    try {
        policy.send(get("https://g/x"), Context{});
        FAIL("expected TransportError");
    } catch (const TransportError& e) {
        CHECK_FALSE(e.retriable());
        CHECK(std::string(e.what()) == "GET https://g/x failed: SSL certificate problem");
    }
    CHECK(inner->requests.size() == 1);
    CHECK(sleeper.delays.empty());
}

TEST_CASE("a POST marked idempotent is resent after a 500; one that is not, is not", "[retry]") {
    for (bool idempotent : {true, false}) {
        auto inner = std::make_shared<ScriptedTransport>();
        inner->then(response(500, ""));
        inner->then(response(200, "ok"));
        RecordingSleeper sleeper;
        RetryPolicy policy(inner, RetryOptions{}, Logger{}, sleeper.fn(), 1);
        HttpRequest post = get("https://login/token");
        post.method = "POST";
        post.idempotent = idempotent;
        CHECK(policy.send(post, Context{}).status == (idempotent ? 200 : 500));
        CHECK(inner->requests.size() == (idempotent ? 2u : 1u));
    }
}

TEST_CASE("a caller that must fail fast can cap throttled retries", "[retry]") {
    auto inner = std::make_shared<ScriptedTransport>();
    for (int i = 0; i < 4; ++i) inner->then(response(503, "", {{"retry-after", "0.01"}}));
    RetryOptions options;
    options.maxThrottledRetries = 3;
    RecordingSleeper sleeper;
    RetryPolicy policy(inner, options, Logger{}, sleeper.fn(), 1);
    try {
        policy.send(get("https://g/x"), Context{});
        FAIL("expected RetriesExhaustedError");
    } catch (const RetriesExhaustedError& e) {
        CHECK(e.attempts() == 4);
        CHECK(e.status() == 503);
    }
    CHECK(sleeper.delays.size() == 3);
    CHECK(inner->remaining() == 0);
}
