// SessionImpl: the state a Session shares with the operations it starts (private to session/).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/batch.hpp"
#include "mfaphone/internal/executor.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/limiter.hpp"
#include "mfaphone/session.hpp"

namespace mfaphone {

// A LogLevel from the int the facade takes (clamped).
LogLevel toLogLevel(int level);

class SessionImpl {
public:
    std::mutex mutex;
    ContextInfo info;
    std::shared_ptr<Transport> transport;
    std::shared_ptr<TokenCache> tokens;
    std::shared_ptr<GraphClient> graph;
    // Graph throttles per app and tenant: one limiter bounds every operation of the session.
    std::shared_ptr<ConcurrencyLimiter> limiter;
    // The worker pool every operation of this sign-in shares (created at connect).
    std::shared_ptr<Executor> executor;
    std::shared_ptr<BatchClient> batch;
    std::shared_ptr<BatchClient> betaBatch;
    std::atomic<int> logLevel{static_cast<int>(LogLevel::Information)};

    ~SessionImpl() { disconnect(); }

    std::shared_ptr<GraphClient> requireGraph() {
        std::lock_guard<std::mutex> lock(mutex);
        if (!graph) throw InvalidInputError("Not signed in to Microsoft Graph. Sign in first.");
        return graph;
    }

    // What an operation needs to work through $batch on the shared executor.
    struct Engine {
        std::shared_ptr<BatchClient> batch;
        std::shared_ptr<BatchClient> betaBatch;
        std::shared_ptr<Executor> executor;
        std::shared_ptr<ConcurrencyLimiter> limiter;
    };
    Engine requireEngine() {
        std::lock_guard<std::mutex> lock(mutex);
        if (!graph || !batch || !executor)
            throw InvalidInputError("Not signed in to Microsoft Graph. Sign in first.");
        return Engine{batch, betaBatch, executor, limiter};
    }

    // Wipes the credential and cached tokens (even while an operation still holds them) and
    // releases the clients and their connections.
    void disconnect() noexcept {
        std::shared_ptr<TokenCache> oldTokens;
        std::shared_ptr<GraphClient> oldGraph;
        std::shared_ptr<Transport> oldTransport;
        std::shared_ptr<ConcurrencyLimiter> oldLimiter;
        std::shared_ptr<BatchClient> oldBatch, oldBetaBatch;
        std::shared_ptr<Executor> oldExecutor;
        {
            std::lock_guard<std::mutex> lock(mutex);
            oldLimiter = std::move(limiter);
            oldBatch = std::move(batch);
            oldBetaBatch = std::move(betaBatch);
            oldExecutor = std::move(executor);
            oldTokens = std::move(tokens);
            oldGraph = std::move(graph);
            oldTransport = std::move(transport);
            info = ContextInfo{};
        }
        if (oldTokens) oldTokens->wipe();
    }
};

}  // namespace mfaphone
