// Graph JSON batching: the envelope sent, answers matched to requests, and the pump that
// packs work into batches and sends throttled items again after their own Retry-After.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fakes.hpp"
#include "mfaphone/internal/batch.hpp"
#include "mfaphone/internal/operation.hpp"

using namespace mfaphone;
using namespace mfaphone::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kToken = "eyJ.batch.sig";

std::shared_ptr<GraphClient> graphOver(std::shared_ptr<Transport> transport) {
    auto login = std::make_shared<ScriptedTransport>();
    for (int i = 0; i < 4; ++i)
        login->then(
            response(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":")" + kToken + "\"}"));
    auto cloud = resolveCloud("Global", "", "");
    auto credential = std::make_shared<ClientSecretCredential>(login, cloud, "t", "c",
                                                               SecretString(std::string("s")), Logger{});
    return std::make_shared<GraphClient>(transport, std::make_shared<TokenCache>(credential),
                                         cloud.graphEndpoint, Logger{});
}

// A Graph $batch endpoint: answers each item with `answer` (status, headers, body) and records
// the batches it saw.
class FakeBatchGraph : public Transport {
public:
    struct Answer {
        int status = 200;
        json headers = json::object();
        json body = json::object();
    };
    using Handler = std::function<Answer(const json& item)>;
    explicit FakeBatchGraph(Handler handler) : m_handler(std::move(handler)) {}

    HttpResponse send(const HttpRequest& request, const Context& context) override {
        context.throwIfCancelled();
        int now = ++m_inFlight;
        int peak = m_peak.load();
        while (now > peak && !m_peak.compare_exchange_weak(peak, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(m_delayMs));
        json envelope = json::parse(std::string(request.body.data(), request.body.size()));
        std::vector<std::string> urls;
        json responses = json::array();
        for (const auto& item : envelope["requests"]) {
            urls.push_back(item["method"].get<std::string>() + " " + item["url"].get<std::string>());
            Answer a = m_handler(item);
            responses.push_back(
                {{"id", item["id"]}, {"status", a.status}, {"headers", a.headers}, {"body", a.body}});
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            batches.push_back(urls);
        }
        --m_inFlight;
        std::reverse(responses.begin(), responses.end());  // any order
        return response(200, json{{"responses", responses}}.dump());
    }

    std::vector<std::vector<std::string>> seen() {
        std::lock_guard<std::mutex> lock(m_mutex);
        return batches;
    }
    int peak() const { return m_peak; }
    int m_delayMs = 0;

private:
    Handler m_handler;
    std::mutex m_mutex;
    std::vector<std::vector<std::string>> batches;
    std::atomic<int> m_inFlight{0}, m_peak{0};
};

BatchRequest get(const std::string& url) {
    BatchRequest r;
    r.url = url;
    return r;
}

struct PumpRig {
    std::shared_ptr<FakeBatchGraph> graph;
    std::shared_ptr<OperationState> op = std::make_shared<OperationState>(LogLevel::Verbose);
    std::shared_ptr<Executor> executor = std::make_shared<Executor>();
    std::shared_ptr<BatchPump> pump;
    std::mutex mutex;
    std::map<std::string, BatchResponse> results;  // by url of the group's first request

    PumpRig(FakeBatchGraph::Handler handler, BatchPumpOptions options = {}) {
        graph = std::make_shared<FakeBatchGraph>(std::move(handler));
        auto client = std::make_shared<BatchClient>(graphOver(graph), Logger{});
        pump = std::make_shared<BatchPump>(client, executor, nullptr, op, options);
    }
    void read(const std::string& url) {
        BatchGroup g;
        g.requests.push_back(get(url));
        g.retry = true;
        g.done = [this, url](std::vector<BatchResponse>& r) {
            std::lock_guard<std::mutex> lock(mutex);
            results[url] = r.at(0);
        };
        pump->add(std::move(g));
    }
    bool waitFor(std::size_t n) {
        for (int i = 0; i < 2000; ++i) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (results.size() >= n) return true;
            }
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }
    std::vector<std::string> logs() {
        std::vector<std::string> out;
        Event e;
        while (op->pop(e, nullptr, 0))
            if (e.kind == EventKind::Log) out.push_back(e.component + ": " + e.message);
        return out;
    }
};

}  // namespace

