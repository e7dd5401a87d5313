#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/pipeline.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

RequestFailedError graphError(const HttpResponse& response) {
    Json body = Json::parse(response.body.begin(), response.body.end(), nullptr, false);
    std::string code, message, requestId = response.header("request-id");
    if (body.is_object()) {
        auto error = body.find("error");
        if (error != body.end() && error->is_object()) {
            code = jsonString(*error, "code");
            message = jsonString(*error, "message");
            auto inner = error->find("innerError");
            if (inner != error->end() && inner->is_object() && requestId.empty())
                requestId = jsonString(*inner, "request-id");
        }
    }
    std::string text = "Graph answered HTTP " + std::to_string(response.status);
    if (!code.empty()) text += " " + code;
    text += message.empty() ? "." : ": " + message;
    if (!requestId.empty()) text += " (request-id " + requestId + ")";
    return RequestFailedError(text, response.status, code, requestId);
}

GraphClient::GraphClient(std::shared_ptr<Transport> pipeline, std::string graphEndpoint, Logger logger,
                         std::string apiVersion)
    : m_pipeline(std::move(pipeline)),
      m_base(trimTrailingSlash(std::move(graphEndpoint)) + "/" + apiVersion),
      m_logger(std::move(logger)) {}

GraphClient::GraphClient(std::shared_ptr<Transport> transport, std::shared_ptr<TokenCache> tokens,
                         std::string graphEndpoint, Logger logger, std::string apiVersion)
    : GraphClient(makeGraphPipeline(std::move(transport), std::move(tokens), nullptr, logger),
                  std::move(graphEndpoint), logger, std::move(apiVersion)) {}

HttpResponse GraphClient::request(const std::string& method, const std::string& path, const std::string& body,
                                  const Context& context, int batchItems) {
    HttpRequest request;
    request.method = method;
    request.batchItems = batchItems;
    request.url = m_base + path;
    request.headers.emplace_back("Accept", "application/json");
    if (!body.empty()) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body.append(body.data(), body.size());
    }
    HttpResponse response = m_pipeline->send(request, context);
    if (response.status >= 400) throw graphError(response);
    return response;
}

std::vector<PhoneMethod> GraphClient::listPhoneMethods(const std::string& user, const Context& context) {
    if (user.empty())
        throw InvalidInputError("The user id is empty. Give an object id or a user principal name.");
    HttpResponse response =
        request("GET", "/" + userPathSegment(user) + "/authentication/phoneMethods", {}, context);
    Json body = Json::parse(response.body.begin(), response.body.end(), nullptr, false);
    if (!body.is_object() || !body.contains("value") || !body["value"].is_array())
        throw RequestFailedError("Graph answered phoneMethods without a value array.", response.status, "",
                                 response.header("request-id"));
    std::vector<PhoneMethod> methods;
    for (const auto& item : body["value"]) {
        if (!item.is_object()) continue;
        PhoneMethod m;
        m.id = jsonString(item, "id");
        m.phoneNumber = jsonString(item, "phoneNumber");
        m.phoneType = jsonString(item, "phoneType");
        m.smsSignInState = jsonString(item, "smsSignInState");
        methods.push_back(std::move(m));
    }
    if (m_logger.enabled(LogLevel::Verbose)) {
        std::string line = user + ": " + std::to_string(methods.size()) + " phone method(s)";
        for (const auto& m : methods) line += "; " + m.phoneType + " " + maskPhoneNumber(m.phoneNumber);
        m_logger.log(LogLevel::Verbose, "graph", std::move(line));
    }
    return methods;
}

}  // namespace mfaphone
