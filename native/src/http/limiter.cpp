// The session's adaptive concurrency limiter (AIMD): see internal/limiter.hpp.
#include "mfaphone/internal/limiter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"

namespace mfaphone {

std::optional<double> parseLimitPercentage(std::string_view value) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    double parsed = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (error != std::errc() || end != value.data() + value.size() || !std::isfinite(parsed) || parsed < 0)
        return std::nullopt;
    // Graph sends a fraction of the budget (0.8 to 1.8); read a value like "85" as a percentage.
    if (parsed > 10) parsed /= 100;
    return parsed;
}

namespace {

using Clock = std::chrono::steady_clock;

class AdaptiveLimiter final : public ConcurrencyLimiter {
public:
    AdaptiveLimiter(const LimiterOptions& options, Logger logger)
        : m_options(options), m_logger(std::move(logger)) {
        if (m_options.minimum < 1) throw InvalidInputError("The concurrency minimum must be at least 1.");
        if (m_options.ceiling < m_options.minimum)
            throw InvalidInputError("The concurrency ceiling must be at least the minimum.");
        if (!(m_options.throttleFactor > 0 && m_options.throttleFactor <= 1))
            throw InvalidInputError("The throttle factor must be greater than 0 and at most 1.");
        if (!(m_options.growth >= 0)) throw InvalidInputError("The growth must not be negative.");
        m_limit = std::clamp<double>(m_options.initial, m_options.minimum, m_options.ceiling);
    }

    Permit acquire(const Context& context) override {
        context.throwIfCancelled();
        // Registered before the lock is taken: the callback runs at once if the context is
        // cancelled meanwhile, and it takes the lock itself.
        auto registration = context.onCancel([this] {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_cv.notify_all();
        });
        std::unique_lock<std::mutex> lock(m_mutex);
        for (;;) {
            auto now = Clock::now();
            if (context.cancelled() || (context.hasDeadline() && now >= context.deadline())) {
                // This waiter may have taken a wake-up meant for a free slot: pass it on.
                if (now >= m_pausedUntil && m_inFlight < currentLocked()) m_cv.notify_one();
                throw CancelledError();
            }
            if (now < m_pausedUntil) {
                m_cv.wait_until(lock, std::min(m_pausedUntil, context.deadline()));
                continue;
            }
            if (m_inFlight < currentLocked()) break;
            if (context.hasDeadline())
                m_cv.wait_until(lock, context.deadline());
            else
                m_cv.wait(lock);
        }
        ++m_inFlight;
        ++m_stats.requests;
        m_stats.peak = std::max(m_stats.peak, m_inFlight);
        // More room (the limit grew, or several slots were freed at once): wake the next one.
        if (m_inFlight < currentLocked()) m_cv.notify_one();
        return Permit(this);
    }

    void onResponse(const HttpResponse& response) override {
        auto retryAfter = parseRetryAfter(response.header("retry-after"), std::chrono::system_clock::now());
        auto percentage = parseLimitPercentage(response.header("x-ms-throttle-limit-percentage"));
        std::string message;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            auto now = Clock::now();
            bool stale = takeStaleLocked();
            if (response.status == 429) {
                ++m_stats.throttled;
                message = throttleLocked(retryAfter.value_or(m_options.defaultPause), stale, now, "HTTP 429");
            } else if (response.status == 503 && retryAfter) {
                message = throttleLocked(*retryAfter, stale, now, "HTTP 503");
            } else if (percentage) {
                if (!stale) {
                    double factor = std::clamp(1.0 - (*percentage - 0.7) / 2, m_options.throttleFactor, 0.95);
                    char text[64];
                    std::snprintf(text, sizeof text, "%.0f%% of the budget used", *percentage * 100);
                    message = decreaseLocked(factor, now, text);
                }
            } else if (response.status > 0 && response.status < 500 && !stale && now >= m_pausedUntil &&
                       m_inFlight * 2 >= currentLocked()) {
                growLocked();
            }
        }
        if (!message.empty()) m_logger.log(LogLevel::Verbose, "throttle", std::move(message));
    }

    void onThrottled(std::chrono::milliseconds retryAfter) override {
        std::string message;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_stats.throttled;
            bool stale = takeStaleLocked();
            message = throttleLocked(retryAfter, stale, Clock::now(), "a throttled batch item");
        }
        if (!message.empty()) m_logger.log(LogLevel::Verbose, "throttle", std::move(message));
    }

    LimiterStats stats() const override {
        std::lock_guard<std::mutex> lock(m_mutex);
        LimiterStats s = m_stats;
        s.limit = currentLocked();
        s.inFlight = m_inFlight;
        auto left = m_pausedUntil - Clock::now();
        s.pausedForMs = left > Clock::duration::zero()
                            ? std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1
                            : 0;
        return s;
    }

protected:
    void release() override {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_inFlight;
        m_cv.notify_one();
    }

private:
    int currentLocked() const {
        // (The epsilon keeps 100 * 0.55 at 55, not 54.)
        return std::clamp(static_cast<int>(std::floor(m_limit + 1e-9)), m_options.minimum, m_options.ceiling);
    }

    // Answers to requests that were in flight when the limit was last cut reflect the old
    // limit: they neither cut again nor grow.
    bool takeStaleLocked() {
        if (m_stale <= 0) return false;
        --m_stale;
        return true;
    }

    void growLocked() {
        int before = currentLocked();
        m_limit = std::min<double>(m_options.ceiling, m_limit + m_options.growth / std::max(1.0, m_limit));
        if (currentLocked() > before) m_cv.notify_one();
    }

    std::string decreaseLocked(double factor, Clock::time_point now, const std::string& why) {
        if (m_decreased && now - m_lastDecrease < m_options.decreaseGap) return {};
        int before = currentLocked();
        m_limit = std::max<double>(m_options.minimum, m_limit * factor);
        m_lastDecrease = now;
        m_decreased = true;
        ++m_stats.decreases;
        m_stale = std::max(0, m_inFlight - 1);
        if (!m_logger.enabled(LogLevel::Verbose)) return {};
        return why + ": concurrency " + std::to_string(before) + " -> " + std::to_string(currentLocked());
    }

    std::string throttleLocked(std::chrono::milliseconds pause, bool stale, Clock::time_point now,
                               const char* why) {
        pause = std::clamp(pause, std::chrono::milliseconds(0), m_options.maxPause);
        std::string message;
        if (now + pause > m_pausedUntil) {
            m_pausedUntil = now + pause;
            ++m_stats.pauses;
            if (m_logger.enabled(LogLevel::Verbose))
                message = std::string(why) + ": every request waits " + formatSeconds(pause);
        }
        if (!stale) {
            std::string cut = decreaseLocked(m_options.throttleFactor, now, why);
            if (!cut.empty())
                message = message.empty() ? cut : message + "; " + cut.substr(cut.find(':') + 2);
        }
        return message;
    }

    const LimiterOptions m_options;
    Logger m_logger;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    double m_limit = 1;
    int m_inFlight = 0;
    int m_stale = 0;
    bool m_decreased = false;
    Clock::time_point m_lastDecrease{};
    Clock::time_point m_pausedUntil{};
    LimiterStats m_stats;
};

}  // namespace

std::shared_ptr<ConcurrencyLimiter> makeAdaptiveLimiter(const LimiterOptions& options, Logger logger) {
    return std::make_shared<AdaptiveLimiter>(options, std::move(logger));
}

}  // namespace mfaphone
