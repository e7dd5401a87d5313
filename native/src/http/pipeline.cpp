// The HTTP policy pipeline: policies and the factory per service (see internal/pipeline.hpp).
#include "mfaphone/internal/pipeline.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <stdexcept>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/base64.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

bool sameName(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool hasHeader(const Headers& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return sameName(h.first, name); });
}

// A copy of the request with one more header whose value is a secret: the value is built in
// place (one allocation, no intermediate copies) and wiped however the send ends.
class SecretHeaderScope {
public:
    SecretHeaderScope(HttpRequest& request, std::string name, const char* prefix, const SecretString& secret)
        : m_request(request) {
        std::string value;
        std::size_t prefixSize = std::char_traits<char>::length(prefix);
        value.reserve(prefixSize + secret.size());
        value.append(prefix, prefixSize);
        value.append(secret.data(), secret.size());
        m_request.headers.emplace_back(std::move(name), std::move(value));
        m_index = m_request.headers.size() - 1;
    }
    ~SecretHeaderScope() {
        // By index: the vector may have grown since.
        auto& value = m_request.headers[m_index].second;
        secureZero(value.data(), value.capacity());
    }
    SecretHeaderScope(const SecretHeaderScope&) = delete;
    SecretHeaderScope& operator=(const SecretHeaderScope&) = delete;

private:
    HttpRequest& m_request;
    std::size_t m_index = 0;
};

}  // namespace

std::string newGuid() {
    thread_local std::mt19937_64 rng(std::random_device{}() ^
                                     (static_cast<std::uint64_t>(std::random_device{}()) << 32));
    std::uint64_t hi = rng(), lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return text;
}

// ---------------------------------------------------------------- request id

RequestIdPolicy::RequestIdPolicy(std::shared_ptr<Transport> inner) : m_inner(std::move(inner)) {}

HttpResponse RequestIdPolicy::send(const HttpRequest& request, const Context& context) {
    if (hasHeader(request.headers, "client-request-id")) return m_inner->send(request, context);
    HttpRequest withId = request;
    withId.headers.emplace_back("client-request-id", newGuid());
    return m_inner->send(withId, context);
}

// ---------------------------------------------------------------- throttle

ThrottlePolicy::ThrottlePolicy(std::shared_ptr<Transport> inner, std::shared_ptr<ConcurrencyLimiter> limiter)
    : m_inner(std::move(inner)), m_limiter(std::move(limiter)) {}

HttpResponse ThrottlePolicy::send(const HttpRequest& request, const Context& context) {
    int units = std::max(1, request.batchItems);
    ConcurrencyLimiter::Permit permit = m_limiter->acquire(context, units);
    HttpResponse response = m_inner->send(request, context);
    m_limiter->onResponse(response, units, request.batchItems > 0);
    return response;
}

// ---------------------------------------------------------------- auth

BearerTokenPolicy::BearerTokenPolicy(std::shared_ptr<Transport> inner, std::shared_ptr<TokenCache> tokens,
                                     Logger logger, std::string component)
    : m_inner(std::move(inner)),
      m_tokens(std::move(tokens)),
      m_logger(std::move(logger)),
      m_component(std::move(component)) {}

HttpResponse BearerTokenPolicy::send(const HttpRequest& request, const Context& context) {
    for (int attempt = 0;; ++attempt) {
        SecretString token = m_tokens->bearer(context);
        HttpRequest authorized = request;
        HttpResponse response;
        {
            SecretHeaderScope header(authorized, "Authorization", "Bearer ", token);
            response = m_inner->send(authorized, context);
        }
        if (response.status == 401 && attempt == 0) {
            if (m_logger.enabled(LogLevel::Verbose))
                m_logger.log(LogLevel::Verbose, m_component,
                             "401 from " + request.method + " " + sanitizeUrl(request.url) +
                                 "; refreshing the token once");
            m_tokens->invalidate(token);
            continue;
        }
        return response;
    }
}

SecretHeaderPolicy::SecretHeaderPolicy(std::shared_ptr<Transport> inner, std::string name, SecretString value)
    : m_inner(std::move(inner)), m_name(std::move(name)), m_value(std::move(value)) {}

HttpResponse SecretHeaderPolicy::send(const HttpRequest& request, const Context& context) {
    HttpRequest withHeaders = request;
    withHeaders.headers.emplace_back("Metadata", "true");
    if (m_value.empty() || m_name.empty()) return m_inner->send(withHeaders, context);
    SecretHeaderScope header(withHeaders, m_name, "", m_value);
    return m_inner->send(withHeaders, context);
}

BasicAuthPolicy::BasicAuthPolicy(std::shared_ptr<Transport> inner, std::string user, SecretString password)
    : m_inner(std::move(inner)) {
    if (user.find(':') != std::string::npos)
        throw InvalidInputError("A user name for Basic authentication must not contain ':'.");
    SecretString plain(user.data(), user.size());
    plain.append(":", 1);
    plain.append(password);
    base64::encode(std::string_view(plain.data(), plain.size()), base64::Alphabet::Standard, m_credentials);
}

HttpResponse BasicAuthPolicy::send(const HttpRequest& request, const Context& context) {
    HttpRequest authorized = request;
    SecretHeaderScope header(authorized, "Authorization", "Basic ", m_credentials);
    return m_inner->send(authorized, context);
}

// ---------------------------------------------------------------- log

LogPolicy::LogPolicy(std::shared_ptr<Transport> inner, Logger logger, std::string component, bool hidePath)
    : m_inner(std::move(inner)),
      m_logger(std::move(logger)),
      m_component(std::move(component)),
      m_hidePath(hidePath) {}

