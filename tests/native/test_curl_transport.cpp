#include <atomic>
#include <catch2/catch.hpp>
#include <future>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/pipeline.hpp"
#include "mfaphone/internal/url.hpp"
#include "raw_listener.hpp"
#include "test_server.hpp"

using namespace mfaphone;
using namespace mfaphone::test;
using namespace std::chrono_literals;

namespace {
HttpRequest request(const std::string& method, const std::string& url, const std::string& body = "") {
    HttpRequest r;
    r.method = method;
    r.url = url;
    r.body = SecretString(body);
    return r;
}
}  // namespace

TEST_CASE("curl transport sends the exact method, path, headers and body", "[curl]") {
    TestServer s;
    std::string seenMethod, seenPath, seenAuth, seenType, seenBody, seenExpect;
    s.server.Post("/token", [&](const httplib::Request& req, httplib::Response& res) {
        seenMethod = req.method;
        seenPath = req.path;
        seenAuth = req.get_header_value("Authorization");
        seenType = req.get_header_value("Content-Type");
        seenExpect = req.get_header_value("Expect");
        seenBody = req.body;
        res.status = 201;
        res.set_header("Request-Id", "r-9");
        res.set_content("{\"ok\":true}", "application/json");
    });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    HttpRequest r = request("POST", s.url("/token"), "a=1&b=%20");
    r.headers = {{"Authorization", "Bearer abc"}, {"Content-Type", "application/x-www-form-urlencoded"}};
    HttpResponse resp = t->send(r, Context{});
    CHECK(resp.status == 201);
    CHECK(resp.body == "{\"ok\":true}");
    CHECK(resp.header("request-id") == "r-9");
    CHECK(resp.header("REQUEST-ID") == "r-9");
    CHECK(seenMethod == "POST");
    CHECK(seenPath == "/token");
    CHECK(seenAuth == "Bearer abc");
    CHECK(seenType == "application/x-www-form-urlencoded");
    CHECK(seenExpect.empty());
    CHECK(seenBody == "a=1&b=%20");
}

TEST_CASE("curl transport sends PATCH and DELETE with the right bodies", "[curl]") {
    TestServer s;
    std::string patchBody;
    bool deleted = false;
    s.server.Patch("/x", [&](const httplib::Request& req, httplib::Response& res) {
        patchBody = req.body;
        res.status = 204;
    });
    s.server.Delete("/x", [&](const httplib::Request& req, httplib::Response& res) {
        deleted = req.body.empty();
        res.status = 204;
    });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    CHECK(t->send(request("PATCH", s.url("/x"), R"({"phoneNumber":"+1 5555551234"})"), Context{}).status ==
          204);
    CHECK(patchBody == R"({"phoneNumber":"+1 5555551234"})");
    CHECK(t->send(request("DELETE", s.url("/x")), Context{}).status == 204);
    CHECK(deleted);
}

TEST_CASE("cancellation ends a request in flight promptly", "[curl]") {
    TestServer s;
    std::atomic<bool> release{false};
    s.server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
        for (int i = 0; i < 200 && !release; ++i) std::this_thread::sleep_for(10ms);
        res.set_content("late", "text/plain");
    });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    Context ctx;
    auto pending =
        std::async(std::launch::async, [&] { return t->send(request("GET", s.url("/slow")), ctx); });
    std::this_thread::sleep_for(100ms);
    ctx.cancel();
    // The request must finish long before the handler would (2 s); the wait is only a bound.
    REQUIRE(pending.wait_for(1900ms) == std::future_status::ready);
    CHECK_THROWS_AS(pending.get(), CancelledError);
    release = true;
}

