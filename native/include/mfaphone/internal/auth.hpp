// Sign-in building blocks shared by every credential: clouds, access tokens, token endpoint
// responses and the token cache. The credentials themselves are in internal/credentials.hpp.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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

// An endpoint URL a secret or token is sent to: https, or http only to this machine (127.0.0.0/8,
// ::1, localhost) and, when `allowLinkLocalImds` is set, to the instance metadata address
// 169.254.169.254. Throws InvalidInputError naming `what` otherwise.
void checkSecretEndpoint(const std::string& url, const char* what, bool allowLinkLocalImds = false);

struct AccessToken {
    SecretString token;
    std::chrono::system_clock::time_point expiresOn;
    // Delegated flows: the refresh token that renews this sign-in (empty otherwise).
    SecretString refreshToken;
};

class TokenCredential {
public:
    virtual ~TokenCredential() = default;
    virtual AccessToken requestToken(const Context& context) = 0;
    // ClientSecret, Certificate, ManagedIdentity, AccessToken, Password, DeviceCode.
    virtual std::string kind() const = 0;
    // Drops every secret the credential holds (called on disconnect).
    virtual void wipe() noexcept {}
};

// Longest token lifetime accepted from a token endpoint; anything longer is refused as malformed.
constexpr long long kMaxTokenLifetimeSeconds = 366LL * 24 * 3600;

// Whole seconds from the text of a token response member (a JSON number's text or a string's
// content): digits only. Fractions, signs, exponents, non-numbers and values above `maximum`
// are refused with an AuthError naming the member (never undefined behaviour).
long long parseTokenSeconds(std::string_view member, std::string_view text, long long maximum);

// Parses a token endpoint response (success or OAuth error) into a token or an AuthError. The
// body is parsed in place; the access and refresh tokens go straight into zeroing storage.
// Expiry: `expires_in` (seconds) or `expires_on` (Unix seconds), validated.
AccessToken parseTokenResponse(const HttpResponse& response, std::chrono::system_clock::time_point now);
// A clear, actionable message for an AADSTS code (empty when the code has no special text).
std::string describeAadsts(long code);

// What a JWT access token says about itself (unverified; for diagnostics and expiry).
struct TokenClaims {
    std::string tenantId;  // tid
    std::string appId;     // appid or azp
    std::string objectId;  // oid
    std::string userPrincipalName;
    std::string identityType;  // idtyp: "app" or "user"
    std::vector<std::string> roles;
    std::vector<std::string> scopes;
    std::vector<std::string> wids;
    std::optional<long long> expiresOn;  // exp
    bool delegated() const { return identityType == "user" || !scopes.empty() || !userPrincipalName.empty(); }
};
TokenClaims readTokenClaims(const SecretString& jwt);
// Roles and scopes together (kept for diagnostics).
std::vector<std::string> tokenRoles(const SecretString& jwt);

// Well-known directory role template ids (wids claim).
inline constexpr const char* kAuthenticationAdministratorRole = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
inline constexpr const char* kPrivilegedAuthenticationAdministratorRole =
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
inline constexpr const char* kGlobalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10";
// Graph masks phone numbers for delegated callers whose best role is Authentication Administrator.
bool tokenSeesMaskedNumbers(const TokenClaims& claims);
// The phone-method permissions (least privileged first) and whether the token holds any.
const std::vector<std::string>& phoneMethodPermissions();
bool tokenHasPhoneMethodPermission(const TokenClaims& claims);

// Identifies one cache of tokens: a cloud, tenant, client and scope.
struct TokenCacheKey {
    std::string cloud;
    std::string tenantId;
    std::string clientId;
    std::string scope;
    std::string text() const { return cloud + "|" + tenantId + "|" + clientId + "|" + scope; }
};

// Caches the token of one credential for one key; refreshes it when less than `refreshMargin`
// of life remains (at half-life for shorter-lived tokens), and on demand after a 401. When an
// early refresh fails while the cached token still has `minimumLife` left, the cached token is
// used and the failure logged. Thread-safe: however many callers need a token at once, one
// request is in flight; callers whose token is still valid do not wait for it, the others wait
// (cancellably). The clock is injectable for tests.
class TokenCache {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    TokenCache(std::shared_ptr<TokenCredential> credential,
               std::chrono::seconds refreshMargin = std::chrono::seconds(300), Logger logger = {},
               Clock clock = {}, std::chrono::seconds minimumLife = std::chrono::seconds(30),
               TokenCacheKey key = {});
    ~TokenCache();
    SecretString bearer(const Context& context);
    void invalidate(const SecretString& rejected);
    std::chrono::system_clock::time_point expiresOn() const;
    const TokenCredential& credential() const { return *m_credential; }
    const TokenCacheKey& key() const { return m_key; }
    // Forgets the token and wipes the credential's secrets; later calls fail.
    void wipe() noexcept;

private:
    std::shared_ptr<TokenCredential> m_credential;
    std::chrono::seconds m_margin;
    Logger m_logger;
    Clock m_clock;
    std::chrono::seconds m_minimumLife;
    TokenCacheKey m_key;
    mutable std::mutex m_mutex;
    std::condition_variable m_refreshed;
    bool m_refreshing = false;
    bool m_wiped = false;
    AccessToken m_token;
    std::chrono::system_clock::time_point m_acquired;
    std::chrono::system_clock::time_point m_nextRefreshAttempt;  // after a failed early refresh
    bool m_valid = false;
};

}  // namespace mfaphone

// The credentials (kept reachable from this header for code that includes only auth.hpp).
#include "mfaphone/internal/credentials.hpp"
