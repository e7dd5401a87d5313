#include "mfaphone/internal/operation.hpp"

#include "mfaphone/errors.hpp"
#include "mfaphone/session.hpp"

namespace mfaphone {

OperationState::OperationState(LogLevel logLevel) {
    m_logger = Logger(logLevel, [this](LogLevel level, std::string_view component, std::string message) {
        Event e;
        e.kind = EventKind::Log;
        e.level = level;
        e.component = std::string(component);
        e.message = std::move(message);
        push(std::move(e));
    });
}

OperationState::~OperationState() {
    m_context.cancel();
    if (m_thread.joinable()) {
        if (m_thread.get_id() == std::this_thread::get_id())
            m_thread.detach();
        else
            m_thread.join();
    }
}

void OperationState::start(std::function<void(OperationState&)> work) {
    m_thread = std::thread([this, work = std::move(work)] {
        try {
            work(*this);
        } catch (...) {
            push(errorEvent(std::current_exception(), {}, true));
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done = true;
        }
        m_cv.notify_all();
    });
}

void OperationState::push(Event event) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_events.push_back(std::move(event));
    }
    m_cv.notify_one();
}

bool OperationState::pop(Event& event, int timeoutMs) {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs),
                  [&] { return !m_events.empty() || m_done; });
    if (m_events.empty()) {
        event = Event{};
        return false;
    }
    event = std::move(m_events.front());
    m_events.pop_front();
    return true;
}

bool OperationState::finished() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_done && m_events.empty();
}

Event OperationState::errorEvent(std::exception_ptr error, const std::string& target, bool terminating) {
    Event e;
    e.kind = EventKind::Error;
    e.target = target;
    e.terminating = terminating;
    try {
        std::rethrow_exception(error);
    } catch (const RequestFailedError& ex) {
        e.errorKind = static_cast<int>(ErrorKind::RequestFailed);
        e.httpStatus = ex.status();
        e.errorCode = ex.code();
        e.requestId = ex.requestId();
        e.message = ex.what();
    } catch (const AuthError& ex) {
        e.errorKind = static_cast<int>(ErrorKind::Auth);
        e.httpStatus = ex.httpStatus();
        e.errorCode = ex.error();
        e.requestId = ex.correlationId();
        e.message = ex.what();
        e.terminating = true;  // without a token nothing else can succeed
    } catch (const Error& ex) {
        e.errorKind = static_cast<int>(ex.kind());
        e.message = ex.what();
        if (ex.kind() == ErrorKind::Cancelled) e.terminating = true;
    } catch (const std::exception& ex) {
        e.errorKind = static_cast<int>(ErrorKind::Internal);
        e.message = std::string("Internal error: ") + ex.what();
    } catch (...) {
        e.errorKind = static_cast<int>(ErrorKind::Internal);
        e.message = "Internal error of unknown type.";
    }
    return e;
}

namespace {
thread_local const OperationState* t_route = nullptr;
}

LogRoute::LogRoute(const OperationState& op) : m_previous(t_route) { t_route = &op; }
LogRoute::~LogRoute() { t_route = m_previous; }

Logger LogRoute::routedLogger() {
    return Logger([](LogLevel level) { return t_route && t_route->logger().enabled(level); },
                  [](LogLevel level, std::string_view component, std::string message) {
                      if (t_route) t_route->logger().log(level, component, std::move(message));
                  });
}

Operation::Operation(std::shared_ptr<OperationState> state) : m_state(std::move(state)) {}
Operation::~Operation() = default;
bool Operation::nextEvent(Event& event, int timeoutMs) { return m_state->pop(event, timeoutMs); }
bool Operation::finished() const { return m_state->finished(); }
void Operation::cancel() { m_state->context().cancel(); }

}  // namespace mfaphone
