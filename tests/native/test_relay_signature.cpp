// X-Twilio-Signature: the test vectors published in Twilio's helper libraries' test suites,
// every URL variant they accept, and what must not validate.
#include <catch2/catch.hpp>

#include "mfaphone/internal/relay.hpp"
#include "mfaphone/relay.hpp"

using namespace mfaphone;
using namespace mfaphone::relay;

namespace {
const SecretString kToken("12345");
const std::string kUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
const Params kParams = {{"CallSid", "CA1234567890ABCDE"},
                        {"Caller", "+14158675309"},
                        {"Digits", "1234"},
                        {"From", "+14158675309"},
                        {"To", "+18005551212"}};
const std::string kExpected = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
}

std::vector<unsigned char> bytes(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("the signature of the published test vector", "[relay][signature]") {
    CHECK(computeTwilioSignature(kToken, kUrl, kParams) == kExpected);
    CHECK(validateTwilioSignature(kToken, kUrl, kParams, kExpected));
    // Parameter order as received does not matter: they are sorted by name.
    Params shuffled(kParams.rbegin(), kParams.rend());
    CHECK(validateTwilioSignature(kToken, kUrl, shuffled, kExpected));
}

TEST_CASE("SHA-256 and comparison helpers", "[relay][signature]") {
    CHECK(sha256Hex(R"({"property": "value", "boolean": true})") ==
          "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620");
    CHECK(sha256Hex("{}") == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    CHECK(constantTimeEquals("abc", "abc"));
    CHECK_FALSE(constantTimeEquals("abc", "abd"));
    CHECK_FALSE(constantTimeEquals("abc", "abcd"));
}

TEST_CASE("a signature is refused when anything it covers changes", "[relay][signature]") {
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, kParams, "WRONG_SIGNATURE"));
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, kParams, ""));
    CHECK_FALSE(validateTwilioSignature(SecretString("12346"), kUrl, kParams, kExpected));
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl + "&somethingUnexpected=true", kParams, kExpected));
    CHECK_FALSE(validateTwilioSignature(kToken, replace(kUrl, "foo=1", "foo=2"), kParams, kExpected));
    CHECK_FALSE(
        validateTwilioSignature(kToken, replace(kUrl, "/myapp.php", "/other.php"), kParams, kExpected));
    // Query order is part of the signed URL: never re-ordered.
    CHECK_FALSE(
        validateTwilioSignature(kToken, "https://mycompany.com/myapp.php?bar=2&foo=1", kParams, kExpected));
    Params tampered = kParams;
    tampered[2].second = "9999";
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, tampered, kExpected));
    Params missing(kParams.begin(), kParams.end() - 1);
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, missing, kExpected));
    Params extra = kParams;
    extra.emplace_back("Body", "hi");
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, extra, kExpected));
    // Host case is never changed.
    CHECK_FALSE(
        validateTwilioSignature(kToken, "https://MyCompany.com/myapp.php?foo=1&bar=2", kParams, kExpected));
    // Scheme matters.
    CHECK_FALSE(
        validateTwilioSignature(kToken, "http://mycompany.com/myapp.php?foo=1&bar=2", kParams, kExpected));
}

TEST_CASE("URL variants: ports as the helper libraries accept them", "[relay][signature]") {
    // https with a non-default port: the signature without the port validates (stripped).
    CHECK(validateTwilioSignature(kToken, replace(kUrl, ".com", ".com:1234"), kParams, kExpected));
    // http with a port: the signature of that exact URL.
    std::string httpPort = replace(replace(kUrl, ".com", ".com:1234"), "https", "http");
    CHECK(computeTwilioSignature(kToken, httpPort, kParams) == "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
    CHECK(validateTwilioSignature(kToken, httpPort, kParams, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
    // No port in the URL: a signature computed with the default port added validates.
    CHECK(validateTwilioSignature(kToken, kUrl, kParams, "kvajT1Ptam85bY51eRf/AJRuM3w="));
    CHECK(validateTwilioSignature(kToken, replace(kUrl, "https", "http"), kParams,
                                  "0ZXoZLH/DfblKGATFgpif+LLRf4="));
    // The default port of the other scheme is not a variant.
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, kParams, "0ZXoZLH/DfblKGATFgpif+LLRf4="));

    const SecretString token("s3cr3t");
    auto sign = [&](const std::string& url) { return computeTwilioSignature(token, url, {}); };
    CHECK(validateTwilioSignature(token, "https://example.com/path?test=param", {},
                                  sign("https://example.com:443/path?test=param")));
    CHECK(validateTwilioSignature(token, "https://example.com:443/path?test=param", {},
                                  sign("https://example.com/path?test=param")));
    CHECK(validateTwilioSignature(token, "https://example.com:443/path?test=param", {},
                                  sign("https://example.com:443/path?test=param")));
    CHECK_FALSE(validateTwilioSignature(token, "https://example.com/path?test=param2", {},
                                        sign("https://example.com/path?test=param")));
}

TEST_CASE("URL variants: credentials in the URL", "[relay][signature]") {
    std::string withCreds = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2";
    CHECK(validateTwilioSignature(kToken, withCreds, kParams, "CukzLTc1tT5dXEDIHm/tKBanW10="));
    CHECK(validateTwilioSignature(kToken, "https://user@mycompany.com/myapp.php?foo=1&bar=2", kParams,
                                  "2YRLlVAflCqxaNicjMpJcSTgzSs="));
    CHECK(validateTwilioSignature(kToken, withCreds, kParams, "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="));
    // Twilio drops user:pass@ when it signs an SMS webhook: the signature without them.
    CHECK(validateTwilioSignature(kToken, withCreds, kParams, kExpected));
    // Credentials are never invented for a URL without them.
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, kParams, "CukzLTc1tT5dXEDIHm/tKBanW10="));

    auto variants = signatureUrlVariants("https://user:pass@h.example:8443/p?q=1#rc=3");
    CHECK(variants == std::vector<std::string>{"https://user:pass@h.example:8443/p?q=1",
                                               "https://user:pass@h.example/p?q=1",
                                               "https://h.example:8443/p?q=1", "https://h.example/p?q=1"});
    // IPv6 literals keep their brackets; the fragment (connection overrides) is never signed.
    CHECK(signatureUrlVariants("http://[::1]:8080/sms#rc=2") ==
          std::vector<std::string>{"http://[::1]:8080/sms", "http://[::1]/sms"});
}