TEST_CASE("a batch is one POST to /$batch with relative urls, ids, dependsOn and a Content-Type for bodies",
          "[batch]") {
    auto transport = std::make_shared<ScriptedTransport>();
    transport->then(response(200, R"({"responses":[
        {"id":"2","status":201,"headers":{"Content-Type":"application/json"},"body":{"id":"3179e48a-750b-4051-897c-87b9720928f7"}},
        {"id":"1","status":200,"headers":{"Request-Id":"rid-1"},"body":{"value":[]}},
        {"id":"3","status":424,"body":{"error":{"code":"FailedDependency","message":"failed"}}}]})"));
    BatchClient client(graphOver(transport), Logger{});
    BatchRequest create;
    create.method = "POST";
    create.url = "/users/u1/authentication/phoneMethods";
    create.body = R"({"phoneNumber":"+46 701234567","phoneType":"mobile"})";
    BatchRequest alternate = create;
    alternate.body = R"({"phoneNumber":"+46 701234568","phoneType":"alternateMobile"})";
    alternate.dependsOn = {1};
    BatchRequest list =
        get("/users?$select=id&$filter=onPremisesExtensionAttributes/extensionAttribute15 ne null");
    list.headers.emplace_back("ConsistencyLevel", "eventual");
    auto responses = client.send({list, create, alternate}, Context{});

    REQUIRE(transport->requests.size() == 1);
    const auto& sent = transport->requests[0];
    CHECK(sent.method == "POST");
    CHECK(sent.url == "https://graph.microsoft.com/v1.0/$batch");
    CHECK(sent.header("Content-Type") == "application/json");
    CHECK(sent.header("Authorization") == "Bearer " + kToken);
    json body = json::parse(sent.body);
    CHECK(body == json::parse(R"({"requests":[
        {"id":"1","method":"GET","url":"/users?$select=id&$filter=onPremisesExtensionAttributes/extensionAttribute15 ne null","headers":{"ConsistencyLevel":"eventual"}},
        {"id":"2","method":"POST","url":"/users/u1/authentication/phoneMethods","headers":{"Content-Type":"application/json"},
         "body":{"phoneNumber":"+46 701234567","phoneType":"mobile"}},
        {"id":"3","method":"POST","url":"/users/u1/authentication/phoneMethods","headers":{"Content-Type":"application/json"},
         "body":{"phoneNumber":"+46 701234568","phoneType":"alternateMobile"},"dependsOn":["2"]}]})"));

    // Answers arrive in any order and are matched by id; each has its own status.
    REQUIRE(responses.size() == 3);
    CHECK(responses[0].status == 200);
    CHECK(responses[0].header("request-id") == "rid-1");
    CHECK(json::parse(responses[0].body) == json::parse(R"({"value":[]})"));
    CHECK(responses[1].status == 201);
    CHECK(responses[2].status == 424);
    CHECK_FALSE(responses[0].failure());
    REQUIRE(responses[2].failure());
    try {
        std::rethrow_exception(responses[2].failure());
    } catch (const RequestFailedError& e) {
        CHECK(e.status() == 424);
        CHECK(e.code() == "FailedDependency");
    }
}

TEST_CASE("the envelope's 200 says nothing about the items; a missing answer is no answer", "[batch]") {
    HttpResponse envelope = response(200, R"({"responses":[
        {"id":"1","status":429,"headers":{"Retry-After":"2.5"},"body":{"error":{"code":"TooManyRequests","message":"slow down"}}},
        {"id":"9","status":200,"body":{}}]})");
    auto responses = BatchClient::decode(envelope, 2);
    CHECK(responses[0].status == 429);
    CHECK(responses[0].header("Retry-After") == "2.5");
    CHECK(responses[1].status == 0);
    REQUIRE(responses[1].failure());
    CHECK_THROWS_AS(std::rethrow_exception(responses[1].failure()), TransportError);
}

TEST_CASE("a batch without an answer gives every item status 0 with the reason", "[batch]") {
    auto transport = std::make_shared<ScriptedTransport>();
    transport->thenThrow(TransportError("connection reset"));
    BatchClient client(graphOver(transport), Logger{});
    auto responses = client.send(
        {get("/users/a/authentication/phoneMethods"), get("/users/b/authentication/phoneMethods")},
        Context{});
    REQUIRE(responses.size() == 2);
    for (const auto& r : responses) {
        CHECK(r.status == 0);
        CHECK_THROWS_AS(std::rethrow_exception(r.failure()), TransportError);
    }
}

TEST_CASE("more than 20 requests or a dependency on a later request are refused", "[batch]") {
    std::vector<BatchRequest> many(21, get("/users/a"));
    CHECK_THROWS_AS(BatchClient::encode(many), InvalidInputError);
    BatchRequest later = get("/users/b");
    later.dependsOn = {1};
    CHECK_THROWS_AS(BatchClient::encode({get("/users/a"), later}), InvalidInputError);
}

