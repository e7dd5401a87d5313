#include <atomic>
#include <catch2/catch.hpp>
#include <future>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"
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

TEST_CASE("debug logging shows allow-listed headers and redacts the rest", "[curl][secrets]") {
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
    auto t = makeCurlTransport(TransportOptions{}, logger);
    HttpRequest r = request("GET", s.url("/u?token=QUERYSECRET&$select=id"));
    r.headers = {{"Authorization", "Bearer TOKENSECRET"}, {"Accept", "application/json"}};
    t->send(r, Context{});
    CHECK_THAT(all, Catch::Contains("Authorization: REDACTED") &&
                        Catch::Contains("Accept: application/json") && Catch::Contains("request-id: rid-1") &&
                        Catch::Contains("$select=id") && Catch::Contains("set-cookie: REDACTED"));
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
