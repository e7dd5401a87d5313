// Level-gated logging. Callers test enabled() before formatting; the sink receives sanitised,
// component-prefixed lines. Nothing secret may be passed here: use the redact helpers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "mfaphone/events.hpp"

namespace mfaphone {

class Logger {
public:
    using Sink = std::function<void(LogLevel, std::string_view component, std::string message)>;

    Logger() = default;
    Logger(LogLevel minimum, Sink sink) : m_min(minimum), m_sink(std::move(sink)) {}

    bool enabled(LogLevel level) const noexcept { return m_sink && level >= m_min && level != LogLevel::None; }
    void log(LogLevel level, std::string_view component, std::string message) const {
        if (enabled(level)) m_sink(level, component, std::move(message));
    }
    void setMinimum(LogLevel level) noexcept { m_min = level; }

private:
    LogLevel m_min = LogLevel::None;
    Sink m_sink;
};

// "+46 701234567" -> "+46 *******67": keeps the country code and the last two digits.
std::string maskPhoneNumber(std::string_view number);

}  // namespace mfaphone
