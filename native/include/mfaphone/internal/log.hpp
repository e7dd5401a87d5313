// Level-gated logging. Callers test enabled() before formatting; the sink receives sanitised,
// component-prefixed lines. Nothing secret may be passed here: use the redact helpers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "mfaphone/events.hpp"
#include "mfaphone/phone.hpp"  // maskPhoneNumber for numbers in log lines

namespace mfaphone {

class Logger {
public:
    using Sink = std::function<void(LogLevel, std::string_view component, std::string message)>;
    // Decides per line whether a level is wanted, for loggers whose target changes (see LogRoute).
    using Gate = std::function<bool(LogLevel)>;

    Logger() = default;
    Logger(LogLevel minimum, Sink sink) : m_min(minimum), m_sink(std::move(sink)) {}
    Logger(Gate gate, Sink sink) : m_min(LogLevel::Debug), m_sink(std::move(sink)), m_gate(std::move(gate)) {}

    bool enabled(LogLevel level) const {
        return m_sink && level >= m_min && level != LogLevel::None && (!m_gate || m_gate(level));
    }
    void log(LogLevel level, std::string_view component, std::string message) const {
        if (enabled(level)) m_sink(level, component, std::move(message));
    }
    void setMinimum(LogLevel level) noexcept { m_min = level; }

private:
    LogLevel m_min = LogLevel::None;
    Sink m_sink;
    Gate m_gate;
};

}  // namespace mfaphone