TEST_CASE("the pump packs work into batches of at most 20", "[batch][pump]") {
    // A partly filled batch waits for more while input is open; with a linger longer than the
    // test, only a full batch or the end of input sends one, however slowly the items come.
    BatchPumpOptions options;
    options.linger = std::chrono::minutes(10);
    PumpRig rig([](const json&) { return FakeBatchGraph::Answer{}; }, options);
    for (int i = 0; i < 45; ++i) rig.read("/users/u" + std::to_string(i) + "/authentication/phoneMethods");
    rig.pump->setInputClosed(true);
    REQUIRE(rig.waitFor(45));
    auto batches = rig.graph->seen();
    std::size_t items = 0;
    for (const auto& b : batches) {
        CHECK(b.size() <= 20);
        items += b.size();
    }
    CHECK(items == 45);
    // Two batches may be in flight at once, so they can arrive in either order.
    std::vector<std::size_t> sizes;
    for (const auto& b : batches) sizes.push_back(b.size());
    std::sort(sizes.begin(), sizes.end());
    CHECK(sizes == std::vector<std::size_t>{5, 20, 20});
    CHECK(rig.op->counters().batchItems == 45);
}

TEST_CASE("the pump keeps at most its ceiling of batches in flight", "[batch][pump]") {
    BatchPumpOptions options;
    options.maxConcurrency = 2;
    options.maxPerBatch = 1;
    PumpRig rig([](const json&) { return FakeBatchGraph::Answer{}; }, options);
    rig.graph->m_delayMs = 20;
    for (int i = 0; i < 12; ++i) rig.read("/users/u" + std::to_string(i) + "/authentication/phoneMethods");
    rig.pump->setInputClosed(true);
    REQUIRE(rig.waitFor(12));
    CHECK(rig.graph->peak() <= 2);
    CHECK(rig.graph->peak() == 2);
}

TEST_CASE("a throttled item is sent again in a later batch after its own Retry-After", "[batch][pump]") {
    std::mutex m;
    std::map<std::string, int> attempts;
    BatchPumpOptions options;
    options.linger = std::chrono::minutes(10);  // the two go together, however slowly they come
    PumpRig rig(
        [&](const json& item) {
            std::lock_guard<std::mutex> lock(m);
            std::string url = item["url"];
            FakeBatchGraph::Answer a;
            if (url == "/users/slow/authentication/phoneMethods" && attempts[url]++ < 2) {
                a.status = 429;
                a.headers = {{"Retry-After", "0.15"}};
                a.body = {{"error", {{"code", "TooManyRequests"}, {"message", "Too many requests."}}}};
            } else {
                a.body = {{"value", json::array()}};
            }
            return a;
        },
        options);
    auto start = std::chrono::steady_clock::now();
    rig.read("/users/slow/authentication/phoneMethods");
    rig.read("/users/fast/authentication/phoneMethods");
    rig.pump->setInputClosed(true);
    REQUIRE(rig.waitFor(2));
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(rig.results["/users/slow/authentication/phoneMethods"].status == 200);
    CHECK(rig.results["/users/fast/authentication/phoneMethods"].status == 200);
    auto batches = rig.graph->seen();
    REQUIRE(batches.size() == 3);
    CHECK(batches[0].size() == 2);  // both went first; only the throttled one again, alone
    CHECK(batches[1] == std::vector<std::string>{"GET /users/slow/authentication/phoneMethods"});
    CHECK(batches[2] == std::vector<std::string>{"GET /users/slow/authentication/phoneMethods"});
    CHECK(elapsed >= 300ms);  // it waited its Retry-After twice
    CHECK(rig.op->counters().throttled == 2);
    auto logs = rig.logs();
    CHECK(
        std::count_if(logs.begin(), logs.end(), [](const std::string& l) {
            return l.find(
                       "graph: retrying GET /users/slow/authentication/phoneMethods after HTTP 429 in 0.1") ==
                       0 ||
                   l.find(
                       "graph: retrying GET /users/slow/authentication/phoneMethods after HTTP 429 in 0.2") ==
                       0;
        }) == 2);
}

TEST_CASE("transient item failures are retried a bounded number of times, then reported", "[batch][pump]") {
    BatchPumpOptions options;
    options.maxTransientRetries = 2;
    options.baseDelay = 5ms;
    PumpRig rig(
        [](const json& item) {
            FakeBatchGraph::Answer a;
            if (item["url"] == "/users/broken/authentication/phoneMethods") {
                a.status = 503;
                a.body = {{"error", {{"code", "serviceNotAvailable"}, {"message", "try later"}}}};
            } else if (item["url"] == "/users/missing/authentication/phoneMethods") {
                a.status = 404;
                a.body = {{"error", {{"code", "Request_ResourceNotFound"}, {"message", "no such user"}}}};
            }
            return a;
        },
        options);
    rig.read("/users/broken/authentication/phoneMethods");
    rig.read("/users/missing/authentication/phoneMethods");
    rig.pump->setInputClosed(true);
    REQUIRE(rig.waitFor(2));
    CHECK(rig.results["/users/broken/authentication/phoneMethods"].status == 503);
    CHECK(rig.results["/users/missing/authentication/phoneMethods"].status == 404);
    int brokenSends = 0, missingSends = 0;
    for (const auto& b : rig.graph->seen())
        for (const auto& u : b) {
            brokenSends += u == "GET /users/broken/authentication/phoneMethods";
            missingSends += u == "GET /users/missing/authentication/phoneMethods";
        }
    CHECK(brokenSends == 3);   // first try and two retries
    CHECK(missingSends == 1);  // a real error is not retried
}

