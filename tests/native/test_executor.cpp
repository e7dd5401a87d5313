// The session executor and the queues of a streaming operation.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/executor.hpp"
#include "mfaphone/internal/operation.hpp"

using namespace mfaphone;
using namespace std::chrono_literals;

namespace {

// Waits (bounded) until `done` holds; the bound only keeps a broken build from hanging.
template <class F>
bool eventually(F done) {
    for (int i = 0; i < 2000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return done();
}

}  // namespace

TEST_CASE("the executor runs posted tasks on workers it starts on demand", "[executor]") {
    Executor executor(ExecutorOptions{4, 30000ms});
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) executor.post([&] { ++ran; });
    CHECK(eventually([&] { return ran == 100; }));
    CHECK(executor.stats().peakWorkers >= 1);
    CHECK(executor.stats().peakWorkers <= 4);
    CHECK(eventually([&] { return executor.stats().tasksRun == 100; }));
}

TEST_CASE("the executor never runs more tasks at once than its maximum of workers", "[executor]") {
    Executor executor(ExecutorOptions{3, 30000ms});
    std::mutex m;
    std::condition_variable cv;
    int running = 0, peak = 0, finished = 0;
    bool release = false;
    for (int i = 0; i < 10; ++i)
        executor.post([&] {
            std::unique_lock<std::mutex> lock(m);
            peak = std::max(peak, ++running);
            cv.wait_for(lock, 50ms, [&] { return release; });
            --running;
            ++finished;
        });
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(m);
        return finished == 10;
    }));
    CHECK(peak <= 3);
    CHECK(peak >= 2);  // it did run tasks side by side
    CHECK(executor.stats().peakWorkers == 3);
}

TEST_CASE("tasks posted for later run in time order, not before their time", "[executor]") {
    Executor executor;
    std::mutex m;
    std::vector<int> order;
    auto start = Executor::Clock::now();
    std::vector<Executor::Clock::duration> when(3);
    auto record = [&](int i) {
        std::lock_guard<std::mutex> lock(m);
        order.push_back(i);
        when[static_cast<std::size_t>(i)] = Executor::Clock::now() - start;
    };
    executor.postAt(start + 120ms, [&] { record(2); });
    executor.postAt(start + 40ms, [&] { record(1); });
    executor.post([&] { record(0); });
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(m);
        return order.size() == 3;
    }));
    CHECK(order == std::vector<int>{0, 1, 2});
    CHECK(when[1] >= 40ms);
    CHECK(when[2] >= 120ms);
}

TEST_CASE("a timer fires while every worker is busy", "[executor]") {
    Executor executor(ExecutorOptions{2, 30000ms});
    std::atomic<bool> fired{false}, release{false};
    executor.post([&] {
        while (!release) std::this_thread::sleep_for(1ms);
    });
    executor.postAt(Executor::Clock::now() + 20ms, [&] { fired = true; });
    CHECK(eventually([&] { return fired.load(); }));
    release = true;
}

TEST_CASE("idle workers end after the idle timeout and new work starts new ones", "[executor]") {
    Executor executor(ExecutorOptions{4, 50ms});
    std::atomic<int> ran{0};
    executor.post([&] { ++ran; });
    REQUIRE(eventually([&] { return ran == 1; }));
    CHECK(eventually([&] { return executor.stats().workers == 0; }));
    executor.post([&] { ++ran; });
    CHECK(eventually([&] { return ran == 2; }));
    CHECK(executor.stats().threadsStarted == 2);
}

TEST_CASE("an executor destroyed by its own task does not wait for itself", "[executor]") {
    auto executor = std::make_shared<Executor>();
    std::atomic<bool> done{false};
    auto* raw = executor.get();
    std::shared_ptr<Executor> holder = executor;
    executor.reset();
    raw->post([&holder, &done] {
        holder.reset();  // the last reference goes on a worker of the executor itself
        done = true;
    });
    CHECK(eventually([&] { return done.load(); }));
}

TEST_CASE("the input queue holds at most its capacity and tells the producer to wait", "[stream]") {
    Context context;
    InputQueue<int> queue(3);
    int notified = 0;
    queue.onInput([&] { ++notified; });
    CHECK(queue.push(1, 0, context));
    CHECK(queue.push(2, 0, context));
    CHECK(queue.push(3, 0, context));
    CHECK_FALSE(queue.push(4, 10, context));  // full: the caller drains events and tries again
    CHECK(notified == 3);
    int item = 0;
    REQUIRE(queue.tryPop(item));
    CHECK(item == 1);
    CHECK(queue.push(4, 0, context));
    CHECK(queue.peak() == 3);
    CHECK_FALSE(queue.drained());
    queue.close();
    CHECK_THROWS_AS(queue.push(5, 0, context), InvalidInputError);
    while (queue.tryPop(item)) {
    }
    CHECK(item == 4);
    CHECK(queue.drained());
}

TEST_CASE("a producer waiting on a full input queue is let in when the engine takes an item", "[stream]") {
    Context context;
    InputQueue<int> queue(1);
    REQUIRE(queue.push(1, 0, context));
    std::thread engine([&] {
        std::this_thread::sleep_for(30ms);
        int item;
        queue.tryPop(item);
    });
    CHECK(queue.push(2, 5000, context));
    engine.join();
}

TEST_CASE("a producer waiting on a full input queue stops when the operation is cancelled", "[stream]") {
    Context context;
    InputQueue<int> queue(1);
    REQUIRE(queue.push(1, 0, context));
    std::thread canceller([&] {
        std::this_thread::sleep_for(30ms);
        context.cancel();
    });
    CHECK_THROWS_AS(queue.push(2, 10000, context), CancelledError);
    canceller.join();
}

TEST_CASE("an operation admits items only while it holds fewer than its limit", "[stream]") {
    StreamLimits limits;
    limits.maxHeld = 2;
    OperationState op(LogLevel::None, limits);
    int freed = 0;
    op.onSlotFreed([&] { ++freed; });
    REQUIRE(op.tryHold());
    REQUIRE(op.tryHold());
    CHECK_FALSE(op.tryHold());
    Event e;
    e.kind = EventKind::Result;
    e.index = 0;
    op.push(e, nullptr, true);
    Event log;
    log.kind = EventKind::Log;
    op.push(log);
    CHECK_FALSE(op.tryHold());  // the result is not read yet: its slot is still held
    Event got;
    REQUIRE(op.pop(got, nullptr, 0));
    CHECK(got.kind == EventKind::Result);
    CHECK(freed == 1);
    CHECK(op.tryHold());
    REQUIRE(op.pop(got, nullptr, 0));
    CHECK(got.kind == EventKind::Log);
    CHECK(freed == 1);  // a log line holds no slot
    auto stats = op.stats();
    CHECK(stats.heldPeak == 2);
    CHECK(stats.heldLimit == 2);
    CHECK(stats.completed == 1);
    CHECK(stats.eventPeak == 2);
}

TEST_CASE("only the first terminating error of an operation is reported", "[stream]") {
    OperationState op(LogLevel::None);
    op.fail(std::make_exception_ptr(AuthError("sign-in failed", "invalid_client")));
    op.fail(std::make_exception_ptr(CancelledError()));
    op.finish();
    CHECK(op.context().cancelled());
    Event e;
    REQUIRE(op.pop(e, nullptr, 0));
    CHECK(e.kind == EventKind::Error);
    CHECK(e.terminating);
    CHECK(e.errorKind == static_cast<int>(ErrorKind::Auth));
    CHECK_FALSE(op.pop(e, nullptr, 0));
    CHECK(op.finished());
}
