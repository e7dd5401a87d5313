// The relay's HTTP clients, built in one place: the project's policy pipelines over its transport,
// plain for Teams and Slack webhooks, HTTP Basic for the Twilio REST API.
#include "mfaphone/internal/pipeline.hpp"
#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {
namespace {

thread_local DeliveryTrace* t_trace = nullptr;

// Records each attempt (below the retry policy) into the calling thread's DeliveryTrace.
class TracingTransport : public Transport {
public:
    explicit TracingTransport(std::shared_ptr<Transport> inner) : m_inner(std::move(inner)) {}
    HttpResponse send(const HttpRequest& request, const Context& context) override {
        DeliveryTrace* trace = t_trace;
        if (trace && trace->attempts++ == 0) trace->firstStart = std::chrono::steady_clock::now();
        struct Stamp {
            DeliveryTrace* trace;
            ~Stamp() {
                if (trace) trace->lastEnd = std::chrono::steady_clock::now();
            }
        } stamp{trace};
        HttpResponse response = m_inner->send(request, context);
        if (trace) {
            trace->lastStatus = response.status;
            trace->lastRetryAfter = response.header("retry-after");
        }
        return response;
    }

private:
    std::shared_ptr<Transport> m_inner;
};

}  // namespace

DeliveryTraceScope::DeliveryTraceScope(DeliveryTrace& trace) : m_previous(t_trace) { t_trace = &trace; }
DeliveryTraceScope::~DeliveryTraceScope() { t_trace = m_previous; }
DeliveryTrace* DeliveryTraceScope::current() { return t_trace; }

std::shared_ptr<Transport> makeRelayHttpClient(std::shared_ptr<Transport> base, const RelayHttpSpec& spec,
                                               Logger logger) {
    // The project's pipelines (request id -> retry -> auth -> log -> transport); the trace sits
    // on the transport, under the retry policy, so it sees every attempt.
    std::shared_ptr<Transport> traced = std::make_shared<TracingTransport>(std::move(base));
    PipelineOptions options;
    options.component = "relay";
    options.retry = spec.retry;
    options.hidePath = true;  // webhook URLs carry their secret in the path or query
    if (spec.basicAuth)
        return makeBasicAuthPipeline(std::move(traced), spec.user, spec.password, std::move(logger),
                                     std::move(options));
    return makePlainPipeline(std::move(traced), std::move(logger), std::move(options));
}

}  // namespace mfaphone::relay
