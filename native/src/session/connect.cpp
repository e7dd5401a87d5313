// Sign-in: Session::connect* builds the clients of a session and proves its credential.
#include <chrono>

#include "mfaphone/internal/operation.hpp"
#include "mfaphone/internal/pipeline.hpp"
#include "session_impl.hpp"

namespace mfaphone {

std::shared_ptr<Operation> Session::connectWithClientSecret(const ConnectOptions& options,
                                                            const std::vector<unsigned char>& secret) {
    // A connect that fails must not leave an earlier connection (perhaps another tenant) active.
    disconnect();
    CloudEndpoints cloud = resolveCloud(options.cloud, options.authorityHost, options.graphEndpoint);
    if (options.timeoutSeconds <= 0) throw InvalidInputError("TimeoutSeconds must be greater than zero.");
    SecretString secretValue(reinterpret_cast<const char*>(secret.data()), secret.size());

    TransportOptions transportOptions;
    transportOptions.caBundle = options.caBundle;
    transportOptions.requestTimeoutMs = options.timeoutSeconds * 1000L;
    transportOptions.userAgent = "MfaPhone/" + version();

    auto impl = m_impl;
    Logger shared = LogRoute::routedLogger();
    auto http = makeCurlTransport(transportOptions, shared);
    auto transport = makeTokenEndpointPipeline(http, shared);
    auto limiter = makeAdaptiveLimiter(LimiterOptions{}, shared);
    auto credential = std::make_shared<ClientSecretCredential>(
        transport, cloud, options.tenantId, options.clientId, std::move(secretValue), shared);
    auto tokens = std::make_shared<TokenCache>(credential, std::chrono::seconds(300), shared);

    impl->logLevel = options.logLevel;
    auto state = std::make_shared<OperationState>(toLogLevel(options.logLevel));
    state->start([impl, cloud, options, http, transport, tokens, limiter, shared](OperationState& op) {
        LogRoute route(op);
        op.logger().log(LogLevel::Verbose, "auth",
                        "signing in to " + cloud.authorityHost + " (" + cloud.name + " cloud); Graph at " +
                            cloud.graphEndpoint);
        tokens->bearer(op.context());
        auto pipeline = makeGraphPipeline(http, tokens, limiter, shared);
        auto graph = std::make_shared<GraphClient>(pipeline, cloud.graphEndpoint, shared);
        // signInPreferences (the default MFA method) is on beta only.
        auto beta = std::make_shared<GraphClient>(pipeline, cloud.graphEndpoint, shared, "beta");
        ContextInfo info;
        info.connected = true;
        info.tenantId = options.tenantId;
        info.clientId = options.clientId;
        info.cloud = cloud.name;
        info.authType = "ClientSecret";
        info.authorityHost = cloud.authorityHost;
        info.graphEndpoint = cloud.graphEndpoint;
        info.tokenExpiresOn =
            std::chrono::duration_cast<std::chrono::seconds>(tokens->expiresOn().time_since_epoch()).count();
        info.roles = tokenRoles(tokens->bearer(op.context()));
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
        done.target = options.tenantId;
        op.push(std::move(done));
    });
    return std::make_shared<Operation>(state);
}

void Session::setLogLevel(int level) { m_impl->logLevel = level; }

void Session::disconnect() {
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    m_impl->graph.reset();
    m_impl->batch.reset();
    m_impl->betaBatch.reset();
    m_impl->executor.reset();
    m_impl->limiter.reset();
    m_impl->tokens.reset();
    m_impl->transport.reset();
    m_impl->info = ContextInfo{};
}

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
