// The Session facade end to end over real HTTP: operations, events, per-user errors.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/operation.hpp"
#include "mfaphone/session.hpp"
#include "test_server.hpp"

using namespace mfaphone;
using namespace mfaphone::test;

namespace {

const std::string kSecret = "Zm9v~secret.VALUE";

struct FakeCloud {
    TestServer s;
    std::atomic<int> tokenRequests{0};
    std::atomic<int> batches{0};
    std::atomic<int> batchItems{0};
    std::atomic<bool> secretRevoked{false};

    // The phoneMethods answer for a user: status and JSON body.
    static std::pair<int, std::string> phoneMethods(const std::string& user) {
        if (user == "nobody@contoso.com")
            return {
                404,
                R"({"error":{"code":"Request_ResourceNotFound","message":"Resource 'nobody@contoso.com' does not exist."}})"};
        return {200, R"({"value":[{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+46 70123456)" +
                         std::to_string(user.size() % 10) +
                         R"(","phoneType":"mobile","smsSignInState":"notEnabled"}]})"};
    }

    FakeCloud() {
        s.server.Post("/contoso.onmicrosoft.com/oauth2/v2.0/token", [this](const httplib::Request& req,
                                                                           httplib::Response& res) {
            ++tokenRequests;
            if (req.get_param_value("client_secret") != kSecret || secretRevoked) {
                res.status = 401;
                res.set_content(
                    R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"correlation_id":"corr-1"})",
                    "application/json");
                return;
            }
            res.set_content(R"({"token_type":"Bearer","expires_in":3599,"access_token":"eyJ.e30.sig"})",
                            "application/json");
        });
        s.server.Post(R"(/v1\.0/\$batch)", [this](const httplib::Request& req, httplib::Response& res) {
            ++batches;
            if (req.get_header_value("Authorization") != "Bearer eyJ.e30.sig") {
                res.status = 401;
                return;
            }
            auto body = nlohmann::json::parse(req.body);
            // A revoked token fails the whole batch (the items share the envelope's token).
            for (const auto& item : body["requests"]) {
                if (item["url"].get<std::string>().find("/users/revoked") == 0) {
                    res.status = 401;
                    res.set_content(
                        R"({"error":{"code":"InvalidAuthenticationToken","message":"Token revoked."}})",
                        "application/json");
                    return;
                }
            }
            auto responses = nlohmann::json::array();
            for (const auto& item : body["requests"]) {
                ++batchItems;
                std::string url = item["url"];
                const std::string prefix = "/users/", suffix = "/authentication/phoneMethods";
                std::string user = httplib::detail::decode_url(
                    url.substr(prefix.size(), url.size() - prefix.size() - suffix.size()), false);
                auto [status, text] = phoneMethods(user);
                nlohmann::json r = {
                    {"id", item["id"]}, {"status", status}, {"body", nlohmann::json::parse(text)}};
                r["headers"] = {{"Content-Type", "application/json"}};
                if (status == 404) r["headers"]["request-id"] = "rid-404";
                responses.push_back(r);
            }
            // Answers come in any order: reverse them.
            std::reverse(responses.begin(), responses.end());
            res.set_content(nlohmann::json{{"responses", responses}}.dump(), "application/json");
        });
        s.start();
    }
    ConnectOptions options() const {
        ConnectOptions o;
        o.tenantId = "contoso.onmicrosoft.com";
        o.clientId = "app";
        o.authorityHost = s.url();
        o.graphEndpoint = s.url();
        o.logLevel = static_cast<int>(LogLevel::Debug);
        return o;
    }
};

std::vector<unsigned char> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<Event> drain(Operation& op) {
    std::vector<Event> events;
    Event e;
    for (int i = 0; i < 1000 && !op.finished(); ++i) {
        while (op.nextEvent(e, 50)) events.push_back(e);
    }
    return events;
}

struct Read {
    std::vector<Event> events;
    std::map<long long, PhoneMethodsResult> results;
    std::map<long long, Event> errors;
};

