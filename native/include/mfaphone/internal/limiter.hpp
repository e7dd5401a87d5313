// The session's concurrency limiter: Graph throttles per application and tenant, so one limiter
// per signed-in session bounds how many requests are in flight across every operation of that
// session, and adapts the bound to Graph's signals (grows while healthy, shrinks on 429 and on
// x-ms-throttle-limit-percentage, pauses everyone until a Retry-After has passed).
//
// Concurrency alone cannot hold a request rate below what one request in flight sends (a $batch
// of 20 every round trip is hundreds of requests a second), while Graph's budgets are token
// buckets that refill at a fixed rate. So the limiter also paces: from the first sign that a
// budget is running dry (a 429, or x-ms-throttle-limit-percentage at `paceFrom`), it spaces
// requests (counting each $batch item) at a rate it keeps just under the refill rate: cut on a
// 429 to what the budget was seen to accept since the previous one, eased down while the budget
// is nearly spent, held while it is partly spent, and grown slowly while it has room.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "mfaphone/context.hpp"
#include "mfaphone/internal/log.hpp"

namespace mfaphone {

struct HttpResponse;

struct LimiterOptions {
    int initial = 8;    // requests in flight at the start
    int minimum = 1;    // never fewer
    int ceiling = 256;  // never more (a caller's ThrottleLimit lowers it per operation)
    // Additive increase: the limit grows by `growth` per window of `limit` healthy answers while
    // the window is in use (at least half the permits held), i.e. about `growth` per round trip.
    double growth = 1.0;
    // Multiplicative decrease on a 429 (and a 503 with Retry-After).
    double throttleFactor = 0.5;
    // x-ms-throttle-limit-percentage p (0.8 to 1.8 of the budget used) scales the limit by
    // 1 - (p - 0.7) / 2 (0.95 at 0.8, 0.85 at 1.0), never below throttleFactor.
    // Decreases at most once per window (answers to requests sent before a decrease do not cut
    // again) and at most once per `decreaseGap`.
    std::chrono::milliseconds decreaseGap{100};
    // Pause after a 429 without Retry-After; the longest pause any Retry-After imposes.
    std::chrono::milliseconds defaultPause{1000};
    std::chrono::milliseconds maxPause{300000};

    // Pacing (requests per second, each $batch item counted). Off: concurrency only.
    bool pacing = true;
    // x-ms-throttle-limit-percentage from which pacing starts (at half the rate of the last
    // second) and the rate no longer grows (held at the measured refill rate, when a run of
    // 429s measured it); from `easeAbove` the rate is held `easeFactor` under that, or, not yet
    // measured, cut by `easeFactor` once per `easeGap`.
    double paceFrom = 0.8;
    double easeAbove = 0.95;
    double easeFactor = 0.9;
    // On a 429: the rate becomes `acceptedShare` of what the budget accepted since the run of
    // 429s began (once that run has lasted 0.3 s), else the rate times `rateFactor`.
    double acceptedShare = 0.9;
    double rateFactor = 0.7;
    // Growth while the budget has room and requests wait for the pacer: this share per second,
    // doubled for each second the room has lasted, up to four times.
    double rateGrowth = 0.02;
    double minimumRate = 1.0;
    // Pacing ends when the budget has shown room (no 429, no percentage from `paceFrom`) this long.
    std::chrono::milliseconds paceQuiet{10000};
    // Cuts of the rate at most once per gap (the answers to requests already sent carry the
    // same news).
    std::chrono::milliseconds rateCutGap{200};
    // Eases (nearly spent budget) at most once per this gap.
    std::chrono::milliseconds easeGap{1000};
};

struct LimiterStats {
    long long requests = 0;     // HTTP requests that went through the limiter
    long long throttled = 0;    // 429s seen (HTTP responses and $batch items)
    int limit = 0;              // the current bound
    int peak = 0;               // most requests in flight at once
    int inFlight = 0;           // permits held now
    long long decreases = 0;    // times the limit was cut
    long long pauses = 0;       // 429s (or batch items) that started or extended the shared pause
    long long pausedForMs = 0;  // time left of the shared Retry-After pause (0: none)
    double rate = 0;            // paced requests per second ($batch items counted); 0: not paced
    long long pacedWaits = 0;   // acquires the pacer held back
};

class ConcurrencyLimiter {
public:
    // A slot held for one request; released when destroyed.
    class Permit {
    public:
        Permit() = default;
        explicit Permit(ConcurrencyLimiter* owner) : m_owner(owner) {}
        Permit(Permit&& other) noexcept : m_owner(other.m_owner) { other.m_owner = nullptr; }
        Permit& operator=(Permit&& other) noexcept {
            if (this != &other) {
                reset();
                m_owner = other.m_owner;
                other.m_owner = nullptr;
            }
            return *this;
        }
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        ~Permit() { reset(); }
        void reset() {
            if (m_owner) m_owner->release();
            m_owner = nullptr;
        }

    private:
        ConcurrencyLimiter* m_owner = nullptr;
    };

    virtual ~ConcurrencyLimiter() = default;
    // Waits until a slot is free, no Retry-After pause is in force and the pacer lets `units`
    // requests go (a $batch envelope is as many units as it has items). Throws CancelledError
    // when the context is cancelled or its deadline passes while waiting.
    virtual Permit acquire(const Context& context, int units = 1) = 0;
    // Feedback from a response of a request that held a permit: 429 (with its Retry-After),
    // x-ms-throttle-limit-percentage, or success. For a $batch envelope (`batch`), the items
    // report their own throttling and budget through onThrottled and onBatchAnswered.
    virtual void onResponse(const HttpResponse& response, int units = 1, bool batch = false) = 0;
    // A throttled item inside a $batch response (the envelope itself succeeded).
    virtual void onThrottled(std::chrono::milliseconds retryAfter) = 0;
    // A $batch answer has been read: the highest x-ms-throttle-limit-percentage of its items
    // (none: the budget has room).
    virtual void onBatchAnswered(std::optional<double> limitPercentage) = 0;
    virtual LimiterStats stats() const = 0;

protected:
    virtual void release() = 0;
};

// AIMD limiter: grows slowly while healthy, shrinks multiplicatively on 429 and on
// x-ms-throttle-limit-percentage (harder the higher the percentage), and on a 429 pauses every
// acquirer until its Retry-After has passed (one shared pause). Thread-safe; waits are
// cancellable. Throws InvalidInputError for inconsistent options.
std::shared_ptr<ConcurrencyLimiter> makeAdaptiveLimiter(const LimiterOptions& options, Logger logger);

// x-ms-throttle-limit-percentage as a number ("0.8" -> 0.8), independent of the locale.
std::optional<double> parseLimitPercentage(std::string_view value);

}  // namespace mfaphone
