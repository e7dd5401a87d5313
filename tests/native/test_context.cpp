#include <atomic>
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

TEST_CASE("unregistering waits for a callback that cancel() is running", "[context][race]") {
    // Each round: a callback that takes a while, unregistered from another thread while cancel()
    // runs it. The callback's captured state must outlive it (checked by ASan in the asan preset,
    // and by the flag here).
    for (int round = 0; round < 50; ++round) {
        Context ctx;
        auto alive = std::make_shared<std::atomic<bool>>(true);
        std::atomic<bool> entered{false}, finishedInside{false};
        auto reg = ctx.onCancel([&, alive] {
            entered = true;
            std::this_thread::sleep_for(2ms);
            finishedInside = alive->load();
        });
        std::thread canceller([&] { ctx.cancel(); });
        while (!entered) std::this_thread::yield();
        reg.reset();  // must block until the callback has returned
        CHECK(finishedInside.load());
        alive->store(false);
        canceller.join();
    }
}

TEST_CASE("a callback may unregister itself without deadlock", "[context]") {
    Context ctx;
    Context::Registration reg;
    bool ran = false;
    reg = ctx.onCancel([&] {
        ran = true;
        reg.reset();
    });
    ctx.cancel();
    CHECK(ran);
}
