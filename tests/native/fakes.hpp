// Test doubles for the native unit tests: a scripted transport that records every request.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"

namespace mfaphone::test {

struct RecordedRequest {
    std::string method;
    std::string url;
    Headers headers;
    std::string body;
    std::string header(const std::string& name) const {
        for (const auto& [n, v] : headers)
            if (n == name) return v;
        return {};
    }
};

inline HttpResponse response(int status, std::string body, Headers headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body.assign(body.data(), body.size());
    r.headers = std::move(headers);
    return r;
}

// Answers each request with the next scripted step (a response or a thrown error).
class ScriptedTransport : public Transport {
public:
    using Step = std::function<HttpResponse(const RecordedRequest&)>;

    void then(HttpResponse r) {
        m_steps.push_back([r](const RecordedRequest&) { return r; });
    }
    void thenThrow(TransportError e) {
        m_steps.push_back([e](const RecordedRequest&) -> HttpResponse { throw e; });
    }
    void then(Step s) { m_steps.push_back(std::move(s)); }

    HttpResponse send(const HttpRequest& request, const Context& context) override {
        context.throwIfCancelled();
        RecordedRequest recorded{request.method, request.url, request.headers,
                                 std::string(request.body.data(), request.body.size())};
        Step step;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            requests.push_back(recorded);
            if (m_steps.empty())
                throw std::logic_error("unexpected request " + request.method + " " + request.url);
            step = std::move(m_steps.front());
            m_steps.pop_front();
        }
        return step(recorded);
    }

    std::vector<RecordedRequest> requests;
    std::size_t remaining() const { return m_steps.size(); }

private:
    std::mutex m_mutex;
    std::deque<Step> m_steps;
};

}  // namespace mfaphone::test
