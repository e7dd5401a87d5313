#include "mfaphone/context.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "mfaphone/errors.hpp"

namespace mfaphone {

struct Context::State {
    std::atomic<bool> cancelled{false};
    std::mutex mutex;
    std::condition_variable cv;
    std::map<long, std::function<void()>> callbacks;
    long nextId = 0;
};

Context::Context() : m_state(std::make_shared<State>()) {}

Context Context::withTimeout(Clock::duration timeout) const { return withDeadline(Clock::now() + timeout); }

Context Context::withDeadline(Clock::time_point deadline) const {
    Context child(*this);
    child.m_deadline = std::min(m_deadline, deadline);
    return child;
}

void Context::cancel() const {
    std::map<long, std::function<void()>> callbacks;
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        if (m_state->cancelled.exchange(true)) return;
        callbacks.swap(m_state->callbacks);
    }
    m_state->cv.notify_all();
    for (auto& entry : callbacks) entry.second();
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
    long id;
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        if (!m_state->cancelled.load()) {
            id = m_state->nextId++;
            m_state->callbacks.emplace(id, std::move(callback));
            std::weak_ptr<State> weak = m_state;
            return std::shared_ptr<void>(nullptr, [weak, id](void*) {
                if (auto state = weak.lock()) {
                    std::lock_guard<std::mutex> lock(state->mutex);
                    state->callbacks.erase(id);
                }
            });
        }
    }
    callback();
    return nullptr;
}

}  // namespace mfaphone
