#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <random>
#include <thread>

#include "fakes.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/limiter.hpp"

using namespace mfaphone;
using namespace mfaphone::test;
using namespace std::chrono_literals;

namespace {
LimiterOptions options(int initial, int minimum = 1, int ceiling = 256) {
    LimiterOptions o;
    o.initial = initial;
    o.minimum = minimum;
    o.ceiling = ceiling;
    o.decreaseGap = 0ms;
    o.pacing = false;  // concurrency alone; pacing has its own cases below
    return o;
}

HttpResponse ok() { return response(200, ""); }
HttpResponse throttled(const std::string& retryAfter) {
    return response(429, "", {{"retry-after", retryAfter}});
}
HttpResponse nearLimit(const std::string& percentage) {
    return response(200, "", {{"x-ms-throttle-limit-percentage", percentage}});
}

LimiterOptions pacedOptions() {
    LimiterOptions o;
    o.initial = 8;
    o.decreaseGap = 0ms;
    o.rateCutGap = 0ms;
    o.easeGap = 0ms;
    return o;
}

// A $batch answer of `items` items, accepted.
void batchAnswered(ConcurrencyLimiter& limiter, int items, std::optional<double> used) {
    { auto permit = limiter.acquire(Context{}, items); }
    limiter.onResponse(ok(), items, true);
    limiter.onBatchAnswered(used);
}

// Holds `n` permits (the window is in use, so healthy answers may grow it).
std::vector<ConcurrencyLimiter::Permit> hold(ConcurrencyLimiter& limiter, int n) {
    std::vector<ConcurrencyLimiter::Permit> permits;
    for (int i = 0; i < n; ++i) permits.push_back(limiter.acquire(Context{}));
    return permits;
}
}  // namespace

TEST_CASE("x-ms-throttle-limit-percentage is parsed without the locale", "[limiter]") {
    CHECK(parseLimitPercentage("0.8") == Approx(0.8));
    CHECK(parseLimitPercentage(" 1.8 ") == Approx(1.8));
    CHECK(parseLimitPercentage("85") == Approx(0.85));
    CHECK_FALSE(parseLimitPercentage(""));
    CHECK_FALSE(parseLimitPercentage("high"));
    CHECK_FALSE(parseLimitPercentage("-1"));
    CHECK_FALSE(parseLimitPercentage("0.8x"));
    CHECK_FALSE(parseLimitPercentage("nan"));
}

TEST_CASE("the limiter grows slowly while healthy and the window is in use", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(4), Logger{});
    auto permits = hold(*limiter, 4);
    // About one more slot per window of `limit` healthy answers.
    for (int i = 0; i < 4; ++i) limiter->onResponse(ok());
    CHECK(limiter->stats().limit == 4);  // 4.92: +1/limit per answer
    limiter->onResponse(ok());
    CHECK(limiter->stats().limit == 5);
    for (int i = 0; i < 5; ++i) limiter->onResponse(ok());
    CHECK(limiter->stats().limit == 6);
    // A fifth permit is now available without waiting.
    permits.push_back(limiter->acquire(Context{}.withTimeout(10s)));
    CHECK(limiter->stats().inFlight == 5);
}

TEST_CASE("the limiter does not grow while the window is mostly unused", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(8), Logger{});
    for (int i = 0; i < 500; ++i) {
        auto permit = limiter->acquire(Context{});
        limiter->onResponse(ok());
    }
    auto stats = limiter->stats();
    CHECK(stats.limit == 8);
    CHECK(stats.requests == 500);
    CHECK(stats.peak == 1);
}

TEST_CASE("the limiter halves on a 429 and counts it", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(16), Logger{});
    {
        auto permit = limiter->acquire(Context{});
        limiter->onResponse(throttled("0"));
    }
    auto stats = limiter->stats();
    CHECK(stats.limit == 8);
    CHECK(stats.throttled == 1);
    CHECK(stats.decreases == 1);
    limiter->onThrottled(0ms);  // a $batch item
    stats = limiter->stats();
    CHECK(stats.limit == 4);
    CHECK(stats.throttled == 2);
}

TEST_CASE("the limiter shrinks on x-ms-throttle-limit-percentage, harder the higher it is", "[limiter]") {
    auto gentle = makeAdaptiveLimiter(options(100), Logger{});
    auto hard = makeAdaptiveLimiter(options(100), Logger{});
    {
        auto permit = gentle->acquire(Context{});
        gentle->onResponse(nearLimit("0.8"));
    }
    {
        auto permit = hard->acquire(Context{});
        hard->onResponse(nearLimit("1.6"));
    }
    CHECK(gentle->stats().limit == 95);
    CHECK(hard->stats().limit == 55);
    CHECK(gentle->stats().throttled == 0);  // a warning, not a 429
    CHECK(gentle->stats().pausedForMs == 0);
}

