#include <catch2/catch.hpp>
#include <thread>

#include "mfaphone/context.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/secret.hpp"

using namespace mfaphone;
using namespace std::chrono_literals;

TEST_CASE("cancelling a context wakes a sleeper and runs callbacks once", "[context]") {
    Context ctx;
    int calls = 0;
    auto reg = ctx.onCancel([&] { ++calls; });
    std::thread canceller([&] {
        std::this_thread::sleep_for(20ms);
        ctx.cancel();
    });
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(ctx.sleepFor(30s), CancelledError);
    canceller.join();
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    ctx.cancel();
    CHECK(calls == 1);
    // A callback registered after cancellation runs at once.
    int late = 0;
    ctx.onCancel([&] { ++late; });
    CHECK(late == 1);
}

TEST_CASE("children share cancellation and take the earlier deadline", "[context]") {
    Context parent;
    Context child = parent.withTimeout(50ms);
    CHECK(child.hasDeadline());
    CHECK_FALSE(parent.hasDeadline());
    Context grandchild = child.withTimeout(1h);
    CHECK(grandchild.deadline() == child.deadline());
    parent.cancel();
    CHECK(grandchild.cancelled());
    CHECK_THROWS_AS(grandchild.throwIfCancelled(), CancelledError);
}

TEST_CASE("an unregistered callback does not run", "[context]") {
    Context ctx;
    int calls = 0;
    {
        auto reg = ctx.onCancel([&] { ++calls; });
    }
    ctx.cancel();
    CHECK(calls == 0);
}

TEST_CASE("secret strings compare in constant time and wipe on move", "[secret]") {
    SecretString a("hunter2", 7), b(std::string("hunter2"));
    CHECK(a == b);
    SecretString c(std::move(a));
    CHECK(a.empty());
    CHECK(c == b);
    c.wipe();
    CHECK(c.empty());
}
