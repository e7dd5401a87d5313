// The session's adaptive concurrency limiter (AIMD): see internal/limiter.hpp.
#include "mfaphone/internal/limiter.hpp"

#include <algorithm>
#include <array>
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
        if (!(m_options.rateFactor > 0 && m_options.rateFactor <= 1) ||
            !(m_options.easeFactor > 0 && m_options.easeFactor <= 1) ||
            !(m_options.acceptedShare > 0 && m_options.acceptedShare <= 1))
            throw InvalidInputError("The pacing factors must be greater than 0 and at most 1.");
        if (!(m_options.rateGrowth >= 0) || !(m_options.minimumRate > 0))
            throw InvalidInputError(
                "The pacing growth must not be negative and the minimum rate must be positive.");
        m_limit = std::clamp<double>(m_options.initial, m_options.minimum, m_options.ceiling);
    }

    Permit acquire(const Context& context, int units) override {
        context.throwIfCancelled();
        units = std::max(1, units);
        // Registered before the lock is taken: the callback runs at once if the context is
        // cancelled meanwhile, and it takes the lock itself.
        auto registration = context.onCancel([this] {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_cv.notify_all();
        });
        std::unique_lock<std::mutex> lock(m_mutex);
        bool heldBack = false;
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
            if (m_inFlight < currentLocked()) {
                if (m_rate <= 0 || now >= m_nextSend) break;
                // Paced: wait for this request's turn (a slot stays free for it meanwhile).
                m_pacerWaited = true;
                heldBack = true;
                m_cv.wait_until(lock, std::min(m_nextSend, context.deadline()));
                continue;
            }
            if (context.hasDeadline())
                m_cv.wait_until(lock, context.deadline());
            else
                m_cv.wait(lock);
        }
        ++m_inFlight;
        ++m_stats.requests;
        if (heldBack) ++m_stats.pacedWaits;
        m_stats.peak = std::max(m_stats.peak, m_inFlight);
        if (m_rate > 0) {
            // A little credit (0.1 s of the rate) for a pacer nobody used for a while, no more.
            auto now = Clock::now();
            auto earliest = now - std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(100));
            m_nextSend = std::max(m_nextSend, earliest) + secondsOf(units / m_rate);
        }
        // More room (the limit grew, or several slots were freed at once): wake the next one.
        if (m_inFlight < currentLocked()) m_cv.notify_one();
        return Permit(this);
    }

    void onResponse(const HttpResponse& response, int units, bool batch) override {
        auto retryAfter = parseRetryAfter(response.header("retry-after"), std::chrono::system_clock::now());
        auto percentage = parseLimitPercentage(response.header("x-ms-throttle-limit-percentage"));
        std::string message;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            auto now = Clock::now();
            bool stale = takeStaleLocked();
            if (response.status > 0 && response.status != 429) acceptedLocked(now, std::max(1, units));
            if (response.status == 429) {
                ++m_stats.throttled;
                message = throttleLocked(retryAfter.value_or(m_options.defaultPause), stale, now, "HTTP 429");
            } else if (response.status == 503 && retryAfter) {
                message = throttleLocked(*retryAfter, stale, now, "HTTP 503");
            } else if (m_options.pacing) {
                // The items of a batch say how much budget is left (onBatchAnswered).
                bool healthy = response.status > 0 && response.status < 500;
                if (healthy && !batch) message = budgetLocked(percentage, now);
                if (healthy && (batch || !percentage) && !stale && now >= m_pausedUntil &&
                    m_inFlight * 2 >= currentLocked())
                    growLocked();
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
            auto now = Clock::now();
            acceptedLocked(now, -1);  // the envelope counted it as accepted
            bool stale = takeStaleLocked();
            message = throttleLocked(retryAfter, stale, now, "a throttled batch item");
        }
        if (!message.empty()) m_logger.log(LogLevel::Verbose, "throttle", std::move(message));
    }

    void onBatchAnswered(std::optional<double> limitPercentage) override {
        if (!m_options.pacing) return;
        std::string message;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            message = budgetLocked(limitPercentage, Clock::now());
        }
        if (!message.empty()) m_logger.log(LogLevel::Verbose, "throttle", std::move(message));
    }

    LimiterStats stats() const override {
        std::lock_guard<std::mutex> lock(m_mutex);
        LimiterStats s = m_stats;
        s.limit = currentLocked();
        s.inFlight = m_inFlight;
        s.rate = m_rate;
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
        // Paced, the rate answers a 429; the number of requests in flight need not shrink.
        if (!stale && !m_options.pacing) {
            std::string cut = decreaseLocked(m_options.throttleFactor, now, why);
            if (!cut.empty())
                message = message.empty() ? cut : message + "; " + cut.substr(cut.find(':') + 2);
        }
        if (m_options.pacing) {
            std::string paced = paceOnThrottleLocked(now, why);
            if (!paced.empty())
                message = message.empty() ? paced : message + "; " + paced.substr(paced.find(':') + 2);
        }
        return message;
    }

    static Clock::duration secondsOf(double seconds) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    }

    static std::string rateText(double rate) {
        char text[48];
        std::snprintf(text, sizeof text, "%.1f requests/s", rate);
        return text;
    }

    // Requests the budget accepted (negative: an accepted envelope's throttled item), kept per
    // 100 ms for the last two seconds and in total.
    void acceptedLocked(Clock::time_point now, int units) {
        m_acceptedTotal += units;
        long long slot =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() / 100;
        auto& bucket = m_recent[static_cast<std::size_t>(slot % kSlots)];
        if (bucket.first != slot) bucket = {slot, 0};
        bucket.second += units;
        if (m_firstAccepted == Clock::time_point{}) m_firstAccepted = now;
    }

    // Requests per second accepted over the last second (or since the first, when sooner).
    double recentRateLocked(Clock::time_point now) const {
        long long slot =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() / 100;
        long long sum = 0;
        for (const auto& [at, units] : m_recent)
            if (at > slot - 10 && at <= slot) sum += units;
        double span = std::clamp(std::chrono::duration<double>(now - m_firstAccepted).count(), 0.1, 1.0);
        return static_cast<double>(std::max<long long>(sum, 0)) / span;
    }

    std::string setRateLocked(double rate, Clock::time_point now, const std::string& why) {
        double before = m_rate;
        m_rate = std::max(m_options.minimumRate, rate);
        m_lastRateCut = now;
        m_rateCut = true;
        m_lastGrowth = now;
        if (m_nextSend < now) m_nextSend = now;
        m_cv.notify_all();
        if (!m_logger.enabled(LogLevel::Verbose)) return {};
        return why + ": pacing " + (before > 0 ? rateText(before) + " -> " : std::string()) +
               rateText(m_rate);
    }

    bool rateCutAllowedLocked(Clock::time_point now) const {
        return !m_rateCut || now - m_lastRateCut >= m_options.rateCutGap;
    }

    // A 429: the budget is empty. Through a run of 429s (an episode: none more than 2 s apart)
    // it stays empty, so what it accepted since the episode began is its refill rate: pace just
    // under that once 0.3 s of it has been seen; before that, cut by `rateFactor`.
    std::string paceOnThrottleLocked(Clock::time_point now, const char* why) {
        if (!m_throttleSeen || now - m_lastThrottle > std::chrono::seconds(2)) {
            m_episodeStart = now;
            m_acceptedAtEpisode = m_acceptedTotal;
        }
        double measured = -1;
        double span = std::chrono::duration<double>(now - m_episodeStart).count();
        if (span >= 0.3) measured = static_cast<double>(m_acceptedTotal - m_acceptedAtEpisode) / span;
        std::string message;
        if (rateCutAllowedLocked(now)) {
            double rate;
            // Nothing accepted at all (a storm of 429s) says nothing of the rate: the pauses
            // alone answer it.
            if (measured > 0)
                m_safeRate = std::max(m_options.minimumRate, measured * m_options.acceptedShare);
            if (m_rate <= 0)
                rate = startRateLocked(now);
            else if (measured > 0)
                rate = std::min(m_rate, m_safeRate);
            else
                rate = m_rate * m_options.rateFactor;
            rate = std::max(m_options.minimumRate, rate);
            if (rate > 0 && (m_rate <= 0 || rate < m_rate) && (m_rate > 0 || startRateLocked(now) > 0))
                message = setRateLocked(rate, now, why);
        }
        m_throttleSeen = true;
        m_lastThrottle = now;
        m_lastSignal = now;
        return message;
    }

    // The rate pacing starts at: a little above the rate it ended at, when that was lately;
    // else half of what the budget accepted in the last second.
    // 0: nothing was accepted lately, so there is no rate to start from.
    double startRateLocked(Clock::time_point now) const {
        if (m_lastPacedRate > 0 && now - m_pacingEnded < std::chrono::seconds(30))
            return m_lastPacedRate * 1.1;
        return recentRateLocked(now) * 0.5;
    }

    // The budget's state from x-ms-throttle-limit-percentage (none: it has room).
    std::string budgetLocked(std::optional<double> used, Clock::time_point now) {
        if (used && *used >= m_options.paceFrom) {
            m_hold = true;
            m_lastSignal = now;
            if (m_rate <= 0) {
                double start = startRateLocked(now);
                if (start <= 0) return {};
                char text[64];
                std::snprintf(text, sizeof text, "%.0f%% of the budget used", *used * 100);
                return setRateLocked(start, now, text);
            }
            // With the refill rate measured, the rate is held at it, a little under it while
            // the budget is nearly spent; without, it eases down step by step.
            double target = m_rate;
            if (m_safeRate > 0)
                target = std::min(
                    m_rate, *used >= m_options.easeAbove ? m_safeRate * m_options.easeFactor : m_safeRate);
            else if (*used >= m_options.easeAbove && (!m_rateCut || now - m_lastRateCut >= m_options.easeGap))
                target = m_rate * m_options.easeFactor;
            if (target < m_rate) {
                char text[64];
                std::snprintf(text, sizeof text, "%.0f%% of the budget used", *used * 100);
                return setRateLocked(target, now, text);
            }
            return {};
        }
        // Room in the budget: the paced rate grows while requests wait for it (above the measured
        // refill rate too: the room is there to spend), faster the longer the room lasts (to four
        // times `rateGrowth` after two quiet seconds), and pacing ends once the
        // budget has shown room for `paceQuiet`.
        if (m_rate > 0 && now - m_lastSignal >= m_options.paceQuiet) {
            m_lastPacedRate = m_rate;
            m_pacingEnded = now;
            m_rate = 0;
            m_hold = false;
            m_cv.notify_all();
            return m_logger.enabled(LogLevel::Verbose) ? std::string("the budget has room: pacing ends")
                                                       : std::string();
        }
        if (m_rate > 0) {
            double dt = std::min(1.0, std::chrono::duration<double>(now - m_lastGrowth).count());
            m_lastGrowth = now;
            if (m_pacerWaited && !m_hold && now >= m_pausedUntil && dt > 0) {
                double quiet = std::chrono::duration<double>(now - m_lastSignal).count();
                double growth = m_options.rateGrowth * std::pow(2.0, std::min(quiet, 2.0));
                m_rate *= 1 + growth * dt;
                m_pacerWaited = false;
            }
        }
        m_hold = false;
        return {};
    }

    static constexpr std::size_t kSlots = 20;

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
    // Pacing.
    double m_rate = 0;  // requests per second; 0: not paced
    Clock::time_point m_nextSend{};
    bool m_pacerWaited = false;
    bool m_hold = false;
    bool m_rateCut = false;
    Clock::time_point m_lastRateCut{};
    Clock::time_point m_lastGrowth{};
    bool m_throttleSeen = false;
    Clock::time_point m_lastSignal{};
    double m_lastPacedRate = 0;
    Clock::time_point m_pacingEnded{};
    Clock::time_point m_lastThrottle{};
    long long m_acceptedTotal = 0;
    double m_safeRate = 0;  // just under the refill rate measured through a run of 429s; 0: unknown
    Clock::time_point m_episodeStart{};
    long long m_acceptedAtEpisode = 0;
    Clock::time_point m_firstAccepted{};
    std::array<std::pair<long long, long long>, kSlots> m_recent{};
};

}  // namespace

std::shared_ptr<ConcurrencyLimiter> makeAdaptiveLimiter(const LimiterOptions& options, Logger logger) {
    return std::make_shared<AdaptiveLimiter>(options, std::move(logger));
}

}  // namespace mfaphone