TEST_CASE("answers from requests sent before a cut do not cut again", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(32), Logger{});
    auto permits = hold(*limiter, 10);
    // Ten requests were in flight when Graph started throttling: all ten come back 429.
    for (int i = 0; i < 10; ++i) limiter->onResponse(throttled("0"));
    CHECK(limiter->stats().limit == 16);
    CHECK(limiter->stats().decreases == 1);
    CHECK(limiter->stats().throttled == 10);
    // The next answer reflects the new limit and may cut again.
    limiter->onResponse(throttled("0"));
    CHECK(limiter->stats().limit == 8);
}

TEST_CASE("a 429 pauses every acquirer until its Retry-After has passed", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(8), Logger{});
    {
        auto permit = limiter->acquire(Context{});
        limiter->onResponse(throttled("60"));
    }
    auto stats = limiter->stats();
    CHECK(stats.pausedForMs > 50000);
    CHECK(stats.pausedForMs <= 60001);
    CHECK(stats.inFlight == 0);
    // Slots are free, yet nobody gets one during the pause: the wait ends at the deadline.
    CHECK_THROWS_AS(limiter->acquire(Context{}.withTimeout(50ms)), CancelledError);
    // A shorter Retry-After does not shorten the shared pause; a $batch item can lengthen it.
    limiter->onThrottled(1000ms);
    CHECK(limiter->stats().pausedForMs > 50000);
    limiter->onThrottled(120000ms);
    CHECK(limiter->stats().pausedForMs > 110000);
    CHECK(limiter->stats().pauses == 2);
}

TEST_CASE("waiters resume together once the pause has passed", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(8), Logger{});
    limiter->onThrottled(300ms);
    CHECK(limiter->stats().pausedForMs > 0);
    std::vector<std::future<bool>> waiters;
    for (int i = 0; i < 3; ++i)
        waiters.push_back(std::async(std::launch::async, [&] {
            auto permit = limiter->acquire(Context{}.withTimeout(30s));
            return true;
        }));
    for (auto& w : waiters) CHECK(w.get());
    CHECK(limiter->stats().pausedForMs == 0);
    CHECK(limiter->stats().requests == 3);
}

TEST_CASE("a wait for a slot ends promptly when the context is cancelled", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(1, 1, 1), Logger{});
    auto held = limiter->acquire(Context{});
    Context ctx;
    auto waiter = std::async(std::launch::async, [&] { return limiter->acquire(ctx); });
    std::this_thread::sleep_for(50ms);
    ctx.cancel();
    REQUIRE(waiter.wait_for(10s) == std::future_status::ready);  // a hang guard, not a timing check
    CHECK_THROWS_AS(waiter.get(), CancelledError);
    // The slot freed later still goes to the next acquirer.
    held.reset();
    auto next = limiter->acquire(Context{}.withTimeout(10s));
    CHECK(limiter->stats().inFlight == 1);
    // And a context cancelled before the call never waits.
    Context cancelled;
    cancelled.cancel();
    CHECK_THROWS_AS(limiter->acquire(cancelled), CancelledError);
}

TEST_CASE("a wait during a pause ends when the context is cancelled", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(4), Logger{});
    limiter->onThrottled(120000ms);
    Context ctx;
    auto waiter = std::async(std::launch::async, [&] { return limiter->acquire(ctx); });
    std::this_thread::sleep_for(50ms);
    ctx.cancel();
    REQUIRE(waiter.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_AS(waiter.get(), CancelledError);
}

TEST_CASE("the limit stays between the minimum and the ceiling", "[limiter]") {
    auto limiter = makeAdaptiveLimiter(options(4, 2, 6), Logger{});
    {
        auto permits = hold(*limiter, 4);
        for (int i = 0; i < 1000; ++i) limiter->onResponse(ok());
    }
    CHECK(limiter->stats().limit == 6);
    for (int i = 0; i < 50; ++i) {
        auto permit = limiter->acquire(Context{});
        limiter->onResponse(throttled("0"));
    }
    CHECK(limiter->stats().limit == 2);
    for (int i = 0; i < 50; ++i) limiter->onThrottled(0ms);
    CHECK(limiter->stats().limit == 2);

    CHECK_THROWS_AS(makeAdaptiveLimiter(options(4, 0, 6), Logger{}), InvalidInputError);
    CHECK_THROWS_AS(makeAdaptiveLimiter(options(4, 8, 6), Logger{}), InvalidInputError);
    CHECK(makeAdaptiveLimiter(options(100, 1, 6), Logger{})->stats().limit == 6);
}

