// Sign-in: Session::connect builds the credential and clients of a session and proves the
// credential with a first token; disconnect wipes them.
#include <algorithm>
#include <chrono>

#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/operation.hpp"
#include "mfaphone/internal/pipeline.hpp"
#include "mfaphone/internal/url.hpp"
#include "session_impl.hpp"

namespace mfaphone {
namespace {

SecretString fromBytes(const std::vector<unsigned char>& bytes) {
    return SecretString(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

bool isTenantAlias(const std::string& tenant) {
    std::string t = tenant;
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return t.empty() || t == "organizations" || t == "common" || t == "consumers";
}

std::shared_ptr<TokenCredential> makeCredential(const ConnectOptions& options,
                                                const CredentialOptions& credential,
                                                const CloudEndpoints& cloud, std::shared_ptr<Transport> http,
                                                std::shared_ptr<Transport> transport,
                                                const std::vector<unsigned char>& secret,
                                                const std::vector<unsigned char>& password, Logger logger) {
    switch (credential.kind) {
        case CredentialKind::ClientSecret:
            return std::make_shared<ClientSecretCredential>(transport, cloud, options.tenantId,
                                                            options.clientId, fromBytes(secret), logger);
        case CredentialKind::Certificate: {
            SecretString pass = fromBytes(password);
            std::shared_ptr<CertificateKey> key;
            if (!credential.certificatePath.empty())
                key = CertificateKey::loadFile(credential.certificatePath, pass);
            else
                key = CertificateKey::load(fromBytes(secret), pass, credential.certificateDer);
            return std::make_shared<ClientCertificateCredential>(
                transport, cloud, options.tenantId, options.clientId, key,
                parseAssertionAlgorithm(credential.signatureAlgorithm), logger);
        }
        case CredentialKind::ManagedIdentity: {
            ManagedIdentityOptions mi;
            if (credential.identityEndpoint.empty() && credential.imdsEndpoint.empty()) {
                mi = managedIdentityFromEnvironment();
            } else if (!credential.identityEndpoint.empty()) {
                mi.identityEndpoint = credential.identityEndpoint;
                mi.identityHeader = fromBytes(password);
            } else {
                mi.imdsEndpoint = trimTrailingSlash(credential.imdsEndpoint);
            }
            mi.clientId = credential.managedIdentityClientId;
            mi.objectId = credential.managedIdentityObjectId;
            mi.resourceId = credential.managedIdentityResourceId;
            mi.resource = cloud.graphResource;
            // The managed identity pipeline adds the secret header (when there is one) and Metadata.
            return std::make_shared<ManagedIdentityCredential>(http, std::move(mi), logger);
        }
        case CredentialKind::AccessToken:
            return std::make_shared<AccessTokenCredential>(fromBytes(secret));
        case CredentialKind::Password:
            return std::make_shared<PasswordCredential>(transport, cloud, options.tenantId, options.clientId,
                                                        credential.userName, fromBytes(secret), logger);
        case CredentialKind::DeviceCode:
            return std::make_shared<DeviceCodeCredential>(transport, cloud, options.tenantId,
                                                          options.clientId, logger);
    }
    throw InvalidInputError("Unknown credential kind " + std::to_string(static_cast<int>(credential.kind)) +
                            ".");
}

}  // namespace

std::shared_ptr<Operation> Session::connect(const ConnectOptions& options,
                                            const CredentialOptions& credential,
                                            const std::vector<unsigned char>& secret,
                                            const std::vector<unsigned char>& password) {
    // A connect that fails must not leave an earlier connection (perhaps another tenant) active.
    disconnect();
    CloudEndpoints cloud = resolveCloud(options.cloud, options.authorityHost, options.graphEndpoint);
    if (options.timeoutSeconds <= 0) throw InvalidInputError("TimeoutSeconds must be greater than zero.");

    TransportOptions transportOptions;
    transportOptions.caBundle = options.caBundle;
    transportOptions.requestTimeoutMs = options.timeoutSeconds * 1000L;
    transportOptions.userAgent = "MfaPhone/" + version();

    auto impl = m_impl;
    Logger shared = LogRoute::routedLogger();
    auto http = makeCurlTransport(transportOptions, shared);
    auto transport = makeTokenEndpointPipeline(http, shared);
    auto limiter = makeAdaptiveLimiter(LimiterOptions{}, shared);
    auto tokenCredential =
        makeCredential(options, credential, cloud, http, transport, secret, password, shared);
    const std::string kind = tokenCredential->kind();
    const std::string scope = cloud.graphResource + "/.default";

    impl->logLevel = options.logLevel;
    auto state = std::make_shared<OperationState>(toLogLevel(options.logLevel));
    state->start([impl, cloud, options, http, transport, limiter, tokenCredential, kind, scope,
                  shared](OperationState& op) {
        LogRoute route(op);
        op.logger().log(LogLevel::Verbose, "auth",
                        "signing in to " + cloud.authorityHost + " (" + cloud.name + " cloud); Graph at " +
                            cloud.graphEndpoint);
        auto tokens = std::make_shared<TokenCache>(
            tokenCredential, std::chrono::seconds(300), shared, TokenCache::Clock{}, std::chrono::seconds(30),
            TokenCacheKey{cloud.name, options.tenantId, options.clientId, scope});
        TokenClaims claims;
        try {
            claims = readTokenClaims(tokens->bearer(op.context()));
        } catch (...) {
            tokens->wipe();
            throw;
        }
        ContextInfo info;
        info.connected = true;
        info.tenantId =
            isTenantAlias(options.tenantId) && !claims.tenantId.empty() ? claims.tenantId : options.tenantId;
        info.clientId = options.clientId.empty() ? claims.appId : options.clientId;
        info.cloud = cloud.name;
        info.authType = kind;
        info.authorityHost = cloud.authorityHost;
        info.graphEndpoint = cloud.graphEndpoint;
        info.tokenExpiresOn =
            std::chrono::duration_cast<std::chrono::seconds>(tokens->expiresOn().time_since_epoch()).count();
        info.roles = claims.roles;
        info.scopes = claims.scopes;
        info.directoryRoles = claims.wids;
        info.delegated = claims.delegated();
        info.account = info.delegated ? claims.userPrincipalName : claims.objectId;
        info.numbersMasked = tokenSeesMaskedNumbers(claims);
        info.phonePermission = tokenHasPhoneMethodPermission(claims);
        info.cacheKey = TokenCacheKey{cloud.name, info.tenantId, info.clientId, scope}.text();
        if (info.numbersMasked)
            op.logger().log(
                LogLevel::Warning, "auth",
                "signed in as an Authentication Administrator (delegated): Graph shows this caller "
                "masked phone numbers (only the last digits)");
        auto pipeline = makeGraphPipeline(http, tokens, limiter, shared);
        auto graph = std::make_shared<GraphClient>(pipeline, cloud.graphEndpoint, shared);
        // signInPreferences (the default MFA method) is on beta only.
        auto beta = std::make_shared<GraphClient>(pipeline, cloud.graphEndpoint, shared, "beta");
        {
            std::lock_guard<std::mutex> lock(impl->mutex);
            impl->transport = transport;
            impl->tokens = tokens;
            impl->graph = graph;
            impl->executor = std::make_shared<Executor>();
            impl->batch = std::make_shared<BatchClient>(graph, shared);
            impl->betaBatch = std::make_shared<BatchClient>(beta, shared);
            impl->limiter = limiter;
            impl->info = info;
        }
        Event done;
        done.kind = EventKind::Result;
        done.target = info.tenantId;
        op.push(std::move(done));
    });
    return std::make_shared<Operation>(state);
}

void Session::setLogLevel(int level) { m_impl->logLevel = level; }

void Session::disconnect() { m_impl->disconnect(); }

ContextInfo Session::context() const {
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    ContextInfo info = m_impl->info;
    if (m_impl->tokens)
        info.tokenExpiresOn =
            std::chrono::duration_cast<std::chrono::seconds>(m_impl->tokens->expiresOn().time_since_epoch())
                .count();
    return info;
}

}  // namespace mfaphone