TEST_CASE("a context deadline becomes a timed-out TransportError", "[curl]") {
    TestServer s;
    std::atomic<bool> release{false};
    s.server.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
        for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(10ms);
        res.set_content("late", "text/plain");
    });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    try {
        t->send(request("GET", s.url("/stall")), Context{}.withTimeout(200ms));
        FAIL("expected a timeout");
    } catch (const TransportError& e) {
        CHECK(e.timedOut());
        CHECK_THAT(e.what(), Catch::Contains("GET http://127.0.0.1:"));
    }
    release = true;
}

TEST_CASE("a refused connection is a TransportError naming the URL without secrets", "[curl][secrets]") {
    TestServer s;
    s.start();
    std::string url = s.url("/hook?sig=SUPERSECRET");
    s.stop();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    try {
        t->send(request("GET", url), Context{});
        FAIL("expected a transport error");
    } catch (const TransportError& e) {
        CHECK_FALSE(e.timedOut());
        CHECK_THAT(e.what(), Catch::Contains("sig=REDACTED") && !Catch::Contains("SUPERSECRET"));
    }
}

TEST_CASE("many callers share the transport concurrently", "[curl]") {
    TestServer s;
    std::atomic<int> inFlight{0}, peak{0};
    s.server.Get("/work", [&](const httplib::Request&, httplib::Response& res) {
        int now = ++inFlight;
        int prev = peak.load();
        while (now > prev && !peak.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::sleep_for(150ms);
        --inFlight;
        res.set_content("ok", "text/plain");
    });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    std::vector<std::future<HttpResponse>> calls;
    for (int i = 0; i < 12; ++i)
        calls.push_back(std::async(std::launch::async,
                                   [&] { return t->send(request("GET", s.url("/work")), Context{}); }));
    for (auto& c : calls) CHECK(c.get().status == 200);
    CHECK(peak.load() > 1);
}

TEST_CASE("debug logging over the real transport shows allow-listed headers and redacts the rest",
          "[curl][secrets]") {
    TestServer s;
    s.server.Get("/u", [&](const httplib::Request&, httplib::Response& res) {
        res.set_header("request-id", "rid-1");
        res.set_header("Set-Cookie", "session=COOKIESECRET");
        res.set_content("{}", "application/json");
    });
    s.start();
    std::string all;
    Logger logger(LogLevel::Debug, [&](LogLevel, std::string_view c, std::string m) {
        all += std::string(c) + ": " + m + "\n";
    });
    auto t = std::make_shared<LogPolicy>(makeCurlTransport(TransportOptions{}, Logger{}), logger, "http");
    HttpRequest r = request("GET", s.url("/u?token=QUERYSECRET&$select=id"));
    r.headers = {{"Authorization", "Bearer TOKENSECRET"}, {"Accept", "application/json"}};
    t->send(r, Context{});
    CHECK_THAT(all, Catch::Contains("Authorization: REDACTED") &&
                        Catch::Contains("Accept: application/json") && Catch::Contains("request-id: rid-1") &&
                        Catch::Contains("$select=id") && Catch::Contains("set-cookie: REDACTED") &&
                        Catch::Contains("(HTTP/1.1)"));
    for (const char* secret : {"TOKENSECRET", "QUERYSECRET", "COOKIESECRET"})
        CHECK_THAT(all, !Catch::Contains(secret));
}

TEST_CASE("cancelling while many requests complete leaves no dangling state", "[curl][race]") {
    // Many senders share one context; it is cancelled while responses are arriving. Run under
    // the asan preset this catches a cancel callback touching a finished request's memory.
    TestServer s;
    s.server.Get(
        "/x", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    int completed = 0, cancelled = 0;
    std::mutex m;
    for (int round = 0; round < 40; ++round) {
        Context ctx;
        std::vector<std::thread> senders;
        for (int i = 0; i < 6; ++i)
            senders.emplace_back([&] {
                for (;;) {
                    try {
                        t->send(request("GET", s.url("/x")), ctx);
                        std::lock_guard<std::mutex> lock(m);
                        ++completed;
                    } catch (const CancelledError&) {
                        std::lock_guard<std::mutex> lock(m);
                        ++cancelled;
                        return;
                    }
                }
            });
        std::this_thread::sleep_for(std::chrono::milliseconds(3 + round % 5));
        ctx.cancel();
        for (auto& sender : senders) sender.join();
    }
    CHECK(completed > 0);
    CHECK(cancelled == 40 * 6);  // every sender saw the cancellation
    // The transport still works afterwards.
    CHECK(t->send(request("GET", s.url("/x")), Context{}).status == 200);
}

TEST_CASE("a request's timeout covers only its own transfer, not time queued for a connection",
          "[curl][timeout]") {
    // One HTTP/1.1 connection (as behind a TLS-inspecting proxy): the requests queue for it.
    // Each takes 100 ms; together far longer than the 500 ms timeout each one has.
    TestServer s;
    s.server.Get("/q", [](const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(100ms);
        res.set_content("ok", "text/plain");
    });
    s.start();
    TransportOptions options;
    options.maxConnections = 1;
    options.requestTimeoutMs = 500;
    auto t = makeCurlTransport(options, Logger{});
    std::vector<std::future<int>> calls;
    for (int i = 0; i < 12; ++i)
        calls.push_back(std::async(std::launch::async,
                                   [&] { return t->send(request("GET", s.url("/q")), Context{}).status; }));
    for (auto& c : calls) CHECK(c.get() == 200);
}

TEST_CASE("a transfer that stalls times out after the request timeout", "[curl][timeout]") {
    TestServer s;
    std::atomic<bool> release{false};
    s.server.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
        for (int i = 0; i < 500 && !release; ++i) std::this_thread::sleep_for(10ms);
        res.set_content("late", "text/plain");
    });
    s.start();
    TransportOptions options;
    options.requestTimeoutMs = 200;
    auto t = makeCurlTransport(options, Logger{});
    try {
        t->send(request("GET", s.url("/stall")), Context{});
        FAIL("expected a timeout");
    } catch (const TransportError& e) {
        CHECK(e.timedOut());
        CHECK(e.retriable());
        CHECK_THAT(e.what(), Catch::EndsWith("/stall failed: no complete answer within 0.2 s"));
    }
    release = true;
}

