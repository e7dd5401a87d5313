#include "mfaphone/internal/executor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mfaphone {

namespace {
// glibc gives each thread that allocates its own arena (up to 8 per core), and an arena keeps the
// pages its thread freed. Workers come and go and take turns, so each arena holds the high-water
// mark of whatever ran on it: at 20k users that was about half the engine's resident growth.
// At most once a second a worker gives the free pages of every arena back to the system.
void trimHeap() {
#if defined(__GLIBC__)
    static std::atomic<long long> last{0};
    long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
    long long previous = last.load(std::memory_order_relaxed);
    if (now - previous < 1000 || !last.compare_exchange_strong(previous, now)) return;
    malloc_trim(0);
#endif
}
}  // namespace

struct Executor::Shared {
    ExecutorOptions options;
    mutable std::mutex mutex;
    std::condition_variable cv;
    std::deque<Task> ready;
    std::multimap<Clock::time_point, Task> timers;
    std::map<std::thread::id, std::thread> threads;
    std::vector<std::thread> finished;  // threads that ended on their own, joined later
    int idle = 0;
    bool stopping = false;
    ExecutorStats stats;

    // Starts a worker when the idle ones cannot take all ready work, or when timers are pending
    // and no worker waits for them. Called with the mutex held.
    void ensureWorker(const std::shared_ptr<Shared>& self) {
        for (auto& t : finished) t.join();
        finished.clear();
        bool needed = static_cast<int>(ready.size()) > idle || (idle == 0 && !timers.empty());
        if (stopping || !needed || static_cast<int>(threads.size()) >= options.maxWorkers) return;
        try {
            std::thread t([self] { self->run(self); });
            auto id = t.get_id();
            threads.emplace(id, std::move(t));
            ++idle;  // counted idle until it picks up work
            ++stats.threadsStarted;
            stats.workers = static_cast<int>(threads.size());
            stats.peakWorkers = std::max(stats.peakWorkers, stats.workers);
        } catch (const std::system_error&) {
            // No more threads (a process or sandbox limit): the running ones carry on.
        }
    }

    void run(const std::shared_ptr<Shared>& self) {
        std::unique_lock<std::mutex> lock(mutex);
        auto idleSince = Clock::now();
        for (;;) {
            if (stopping) break;
            // Due timers become ready work.
            auto now = Clock::now();
            while (!timers.empty() && timers.begin()->first <= now) {
                ready.push_back(std::move(timers.begin()->second));
                timers.erase(timers.begin());
            }
            if (!ready.empty()) {
                Task task = std::move(ready.front());
                ready.pop_front();
                --idle;
                // Work left over, or pending timers, may need another worker.
                ensureWorker(self);
                if (!ready.empty() || !timers.empty()) cv.notify_one();
                lock.unlock();
                try {
                    task();
                } catch (...) {
                }
                task = nullptr;  // release captures outside the lock
                trimHeap();
                lock.lock();
                ++idle;
                ++stats.tasksRun;
                idleSince = Clock::now();
                continue;
            }
            // Nothing ready: wait for work, the next timer, or the idle timeout. The last idle
            // worker stays while timers are pending, so they fire on time.
            auto idleEnd = idleSince + options.idleTimeout;
            if (timers.empty()) {
                if (cv.wait_until(lock, idleEnd) == std::cv_status::timeout && ready.empty() &&
                    timers.empty() && Clock::now() >= idleEnd)
                    break;
            } else {
                auto next = timers.begin()->first;
                if (idle > 1 && next > idleEnd) {
                    if (cv.wait_until(lock, idleEnd) == std::cv_status::timeout && ready.empty() &&
                        Clock::now() >= idleEnd && idle > 1)
                        break;
                } else {
                    cv.wait_until(lock, next);
                }
            }
        }
        --idle;
        auto me = threads.find(std::this_thread::get_id());
        if (me != threads.end()) {
            if (!stopping)
                finished.push_back(std::move(me->second));
            else
                me->second.detach();
            threads.erase(me);
        }
        stats.workers = static_cast<int>(threads.size());
    }
};

Executor::Executor(ExecutorOptions options) : m_shared(std::make_shared<Shared>()) {
    if (options.maxWorkers < 1) options.maxWorkers = 1;
    m_shared->options = options;
}

Executor::~Executor() {
    std::vector<std::thread> join;
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->stopping = true;
        m_shared->ready.clear();
        m_shared->timers.clear();
        for (auto& [id, t] : m_shared->threads) {
            if (id == std::this_thread::get_id())
                t.detach();
            else
                join.push_back(std::move(t));
        }
        m_shared->threads.clear();
        for (auto& t : m_shared->finished) join.push_back(std::move(t));
        m_shared->finished.clear();
    }
    m_shared->cv.notify_all();
    for (auto& t : join) t.join();
}

void Executor::post(Task task) {
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        if (m_shared->stopping) return;
        m_shared->ready.push_back(std::move(task));
        m_shared->ensureWorker(m_shared);
    }
    m_shared->cv.notify_one();
}

void Executor::postAt(Clock::time_point when, Task task) {
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        if (m_shared->stopping) return;
        m_shared->timers.emplace(when, std::move(task));
        m_shared->ensureWorker(m_shared);
    }
    // Every waiter re-checks its wake-up time against the new timer.
    m_shared->cv.notify_all();
}

ExecutorStats Executor::stats() const {
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    return m_shared->stats;
}

}  // namespace mfaphone