TEST_CASE("URL variants: special characters and quotes in the query", "[relay][signature]") {
    CHECK(validateTwilioSignature(kToken, kUrl + "&Body=It's+amazing", kParams,
                                  "dsq4Ehbj6cs+KdTkpF5sSSplOWw="));
    const SecretString token("s3cr3t");
    auto sign = [&](const std::string& url) { return computeTwilioSignature(token, url, {}); };
    std::string raw = "https://example.com/path?test=param'WithQuote";
    std::string escaped = "https://example.com/path?test=param%27WithQuote";
    CHECK(validateTwilioSignature(token, raw, {}, sign(raw)));
    CHECK(validateTwilioSignature(token, raw, {}, sign(escaped)));
    CHECK(validateTwilioSignature(token, escaped, {}, sign(escaped)));
}

TEST_CASE("repeated parameters: every value, sorted", "[relay][signature]") {
    Params repeated = {{"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"}, {"Digits", "1234"}};
    CHECK(computeTwilioSignature(kToken, kUrl, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    CHECK(validateTwilioSignature(kToken, kUrl, repeated, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
    // A value sent twice: one helper library signs distinct values only.
    Params twice = repeated;
    twice.emplace_back("Digits", "1234");
    CHECK(validateTwilioSignature(kToken, kUrl, twice, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
    // Dropping one of two different values is a different request.
    Params dropped(repeated.begin(), repeated.end() - 1);
    CHECK_FALSE(validateTwilioSignature(kToken, kUrl, dropped, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));

    Params array = {{"MessagingBinding.Address", "+1325xxxxxxx"},
                    {"MessagingBinding.Address", "+1415xxxxxxx"}};
    CHECK(validateTwilioSignature(kToken, kUrl, array, "83O6e2vORAoJHUNzJjDWN1jz+BA="));
    Params reversed(array.rbegin(), array.rend());
    CHECK(validateTwilioSignature(kToken, kUrl, reversed, "83O6e2vORAoJHUNzJjDWN1jz+BA="));
}

TEST_CASE("JSON bodies are signed through bodySHA256 in the URL", "[relay][signature]") {
    const std::string body = R"({"property": "value", "boolean": true})";
    std::string url = kUrl + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    CHECK(Relay::validateSignature(url, body, "a9nBmqA0ju/hNViExpshrM61xv4=", bytes("12345")));
    std::string emptyUrl =
        kUrl + "&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    CHECK(Relay::validateSignature(emptyUrl, "{}", "Ldidvp12m26NI7eqEvxnEpkd9Hc=", bytes("12345")));
    std::string shortUrl =
        "https://mycompany.com/"
        "myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    CHECK(Relay::validateSignature(shortUrl, body, "y77kIzt2vzLz71DgmJGsen2scGs=", bytes("12345")));
    // The URL is signed, the body is hashed: a changed body fails on the hash.
    CHECK_FALSE(Relay::validateSignature(url, R"({"property": "value", "boolean": false})",
                                         "a9nBmqA0ju/hNViExpshrM61xv4=", bytes("12345")));
    // A wrong hash in the URL fails on the signature.
    CHECK_FALSE(Relay::validateSignature(url.substr(0, url.size() - 1) + "1", body,
                                         "a9nBmqA0ju/hNViExpshrM61xv4=", bytes("12345")));
    // The form signature of the same URL without bodySHA256 is not enough for a body.
    CHECK_FALSE(Relay::validateSignature(kUrl, body, kExpected, bytes("12345")));
}

TEST_CASE("Relay::validateSignature over a raw form body", "[relay][signature]") {
    std::string body =
        "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
    CHECK(Relay::validateSignature(kUrl, body, kExpected, bytes("12345")));
    CHECK(Relay::validateSignature(
        kUrl,
        "To=%2B18005551212&Digits=1234&CallSid=CA1234567890ABCDE&Caller=%2B14158675309&From=%2B14158675309",
        kExpected, bytes("12345")));
    CHECK_FALSE(Relay::validateSignature(kUrl, body + "&Extra=1", kExpected, bytes("12345")));
    CHECK_FALSE(Relay::validateSignature(kUrl, body, kExpected, bytes("54321")));
    CHECK_FALSE(Relay::validateSignature(kUrl, body + "&Bad=%ZZ", kExpected, bytes("12345")));
}