TEST_CASE("a group with dependencies travels in one batch and is answered whole", "[batch][pump]") {
    BatchPumpOptions options;
    options.linger = std::chrono::minutes(10);  // only a full batch or the end of input sends
    PumpRig rig(
        [](const json& item) {
            FakeBatchGraph::Answer a;
            a.status = item.contains("dependsOn") ? 424 : 400;
            return a;
        },
        options);
    for (int i = 0; i < 19; ++i) rig.read("/users/u" + std::to_string(i) + "/authentication/phoneMethods");
    std::vector<BatchResponse> answers;
    std::atomic<bool> done{false};
    BatchGroup chain;
    chain.requests.push_back(get("/users/x/authentication/phoneMethods/a"));
    chain.requests.push_back(get("/users/x/authentication/phoneMethods/b"));
    chain.requests.back().dependsOn = {0};
    chain.done = [&](std::vector<BatchResponse>& r) {
        answers = r;
        done = true;
    };
    rig.pump->add(std::move(chain));
    rig.pump->setInputClosed(true);
    REQUIRE(rig.waitFor(19));
    for (int i = 0; i < 400 && !done; ++i) std::this_thread::sleep_for(5ms);
    REQUIRE(done);
    REQUIRE(answers.size() == 2);
    CHECK(answers[0].status == 400);
    CHECK(answers[1].status == 424);
    // 19 + 2 requests do not fit one batch: the pair went together into the other one (the
    // two are in flight at once, so they may arrive in either order).
    auto batches = rig.graph->seen();
    REQUIRE(batches.size() == 2);
    if (batches[0].size() == 2) std::swap(batches[0], batches[1]);
    CHECK(batches[0].size() == 19);
    CHECK(batches[1] == std::vector<std::string>{"GET /users/x/authentication/phoneMethods/a",
                                                 "GET /users/x/authentication/phoneMethods/b"});
}

TEST_CASE("cancelling the operation ends queued work with a cancellation", "[batch][pump]") {
    PumpRig rig([](const json&) {
        FakeBatchGraph::Answer a;
        a.status = 429;
        a.headers = {{"Retry-After", "30"}};
        return a;
    });
    rig.read("/users/a/authentication/phoneMethods");
    rig.pump->setInputClosed(true);
    for (int i = 0; i < 400 && rig.graph->seen().empty(); ++i) std::this_thread::sleep_for(5ms);
    REQUIRE(rig.graph->seen().size() == 1);
    rig.op->context().cancel();  // while it waits out its 30 s Retry-After
    REQUIRE(rig.waitFor(1));
    const auto& r = rig.results["/users/a/authentication/phoneMethods"];
    CHECK(r.status == 0);
    CHECK_THROWS_AS(std::rethrow_exception(r.failure()), CancelledError);
}

TEST_CASE("a Retry-After longer than allowed ends the request, saying how long it was tried",
          "[batch][pump]") {
    BatchPumpOptions options;
    options.maxRetryAfter = 1000ms;
    PumpRig rig(
        [](const json&) {
            FakeBatchGraph::Answer a;
            a.status = 429;
            a.headers = {{"Retry-After", "400"}, {"request-id", "rid-429"}};
            a.body = {{"error", {{"code", "TooManyRequests"}, {"message", "Too many requests."}}}};
            return a;
        },
        options);
    rig.read("/users/a/authentication/phoneMethods");
    rig.pump->setInputClosed(true);
    REQUIRE(rig.waitFor(1));
    const auto& r = rig.results["/users/a/authentication/phoneMethods"];
    CHECK(r.status == 429);
    try {
        std::rethrow_exception(r.failure());
    } catch (const RetriesExhaustedError& e) {
        CHECK(e.status() == 429);
        CHECK(e.attempts() == 1);
        CHECK(e.requestId() == "rid-429");
        std::string text = e.what();
        CHECK(text.rfind("Gave up after 1 attempt over ", 0) == 0);
        CHECK(text.find("Graph answered HTTP 429 TooManyRequests: Too many requests.") != std::string::npos);
        CHECK(text.find("; the service asked to wait 400 s, longer than the 1.0 s allowed") !=
              std::string::npos);
    }
    CHECK(rig.graph->seen().size() == 1);
    CHECK(rig.op->counters().throttled == 1);
}