HttpResponse LogPolicy::send(const HttpRequest& request, const Context& context) {
    if (!m_logger.enabled(LogLevel::Debug)) return m_inner->send(request, context);
    std::string url = m_hidePath ? sanitizeUrlOrigin(request.url) : sanitizeUrl(request.url);
    {
        std::string line = request.method + " " + url;
        for (const auto& [name, value] : request.headers)
            line += "\n  " + name + ": " + sanitizeHeader(name, value);
        m_logger.log(LogLevel::Debug, m_component, std::move(line));
    }
    auto started = std::chrono::steady_clock::now();
    auto elapsedMs = [&] {
        return std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                .count());
    };
    try {
        HttpResponse response = m_inner->send(request, context);
        std::string line = std::to_string(response.status) + " from " + request.method + " " + url + " in " +
                           elapsedMs() + " ms";
        if (response.httpVersion == 20)
            line += " (HTTP/2)";
        else if (response.httpVersion == 11)
            line += " (HTTP/1.1)";
        for (const auto& [name, value] : response.headers)
            line += "\n  " + name + ": " + sanitizeHeader(name, value);
        m_logger.log(LogLevel::Debug, m_component, std::move(line));
        return response;
    } catch (const CancelledError&) {
        m_logger.log(LogLevel::Debug, m_component,
                     request.method + " " + url + " cancelled after " + elapsedMs() + " ms");
        throw;
    } catch (const TransportError& e) {
        // Transport messages name the URL through the same sanitiser; with hidePath, only the
        // kind of failure is shown.
        m_logger.log(LogLevel::Debug, m_component,
                     request.method + " " + url + " failed after " + elapsedMs() + " ms" +
                         (m_hidePath ? std::string(e.timedOut() ? " (timed out)" : "")
                                     : std::string(": ") + e.what()));
        throw;
    }
}

// ---------------------------------------------------------------- factories

namespace {

std::shared_ptr<Transport> buildPipeline(
    std::shared_ptr<Transport> transport, Logger logger, PipelineOptions options,
    const char* defaultComponent, std::shared_ptr<ConcurrencyLimiter> limiter,
    const std::function<std::shared_ptr<Transport>(std::shared_ptr<Transport>, const std::string&)>& auth) {
    if (!transport) throw std::invalid_argument("a pipeline needs a transport");
    std::string component = options.component.empty() ? defaultComponent : options.component;
    std::shared_ptr<Transport> t =
        std::make_shared<LogPolicy>(std::move(transport), logger, component, options.hidePath);
    if (auth) t = auth(std::move(t), component);
    if (limiter) t = std::make_shared<ThrottlePolicy>(std::move(t), std::move(limiter));
    RetryOptions retry = std::move(options.retry);
    retry.component = component;
    retry.hidePath = retry.hidePath || options.hidePath;
    t = std::make_shared<RetryPolicy>(std::move(t), std::move(retry), logger, std::move(options.sleeper));
    return std::make_shared<RequestIdPolicy>(std::move(t));
}

}  // namespace

std::shared_ptr<Transport> makeGraphPipeline(std::shared_ptr<Transport> transport,
                                             std::shared_ptr<TokenCache> tokens,
                                             std::shared_ptr<ConcurrencyLimiter> limiter, Logger logger,
                                             PipelineOptions options) {
    if (!tokens) throw std::invalid_argument("the Graph pipeline needs a token cache");
    if (!options.retry.describeFailure)
        options.retry.describeFailure = [](const HttpResponse& response) {
            return std::string(graphError(response).what());
        };
    return buildPipeline(std::move(transport), logger, std::move(options), "graph", std::move(limiter),
                         [tokens, logger](std::shared_ptr<Transport> inner, const std::string& component) {
                             return std::make_shared<BearerTokenPolicy>(std::move(inner), tokens, logger,
                                                                        component);
                         });
}

std::shared_ptr<Transport> makeTokenEndpointPipeline(std::shared_ptr<Transport> transport, Logger logger,
                                                     PipelineOptions options) {
    return buildPipeline(std::move(transport), std::move(logger), std::move(options), "auth", nullptr, {});
}

std::shared_ptr<Transport> makeManagedIdentityPipeline(std::shared_ptr<Transport> transport,
                                                       std::string headerName, SecretString secret,
                                                       Logger logger, PipelineOptions options) {
    auto shared = std::make_shared<SecretString>(std::move(secret));
    return buildPipeline(std::move(transport), std::move(logger), std::move(options), "auth", nullptr,
                         [headerName, shared](std::shared_ptr<Transport> inner, const std::string&) {
                             return std::make_shared<SecretHeaderPolicy>(std::move(inner), headerName,
                                                                         *shared);
                         });
}

std::shared_ptr<Transport> makeBasicAuthPipeline(std::shared_ptr<Transport> transport, std::string user,
                                                 SecretString password, Logger logger,
                                                 PipelineOptions options) {
    auto policy = [user, password](std::shared_ptr<Transport> inner, const std::string&) {
        return std::make_shared<BasicAuthPolicy>(std::move(inner), user, password);
    };
    return buildPipeline(std::move(transport), std::move(logger), std::move(options), "http", nullptr,
                         policy);
}

std::shared_ptr<Transport> makePlainPipeline(std::shared_ptr<Transport> transport, Logger logger,
                                             PipelineOptions options) {
    options.hidePath = true;
    return buildPipeline(std::move(transport), std::move(logger), std::move(options), "http", nullptr, {});
}

}  // namespace mfaphone
