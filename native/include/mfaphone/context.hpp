// Context: a deadline plus a shared cancellation flag, passed to every blocking call.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace mfaphone {

class Context {
public:
    using Clock = std::chrono::steady_clock;

    Context();

    // A child sharing this context's cancellation, with the earlier of both deadlines.
    Context withTimeout(Clock::duration timeout) const;
    Context withDeadline(Clock::time_point deadline) const;

    void cancel() const;
    bool cancelled() const noexcept;
    // Throws CancelledError when cancelled.
    void throwIfCancelled() const;

    bool hasDeadline() const noexcept { return m_deadline != Clock::time_point::max(); }
    Clock::time_point deadline() const noexcept { return m_deadline; }

    // Sleeps for `d`, returning early (and throwing CancelledError) when cancelled.
    void sleepFor(Clock::duration d) const;

    // Registers a callback run once when the context is cancelled (immediately if it already
    // is). Returns a token; destroying the token unregisters the callback.
    using Registration = std::shared_ptr<void>;
    Registration onCancel(std::function<void()> callback) const;

private:
    struct State;
    std::shared_ptr<State> m_state;
    Clock::time_point m_deadline = Clock::time_point::max();
};

}  // namespace mfaphone