// Submits every user (draining events whenever the input is full), closes, reads to the end.
Read readAll(PhoneMethodsOperation& op, const std::vector<std::string>& users) {
    Read out;
    Event e;
    PhoneMethodsResult r;
    auto take = [&](int timeoutMs) {
        while (op.nextEvent(e, r, timeoutMs)) {
            out.events.push_back(e);
            if (e.kind == EventKind::Result) out.results[e.index] = r;
            if (e.kind == EventKind::Error && !e.terminating) out.errors[e.index] = e;
            timeoutMs = 0;
        }
    };
    try {
        for (const auto& user : users) {
            while (!op.submit(user, 20)) take(0);
            take(0);
        }
        op.close();
    } catch (const CancelledError&) {
        // The operation stopped (a terminating error) before every user was in: submitting ends
        // there, as in the module; its events tell why.
    }
    for (int i = 0; i < 2000 && !op.finished(); ++i) take(50);
    return out;
}

}  // namespace

TEST_CASE("connect then read phone methods of several users through the session", "[session]") {
    FakeCloud cloud;
    Session session;
    CHECK_FALSE(session.context().connected);
    auto connect = session.connect(cloud.options(), CredentialOptions{}, bytes(kSecret), {});
    auto connectEvents = drain(*connect);
    for (const auto& e : connectEvents) {
        CHECK(e.kind != EventKind::Error);
        CHECK_THAT(e.message, !Catch::Contains(kSecret) && !Catch::Contains("eyJ.e30.sig"));
    }
    ContextInfo info = session.context();
    CHECK(info.connected);
    CHECK(info.authType == "ClientSecret");
    CHECK(info.graphEndpoint == cloud.s.url());
    CHECK(info.tokenExpiresOn > 0);

    std::vector<std::string> users = {"a@contoso.com", "nobody@contoso.com", "abc@contoso.com"};
    ReadOptions options;
    options.maxConcurrency = 4;
    auto op = session.readPhoneMethods(options);
    auto read = readAll(*op, users);
    auto& results = read.results;
    auto& errors = read.errors;
    REQUIRE(results.size() == 2);
    CHECK(results[0].user == "a@contoso.com");
    REQUIRE(results[0].methods.size() == 1);
    CHECK(results[0].methods[0].phoneNumber == "+46 701234563");
    CHECK(results[2].user == "abc@contoso.com");
    REQUIRE(errors.size() == 1);
    const Event& err = errors[1];
    CHECK(err.target == "nobody@contoso.com");
    CHECK(err.errorKind == static_cast<int>(ErrorKind::RequestFailed));
    CHECK(err.httpStatus == 404);
    CHECK(err.errorCode == "Request_ResourceNotFound");
    CHECK(err.requestId == "rid-404");
    CHECK_FALSE(err.terminating);
    CHECK(cloud.tokenRequests == 1);  // one token serves every request
    // The three went through $batch: one, unless a loaded machine let the pump's linger pass
    // between two of them (test_batch.cpp checks the packing itself).
    CHECK(cloud.batchItems == 3);
    CHECK(cloud.batches >= 1);
    CHECK(cloud.batches <= 3);
    CHECK(op->stats().completed == 3);
}

TEST_CASE("thousands of users stream through a session in bounded memory", "[session][stream]") {
    FakeCloud cloud;
    Session session;
    drain(*session.connect(cloud.options(), CredentialOptions{}, bytes(kSecret), {}));
    std::vector<std::string> users;
    for (int i = 0; i < 5000; ++i) users.push_back("user" + std::to_string(i) + "@contoso.com");
    ReadOptions options;
    options.maxConcurrency = 4;
    auto op = session.readPhoneMethods(options);
    auto read = readAll(*op, users);
    CHECK(read.results.size() == users.size());
    CHECK(read.errors.empty());
    CHECK(read.results[4999].user == "user4999@contoso.com");
    OperationStats stats = op->stats();
    CHECK(stats.submitted == 5000);
    CHECK(stats.completed == 5000);
    // Whatever the number of users, the engine holds no more than its limits.
    CHECK(stats.inputPeak <= stats.inputCapacity);
    CHECK(stats.heldPeak <= stats.heldLimit);
    CHECK(stats.heldLimit < 5000);
    CHECK(cloud.batchItems == 5000);
    // Requests were packed into $batch requests. How full each one is depends on how fast input
    // arrives compared with the pump's linger (10 ms): a slow producer (a loaded machine, Wine)
    // sends partly filled batches, rightly. So the bound here is loose, four users a batch on
    // average; "the pump packs work into batches of at most 20" checks the packing exactly.
    CHECK(cloud.batches <= 5000 / 4);
}