TEST_CASE("hammered from many threads, in-flight requests never exceed the limit", "[limiter][race]") {
    SECTION("a fixed limit") {
        LimiterOptions o = options(5, 5, 5);
        auto limiter = makeAdaptiveLimiter(o, Logger{});
        std::atomic<int> inFlight{0}, most{0}, ready{0};
        std::vector<std::thread> threads;
        const int rounds = 50;
        for (int t = 0; t < 24; ++t)
            threads.emplace_back([&] {
                // Every thread starts at once (creating a thread can take longer than a round),
                // and holds its permit for a millisecond, the finest sleep every platform
                // keeps (mingw's sleep_for rounds 100 µs down to none).
                ++ready;
                while (ready.load() < 24) std::this_thread::yield();
                for (int i = 0; i < rounds; ++i) {
                    auto permit = limiter->acquire(Context{});
                    int now = ++inFlight;
                    int prev = most.load();
                    while (now > prev && !most.compare_exchange_weak(prev, now)) {
                    }
                    std::this_thread::sleep_for(1ms);
                    --inFlight;
                    limiter->onResponse(ok());
                }
            });
        for (auto& t : threads) t.join();
        CHECK(most.load() <= 5);
        CHECK(most.load() > 1);
        auto stats = limiter->stats();
        CHECK(stats.peak <= 5);
        CHECK(stats.requests == 24 * rounds);
        CHECK(stats.inFlight == 0);
    }
    SECTION("an adapting limit") {
        auto limiter = makeAdaptiveLimiter(options(8, 2, 12), Logger{});
        std::atomic<int> inFlight{0}, most{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 24; ++t)
            threads.emplace_back([&, t] {
                std::minstd_rand rng(static_cast<unsigned>(t + 1));
                for (int i = 0; i < 200; ++i) {
                    auto permit = limiter->acquire(Context{});
                    int now = ++inFlight;
                    int prev = most.load();
                    while (now > prev && !most.compare_exchange_weak(prev, now)) {
                    }
                    unsigned r = rng() % 20;
                    --inFlight;
                    if (r == 0)
                        limiter->onResponse(throttled("0.001"));
                    else if (r == 1)
                        limiter->onResponse(nearLimit("1.2"));
                    else
                        limiter->onResponse(ok());
                }
            });
        for (auto& t : threads) t.join();
        CHECK(most.load() <= 12);
        auto stats = limiter->stats();
        CHECK(stats.peak <= 12);
        CHECK(stats.limit >= 2);
        CHECK(stats.limit <= 12);
        CHECK(stats.requests == 24 * 200);
        CHECK(stats.throttled > 0);
        CHECK(stats.inFlight == 0);
    }
}

TEST_CASE("pacing starts when the budget runs low, at half the rate it accepted lately",
          "[limiter][pacing]") {
    auto limiter = makeAdaptiveLimiter(pacedOptions(), Logger{});
    for (int i = 0; i < 10; ++i) batchAnswered(*limiter, 20, std::nullopt);
    CHECK(limiter->stats().rate == 0);  // room in the budget: not paced
    batchAnswered(*limiter, 20, 0.8);
    double rate = limiter->stats().rate;
    // 220 requests accepted within the last second (at least 0.1 s counted): half of that rate.
    CHECK(rate > 0);
    CHECK(rate <= 220 / 0.1 * 0.5 + 1e-9);
    CHECK(rate >= 220 / 1.0 * 0.5 - 1e-9);
}

TEST_CASE("a paced rate eases while the budget is nearly spent and holds while partly spent",
          "[limiter][pacing]") {
    auto limiter = makeAdaptiveLimiter(pacedOptions(), Logger{});
    for (int i = 0; i < 5; ++i) batchAnswered(*limiter, 20, std::nullopt);
    batchAnswered(*limiter, 20, 0.85);
    double start = limiter->stats().rate;
    REQUIRE(start > 0);
    limiter->onBatchAnswered(0.85);  // partly spent: held
    CHECK(limiter->stats().rate == Approx(start));
    limiter->onBatchAnswered(0.97);  // nearly spent: eased by 0.9
    CHECK(limiter->stats().rate == Approx(start * 0.9));
    limiter->onBatchAnswered(1.0);
    CHECK(limiter->stats().rate == Approx(start * 0.81));
}