TEST_CASE("paths are sent exactly as built, dot segments included", "[curl]") {
    TestServer s;
    std::string target, path;
    s.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
        target = req.target;
        path = req.path;
        res.set_content("ok", "text/plain");
    });
    s.start();
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    CHECK(t->send(request("GET", s.url("/v1.0/users/a/./b/../c")), Context{}).status == 200);
    CHECK(path == "/v1.0/users/a/./b/../c");
    if (!target.empty()) CHECK(target == "/v1.0/users/a/./b/../c");
}

TEST_CASE("user ids and tenants made only of dots are refused before any request", "[curl][url]") {
    for (const char* id : {".", "..", "..."}) {
        CHECK_THROWS_AS(userPathSegment(id), InvalidInputError);
        CHECK_THROWS_AS(tenantPathSegment(id), InvalidInputError);
    }
    CHECK(userPathSegment(".adele") == "users/.adele");
    CHECK(userPathSegment("a..b@contoso.com") == "users/a..b@contoso.com");
    CHECK(tenantPathSegment("contoso.onmicrosoft.com") == "contoso.onmicrosoft.com");
    try {
        userPathSegment("..");
        FAIL("expected InvalidInputError");
    } catch (const InvalidInputError& e) {
        CHECK(
            std::string(e.what()) ==
            "The user id '..' is not valid: an id made only of dots would change the request's path. Give an "
            "object id or a user principal name.");
    }

    // Through the clients: nothing is sent.
    TestServer s;
    std::atomic<int> hits{0};
    s.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.set_content("{}", "application/json");
    });
    s.server.Post(".*", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.set_content("{}", "application/json");
    });
    s.start();
    auto transport = makeCurlTransport(TransportOptions{}, Logger{});
    auto cloud = resolveCloud("Global", s.url(), s.url());
    CHECK_THROWS_AS(
        ClientSecretCredential(transport, cloud, "..", "client", SecretString(std::string("s")), Logger{}),
        InvalidInputError);
    auto cred = std::make_shared<ClientSecretCredential>(transport, cloud, "t", "client",
                                                         SecretString(std::string("s")), Logger{});
    GraphClient graph(transport, std::make_shared<TokenCache>(cred), cloud.graphEndpoint, Logger{});
    CHECK_THROWS_AS(graph.listPhoneMethods("..", Context{}), InvalidInputError);
    CHECK_THROWS_AS(graph.listPhoneMethods(".", Context{}), InvalidInputError);
    CHECK(hits == 0);
}

