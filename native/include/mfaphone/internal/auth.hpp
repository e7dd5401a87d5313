// Token providers for Entra ID and the cache that refreshes tokens before they expire.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mfaphone/context.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone {

struct CloudEndpoints {
    std::string name;
    std::string authorityHost;  // https://login.microsoftonline.com
    std::string graphResource;  // https://graph.microsoft.com (scope and token audience)
    std::string graphEndpoint;  // where requests go; the resource unless overridden
};

// Resolves a cloud name (case-insensitive: Global, USGov, USGovDoD, China) and applies the
// overrides. Throws InvalidInputError for an unknown cloud or a malformed override URL.
CloudEndpoints resolveCloud(const std::string& cloud, const std::string& authorityOverride,
                            const std::string& graphOverride);

struct AccessToken {
    SecretString token;
    std::chrono::system_clock::time_point expiresOn;
};

class TokenCredential {
public:
    virtual ~TokenCredential() = default;
    virtual AccessToken requestToken(const Context& context) = 0;
    virtual std::string kind() const = 0;
};

// client_credentials with a client secret against the v2 token endpoint.
class ClientSecretCredential : public TokenCredential {
public:
    ClientSecretCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud, std::string tenantId,
                           std::string clientId, SecretString secret, Logger logger);
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "ClientSecret"; }
    std::string tokenEndpoint() const;

private:
    std::shared_ptr<Transport> m_transport;
    CloudEndpoints m_cloud;
    std::string m_tenantId;
    std::string m_clientId;
    SecretString m_secret;
    Logger m_logger;
};

// Parses a token endpoint response (success or OAuth error) into a token or an AuthError.
AccessToken parseTokenResponse(const HttpResponse& response, std::chrono::system_clock::time_point now);
// A clear, actionable message for an AADSTS code (empty when the code has no special text).
std::string describeAadsts(long code);

// Caches one token; refreshes it when less than `refreshMargin` of life remains (at half-life
// for shorter-lived tokens), and on demand after a 401. When an early refresh fails while the
// cached token still has `minimumLife` left, the cached token is used and the failure logged.
// Thread-safe: concurrent callers share one refresh. The clock is injectable for tests.
class TokenCache {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    TokenCache(std::shared_ptr<TokenCredential> credential,
               std::chrono::seconds refreshMargin = std::chrono::seconds(300), Logger logger = {},
               Clock clock = {}, std::chrono::seconds minimumLife = std::chrono::seconds(30));
    SecretString bearer(const Context& context);
    void invalidate(const SecretString& rejected);
    std::chrono::system_clock::time_point expiresOn() const;
    const TokenCredential& credential() const { return *m_credential; }

private:
    std::shared_ptr<TokenCredential> m_credential;
    std::chrono::seconds m_margin;
    Logger m_logger;
    Clock m_clock;
    std::chrono::seconds m_minimumLife;
    mutable std::mutex m_mutex;
    AccessToken m_token;
    std::chrono::system_clock::time_point m_acquired;
    std::chrono::system_clock::time_point m_nextRefreshAttempt;  // after a failed early refresh
    bool m_valid = false;
};

// Reads the unverified payload claims of a JWT we received ("roles", "tid"), for diagnostics.
std::vector<std::string> tokenRoles(const SecretString& jwt);

}  // namespace mfaphone
