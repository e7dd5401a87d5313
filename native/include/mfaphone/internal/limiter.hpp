// The session's concurrency limiter: Graph throttles per application and tenant, so one limiter
// per signed-in session bounds how many requests are in flight across every operation of that
// session, and adapts the bound to Graph's signals (grows while healthy, shrinks on 429 and on
// x-ms-throttle-limit-percentage, pauses everyone until a Retry-After has passed).
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
    // Waits until a slot is free and no Retry-After pause is in force. Throws CancelledError
    // when the context is cancelled or its deadline passes while waiting.
    virtual Permit acquire(const Context& context) = 0;
    // Feedback from a response of a request that held a permit: 429 (with its Retry-After),
    // x-ms-throttle-limit-percentage, or success.
    virtual void onResponse(const HttpResponse& response) = 0;
    // A throttled item inside a $batch response (the envelope itself succeeded).
    virtual void onThrottled(std::chrono::milliseconds retryAfter) = 0;
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
