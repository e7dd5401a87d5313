// Microsoft Graph client: authenticated requests with Graph's error model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/methods.hpp"

namespace mfaphone {

class GraphClient {
public:
    // `pipeline` is a Graph pipeline (makeGraphPipeline: request id, retry, throttle, bearer
    // auth, log) or anything that authenticates requests itself.
    GraphClient(std::shared_ptr<Transport> pipeline, std::string graphEndpoint, Logger logger,
                std::string apiVersion = "v1.0");
    // Builds the Graph pipeline around `transport` with bearer tokens from `tokens` and no
    // concurrency limiter.
    GraphClient(std::shared_ptr<Transport> transport, std::shared_ptr<TokenCache> tokens,
                std::string graphEndpoint, Logger logger, std::string apiVersion = "v1.0");

    // GET /users/{id|upn}/authentication/phoneMethods
    std::vector<PhoneMethod> listPhoneMethods(const std::string& user, const Context& context);

    // Sends an authenticated request to a path under the API version ("/users/...") through the
    // pipeline (which retries, paces and refreshes the token once on 401). Throws
    // RequestFailedError for any status >= 400. `batchItems`: for a $batch, how many requests
    // it carries (the limiter paces each).
    HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                         const Context& context, int batchItems = 0);

private:
    std::shared_ptr<Transport> m_pipeline;
    std::string m_base;
    Logger m_logger;
};

// Builds the RequestFailedError for a Graph error response (parses the error body).
RequestFailedError graphError(const HttpResponse& response);

}  // namespace mfaphone
