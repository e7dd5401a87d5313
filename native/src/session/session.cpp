#include "mfaphone/session.hpp"

#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>

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

std::shared_ptr<Operation> Session::getPhoneMethods(const std::vector<std::string>& users,
                                                    int maxConcurrency) {
    auto graph = m_impl->requireGraph();
    for (const auto& user : users)
        if (user.empty())
            throw InvalidInputError("A user id is empty. Give an object id or a user principal name.");
    if (maxConcurrency < 1) maxConcurrency = 1;
    auto state = std::make_shared<OperationState>(toLogLevel(m_impl->logLevel));
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
