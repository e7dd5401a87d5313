// The HTTP policy pipeline: every client is a chain of policies around the transport, each a
// Transport wrapping a Transport, built by one factory per service:
//
//   request id -> retry -> throttle -> auth -> log -> transport
//
// The request id stays the same across retries; auth sits inside retry so a retried request
// gets a fresh token; throttle holds a permit of the session's limiter for each HTTP request.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/limiter.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone {

// Adds a `client-request-id` (a random GUID) to each logical request that lacks one; retries of
// that request, further in, carry the same id.
class RequestIdPolicy : public Transport {
public:
    explicit RequestIdPolicy(std::shared_ptr<Transport> inner);
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::shared_ptr<Transport> m_inner;
};

// A random (version 4) GUID in lower case, as Graph's client-request-id expects.
std::string newGuid();

// Holds a permit of the limiter for each HTTP request and feeds every answer back to it.
class ThrottlePolicy : public Transport {
public:
    ThrottlePolicy(std::shared_ptr<Transport> inner, std::shared_ptr<ConcurrencyLimiter> limiter);
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::shared_ptr<Transport> m_inner;
    std::shared_ptr<ConcurrencyLimiter> m_limiter;
};

// Authorization: Bearer <token> from the cache. On a 401 the rejected token is invalidated and
// the request sent once more with a fresh one; a second 401 is returned as is.
class BearerTokenPolicy : public Transport {
public:
    BearerTokenPolicy(std::shared_ptr<Transport> inner, std::shared_ptr<TokenCache> tokens, Logger logger,
                      std::string component = "http");
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::shared_ptr<Transport> m_inner;
    std::shared_ptr<TokenCache> m_tokens;
    Logger m_logger;
    std::string m_component;
};

// A fixed secret header (a managed identity endpoint's X-IDENTITY-HEADER), plus `Metadata: true`.
// An empty secret sends only `Metadata: true` (IMDS).
class SecretHeaderPolicy : public Transport {
public:
    SecretHeaderPolicy(std::shared_ptr<Transport> inner, std::string name, SecretString value);
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::shared_ptr<Transport> m_inner;
    std::string m_name;
    SecretString m_value;
};

// Authorization: Basic base64(user:password) (Twilio's REST API).
class BasicAuthPolicy : public Transport {
public:
    BasicAuthPolicy(std::shared_ptr<Transport> inner, std::string user, SecretString password);
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::shared_ptr<Transport> m_inner;
    SecretString m_credentials;  // "user:password"
};

// Debug lines for each request and answer: method, URL and headers sanitised by allow-list
// (other header values and query values print as REDACTED), status, time and protocol; never a
// body. Level-gated before anything is formatted.
// With `hidePath`, only the URL's scheme and host are shown (webhook URLs whose path is the
// secret).
class LogPolicy : public Transport {
public:
    LogPolicy(std::shared_ptr<Transport> inner, Logger logger, std::string component = "http",
              bool hidePath = false);
    HttpResponse send(const HttpRequest& request, const Context& context) override;

private:
    std::shared_ptr<Transport> m_inner;
    Logger m_logger;
    std::string m_component;
    bool m_hidePath;
};

struct PipelineOptions {
    // Prefix of the pipeline's log lines; empty: the factory's own ("graph", "auth", "http").
    std::string component;
    RetryOptions retry;
    // Replaces the retry policy's sleep (tests).
    RetryPolicy::Sleeper sleeper;
    // Log only the scheme and host of URLs (see LogPolicy); the plain pipeline always does.
    bool hidePath = false;
};

// Microsoft Graph: bearer tokens from the cache, the session's limiter (may be null), Graph's
// error body in the "gave up" error.
std::shared_ptr<Transport> makeGraphPipeline(std::shared_ptr<Transport> transport,
                                             std::shared_ptr<TokenCache> tokens,
                                             std::shared_ptr<ConcurrencyLimiter> limiter, Logger logger,
                                             PipelineOptions options = {});
// Entra ID token and device-code endpoints: no authentication.
std::shared_ptr<Transport> makeTokenEndpointPipeline(std::shared_ptr<Transport> transport, Logger logger,
                                                     PipelineOptions options = {});
// A managed identity endpoint: `headerName: secret` (empty secret: none) and `Metadata: true`.
std::shared_ptr<Transport> makeManagedIdentityPipeline(std::shared_ptr<Transport> transport,
                                                       std::string headerName, SecretString secret,
                                                       Logger logger, PipelineOptions options = {});
// HTTP Basic authentication (Twilio REST).
std::shared_ptr<Transport> makeBasicAuthPipeline(std::shared_ptr<Transport> transport, std::string user,
                                                 SecretString password, Logger logger,
                                                 PipelineOptions options = {});
// No authentication (Teams and Slack webhooks: the URL is the secret, and it is never logged
// beyond its allow-listed parts).
std::shared_ptr<Transport> makePlainPipeline(std::shared_ptr<Transport> transport, Logger logger,
                                             PipelineOptions options = {});

}  // namespace mfaphone