TEST_CASE("a loopback http request never goes through a proxy; other requests still do", "[curl][secrets]") {
    TestServer s;
    std::string seenBody;
    s.server.Post("/token", [&](const httplib::Request& req, httplib::Response& res) {
        seenBody = req.body;
        res.set_content("{}", "application/json");
    });
    s.start();
    RawListener proxy;
    EnvOverride httpProxy("http_proxy", proxy.address().c_str());
    EnvOverride httpProxyUpper("HTTP_PROXY", proxy.address().c_str());
    EnvOverride allProxy("ALL_PROXY", proxy.address().c_str());
    EnvOverride allProxyLower("all_proxy", proxy.address().c_str());
    EnvOverride httpsProxy("https_proxy", proxy.address().c_str());
    EnvOverride noProxy("no_proxy", nullptr);
    EnvOverride noProxyUpper("NO_PROXY", nullptr);
    auto t = makeCurlTransport(TransportOptions{}, Logger{});
    const std::string secret = "client_secret=PROXYLEAKSECRET";

    for (const std::string& host : {std::string("127.0.0.1"), std::string("localhost")}) {
        seenBody.clear();
        std::string url = "http://" + host + ":" + std::to_string(s.port()) + "/token";
        CHECK(t->send(request("POST", url, secret), Context{}).status == 200);
        CHECK(seenBody == secret);
    }
    CHECK(proxy.connections() == 0);
    CHECK_THAT(proxy.received(), !Catch::Contains("PROXYLEAKSECRET"));

    // The proxy settings are live: a non-loopback http URL goes to the proxy...
    CHECK(t->send(request("GET", "http://graph.example.invalid/v1.0/users"), Context{}).status == 502);
    CHECK_THAT(proxy.received(), Catch::Contains("GET http://graph.example.invalid/v1.0/users HTTP/1.1"));
    // ...and so does https, through a CONNECT tunnel, as enterprises need.
    CHECK_THROWS_AS(t->send(request("GET", "https://graph.example.invalid/v1.0/users"), Context{}),
                    TransportError);
    CHECK_THAT(proxy.received(), Catch::Contains("CONNECT graph.example.invalid:443"));
    CHECK_THAT(proxy.received(), !Catch::Contains("PROXYLEAKSECRET"));
}

#ifdef MFAPHONE_TEST_TLS_LISTENER
TEST_CASE("a certificate that fails verification is not retried", "[curl][retry]") {
    RawListener tls(true);
    auto transport = makeCurlTransport(TransportOptions{}, Logger{});
    std::string url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/v1.0/users";
    try {
        transport->send(request("GET", url), Context{});
        FAIL("expected a TransportError");
    } catch (const TransportError& e) {
        CHECK_FALSE(e.retriable());
        CHECK_FALSE(e.timedOut());
    }
    CHECK(tls.connections() == 1);
    // Through a pipeline (a GET is safe to repeat): still exactly one more connection.
    auto pipeline = makePlainPipeline(transport, Logger{});
    CHECK_THROWS_AS(pipeline->send(request("GET", url), Context{}), TransportError);
    CHECK(tls.connections() == 2);
}
#endif
