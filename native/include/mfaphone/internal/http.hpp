// HTTP: request/response values, the Transport interface (libcurl in production, scripted
// fakes in unit tests) and the retry policy that wraps any transport.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
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
};

struct HttpResponse {
    int status = 0;
    Headers headers;  // names lower-cased
    // Zeroing storage: token responses carry access tokens, and a growing buffer must not
    // leave copies behind.
    ZeroingString body;
    // First value of a header (name compared case-insensitively), or empty.
    std::string header(std::string_view name) const;
};

struct TransportOptions {
    std::string caBundle;  // PEM file; empty = system store
    bool verifyTls = true;
    long connectTimeoutMs = 10000;
    long lowSpeedLimitBytes = 1;    // abort when slower than this...
    long lowSpeedTimeSeconds = 60;  // ...for this long
    long requestTimeoutMs = 100000;
    int maxConnections = 64;
    std::string userAgent = "MfaPhone";
};

class Transport {
public:
    virtual ~Transport() = default;
    // Sends one request and waits for its answer. Throws TransportError or CancelledError.
    virtual HttpResponse send(const HttpRequest& request, const Context& context) = 0;
};

// libcurl transport: one multi handle driven by an I/O thread, connection reuse, HTTP/2
// multiplexing where offered, TLS verification on, wakes promptly on cancellation.
std::shared_ptr<Transport> makeCurlTransport(const TransportOptions& options, Logger logger);

struct RetryOptions {
    int maxRetries = 6;
    // Transport errors (refused, reset, timeout) are retried fewer times: an unreachable host
    // should fail in seconds, not minutes.
    int maxTransportRetries = 2;
    std::chrono::milliseconds baseDelay{800};
    std::chrono::milliseconds maxDelay{60000};
    // Longest Retry-After honoured before giving up on that request.
    std::chrono::milliseconds maxRetryAfter{300000};
};

// Parses Retry-After: delta seconds (fractional accepted) or an HTTP-date. `now` is the
// system time to measure an HTTP-date against.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

bool isRetriableStatus(int status) noexcept;

// Retries 429/500/502/503/504 and transport errors for requests that are safe to repeat (GET,
// HEAD, PUT, DELETE, or marked idempotent), and only 429/503 for the others (POST, PATCH), since
// a 500/502/504 or a dropped connection may follow a change that was applied. Honours
// Retry-After, otherwise exponential backoff with jitter. The sleep is injectable for tests.
class RetryPolicy : public Transport {
public:
    using Sleeper = std::function<void(std::chrono::milliseconds, const Context&)>;
    RetryPolicy(std::shared_ptr<Transport> inner, RetryOptions options, Logger logger, Sleeper sleeper = {},
                unsigned seed = 0);
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::chrono::milliseconds backoff(int attempt);
    std::shared_ptr<Transport> m_inner;
    RetryOptions m_options;
    Logger m_logger;
    Sleeper m_sleep;
    unsigned m_seed;
    std::atomic<unsigned> m_counter{0};
};

}  // namespace mfaphone
