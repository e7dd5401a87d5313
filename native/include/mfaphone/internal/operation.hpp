// OperationState: the queues between the caller and the engine threads of one operation.
//
// Output: engine threads push events (never blocking: an engine thread is shared by every
// operation of the session, and a slow reader of one operation must not stall the others); the
// caller pops them. Memory stays bounded by admission instead: an input item admitted into work
// holds a slot until the caller has read its final event, and the engine admits no item while
// every slot is held. Input: see InputQueue (a bounded queue the caller blocks on, with a
// timeout, while it is full).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "mfaphone/context.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/events.hpp"
#include "mfaphone/internal/log.hpp"
#include "mfaphone/operation.hpp"

namespace mfaphone {

struct StreamLimits {
    int inputCapacity = 256;  // items the caller may submit ahead of the engine
    int maxHeld = 1024;       // items in work or with an unread final event
};

class OperationState {
public:
    explicit OperationState(LogLevel logLevel, StreamLimits limits = {});
    ~OperationState();
    OperationState(const OperationState&) = delete;
    OperationState& operator=(const OperationState&) = delete;

    // Runs `work` on its own thread (for one-shot work such as sign-in). Exceptions escaping
    // `work` become one terminating Error event; the operation is finished when `work` returns.
    void start(std::function<void(OperationState&)> work);

    // Queues an event, with the family's result object for Result events. `final` marks the last
    // event about an admitted item: reading it releases the item's slot.
    void push(Event event, std::shared_ptr<const void> result = nullptr, bool final = false);
    // Queues the error for the exception being handled (or `error`) as the operation's one
    // terminating error, and cancels the operation. Later calls only cancel.
    void fail(std::exception_ptr error);
    // Waits up to timeoutMs for the next event; false when none came (or none will: finished()).
    bool pop(Event& event, std::shared_ptr<const void>* result, int timeoutMs);
    // No more events will be pushed (the engine has ended its work).
    void finish();
    bool finished() const;

    // Admission: takes a slot for one more item when fewer than maxHeld are held.
    bool tryHold();
    // Called (on the reading thread, without locks held) whenever reading a final event frees a
    // slot, so the engine can admit more input.
    void onSlotFreed(std::function<void()> callback);

    const Context& context() const { return m_context; }
    // A logger whose lines become Log events of this operation.
    const Logger& logger() const { return m_logger; }
    const StreamLimits& limits() const { return m_limits; }

    // Counters shared with the engine code working for this operation.
    struct Counters {
        std::atomic<long long> submitted{0};
        std::atomic<long long> completed{0};
        std::atomic<long long> requests{0};
        std::atomic<long long> batchItems{0};
        std::atomic<long long> throttled{0};
        std::atomic<long long> retried{0};
        std::atomic<int> inputPeak{0};
    };
    Counters& counters() { return m_counters; }
    OperationStats stats() const;

    // Error event for an exception (current_exception when called inside a catch block).
    static Event errorEvent(std::exception_ptr error, const std::string& target, bool terminating);

private:
    struct Entry {
        Event event;
        std::shared_ptr<const void> result;
        bool final = false;
    };
    Context m_context;
    Logger m_logger;
    StreamLimits m_limits;
    Counters m_counters;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Entry> m_events;
    std::function<void()> m_onSlotFreed;
    int m_held = 0;
    int m_heldPeak = 0;
    std::size_t m_outputPeak = 0;
    bool m_failed = false;
    bool m_done = false;
    std::thread m_thread;
};

// A bounded queue of input items. The caller's push waits (up to a timeout) while the queue is
// full, so a producer that outruns the engine is held back instead of growing memory.
template <class T>
class InputQueue {
public:
    explicit InputQueue(std::size_t capacity) : m_capacity(capacity < 1 ? 1 : capacity) {}

    // Waits up to timeoutMs for room. True when queued; false when still full. Throws
    // CancelledError once the context is cancelled and InvalidInputError after close().
    bool push(T item, int timeoutMs, const Context& context) {
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            if (m_closed)
                throw InvalidInputError("No more input can be given: the input was already closed.");
            auto until =
                std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs);
            while (m_items.size() >= m_capacity) {
                context.throwIfCancelled();
                // Short waits: cancellation does not signal this condition variable.
                auto step = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
                if (m_cv.wait_until(lock, step) == std::cv_status::timeout &&
                    std::chrono::steady_clock::now() >= until && m_items.size() >= m_capacity)
                    return false;
            }
            context.throwIfCancelled();
            m_items.push_back(std::move(item));
            if (m_items.size() > m_peak) m_peak = m_items.size();
        }
        if (m_onInput) m_onInput();
        return true;
    }

    void close() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_closed = true;
        }
        if (m_onInput) m_onInput();
    }

    // Engine side: the next item, if any.
    bool tryPop(T& item) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_items.empty()) return false;
            item = std::move(m_items.front());
            m_items.pop_front();
        }
        m_cv.notify_all();
        return true;
    }

    // Closed and emptied: no item will come any more.
    bool drained() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_closed && m_items.empty();
    }
    bool empty() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_items.empty();
    }
    std::size_t peak() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_peak;
    }
    std::size_t capacity() const { return m_capacity; }

    // Called after an item was queued and after close(), without the queue's lock. Set once,
    // before the queue is used.
    void onInput(std::function<void()> callback) { m_onInput = std::move(callback); }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<T> m_items;
    std::size_t m_capacity;
    std::size_t m_peak = 0;
    bool m_closed = false;
    std::function<void()> m_onInput;
};

// Routes the log lines of shared components (transport, credentials, Graph client) to the
// operation whose thread emitted them. Shared components log through routedLogger(); each
// engine thread working for an operation holds a LogRoute for as long as it does.
class LogRoute {
public:
    explicit LogRoute(const OperationState& op);
    ~LogRoute();
    LogRoute(const LogRoute&) = delete;
    LogRoute& operator=(const LogRoute&) = delete;

    static Logger routedLogger();

private:
    const OperationState* m_previous;
};

}  // namespace mfaphone
