#include <algorithm>
#include <cmath>
#include <random>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

bool isRetriableStatus(int status) noexcept {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

namespace {

// Far beyond any sensible wait; also keeps every conversion below in range.
constexpr long long kCapSeconds = 365LL * 24 * 3600;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long daysFromCivil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

// IMF-fixdate, the form HTTP requires: "Sun, 06 Nov 1994 08:49:37 GMT" -> Unix seconds.
// Parsed by hand: no locale, no strptime/timegm (absent on Windows).
std::optional<long long> parseImfFixdate(std::string_view s) {
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
        return std::nullopt;
    auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (!isDigit(s[i])) return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    auto day = number(5, 2), year = number(12, 4), hour = number(17, 2), minute = number(20, 2),
         second = number(23, 2);
    auto month = kMonths.find(s.substr(8, 3));
    if (!day || !year || !hour || !minute || !second || month == std::string_view::npos || month % 3 != 0 ||
        *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    return daysFromCivil(*year, static_cast<unsigned>(month / 3 + 1), static_cast<unsigned>(*day)) * 86400 +
           *hour * 3600 + *minute * 60 + *second;
}

// delta-seconds, optionally fractional ("2", "2.128"), parsed without the locale's decimal point.
std::optional<std::chrono::milliseconds> parseSeconds(std::string_view s) {
    auto dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if ((whole.empty() && fraction.empty()) || !std::all_of(whole.begin(), whole.end(), isDigit) ||
        !std::all_of(fraction.begin(), fraction.end(), isDigit))
        return std::nullopt;
    long long seconds = 0;
    for (char c : whole) {
        seconds = seconds * 10 + (c - '0');
        if (seconds > kCapSeconds) return std::chrono::milliseconds(kCapSeconds * 1000);
    }
    // Milliseconds from the fraction, rounded up so a wait is never shortened.
    long long millis = 0;
    for (std::size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    if (fraction.size() > 3 && fraction.find_first_not_of('0', 3) != std::string_view::npos) ++millis;
    return std::chrono::milliseconds(seconds * 1000 + millis);
}

}  // namespace

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (isDigit(value.front()) || value.front() == '.') return parseSeconds(value);
    auto when = parseImfFixdate(value);
    if (!when) return std::nullopt;
    long long nowSeconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    long long delta = std::clamp(*when - nowSeconds, 0LL, kCapSeconds);
    return std::chrono::milliseconds(delta * 1000);
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