TEST_CASE("a wrong secret ends the connect operation with an auth error", "[session][secrets]") {
    FakeCloud cloud;
    Session session;
    auto op = session.connect(cloud.options(), CredentialOptions{}, bytes("wrong-" + kSecret), {});
    auto events = drain(*op);
    const Event* error = nullptr;
    for (const auto& e : events) {
        if (e.kind == EventKind::Error) error = &e;
        CHECK_THAT(e.message, !Catch::Contains(kSecret));
    }
    REQUIRE(error);
    CHECK(error->terminating);
    CHECK(error->errorKind == static_cast<int>(ErrorKind::Auth));
    CHECK(error->errorCode == "invalid_client");
    CHECK(error->requestId == "corr-1");
    CHECK_FALSE(session.context().connected);
}

TEST_CASE("operations need a connection and valid input", "[session]") {
    Session session;
    CHECK_THROWS_AS(session.readPhoneMethods(ReadOptions{}), InvalidInputError);
    ConnectOptions o;
    o.tenantId = "t";
    o.clientId = "c";
    o.cloud = "Nowhere";
    CHECK_THROWS_AS(session.connect(o, CredentialOptions{}, bytes("x"), {}), InvalidInputError);
}

TEST_CASE("shared components log to the operation whose thread logs, at its level", "[session][log]") {
    std::vector<std::string> a, b;
    OperationState opA(LogLevel::Debug), opB(LogLevel::Warning);
    Logger shared = LogRoute::routedLogger();
    CHECK_FALSE(shared.enabled(LogLevel::Verbose));  // no route on this thread
    {
        LogRoute route(opA);
        CHECK(shared.enabled(LogLevel::Debug));
        shared.log(LogLevel::Verbose, "http", "to A");
        {
            LogRoute inner(opB);
            CHECK_FALSE(shared.enabled(LogLevel::Verbose));  // B only wants warnings
            shared.log(LogLevel::Warning, "http", "to B");
        }
        shared.log(LogLevel::Debug, "http", "to A again");
    }
    shared.log(LogLevel::Warning, "http", "nowhere");
    auto collect = [](OperationState& op, std::vector<std::string>& out) {
        Event e;
        while (op.pop(e, nullptr, 0)) out.push_back(e.component + ": " + e.message);
    };
    collect(opA, a);
    collect(opB, b);
    CHECK(a == std::vector<std::string>{"http: to A", "http: to A again"});
    CHECK(b == std::vector<std::string>{"http: to B"});
}

TEST_CASE("a failed connect leaves no earlier connection active", "[session]") {
    FakeCloud cloud;
    Session session;
    drain(*session.connect(cloud.options(), CredentialOptions{}, bytes(kSecret), {}));
    REQUIRE(session.context().connected);
    drain(*session.connect(cloud.options(), CredentialOptions{}, bytes("wrong"), {}));
    CHECK_FALSE(session.context().connected);
    CHECK_THROWS_AS(session.readPhoneMethods(ReadOptions{}), InvalidInputError);
}

TEST_CASE("a sign-in failure in the middle of an operation is reported once and stops it", "[session]") {
    FakeCloud cloud;
    Session session;
    drain(*session.connect(cloud.options(), CredentialOptions{}, bytes(kSecret), {}));
    cloud.secretRevoked = true;  // the next token request fails
    std::vector<std::string> users;
    for (int i = 0; i < 30; ++i) users.push_back("revoked" + std::to_string(i) + "@contoso.com");
    ReadOptions options;
    options.maxConcurrency = 4;
    auto op = session.readPhoneMethods(options);
    auto events = readAll(*op, users).events;
    int terminating = 0, cancelled = 0, results = 0;
    for (const auto& e : events) {
        if (e.kind == EventKind::Error && e.terminating) {
            ++terminating;
            CHECK(e.errorKind == static_cast<int>(ErrorKind::Auth));
        }
        if (e.kind == EventKind::Error && e.errorKind == static_cast<int>(ErrorKind::Cancelled)) ++cancelled;
        if (e.kind == EventKind::Result) ++results;
    }
    CHECK(terminating == 1);
    CHECK(cancelled == 0);
    CHECK(results == 0);
}
