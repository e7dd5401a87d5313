#include <algorithm>
#include <cmath>
#include <cstdio>
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

std::string formatSeconds(std::chrono::milliseconds d) {
    char text[32];
    if (d < std::chrono::seconds(10))
        std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(d.count()) / 1000.0);
    else
        std::snprintf(text, sizeof text, "%lld s", static_cast<long long>((d.count() + 500) / 1000));
    return text;
}

RetryBudget::RetryBudget(double ratio, double capacity)
    : m_ratio(std::max(0.0, ratio)), m_capacity(std::max(0.0, capacity)), m_balance(m_capacity) {}

void RetryBudget::onAnswered() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_balance = std::min(m_capacity, m_balance + m_ratio);
}

bool RetryBudget::tryWithdraw() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_balance < 1.0) return false;
    m_balance -= 1.0;
    return true;
}

double RetryBudget::balance() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_balance;
}

RetryPolicy::RetryPolicy(std::shared_ptr<Transport> inner, RetryOptions options, Logger logger,
                         Sleeper sleeper, unsigned seed)
    : m_inner(std::move(inner)),
      m_options(std::move(options)),
      m_logger(std::move(logger)),
      m_sleep(sleeper ? std::move(sleeper)
                      : Sleeper([](std::chrono::milliseconds d, const Context& c) { c.sleepFor(d); })),
      m_seed(seed ? seed : std::random_device{}()),
      m_budget(m_options.budgetRatio, m_options.budgetCapacity) {}

std::chrono::milliseconds RetryPolicy::backoff(int attempt) {
    // Exponential with "equal jitter": half the window fixed, half random.
    double window = static_cast<double>(m_options.baseDelay.count()) * std::pow(2.0, std::min(attempt, 30));
    window = std::min(window, static_cast<double>(m_options.maxDelay.count()));
    std::minstd_rand rng(m_seed + m_counter.fetch_add(1));
    std::uniform_real_distribution<double> jitter(0.0, window / 2);
    return std::chrono::milliseconds(static_cast<long long>(window / 2 + jitter(rng)));
}

namespace {

std::string logUrl(const HttpRequest& request, bool hidePath) {
    return hidePath ? sanitizeUrlOrigin(request.url) : sanitizeUrl(request.url);
}

std::string defaultDescription(const HttpRequest& request, const HttpResponse& response, bool hidePath) {
    std::string text = "HTTP " + std::to_string(response.status) + " from " + request.method + " " +
                       logUrl(request, hidePath);
    std::string id = response.header("request-id");
    if (id.empty()) id = response.header("x-ms-request-id");
    if (!id.empty()) text += " (request-id " + id + ")";
    return text;
}

std::string attemptsText(int attempts, std::chrono::milliseconds elapsed) {
    return "Gave up after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
           " over " + formatSeconds(elapsed) + ": ";
}

}  // namespace

HttpResponse RetryPolicy::send(const HttpRequest& request, const Context& context) {
    using Clock = std::chrono::steady_clock;
    const bool repeatable = request.idempotent || request.method == "GET" || request.method == "HEAD" ||
                            request.method == "PUT" || request.method == "DELETE";
    const auto started = Clock::now();
    int attempts = 0, serverRetries = 0, transportRetries = 0, throttleBackoffs = 0, throttledRetries = 0;
    auto elapsed = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    };
    auto pastDeadline = [&](std::chrono::milliseconds delay) {
        return context.hasDeadline() && Clock::now() + delay >= context.deadline();
    };
    for (;;) {
        context.throwIfCancelled();
        ++attempts;
        std::chrono::milliseconds delay{0};
        std::string why;
        try {
            HttpResponse response = m_inner->send(request, context);
            // A 500/502/504 may come after the service applied a change; only 429 and 503 say it
            // was not processed, so only those are safe to resend for a request that is not
            // repeatable.
            bool retriable = repeatable ? isRetriableStatus(response.status)
                                        : (response.status == 429 || response.status == 503);
            if (!retriable) {
                m_budget.onAnswered();
                return response;
            }
            auto retryAfter =
                parseRetryAfter(response.header("retry-after"), std::chrono::system_clock::now());
            bool throttled = response.status == 429 || (response.status == 503 && retryAfter);
            why = "HTTP " + std::to_string(response.status);
            auto giveUp = [&](const std::string& reason) {
                std::string description = m_options.describeFailure
                                              ? m_options.describeFailure(response)
                                              : defaultDescription(request, response, m_options.hidePath);
                std::string id = response.header("request-id");
                throw RetriesExhaustedError(attemptsText(attempts, elapsed()) + description + reason,
                                            response.status, id, attempts);
            };
            if (throttled) {
                // Throttling: pace to Retry-After for as long as the context allows.
                if (m_options.maxThrottledRetries >= 0 && ++throttledRetries > m_options.maxThrottledRetries)
                    giveUp("");
                delay = retryAfter ? *retryAfter : backoff(throttleBackoffs++);
                if (delay > m_options.maxRetryAfter)
                    giveUp("; the service asked to wait " + formatSeconds(delay) + ", longer than the " +
                           formatSeconds(m_options.maxRetryAfter) + " allowed");
            } else {
                if (++serverRetries > m_options.maxRetries) giveUp("");
                if (elapsed() >= m_options.maxElapsed)
                    giveUp("; no retry starts later than " + formatSeconds(m_options.maxElapsed) +
                           " after the first attempt");
                delay = retryAfter ? std::min(*retryAfter, m_options.maxDelay) : backoff(serverRetries - 1);
                if (!m_budget.tryWithdraw())
                    giveUp("; the retry budget is spent (too many requests failed recently)");
            }
            if (pastDeadline(delay))
                giveUp("; the operation's deadline comes before the next attempt could start (in " +
                       formatSeconds(delay) + ")");
        } catch (const TransportError& e) {
            if (!repeatable || !e.retriable()) throw;
            if (context.hasDeadline() && Clock::now() >= context.deadline()) throw;
            auto giveUp = [&](const std::string& reason) {
                throw TransportError(attemptsText(attempts, elapsed()) + e.what() + reason, e.timedOut(),
                                     e.retriable());
            };
            if (++transportRetries > m_options.maxTransportRetries) giveUp("");
            if (elapsed() >= m_options.maxElapsed)
                giveUp("; no retry starts later than " + formatSeconds(m_options.maxElapsed) +
                       " after the first attempt");
            if (!m_budget.tryWithdraw())
                giveUp("; the retry budget is spent (too many requests failed recently)");
            delay = backoff(transportRetries - 1);
            if (pastDeadline(delay))
                giveUp("; the operation's deadline comes before the next attempt could start");
            why = e.timedOut() ? "a timeout" : "a transport error";
        }
        if (m_logger.enabled(LogLevel::Verbose)) {
            m_logger.log(LogLevel::Verbose, m_options.component,
                         "retrying " + request.method + " " + logUrl(request, m_options.hidePath) +
                             " after " + why + " in " + formatSeconds(delay) + " (attempt " +
                             std::to_string(attempts + 1) + ")");
        }
        m_sleep(delay, context);
    }
}

}  // namespace mfaphone
