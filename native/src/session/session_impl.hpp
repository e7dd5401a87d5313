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

    std::shared_ptr<GraphClient> requireGraph() {
        std::lock_guard<std::mutex> lock(mutex);
        if (!graph) throw InvalidInputError("Not connected. Run Connect-MfaGraph first.");
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
            throw InvalidInputError("Not connected. Run Connect-MfaGraph first.");
        return Engine{batch, betaBatch, executor, limiter};
    }
};

}  // namespace mfaphone
