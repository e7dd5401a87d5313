#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

bool isRetriableStatus(int status) noexcept {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    bool numeric = true;
    int dots = 0;
    for (char c : value) {
        if (c == '.')
            ++dots;
        else if (c < '0' || c > '9')
            numeric = false;
    }
    // Far beyond any sensible wait; also keeps the conversions below in range.
    constexpr double kCapSeconds = 365.0 * 24 * 3600;
    if (numeric && dots <= 1 && value != ".") {
        double seconds = std::strtod(std::string(value).c_str(), nullptr);
        if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
        seconds = std::min(seconds, kCapSeconds);
        return std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000.0)));
    }
    // HTTP-date (IMF-fixdate), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    std::string text(value);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0') return std::nullopt;
    // Difference in whole seconds as time_t arithmetic: no chrono overflow for far dates.
    double seconds = std::difftime(timegm(&tm), std::chrono::system_clock::to_time_t(now));
    seconds = std::min(std::max(seconds, 0.0), kCapSeconds);
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

RetryPolicy::RetryPolicy(std::shared_ptr<Transport> inner, RetryOptions options, Logger logger,
                         Sleeper sleeper, unsigned seed)
    : m_inner(std::move(inner)),
      m_options(options),
      m_logger(std::move(logger)),
      m_sleep(sleeper ? std::move(sleeper)
                      : Sleeper([](std::chrono::milliseconds d, const Context& c) { c.sleepFor(d); })),
      m_seed(seed ? seed : std::random_device{}()) {}

std::chrono::milliseconds RetryPolicy::backoff(int attempt) {
    // Exponential with "equal jitter": half the window fixed, half random.
    double window = static_cast<double>(m_options.baseDelay.count()) * std::pow(2.0, attempt);
    window = std::min(window, static_cast<double>(m_options.maxDelay.count()));
    std::minstd_rand rng(m_seed + m_counter.fetch_add(1));
    std::uniform_real_distribution<double> jitter(0.0, window / 2);
    return std::chrono::milliseconds(static_cast<long long>(window / 2 + jitter(rng)));
}

HttpResponse RetryPolicy::send(const HttpRequest& request, const Context& context) {
    bool repeatable = request.idempotent || request.method == "GET" || request.method == "HEAD" ||
                      request.method == "PUT" || request.method == "DELETE";
    // A 500/502/504 may come after the service applied a change; only 429 and 503 say it was
    // not processed, so only those are safe to resend for a request that is not repeatable.
    int transportFailures = 0;
    for (int attempt = 0;; ++attempt) {
        context.throwIfCancelled();
        std::chrono::milliseconds delay{0};
        std::string why;
        try {
            HttpResponse response = m_inner->send(request, context);
            bool retriable = repeatable ? isRetriableStatus(response.status)
                                        : (response.status == 429 || response.status == 503);
            if (!retriable || attempt >= m_options.maxRetries) return response;
            auto retryAfter =
                parseRetryAfter(response.header("retry-after"), std::chrono::system_clock::now());
            delay = retryAfter ? *retryAfter : backoff(attempt);
            if (delay > m_options.maxRetryAfter) return response;
            why = "HTTP " + std::to_string(response.status);
        } catch (const TransportError& e) {
            if (!repeatable || ++transportFailures > m_options.maxTransportRetries ||
                attempt >= m_options.maxRetries)
                throw;
            delay = backoff(attempt);
            why = e.timedOut() ? "a timeout" : "a transport error";
        }
        if (m_logger.enabled(LogLevel::Verbose)) {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(delay.count()) / 1000.0);
            m_logger.log(LogLevel::Verbose, "http",
                         "retrying " + request.method + " " + sanitizeUrl(request.url) + " after " + why +
                             " in " + seconds + " s (retry " + std::to_string(attempt + 1) + " of " +
                             std::to_string(m_options.maxRetries) + ")");
        }
        m_sleep(delay, context);
    }
}

}  // namespace mfaphone
