// The relay's HTTP clients, built in one place: the project's transport under the retry policy,
// with HTTP Basic for the Twilio REST API.
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

class BasicAuthTransport : public Transport {
public:
    BasicAuthTransport(std::shared_ptr<Transport> inner, const std::string& user,
                       const SecretString& password)
        : m_inner(std::move(inner)) {
        SecretString pair(user);
        pair.append(":", 1);
        pair.append(password);
        std::string encoded = base64Encode(reinterpret_cast<const unsigned char*>(pair.data()), pair.size());
        m_header = SecretString("Basic " + encoded);
        secureZero(encoded.data(), encoded.size());
    }
    HttpResponse send(const HttpRequest& request, const Context& context) override {
        HttpRequest authorized = request;
        authorized.headers.emplace_back("Authorization", std::string(m_header.data(), m_header.size()));
        struct Wipe {
            HttpRequest& r;
            ~Wipe() {
                for (auto& [n, v] : r.headers)
                    if (n == "Authorization") secureZero(v.data(), v.size());
            }
        } wipe{authorized};
        return m_inner->send(authorized, context);
    }

private:
    std::shared_ptr<Transport> m_inner;
    SecretString m_header;
};

}  // namespace

DeliveryTraceScope::DeliveryTraceScope(DeliveryTrace& trace) : m_previous(t_trace) { t_trace = &trace; }
DeliveryTraceScope::~DeliveryTraceScope() { t_trace = m_previous; }
DeliveryTrace* DeliveryTraceScope::current() { return t_trace; }

std::shared_ptr<Transport> makeRelayHttpClient(std::shared_ptr<Transport> base, const RelayHttpSpec& spec,
                                               Logger logger) {
    std::shared_ptr<Transport> client = std::make_shared<TracingTransport>(std::move(base));
    client = std::make_shared<RetryPolicy>(std::move(client), spec.retry, std::move(logger));
    if (spec.basicAuth)
        client = std::make_shared<BasicAuthTransport>(std::move(client), spec.user, spec.password);
    return client;
}

}  // namespace mfaphone::relay
