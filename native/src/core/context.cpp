#include "mfaphone/context.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "mfaphone/errors.hpp"

namespace mfaphone {

struct Context::State {
    std::atomic<bool> cancelled{false};
    std::mutex mutex;
    std::condition_variable cv;
    std::map<long, std::function<void()>> callbacks;
    long nextId = 0;
    // The callback cancel() is running now (-1: none) and the thread running it. Unregistering
    // that callback waits for it to return, so its captures stay alive while it runs.
    long running = -1;
    std::thread::id runner;
};

Context::Context() : m_state(std::make_shared<State>()) {}

Context Context::withTimeout(Clock::duration timeout) const { return withDeadline(Clock::now() + timeout); }

Context Context::withDeadline(Clock::time_point deadline) const {
    Context child(*this);
    child.m_deadline = std::min(m_deadline, deadline);
    return child;
}

void Context::cancel() const {
    State& s = *m_state;
    std::unique_lock<std::mutex> lock(s.mutex);
    if (s.cancelled.exchange(true)) return;
    s.cv.notify_all();
    // Run callbacks one at a time; each leaves the map before it runs, and its registration's
    // destructor waits while it is the running one.
    while (!s.callbacks.empty()) {
        auto it = s.callbacks.begin();
        long id = it->first;
        std::function<void()> callback = std::move(it->second);
        s.callbacks.erase(it);
        s.running = id;
        s.runner = std::this_thread::get_id();
        lock.unlock();
        callback();
        lock.lock();
        s.running = -1;
        s.cv.notify_all();
    }
}

bool Context::cancelled() const noexcept { return m_state->cancelled.load(); }

void Context::throwIfCancelled() const {
    if (cancelled()) throw CancelledError();
}

void Context::sleepFor(Clock::duration d) const {
    auto until = std::min(Clock::now() + d, m_deadline);
    std::unique_lock<std::mutex> lock(m_state->mutex);
    m_state->cv.wait_until(lock, until, [&] { return m_state->cancelled.load(); });
    if (m_state->cancelled.load()) throw CancelledError();
}

Context::Registration Context::onCancel(std::function<void()> callback) const {
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        if (!m_state->cancelled.load()) {
            long id = m_state->nextId++;
            m_state->callbacks.emplace(id, std::move(callback));
            std::weak_ptr<State> weak = m_state;
            return std::shared_ptr<void>(nullptr, [weak, id](void*) {
                auto state = weak.lock();
                if (!state) return;
                std::unique_lock<std::mutex> lock(state->mutex);
                if (state->callbacks.erase(id)) return;
                // Already taken by cancel(): wait until it has returned (unless this is that
                // callback unregistering itself).
                if (state->runner != std::this_thread::get_id())
                    state->cv.wait(lock, [&] { return state->running != id; });
            });
        }
    }
    callback();
    return nullptr;
}

}  // namespace mfaphone
