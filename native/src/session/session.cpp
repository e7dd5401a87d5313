#include "mfaphone/session.hpp"

#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/operation.hpp"

#ifndef MFAPHONE_VERSION
#define MFAPHONE_VERSION "0.0.0"
#endif

namespace mfaphone {

namespace {

LogLevel toLevel(int level) {
    if (level < 0) return LogLevel::Debug;
    if (level > static_cast<int>(LogLevel::None)) return LogLevel::None;
    return static_cast<LogLevel>(level);
}

}  // namespace

class SessionImpl {
public:
    std::mutex mutex;
    ContextInfo info;
    std::shared_ptr<Transport> transport;
    std::shared_ptr<TokenCache> tokens;
    std::shared_ptr<GraphClient> graph;
    std::atomic<int> logLevel{static_cast<int>(LogLevel::Information)};

    std::shared_ptr<GraphClient> requireGraph() {
        std::lock_guard<std::mutex> lock(mutex);
        if (!graph) throw InvalidInputError("Not connected. Run Connect-MfaGraph first.");
        return graph;
    }
};

Session::Session() : m_impl(std::make_shared<SessionImpl>()) {}
Session::~Session() = default;

std::string Session::version() { return MFAPHONE_VERSION; }

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
    auto transport =
        std::make_shared<RetryPolicy>(makeCurlTransport(transportOptions, shared), RetryOptions{}, shared);
    auto credential = std::make_shared<ClientSecretCredential>(
        transport, cloud, options.tenantId, options.clientId, std::move(secretValue), shared);
    auto tokens = std::make_shared<TokenCache>(credential, std::chrono::seconds(300), shared);

    impl->logLevel = options.logLevel;
    auto state = std::make_shared<OperationState>(toLevel(options.logLevel));
    state->start([impl, cloud, options, transport, tokens, shared](OperationState& op) {
        LogRoute route(op);
        op.logger().log(LogLevel::Verbose, "auth",
                        "signing in to " + cloud.authorityHost + " (" + cloud.name + " cloud); Graph at " +
                            cloud.graphEndpoint);
        tokens->bearer(op.context());
        auto graph = std::make_shared<GraphClient>(transport, tokens, cloud.graphEndpoint, shared);
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

std::shared_ptr<Operation> Session::getPhoneMethods(const std::vector<std::string>& users,
                                                    int maxConcurrency) {
    auto graph = m_impl->requireGraph();
    for (const auto& user : users)
        if (user.empty())
            throw InvalidInputError("A user id is empty. Give an object id or a user principal name.");
    if (maxConcurrency < 1) maxConcurrency = 1;
    auto state = std::make_shared<OperationState>(toLevel(m_impl->logLevel));
    state->start([graph, users, maxConcurrency](OperationState& op) {
        std::atomic<std::size_t> next{0};
        std::atomic<bool> stopped{false};  // a terminating error was reported
        auto worker = [&] {
            LogRoute route(op);
            for (;;) {
                std::size_t i = next.fetch_add(1);
                if (i >= users.size() || op.context().cancelled()) return;
                try {
                    Event result;
                    result.kind = EventKind::Result;
                    result.target = users[i];
                    result.index = static_cast<long long>(i);
                    result.methods = graph->listPhoneMethods(users[i], op.context());
                    op.push(std::move(result));
                } catch (const CancelledError&) {
                    return;
                } catch (...) {
                    Event e = OperationState::errorEvent(std::current_exception(), users[i], false);
                    e.index = static_cast<long long>(i);
                    if (e.terminating) {
                        // Only the first terminating error is reported; the rest stop quietly.
                        if (stopped.exchange(true)) return;
                        op.push(std::move(e));
                        op.context().cancel();
                        return;
                    }
                    op.push(std::move(e));
                }
            }
        };
        std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(maxConcurrency), users.size());
        std::vector<std::thread> pool;
        try {
            for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
        } catch (const std::system_error&) {
            // Fewer threads than asked for (a process or sandbox limit): carry on with those.
            op.logger().log(LogLevel::Warning, "session",
                            "could start only " + std::to_string(pool.size() + 1) + " of " +
                                std::to_string(threads) + " worker threads");
        }
        worker();
        for (auto& t : pool) t.join();
        if (!stopped) op.context().throwIfCancelled();
    });
    return std::make_shared<Operation>(state);
}

}  // namespace mfaphone
