// HTTP: request/response values, the Transport interface (libcurl in production, scripted
// fakes in unit tests) and the retry policy that wraps any transport.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mfaphone/context.hpp"
#include "mfaphone/internal/log.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    // The body lives in zeroing storage: token requests carry secrets.
    SecretString body;
    // Safe to send again after a transport error (GET, DELETE, PUT, token requests).
    bool idempotent = false;
    // A $batch envelope: how many requests it carries (Graph throttles and charges each).
    int batchItems = 0;
};

struct HttpResponse {
    int status = 0;
    Headers headers;  // names lower-cased
    // Zeroing storage: token responses carry access tokens, and a growing buffer must not
    // leave copies behind.
    ZeroingString body;
    // The protocol the answer came over: 10, 11, 20 or 30 for HTTP/1.0 ... HTTP/3 (0: unknown).
    int httpVersion = 0;
    // First value of a header (name compared case-insensitively), or empty.
    std::string header(std::string_view name) const;
};

struct TransportOptions {
    std::string caBundle;  // PEM file; empty = system store
    bool verifyTls = true;
    long connectTimeoutMs = 10000;
    long lowSpeedLimitBytes = 1;    // abort when slower than this...
    long lowSpeedTimeSeconds = 60;  // ...for this long
    // Time one request may take once its transfer has started (connection ready, request about
    // to be sent). Time spent queued for a connection or an HTTP/2 stream does not count.
    long requestTimeoutMs = 100000;
    // Connections to one host at once. HTTP/2 multiplexes many requests over one; HTTP/1.1 (a
    // TLS-inspecting proxy, a local endpoint) needs one per request in flight, so this matches
    // the largest concurrency window a session uses (LimiterOptions::ceiling).
    int maxConnections = 256;
    // Idle connections kept open for reuse (0: as many as maxConnections).
    int connectionCache = 0;
    std::string userAgent = "MfaPhone";
};

class Transport {
public:
    virtual ~Transport() = default;
    // Sends one request and waits for its answer. Throws TransportError or CancelledError.
    virtual HttpResponse send(const HttpRequest& request, const Context& context) = 0;
};

// libcurl transport: one multi handle driven by an I/O thread, connection reuse, HTTP/2
// multiplexing where offered, TLS verification on, wakes promptly on cancellation. Paths are
// sent exactly as built (no dot-segment removal); loopback URLs never go through a proxy.
std::shared_ptr<Transport> makeCurlTransport(const TransportOptions& options, Logger logger);

struct RetryOptions {
    // 5xx answers and transport errors are retried with exponential backoff and jitter, bounded
    // per request by these counts and by maxElapsed, and across requests by the retry budget.
    int maxRetries = 6;
    // Transport errors (refused, reset, timeout) are retried fewer times: an unreachable host
    // should fail in seconds, not minutes.
    int maxTransportRetries = 2;
    std::chrono::milliseconds baseDelay{800};
    std::chrono::milliseconds maxDelay{30000};
    // No 5xx/transport retry starts later than this after the request's first attempt.
    std::chrono::milliseconds maxElapsed{60000};
    // Throttling (429, or 503 with Retry-After) is retried for as long as the request's Context
    // allows, each wait paced to Retry-After; a single Retry-After longer than this gives up.
    std::chrono::milliseconds maxRetryAfter{300000};
    // Cap on throttled retries per request; -1: none (as long as the Context allows). For callers
    // that must fail fast because their own caller retries (a relay delivery Twilio resends).
    int maxThrottledRetries = -1;
    // Retry budget shared by every request through one policy: a retry after a 5xx or a
    // transport error spends one token; each answered attempt earns `budgetRatio` tokens, up to
    // `budgetCapacity` (also the starting balance). During an outage the budget runs dry and
    // requests fail after their first attempt instead of multiplying the load.
    double budgetRatio = 0.2;
    double budgetCapacity = 20;
    // Prefix of log lines ("graph", "auth").
    std::string component = "http";
    // Log only the scheme and host of URLs (webhook URLs whose path is the secret).
    bool hidePath = false;
    // Describes the last answer in the "gave up" error (default: "HTTP 503 (request-id ...)").
    // Never include a body that may hold secrets.
    std::function<std::string(const HttpResponse&)> describeFailure;
};

// Parses Retry-After: delta seconds (fractional accepted) or an HTTP-date. `now` is the
// system time to measure an HTTP-date against.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

bool isRetriableStatus(int status) noexcept;

// A token bucket of retries relative to answered requests (see RetryOptions). Thread-safe.
class RetryBudget {
public:
    RetryBudget(double ratio, double capacity);
    void onAnswered();
    // Takes one token; false when the budget is spent.
    bool tryWithdraw();
    double balance() const;

private:
    mutable std::mutex m_mutex;
    double m_ratio;
    double m_capacity;
    double m_balance;
};

// Retries 429/500/502/503/504 and transport errors for requests that are safe to repeat (GET,
// HEAD, PUT, DELETE, or marked idempotent), and only 429/503 for the others (POST, PATCH), since
// a 500/502/504 or a dropped connection may follow a change that was applied. Throttling (429,
// 503 with Retry-After) is paced to Retry-After for as long as the Context allows; 5xx and
// transport errors back off exponentially with jitter within the retry budget. Certificate
// failures and other non-retriable transport errors are never retried. When retrying ends
// without an answer worth returning it throws RetriesExhaustedError (after HTTP answers) or
// TransportError (after transport errors), saying how many attempts over how long and why.
// The sleep is injectable for tests.
class RetryPolicy : public Transport {
public:
    using Sleeper = std::function<void(std::chrono::milliseconds, const Context&)>;
    RetryPolicy(std::shared_ptr<Transport> inner, RetryOptions options, Logger logger, Sleeper sleeper = {},
                unsigned seed = 0);
    HttpResponse send(const HttpRequest& request, const Context& context) override;
    const RetryBudget& budget() const { return m_budget; }

private:
    std::chrono::milliseconds backoff(int attempt);
    std::shared_ptr<Transport> m_inner;
    RetryOptions m_options;
    Logger m_logger;
    Sleeper m_sleep;
    unsigned m_seed;
    std::atomic<unsigned> m_counter{0};
    RetryBudget m_budget;
};

// "2.5 s" below ten seconds, "94 s" above: durations in messages.
std::string formatSeconds(std::chrono::milliseconds d);

}  // namespace mfaphone