TEST_CASE("a 429 paces at what the budget accepted since the previous 429", "[limiter][pacing]") {
    auto o = pacedOptions();
    auto limiter = makeAdaptiveLimiter(o, Logger{});
    batchAnswered(*limiter, 20, std::nullopt);
    limiter->onThrottled(1ms);  // first 429: pacing starts from the recent rate
    double first = limiter->stats().rate;
    REQUIRE(first > 0);
    std::this_thread::sleep_for(400ms);
    // 10 requests accepted over >= 0.4 s since: at most 25 per second, paced at 90 % of that.
    limiter->onResponse(ok(), 10, true);
    limiter->onThrottled(1ms);
    double second = limiter->stats().rate;
    CHECK(second < first);
    CHECK(second <= (10 - 1) / 0.4 * 0.9 + 1e-9);
    CHECK(limiter->stats().throttled == 2);
}

TEST_CASE("the pacer spaces requests at its rate, counting each batch item", "[limiter][pacing]") {
    auto limiter = makeAdaptiveLimiter(pacedOptions(), Logger{});
    batchAnswered(*limiter, 20, std::nullopt);
    limiter->onThrottled(1ms);
    double rate = limiter->stats().rate;
    REQUIRE(rate > 0);
    std::this_thread::sleep_for(5ms);  // the 1 ms pause has passed
    // The first batch uses the pacer's credit; the second must wait its turn.
    { auto p = limiter->acquire(Context{}, 20); }
    CHECK(limiter->stats().pacedWaits == 0);
    { auto p = limiter->acquire(Context{}, 20); }
    CHECK(limiter->stats().pacedWaits == 1);
}

TEST_CASE("a paced wait ends promptly when the context is cancelled", "[limiter][pacing]") {
    auto o = pacedOptions();
    o.minimumRate = 0.01;
    auto limiter = makeAdaptiveLimiter(o, Logger{});
    batchAnswered(*limiter, 1, std::nullopt);
    std::this_thread::sleep_for(1100ms);  // one request accepted in the last second
    limiter->onResponse(ok(), 2, true);
    limiter->onThrottled(1ms);  // one of the two throttled: paced at half of ~1 per second
    REQUIRE(limiter->stats().rate > 0);
    REQUIRE(limiter->stats().rate < 2);
    std::this_thread::sleep_for(5ms);
    { auto p = limiter->acquire(Context{}, 1); }  // the first goes; the next waits a second or more
    Context context;
    auto waiter = std::async(std::launch::async, [&] { return limiter->acquire(context, 1); });
    CHECK(waiter.wait_for(50ms) == std::future_status::timeout);
    context.cancel();
    REQUIRE(waiter.wait_for(5s) == std::future_status::ready);
    CHECK_THROWS_AS(waiter.get(), CancelledError);
}

TEST_CASE("pacing ends once the budget has shown room for a while", "[limiter][pacing]") {
    auto o = pacedOptions();
    o.paceQuiet = 50ms;
    auto limiter = makeAdaptiveLimiter(o, Logger{});
    batchAnswered(*limiter, 20, 0.9);
    double rate = limiter->stats().rate;
    REQUIRE(rate > 0);
    limiter->onBatchAnswered(std::nullopt);
    CHECK(limiter->stats().rate > 0);  // room, but not for long yet
    std::this_thread::sleep_for(80ms);
    limiter->onBatchAnswered(std::nullopt);
    CHECK(limiter->stats().rate == 0);
    // It starts again just above the rate it ended at.
    limiter->onBatchAnswered(0.9);
    CHECK(limiter->stats().rate == Approx(rate * 1.1));
}

TEST_CASE("inconsistent pacing options are refused", "[limiter][pacing]") {
    auto o = pacedOptions();
    o.rateFactor = 0;
    CHECK_THROWS_AS(makeAdaptiveLimiter(o, Logger{}), InvalidInputError);
    o = pacedOptions();
    o.minimumRate = 0;
    CHECK_THROWS_AS(makeAdaptiveLimiter(o, Logger{}), InvalidInputError);
}

TEST_CASE("a storm of 429s with nothing accepted is left to the pauses, not paced", "[limiter][pacing]") {
    auto limiter = makeAdaptiveLimiter(pacedOptions(), Logger{});
    for (int i = 0; i < 5; ++i) limiter->onResponse(throttled("0.001"));
    CHECK(limiter->stats().rate == 0);
    CHECK(limiter->stats().throttled == 5);
    CHECK(limiter->stats().pauses >= 1);
}
