#include "mfaphone/internal/operation.hpp"

#include <algorithm>

#include "mfaphone/errors.hpp"
#include "mfaphone/operation.hpp"

namespace mfaphone {

OperationState::OperationState(LogLevel logLevel, StreamLimits limits) : m_limits(limits) {
    if (m_limits.inputCapacity < 1) m_limits.inputCapacity = 1;
    if (m_limits.maxHeld < 1) m_limits.maxHeld = 1;
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
            fail(std::current_exception());
        }
        finish();
    });
}

void OperationState::push(Event event, std::shared_ptr<const void> result, bool final) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_events.push_back(Entry{std::move(event), std::move(result), final});
        m_outputPeak = std::max(m_outputPeak, m_events.size());
    }
    m_cv.notify_one();
}

void OperationState::fail(std::exception_ptr error) {
    bool first;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        first = !m_failed;
        m_failed = true;
    }
    if (first) push(errorEvent(error, {}, true));
    m_context.cancel();
}

bool OperationState::pop(Event& event, std::shared_ptr<const void>* result, int timeoutMs) {
    std::function<void()> freed;
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs),
                      [&] { return !m_events.empty() || m_done; });
        if (m_events.empty()) {
            event = Event{};
            if (result) result->reset();
            return false;
        }
        Entry entry = std::move(m_events.front());
        m_events.pop_front();
        event = std::move(entry.event);
        if (result) *result = std::move(entry.result);
        if (entry.final) {
            if (m_held > 0) --m_held;
            ++m_counters.completed;
            freed = m_onSlotFreed;
        }
    }
    if (freed) freed();
    return true;
}

void OperationState::finish() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_done = true;
    }
    m_cv.notify_all();
}

bool OperationState::finished() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_done && m_events.empty();
}

bool OperationState::tryHold() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_held >= m_limits.maxHeld) return false;
    ++m_held;
    m_heldPeak = std::max(m_heldPeak, m_held);
    return true;
}

void OperationState::onSlotFreed(std::function<void()> callback) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_onSlotFreed = std::move(callback);
}

OperationStats OperationState::stats() const {
    OperationStats s;
    s.submitted = m_counters.submitted;
    s.completed = m_counters.completed;
    s.requests = m_counters.requests;
    s.batchItems = m_counters.batchItems;
    s.throttled = m_counters.throttled;
    s.retried = m_counters.retried;
    s.inputCapacity = m_limits.inputCapacity;
    s.inputPeak = m_counters.inputPeak;
    s.heldLimit = m_limits.maxHeld;
    std::lock_guard<std::mutex> lock(m_mutex);
    s.heldPeak = m_heldPeak;
    s.eventPeak = static_cast<int>(std::min<std::size_t>(m_outputPeak, 0x7fffffff));
    return s;
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
Operation::~Operation() { m_state->context().cancel(); }
bool Operation::nextEvent(Event& event, int timeoutMs) { return m_state->pop(event, nullptr, timeoutMs); }
bool Operation::finished() const { return m_state->finished(); }
void Operation::cancel() { m_state->context().cancel(); }
OperationStats Operation::stats() const { return m_state->stats(); }

}  // namespace mfaphone
