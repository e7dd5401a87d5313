#include <catch2/catch.hpp>

#include "fakes.hpp"
#include "mfaphone/internal/graph.hpp"

using namespace mfaphone;
using namespace mfaphone::test;

namespace {
const std::string kTokenA = "eyJ.A.sig";
const std::string kTokenB = "eyJ.B.sig";

std::string tokenBody(const std::string& token) {
    return R"({"token_type":"Bearer","expires_in":3599,"access_token":")" + token + R"("})";
}

struct Fixture {
    std::shared_ptr<ScriptedTransport> login = std::make_shared<ScriptedTransport>();
    std::shared_ptr<ScriptedTransport> graph = std::make_shared<ScriptedTransport>();
    std::vector<std::string> logs;
    GraphClient client() {
        auto cloud = resolveCloud("Global", "", "");
        auto cred = std::make_shared<ClientSecretCredential>(login, cloud, "t", "c",
                                                             SecretString(std::string("s")), Logger{});
        Logger logger(LogLevel::Verbose, [this](LogLevel, std::string_view c, std::string m) {
            logs.push_back(std::string(c) + ": " + m);
        });
        return GraphClient(graph, std::make_shared<TokenCache>(cred), cloud.graphEndpoint, logger);
    }
};
}  // namespace

TEST_CASE("listing phone methods sends the documented request and parses the answer", "[graph]") {
    Fixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.graph->then(response(200, R"({"@odata.context":"x","value":[
        {"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+46 701234567","phoneType":"mobile","smsSignInState":"notEnabled"},
        {"id":"e37fc753-ff3b-4958-9484-eaa9425c82bc","phoneNumber":"+1 5555551234x123","phoneType":"office","smsSignInState":"notSupported"}]})"));
    auto client = f.client();
    auto methods = client.listPhoneMethods("zoë#EXT#@contoso.com", Context{});
    REQUIRE(f.graph->requests.size() == 1);
    const auto& r = f.graph->requests[0];
    CHECK(r.method == "GET");
    CHECK(r.url ==
          "https://graph.microsoft.com/v1.0/users/zo%C3%AB%23EXT%23@contoso.com/authentication/phoneMethods");
    CHECK(r.header("Authorization") == "Bearer " + kTokenA);
    CHECK(r.header("Accept") == "application/json");
    CHECK(r.body.empty());
    REQUIRE(methods.size() == 2);
    CHECK(methods[0].id == "3179e48a-750b-4051-897c-87b9720928f7");
    CHECK(methods[0].phoneType == "mobile");
    CHECK(methods[0].phoneNumber == "+46 701234567");
    CHECK(methods[0].smsSignInState == "notEnabled");
    CHECK(methods[1].phoneNumber == "+1 5555551234x123");
    // Verbose output masks the numbers.
    REQUIRE(f.logs.size() == 1);
    CHECK(f.logs[0] ==
          "graph: zoë#EXT#@contoso.com: 2 phone method(s); mobile +46 *******67; office +1 ********34x***");
}

TEST_CASE("a 401 refreshes the token once and retries", "[graph]") {
    Fixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.login->then(response(200, tokenBody(kTokenB)));
    f.graph->then(response(
        401, R"({"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}})"));
    f.graph->then(response(200, R"({"value":[]})"));
    auto client = f.client();
    CHECK(client.listPhoneMethods("u@contoso.com", Context{}).empty());
    REQUIRE(f.graph->requests.size() == 2);
    CHECK(f.graph->requests[0].header("Authorization") == "Bearer " + kTokenA);
    CHECK(f.graph->requests[1].header("Authorization") == "Bearer " + kTokenB);
}

TEST_CASE("a second 401 is an error, not a loop", "[graph]") {
    Fixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.login->then(response(200, tokenBody(kTokenB)));
    f.graph->then(response(401, R"({"error":{"code":"InvalidAuthenticationToken","message":"bad"}})"));
    f.graph->then(response(401, R"({"error":{"code":"InvalidAuthenticationToken","message":"bad"}})"));
    auto client = f.client();
    try {
        client.listPhoneMethods("u@contoso.com", Context{});
        FAIL("expected RequestFailedError");
    } catch (const RequestFailedError& e) {
        CHECK(e.status() == 401);
        CHECK(e.code() == "InvalidAuthenticationToken");
    }
}

TEST_CASE("Graph error bodies become RequestFailedError with code and request id", "[graph]") {
    Fixture f;
    f.login->then(response(200, tokenBody(kTokenA)));
    f.graph->then(response(
        404,
        R"({"error":{"code":"Request_ResourceNotFound","message":"Resource 'nobody@contoso.com' does not exist.","innerError":{"date":"2026-01-01T00:00:00","request-id":"r-1","client-request-id":"c-1"}}})"));
    auto client = f.client();
    try {
        client.listPhoneMethods("nobody@contoso.com", Context{});
        FAIL("expected RequestFailedError");
    } catch (const RequestFailedError& e) {
        CHECK(e.status() == 404);
        CHECK(e.code() == "Request_ResourceNotFound");
        CHECK(e.requestId() == "r-1");
        CHECK(std::string(e.what()) ==
              "Graph answered HTTP 404 Request_ResourceNotFound: Resource 'nobody@contoso.com' does not "
              "exist. (request-id r-1)");
    }
}

TEST_CASE("the request-id header wins over the body and odd bodies still fail cleanly", "[graph]") {
    HttpResponse r = response(500, "<html>oops</html>", {{"request-id", "hdr-1"}});
    RequestFailedError e = graphError(r);
    CHECK(e.status() == 500);
    CHECK(e.code().empty());
    CHECK(e.requestId() == "hdr-1");
    CHECK(std::string(e.what()) == "Graph answered HTTP 500. (request-id hdr-1)");
}

TEST_CASE("an empty user id is rejected before any request", "[graph]") {
    Fixture f;
    auto client = f.client();
    CHECK_THROWS_AS(client.listPhoneMethods("", Context{}), InvalidInputError);
    CHECK(f.login->requests.empty());
}
