#include "mfaphone/session.hpp"

#include <algorithm>
#include <mutex>

#include "../sync/sync_engine.hpp"
#include "methods_reader.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/operation.hpp"
#include "session_impl.hpp"

#ifndef MFAPHONE_VERSION
#define MFAPHONE_VERSION "0.0.0"
#endif

namespace mfaphone {

LogLevel toLogLevel(int level) {
    if (level < 0) return LogLevel::Debug;
    if (level > static_cast<int>(LogLevel::None)) return LogLevel::None;
    return static_cast<LogLevel>(level);
}

Session::Session() : m_impl(std::make_shared<SessionImpl>()) {}
Session::~Session() = default;

std::string Session::version() { return MFAPHONE_VERSION; }

std::shared_ptr<PhoneMethodsOperation> Session::readPhoneMethods(const ReadOptions& options) {
    SessionImpl::Engine engine = m_impl->requireEngine();
    auto state = std::make_shared<OperationState>(toLogLevel(m_impl->logLevel));
    BatchPumpOptions pumpOptions;
    pumpOptions.maxConcurrency = std::max(1, options.maxConcurrency);
    auto pump =
        std::make_shared<BatchPump>(engine.batch, engine.executor, engine.limiter, state, pumpOptions);
    auto reader = std::make_shared<PhoneMethodsReader>(state, pump, options.readUsers);
    reader->start();
    return std::make_shared<PhoneMethodsOperation>(state, reader);
}

std::shared_ptr<SyncOperation> Session::sync(const SyncOptions& options) {
    SessionImpl::Engine engine = m_impl->requireEngine();
    std::vector<SourceProperty> sources;
    syncPlanOptions(options, sources);  // invalid options fail here, before anything starts
    auto state = std::make_shared<OperationState>(toLogLevel(m_impl->logLevel));
    BatchPumpOptions pumpOptions;
    pumpOptions.maxConcurrency = options.maxConcurrency;
    auto pump =
        std::make_shared<BatchPump>(engine.batch, engine.executor, engine.limiter, state, pumpOptions);
    auto beta =
        std::make_shared<BatchPump>(engine.betaBatch, engine.executor, engine.limiter, state, pumpOptions);
    auto sync = std::make_shared<SyncEngine>(state, pump, beta, options);
    sync->start();
    return std::make_shared<SyncOperation>(state, sync);
}

}  // namespace mfaphone
