// Microsoft Graph JSON batching.
//
// BatchClient sends one POST /$batch of up to 20 requests and hands back one answer per request.
// BatchPump feeds a stream of work through it: it packs requests into batches, keeps up to a
// number of batches in flight on the session's executor, and sends a throttled or transiently
// failed request again in a later batch once its own Retry-After has passed.
#pragma once

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mfaphone/context.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/executor.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/limiter.hpp"
#include "mfaphone/internal/log.hpp"

namespace mfaphone {

class OperationState;

struct BatchRequest {
    std::string method = "GET";
    std::string url;             // relative to the API version: "/users/{id}/authentication/phoneMethods"
    std::string body;            // JSON text; empty for none (then no Content-Type is sent)
    Headers headers;             // extra headers of this request (ConsistencyLevel, ...)
    std::vector<int> dependsOn;  // indexes of earlier requests of the same group
};

struct BatchResponse {
    int status = 0;    // the item's HTTP status; 0 when the batch itself got no usable answer
    Headers headers;   // names lower-cased
    std::string body;  // JSON text (empty when the item had no body)
    // Why there is no answer when status == 0 (TransportError, RequestFailedError of the
    // envelope, CancelledError); or, with a status, why the pump stopped sending the request
    // again (RetriesExhaustedError).
    std::exception_ptr error;
    // Whether the request went out at all (false: the operation was cancelled while it was still
    // queued, so it certainly had no effect).
    bool sent = true;

    std::string header(std::string_view name) const;
    // The error of a failed item: `error` when set, else the item's Graph error (status >= 400).
    std::exception_ptr failure() const;
};

// Whether `error` holds a CancelledError (the operation was cancelled, nothing failed).
bool isCancellation(std::exception_ptr error);

// Graph refuses more per batch.
constexpr int kMaxBatchRequests = 20;

class BatchClient {
public:
    BatchClient(std::shared_ptr<GraphClient> graph, Logger logger);

    // Sends the requests (1..20) as one batch. Returns one response per request, in the order
    // given. A batch that gets no answer (transport error, an error status of the envelope)
    // yields status 0 for every request; an AuthError or CancelledError is thrown.
    std::vector<BatchResponse> send(const std::vector<BatchRequest>& requests, const Context& context) const;

    // The envelope JSON (ids "1".."n" in order; dependsOn by those ids).
    static std::string encode(const std::vector<BatchRequest>& requests);
    // Matches the responses of an envelope answer to the requests by id. A request with no
    // response gets status 0 with a TransportError.
    static std::vector<BatchResponse> decode(const HttpResponse& response, std::size_t count);

private:
    std::shared_ptr<GraphClient> m_graph;
    Logger m_logger;
};

struct BatchPumpOptions {
    int maxConcurrency = 8;  // batches in flight for this pump at most (the operation's ceiling)
    int maxPerBatch = kMaxBatchRequests;
    // How long a partly filled batch waits for more work while the owner's input is open.
    std::chrono::milliseconds linger{10};
    // Like the HTTP retry policy: throttling (429, or 503 with Retry-After) is retried for as
    // long as the operation runs, each wait paced to Retry-After, unless one Retry-After is longer
    // than maxRetryAfter; other transient failures (5xx, no answer) are retried this many times.
    int maxTransientRetries = 6;
    std::chrono::milliseconds maxRetryAfter{300000};
    std::chrono::milliseconds baseDelay{500};
    std::chrono::milliseconds maxDelay{30000};
};

// A unit of work: requests that travel in the same batch (dependsOn only within a group).
struct BatchGroup {
    std::vector<BatchRequest> requests;
    // Throttled and transiently failed requests are sent again automatically. Only for a group
    // of one request that is safe to repeat (a GET).
    bool retry = false;
    // Sent no earlier than this long after it is added (a Retry-After the owner honours).
    std::chrono::milliseconds delay{0};
    // Runs on an executor thread with one response per request once the group is final (also
    // when the operation is cancelled: status 0 with a CancelledError).
    std::function<void(std::vector<BatchResponse>&)> done;
};

class BatchPump : public std::enable_shared_from_this<BatchPump> {
public:
    using Clock = std::chrono::steady_clock;

    BatchPump(std::shared_ptr<BatchClient> client, std::shared_ptr<Executor> executor,
              std::shared_ptr<ConcurrencyLimiter> limiter, std::shared_ptr<OperationState> op,
              BatchPumpOptions options);

    // Queues a group (thread-safe) and sends what can go.
    void add(BatchGroup group);
    // The owner's input has ended: a partly filled batch goes without waiting for more work.
    void setInputClosed(bool closed);
    // Groups queued or in flight.
    std::size_t pending() const;

private:
    struct Queued {
        BatchGroup group;
        Clock::time_point notBefore;
        Clock::time_point firstSent{};
        int transientFailures = 0;
        int attempts = 0;
    };
    // Whether the single request of a retrying group goes again (then `delay` is set); when it
    // does not, `final` may receive the error that ends it.
    bool retryDecision(Queued& q, BatchResponse& r, std::chrono::milliseconds& delay, std::string& why);
    void pump();
    void sendBatch(std::vector<Queued> batch);
    void finishAll(std::deque<Queued>& groups, std::exception_ptr why);
    int window() const;
    std::chrono::milliseconds backoff(int failures) const;

    std::shared_ptr<BatchClient> m_client;
    std::shared_ptr<Executor> m_executor;
    std::shared_ptr<ConcurrencyLimiter> m_limiter;
    std::shared_ptr<OperationState> m_op;
    BatchPumpOptions m_options;

    mutable std::mutex m_mutex;
    std::deque<Queued> m_queue;
    int m_inFlight = 0;  // batches being sent
    std::size_t m_inFlightGroups = 0;
    bool m_inputClosed = false;
    Clock::time_point m_timerAt = Clock::time_point::max();  // earliest wake-up already posted
    Clock::time_point m_partialSince = Clock::time_point::max();
    bool m_stopped = false;
    Context::Registration m_cancelRegistration;
};

}  // namespace mfaphone
