// Executor: the one worker pool of a session. Every operation of the session runs its engine
// work here (no thread pool per call). Workers are started on demand, up to a maximum, and end
// after a while without work. Tasks may also be posted for a later time (Retry-After pacing,
// short waits that fill a $batch).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace mfaphone {

struct ExecutorOptions {
    int maxWorkers = 256;                          // threads at most (engine work blocks on HTTP)
    std::chrono::milliseconds idleTimeout{30000};  // an idle worker ends after this long
};

struct ExecutorStats {
    int workers = 0;         // threads now
    int peakWorkers = 0;     // most threads at once
    long long tasksRun = 0;  // tasks that have run
    long long threadsStarted = 0;
};

class Executor {
public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;

    explicit Executor(ExecutorOptions options = {});
    // Stops the workers: tasks not yet started are dropped; running tasks finish first (a
    // worker destroying its own executor is detached instead of joined).
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Runs `task` on a worker as soon as one is free. Exceptions escaping a task are swallowed:
    // tasks report their own failures.
    void post(Task task);
    // Runs `task` once `when` has come.
    void postAt(Clock::time_point when, Task task);

    ExecutorStats stats() const;

private:
    struct Shared;
    std::shared_ptr<Shared> m_shared;
};

}  // namespace mfaphone
