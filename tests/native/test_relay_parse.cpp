// Webhook parsing: form and JSON bodies keep every parameter; limits, UTF-8 and malformed input
// are refused with a reason and an HTTP status.
#include <catch2/catch.hpp>

#include "mfaphone/internal/relay.hpp"

using namespace mfaphone;
using namespace mfaphone::relay;

namespace {
RelayRequest form(std::string body, std::string url = "https://relay.example/sms") {
    RelayRequest r;
    r.method = "POST";
    r.url = std::move(url);
    r.contentType = "application/x-www-form-urlencoded";
    r.body = std::move(body);
    return r;
}

std::string reasonOf(const RelayRequest& r, WebhookLimits limits = {}) {
    try {
        parseWebhook(r, limits);
    } catch (const RejectedRequest& e) {
        return e.reason() + ":" + std::to_string(e.httpStatus());
    }
    return "accepted";
}
}  // namespace

TEST_CASE("form bodies keep every parameter, repeated and unknown ones too", "[relay][parse]") {
    auto parsed = parseWebhook(
        form("Body=Use+verification+code+123456%21&From=%2B14155550100&MediaUrl0=https%3A%2F%2Fx%2Fa&"
             "Unknown=%C3%85ngstr%C3%B6m&Digits=1&Digits=2&Empty=&Flag"),
        {});
    CHECK_FALSE(parsed.json);
    CHECK_FALSE(parsed.hashedBody);
    CHECK(parsed.param("Body") == "Use verification code 123456!");
    CHECK(parsed.param("From") == "+14155550100");
    CHECK(parsed.param("MediaUrl0") == "https://x/a");
    CHECK(parsed.param("Unknown") == "Ångström");
    CHECK(parsed.params.size() == 8);
    CHECK(parsed.signedParams == parsed.params);
    CHECK(parsed.params[4] == std::make_pair(std::string("Digits"), std::string("1")));
    CHECK(parsed.params[5] == std::make_pair(std::string("Digits"), std::string("2")));
    CHECK(parsed.param("Empty").empty());
    CHECK(parsed.params[7].first == "Flag");
}

TEST_CASE("the URL's query is read but not signed as parameters", "[relay][parse]") {
    auto parsed = parseWebhook(form("To=%2B1500", "https://relay.example/sms?tenant=contoso&x=a%20b"), {});
    CHECK(parsed.param("tenant") == "contoso");
    CHECK(parsed.param("x") == "a b");
    CHECK(parsed.signedParams.size() == 1);

    RelayRequest get;
    get.method = "GET";
    get.url = "https://relay.example/sms?To=%2B15005550006&Body=hi";
    auto g = parseWebhook(get, {});
    CHECK(g.param("To") == "+15005550006");
    CHECK(g.signedParams.empty());
}

TEST_CASE("JSON bodies: every member kept, bodySHA256 required", "[relay][parse]") {
    RelayRequest r;
    r.url = "https://relay.example/sms?bodySHA256=abc";
    r.contentType = "application/json; charset=utf-8";
    r.body =
        R"({"To":"+15005550006","Body":"Code 1234","NumMedia":0,"Flags":["a","b"],"Nested":{"k":1},"Null":null})";
    auto parsed = parseWebhook(r, {});
    CHECK(parsed.json);
    CHECK(parsed.hashedBody);
    CHECK(parsed.bodySha256 == "abc");
    CHECK(parsed.signedParams.empty());
    CHECK(parsed.param("To") == "+15005550006");
    CHECK(parsed.param("NumMedia") == "0");
    CHECK(parsed.param("Nested") == R"({"k":1})");
    CHECK(std::count_if(parsed.params.begin(), parsed.params.end(),
                        [](const auto& p) { return p.first == "Flags"; }) == 2);

    r.url = "https://relay.example/sms";
    CHECK(reasonOf(r) == "MissingBodyHash:400");
    r.url = "https://relay.example/sms?bodySHA256=abc";
    r.body = "[1,2]";
    CHECK(reasonOf(r) == "MalformedBody:400");
    r.body = "{not json";
    CHECK(reasonOf(r) == "MalformedBody:400");
    r.body = std::string("{\"Body\":\"") + "\xC3\x28" + "\"}";
    CHECK(reasonOf(r) == "InvalidUtf8:400");
}

TEST_CASE("limits, media types, methods and malformed input are refused cleanly", "[relay][parse]") {
    WebhookLimits small;
    small.maxBodyBytes = 64;
    small.maxParameters = 3;
    small.maxUrlBytes = 40;
    CHECK(reasonOf(form(std::string(65, 'a')), small) == "BodyTooLarge:413");
    CHECK(reasonOf(form(std::string(64, 'a')), small) == "accepted");
    CHECK(reasonOf(form("a=1&b=2&c=3&d=4"), small) == "TooManyParameters:400");
    CHECK(reasonOf(form("a=1", "https://relay.example/sms?x=1&y=2&z=3"), small) == "TooManyParameters:400");
    CHECK(reasonOf(form("a=1", "https://relay.example/" + std::string(40, 'p')), small) == "UrlTooLong:414");

    CHECK(reasonOf(form("Body=%ZZ")) == "MalformedBody:400");
    CHECK(reasonOf(form("Body=abc%4")) == "MalformedBody:400");
    CHECK(reasonOf(form("Body=%C3%28")) == "InvalidUtf8:400");        // broken sequence
    CHECK(reasonOf(form("Body=%ED%A0%80")) == "InvalidUtf8:400");     // UTF-16 surrogate
    CHECK(reasonOf(form("Body=%C0%AF")) == "InvalidUtf8:400");        // overlong
    CHECK(reasonOf(form("Body=%F4%90%80%80")) == "InvalidUtf8:400");  // beyond U+10FFFF
    CHECK(reasonOf(form("Body=%F0%9F%98%80")) == "accepted");         // an emoji is fine
    CHECK(reasonOf(form("a=1", "https://relay.example/sms?x=%FF")) == "InvalidUtf8:400");

    RelayRequest xml = form("<x/>");
    xml.contentType = "text/xml";
    CHECK(reasonOf(xml) == "UnsupportedMediaType:415");
    RelayRequest put = form("a=1");
    put.method = "PUT";
    CHECK(reasonOf(put) == "MethodNotAllowed:405");
}

TEST_CASE("UTF-8 validation", "[relay][parse]") {
    CHECK(isValidUtf8(""));
    CHECK(isValidUtf8("plain ascii"));
    CHECK(isValidUtf8("Zoë Ångström 検証コード 😀"));
    CHECK_FALSE(isValidUtf8("\x80"));
    CHECK_FALSE(isValidUtf8("\xE2\x82"));          // truncated
    CHECK_FALSE(isValidUtf8("\xE0\x80\xAF"));      // overlong 3-byte
    CHECK_FALSE(isValidUtf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
    CHECK_FALSE(isValidUtf8("\xFF"));
}
