// OperationState: the queue between engine threads (producers) and the caller (consumer).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "mfaphone/context.hpp"
#include "mfaphone/events.hpp"
#include "mfaphone/internal/log.hpp"

namespace mfaphone {

class OperationState {
public:
    explicit OperationState(LogLevel logLevel);
    ~OperationState();

    // Runs `work` on its own thread. Exceptions escaping `work` become one terminating Error
    // event; the operation is finished when `work` returns.
    void start(std::function<void(OperationState&)> work);

    void push(Event event);
    bool pop(Event& event, int timeoutMs);
    bool finished() const;

    const Context& context() const { return m_context; }
    // A logger whose lines become Log events of this operation.
    const Logger& logger() const { return m_logger; }

    // Error event for an exception (current_exception when called inside a catch block).
    static Event errorEvent(std::exception_ptr error, const std::string& target, bool terminating);

private:
    Context m_context;
    Logger m_logger;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Event> m_events;
    bool m_done = false;
    std::thread m_thread;
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
