#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/webhook.hpp"
#include "mfaphone/webhook.hpp"

using namespace mfaphone;

namespace {

const std::string kSecret = "Hs-7f3k9QzX2w-handshake";
const std::string kBody =
    R"([{"UserPrincipalName":"adele@contoso.com"},{"UserPrincipalName":"zoë.ångström@contoso.com"}])";

std::vector<unsigned char> bytes(std::string_view s) {
    return std::vector<unsigned char>(s.begin(), s.end());
}

WebhookResult checkText(std::string_view text, std::string_view handshake = kSecret,
                        const WebhookOptions& options = WebhookOptions()) {
    WebhookRequest request;
    request.setText(bytes(text));
    return checkWebhook(request, bytes(handshake), options);
}

// The object form: fields one by one, headers as name/value pairs.
WebhookResult checkObject(const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string* body, const WebhookOptions& options = WebhookOptions(),
                          std::string_view handshake = kSecret) {
    WebhookRequest request;
    request.setWebhookName("mfa-sync");
    for (const auto& [name, value] : headers) request.addHeader(name, bytes(value));
    if (body) request.setBody(*body);
    return checkWebhook(request, bytes(handshake), options);
}

WebhookResult checkBody(const std::string& body, const WebhookOptions& options = WebhookOptions()) {
    return checkObject({{"message", kSecret}}, &body, options);
}

// The message of a refusal names no header value and no part of the body.
void requireQuiet(const WebhookResult& r, const std::vector<std::string>& probes) {
    for (const auto& p : probes) {
        INFO("message: " << r.message);
        CHECK(r.message.find(p) == std::string::npos);
        for (const auto& e : r.entryErrors) CHECK(e.message.find(p) == std::string::npos);
    }
}

std::string escapeJson(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string jsonEnvelope(const std::string& body, const std::string& handshake = kSecret) {
    return R"({"WebhookName":"mfa-sync","RequestBody":")" + escapeJson(body) +
           R"(","RequestHeader":{"Connection":"Keep-Alive","Host":"0a1b2c3d.webhook.we.azure-automation.net","message":")" +
           handshake + R"(","x-ms-request-id":"7a5696b0-4201-413a-bca9-f44188bad2fd"}})";
}

// The unquoted form: keys and values lose their quotes, the body is verbatim.
std::string unquotedEnvelope(const std::string& body, const std::string& handshake = kSecret) {
    return "{WebhookName:mfa-sync,RequestBody:" + body +
           ",RequestHeader:{Connection:Keep-Alive,Accept-Encoding:gzip, deflate,"
           "Host:0a1b2c3d.webhook.we.azure-automation.net,"
           "User-Agent:Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) "
           "WindowsPowerShell/5.1.19041.1,message:" +
           handshake + ",x-ms-request-id:7a5696b0-4201-413a-bca9-f44188bad2fd}}";
}

const std::vector<std::string> kExpectedUsers = {"adele@contoso.com", "zoë.ångström@contoso.com"};

}  // namespace

TEST_CASE("the Windows PowerShell 5.1 object form is read field by field", "[webhook]") {
    auto r = checkObject(
        {{"Connection", "Keep-Alive"}, {"Message", kSecret}, {"Host", "x.azure-automation.net"}}, &kBody);
    CHECK(r.status == WebhookStatus::Accepted);
    CHECK(r.message.empty());
    CHECK(r.shape == "object");
    CHECK(r.webhookName == "mfa-sync");
    CHECK(r.users == kExpectedUsers);
    CHECK(r.entryCount == 2);
    CHECK(r.entryErrors.empty());
}

TEST_CASE("the JSON text PowerShell 7 runtimes pass is read", "[webhook]") {
    auto r = checkText(jsonEnvelope(kBody));
    CHECK(r.status == WebhookStatus::Accepted);
    CHECK(r.shape == "json");
    CHECK(r.webhookName == "mfa-sync");
    CHECK(r.users == kExpectedUsers);

    SECTION("keys in any casing, RequestBody as the JSON value itself") {
        auto v = checkText(R"({"webhookname":"h","requestBody":)" + kBody +
                           R"(,"REQUESTHEADER":{"MESSAGE":")" + kSecret + R"("}})");
        CHECK(v.status == WebhookStatus::Accepted);
        CHECK(v.users == kExpectedUsers);
    }
    SECTION("JSON encoded twice") {
        auto v = checkText("\"" + escapeJson(jsonEnvelope(kBody)) + "\"");
        CHECK(v.status == WebhookStatus::Accepted);
        CHECK(v.shape == "json");
        CHECK(v.users == kExpectedUsers);
    }
    SECTION("a byte order mark and surrounding white space") {
        auto v = checkText("\xEF\xBB\xBF \r\n" + jsonEnvelope(kBody) + "\r\n");
        CHECK(v.status == WebhookStatus::Accepted);
    }
    SECTION("a header value that is not a string is compared as its JSON text") {
        auto v = checkText(
            R"({"RequestBody":")" + escapeJson(kBody) + R"(","RequestHeader":{"message":12345}})", "12345");
        CHECK(v.status == WebhookStatus::Accepted);
    }
}

TEST_CASE("the unquoted form some PowerShell 7 runtimes produce is read", "[webhook]") {
    auto r = checkText(unquotedEnvelope(kBody));
    CHECK(r.status == WebhookStatus::Accepted);
    CHECK(r.shape == "text");
    CHECK(r.webhookName == "mfa-sync");
    CHECK(r.users == kExpectedUsers);

    SECTION("the form as observed, with the body in braces, spaces and line breaks") {
        std::string body = "[\r\n  {\r\n    \"UserPrincipalName\": \"adele@contoso.com\"\r\n  }\r\n]";
        auto v = checkText("{WebhookName:WebHookDatabricks,RequestBody:" + body +
                           ",RequestHeader:{Connection:Keep-Alive,Accept-Encoding:gzip,"
                           "Host:16770949-ee56-4141-a41b-6eabbb5d8f03.webhook.we.azure-automation.net,"
                           "User-Agent:Apache-HttpClient/4.5.13,message:" +
                           kSecret + ",x-ms-request-id:7a5696b0-4201-413a-bca9-f44188bad2fd}}");
        CHECK(v.status == WebhookStatus::Accepted);
        CHECK(v.webhookName == "WebHookDatabricks");
        CHECK(v.users == std::vector<std::string>{"adele@contoso.com"});
    }
    SECTION("quotes kept on some keys and values") {
        auto v = checkText(R"({"WebhookName":"mfa-sync",RequestBody:)" + kBody +
                           R"(,"RequestHeader":{"message":")" + kSecret + R"(",Host:h}})");
        CHECK(v.status == WebhookStatus::Accepted);
        CHECK(v.webhookName == "mfa-sync");
        CHECK(v.users == kExpectedUsers);
    }
    SECTION("the body as a quoted JSON string") {
        auto v = checkText("{WebhookName:x,RequestBody:\"" + escapeJson(kBody) +
                           "\",RequestHeader:{message:" + kSecret + "}}");
        CHECK(v.status == WebhookStatus::Accepted);
        CHECK(v.users == kExpectedUsers);
    }
    SECTION("a header value with commas and colons stays whole") {
        auto v = checkText("{WebhookName:x,RequestBody:" + kBody +
                           ",RequestHeader:{Date:Tue, 15 Nov 1994 08:12:31 GMT,message:" + kSecret +
                           ",Accept:a/b, c/d}}");
        CHECK(v.status == WebhookStatus::Accepted);
    }
    SECTION("the header list before the body") {
        auto v = checkText("{WebhookName:x,RequestHeader:{message:" + kSecret +
                           ",Host:h},RequestBody:" + kBody + "}");
        CHECK(v.status == WebhookStatus::Accepted);
        CHECK(v.users == kExpectedUsers);
    }
    SECTION("an empty body") {
        auto v = checkText("{WebhookName:x,RequestBody:,RequestHeader:{message:" + kSecret + "}}");
        CHECK(v.status == WebhookStatus::BodyEmpty);
    }
    SECTION("no body at all") {
        auto v = checkText("{WebhookName:x,RequestHeader:{message:" + kSecret + "}}");
        CHECK(v.status == WebhookStatus::BodyEmpty);
        CHECK(v.message.find("no body") != std::string::npos);
    }
}

TEST_CASE("a body that imitates the header list cannot supply the handshake", "[webhook][secrets]") {
    // The body is verbatim in the unquoted form, so it may contain ",RequestHeader:{...}".
    std::string body =
        R"([{"UserPrincipalName":"adele@contoso.com","note":",RequestHeader:{message:guess}}"}])";
    auto wrongReal = checkText(unquotedEnvelope(body, "not-the-secret"), "guess");
    CHECK(wrongReal.status == WebhookStatus::HandshakeMismatch);

    auto rightReal = checkText(unquotedEnvelope(body));
    CHECK(rightReal.status == WebhookStatus::Accepted);
    CHECK(rightReal.users == std::vector<std::string>{"adele@contoso.com"});

    // Nor can it replace the name or cut itself short with a second RequestBody.
    std::string other =
        R"([{"UserPrincipalName":"adele@contoso.com","note":"x,WebhookName:evil,RequestBody:[]"}])";
    auto kept = checkText(unquotedEnvelope(other));
    CHECK(kept.status == WebhookStatus::Accepted);
    CHECK(kept.webhookName == "mfa-sync");
    CHECK(kept.users == std::vector<std::string>{"adele@contoso.com"});
}

TEST_CASE("the test pane's webhook data is read, with or without a header", "[webhook]") {
    const std::string pane =
        R"({"WebhookName":"mywebhook","RequestBody":"[\r\n {\r\n \"UserPrincipalName\": \"adele@contoso.com\"\r\n }\r\n]")";
    auto noHeader = checkText(pane + "}");
    CHECK(noHeader.status == WebhookStatus::HandshakeMissing);
    CHECK(noHeader.message.find("test pane") != std::string::npos);
    CHECK(noHeader.users.empty());

    auto withHeader = checkText(pane + R"(,"RequestHeader":{"message":")" + kSecret + R"("}})");
    CHECK(withHeader.status == WebhookStatus::Accepted);
    CHECK(withHeader.users == std::vector<std::string>{"adele@contoso.com"});
}

TEST_CASE("the handshake header is found case-insensitively and compared exactly", "[webhook][secrets]") {
    CHECK(checkObject({{"MESSAGE", kSecret}}, &kBody).status == WebhookStatus::Accepted);
    CHECK(checkObject({{"message", "  " + kSecret + "\t"}}, &kBody).status == WebhookStatus::Accepted);

    for (const std::string& wrong :
         {kSecret.substr(0, kSecret.size() - 1), kSecret + "x", std::string("hs-7F3K9QZX2W-HANDSHAKE"),
          std::string("x"), std::string(4096, 'a')}) {
        auto r = checkObject({{"message", wrong}}, &kBody);
        CHECK(r.status == WebhookStatus::HandshakeMismatch);
        CHECK(r.users.empty());  // the body is not read without the handshake
        CHECK(r.entryCount == 0);
        requireQuiet(r, {wrong, kSecret, "adele"});
    }

    auto missing = checkObject({{"Host", "h"}, {"messages", kSecret}}, &kBody);
    CHECK(missing.status == WebhookStatus::HandshakeMissing);
    CHECK(missing.message.find("no 'message' header") != std::string::npos);

    auto empty = checkObject({{"message", "   "}}, &kBody);
    CHECK(empty.status == WebhookStatus::HandshakeMissing);
    CHECK(empty.message.find("empty") != std::string::npos);

    auto twice = checkObject({{"message", kSecret}, {"Message", kSecret}}, &kBody);
    CHECK(twice.status == WebhookStatus::HandshakeMismatch);
    CHECK(twice.message.find("more than one") != std::string::npos);

    WebhookOptions custom;
    custom.handshakeHeader = "X-Handshake";
    CHECK(checkObject({{"x-handshake", kSecret}}, &kBody, custom).status == WebhookStatus::Accepted);
    CHECK(checkObject({{"message", kSecret}}, &kBody, custom).status == WebhookStatus::HandshakeMissing);
}

TEST_CASE("the handshake comparison", "[webhook][secrets]") {
    CHECK(handshakeEquals("abc", "abc"));
    CHECK_FALSE(handshakeEquals("abc", "abd"));
    CHECK_FALSE(handshakeEquals("abc", "abcd"));
    CHECK_FALSE(handshakeEquals("", "a"));
    CHECK(handshakeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
    CHECK_FALSE(handshakeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("a bad handshake argument or bad options throw", "[webhook]") {
    WebhookRequest request;
    request.setText(bytes(jsonEnvelope(kBody)));
    CHECK_THROWS_AS(checkWebhook(request, {}, WebhookOptions()), InvalidInputError);
    WebhookOptions noHeader;
    noHeader.handshakeHeader = " ";
    CHECK_THROWS_AS(checkWebhook(request, bytes(kSecret), noHeader), InvalidInputError);
    WebhookOptions noUsers;
    noUsers.maxUsers = 0;
    CHECK_THROWS_AS(checkWebhook(request, bytes(kSecret), noUsers), InvalidInputError);
}

TEST_CASE("the body: an array, a single object, any casing of the key", "[webhook]") {
    CHECK(checkBody(R"({"UserPrincipalName":"adele@contoso.com"})").users ==
          std::vector<std::string>{"adele@contoso.com"});
    auto r = checkBody(R"([{"userPrincipalName":"a@contoso.com"},{"USERPRINCIPALNAME":" b@contoso.com "},)"
                       R"({"UserPrincipalName":"4c2a3b2e-1111-2222-3333-444455556666","Extra":1},)"
                       R"({"UserPrincipalName":"bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"},)"
                       R"({"UserPrincipalName":"$svc@contoso.com","userPrincipalName":"$svc@contoso.com"}])");
    CHECK(r.status == WebhookStatus::Accepted);
    CHECK(r.users ==
          std::vector<std::string>{"a@contoso.com", "b@contoso.com", "4c2a3b2e-1111-2222-3333-444455556666",
                                   "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com", "$svc@contoso.com"});
    CHECK(r.entryErrors.empty());
}

TEST_CASE("the body: duplicates count once, in first-seen order", "[webhook]") {
    auto r = checkBody(R"([{"UserPrincipalName":"b@contoso.com"},{"UserPrincipalName":"a@contoso.com"},)"
                       R"({"UserPrincipalName":"B@Contoso.com"},{"UserPrincipalName":"a@contoso.com"}])");
    CHECK(r.status == WebhookStatus::Accepted);
    CHECK(r.users == std::vector<std::string>{"b@contoso.com", "a@contoso.com"});
    CHECK(r.entryCount == 4);
    CHECK(r.duplicateCount == 2);
}

TEST_CASE("the body: entries without a usable user are refused one by one, by position", "[webhook]") {
    const std::string secretish = "q7Zp-unique-body-marker";
    std::string body =
        "[" + std::string(R"({"UserPrincipalName":"good@contoso.com"},)") +     // 1
        "\"" + secretish + "@contoso.com\"," +                                  // 2 a string
        "42," +                                                                 // 3 a number
        R"({"Name":")" + secretish + R"("},)" +                                 // 4 no key
        R"({"UserPrincipalName":7},)" +                                         // 5 not a string
        R"({"UserPrincipalName":"   "},)" +                                     // 6 empty
        R"({"UserPrincipalName":")" + secretish + R"("},)" +                    // 7 no @, no GUID
        R"({"UserPrincipalName":"a@b@)" + secretish + R"("},)" +                // 8 two @
        R"({"UserPrincipalName":"a\u0001)" + secretish + R"(@c.com"},)" +       // 9 control character
        R"({"UserPrincipalName":"a )" + secretish + R"(@c.com"},)" +            // 10 a space
        R"({"UserPrincipalName":")" + std::string(300, 'x') + R"(@c.com"},)" +  // 11 too long
        R"({"UserPrincipalName":"a@c.com","userprincipalname":"b@c.com"},)" +   // 12 conflicting
        "null]";                                                                // 13
    auto r = checkBody(body);
    REQUIRE(r.status == WebhookStatus::Accepted);
    CHECK(r.users == std::vector<std::string>{"good@contoso.com"});
    CHECK(r.entryCount == 13);
    REQUIRE(r.entryErrors.size() == 12);
    std::vector<std::pair<int, std::string>> expected = {
        {2, "is a string, not an object"},
        {3, "is a number, not an object"},
        {4, "has no UserPrincipalName"},
        {5, "UserPrincipalName that is a number, not a string"},
        {6, "UserPrincipalName that is empty"},
        {7, "neither a user principal name (name@domain) nor an object id"},
        {8, "neither a user principal name"},
        {9, "contains a control character"},
        {10, "contains a space"},
        {11, "longer than 256 bytes"},
        {12, "more than once, with different values"},
        {13, "is null, not an object"},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO(r.entryErrors[i].message);
        CHECK(r.entryErrors[i].index == expected[i].first);
        CHECK(r.entryErrors[i].message.find("Entry " + std::to_string(expected[i].first) +
                                            " of the request body") == 0);
        CHECK(r.entryErrors[i].message.find(expected[i].second) != std::string::npos);
    }
    requireQuiet(r, {secretish, kSecret});
}

TEST_CASE("the body: no usable entry at all is an invalid body", "[webhook]") {
    auto r = checkBody(R"([{"Name":"x"},{"UserPrincipalName":""}])");
    CHECK(r.status == WebhookStatus::BodyInvalid);
    CHECK(r.users.empty());
    CHECK(r.entryErrors.size() == 2);
    CHECK(r.message.find("None of the 2 entries") == 0);
    CHECK(r.message.find("Entry 1 of the request body has no UserPrincipalName") != std::string::npos);
    CHECK(r.message.find(R"([{"UserPrincipalName": "adele@contoso.com"}])") != std::string::npos);
}

TEST_CASE("the body: empty, not JSON, or the wrong JSON is refused with what to send", "[webhook]") {
    const std::string marker = "zz-body-marker-91";
    struct Case {
        std::string body;
        WebhookStatus status;
        std::string says;
    };
    std::vector<Case> cases = {
        {"", WebhookStatus::BodyEmpty, "is empty"},
        {" \r\n\t", WebhookStatus::BodyEmpty, "is empty"},
        {"\xEF\xBB\xBF", WebhookStatus::BodyEmpty, "is empty"},
        {"null", WebhookStatus::BodyEmpty, "JSON null"},
        {"[]", WebhookStatus::BodyEmpty, "empty array"},
        {marker + "@contoso.com", WebhookStatus::BodyInvalid, "not valid JSON (syntax error at byte"},
        {"UserPrincipalName=" + marker + "%40contoso.com", WebhookStatus::BodyInvalid, "not valid JSON"},
        {R"([{"UserPrincipalName":")" + marker, WebhookStatus::BodyInvalid, "not valid JSON"},
        {"[{\"UserPrincipalName\":\"\xC3\x28" + marker + "\"}]", WebhookStatus::BodyInvalid,
         "not valid JSON"},
        {"\"" + marker + "\"", WebhookStatus::BodyInvalid, "is a string, not an array"},
        {"17", WebhookStatus::BodyInvalid, "is a number, not an array"},
        {"true", WebhookStatus::BodyInvalid, "true/false"},
        {std::string(40, '[') + std::string(40, ']'), WebhookStatus::BodyInvalid, "more than 32 deep"},
    };
    for (const auto& c : cases) {
        auto r = checkBody(c.body);
        INFO("body: " << c.body << " message: " << r.message);
        CHECK(r.status == c.status);
        CHECK(r.message.find(c.says) != std::string::npos);
        CHECK(r.message.find("UserPrincipalName") != std::string::npos);  // says what to send
        CHECK(r.users.empty());
        requireQuiet(r, {marker, kSecret});
    }
    auto bom = checkBody("\xEF\xBB\xBF" + kBody);
    CHECK(bom.status == WebhookStatus::Accepted);
}

TEST_CASE("the body: size and entry limits", "[webhook]") {
    WebhookOptions defaults;
    CHECK(defaults.maxBodyBytes == 1024 * 1024);
    CHECK(defaults.maxUsers == 10000);

    auto bodyOf = [](int users) {
        std::string s = "[";
        for (int i = 0; i < users; ++i)
            s += (i ? "," : "") + std::string(R"({"UserPrincipalName":"u)") + std::to_string(i) +
                 "@contoso.com\"}";
        return s + "]";
    };
    auto atLimit = checkBody(bodyOf(10000));
    CHECK(atLimit.status == WebhookStatus::Accepted);
    CHECK(atLimit.users.size() == 10000);

    auto over = checkBody(bodyOf(10001));
    CHECK(over.status == WebhookStatus::BodyTooLarge);
    CHECK(over.message.find("10001 entries; at most 10000") != std::string::npos);
    CHECK(over.users.empty());

    std::string big = "[" + std::string(1024 * 1024, ' ') + "]";
    auto tooBig = checkBody(big);
    CHECK(tooBig.status == WebhookStatus::BodyTooLarge);
    CHECK(tooBig.message.find("1.0 MiB; at most 1.0 MiB") != std::string::npos);
    CHECK(tooBig.message.find("Split the users") != std::string::npos);

    WebhookOptions small;
    small.maxBodyBytes = 100;
    small.maxUsers = 2;
    CHECK(checkBody(kBody, small).status == WebhookStatus::Accepted);
    CHECK(checkBody(bodyOf(3), small).status == WebhookStatus::BodyTooLarge);
    auto text = checkText(jsonEnvelope(std::string(70 * 1024, ' ') + kBody), kSecret, small);
    CHECK(text.status == WebhookStatus::BodyTooLarge);
    CHECK(text.message.find("The webhook data is 70 KiB") == 0);
}

TEST_CASE("text in no known shape is refused without being quoted", "[webhook]") {
    const std::string marker = "mk-not-webhook-3";
    struct Case {
        std::string text;
        std::string says;
    };
    std::vector<Case> cases = {
        {"", "is empty"},
        {"   ", "is empty"},
        {kBody, "JSON array: it looks like a request body"},
        {R"({"UserPrincipalName":")" + marker + R"(@contoso.com"})",
         "without WebhookName, RequestHeader or RequestBody"},
        {"hello " + marker, "neither JSON nor the unquoted form"},
        {"{" + marker + ":1}", "has none of WebhookName"},
        {"42", "is a JSON number"},
        {R"({"RequestBody":"[]","RequestHeader":")" + marker + R"("})",
         "RequestHeader in the webhook data is a JSON string"},
        {"{WebhookName:x,RequestBody:[],RequestHeader:" + marker + "}",
         "RequestHeader in the webhook data is not a list"},
    };
    for (const auto& c : cases) {
        auto r = checkText(c.text);
        INFO("text: " << c.text << " message: " << r.message);
        CHECK(r.status == WebhookStatus::DataInvalid);
        CHECK(r.message.find(c.says) != std::string::npos);
        CHECK(r.message.find("the runbook received, unchanged") != std::string::npos);
        requireQuiet(r, {marker});
    }
}

TEST_CASE("WebhookData text parts are exposed for inspection", "[webhook]") {
    WebhookEnvelope e;
    std::string error;
    REQUIRE(parseWebhookText(unquotedEnvelope(kBody), e, error));
    CHECK(e.shape == "text");
    CHECK(e.body == kBody);
    REQUIRE(e.headers.size() == 6);
    CHECK(e.headers[1].name == "Accept-Encoding");
    CHECK(std::string(e.headers[1].value.data(), e.headers[1].value.size()) == "gzip, deflate");
    CHECK(e.headers[3].name == "User-Agent");
    CHECK(std::string(e.headers[3].value.data(), e.headers[3].value.size()) ==
          "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1");
    CHECK(e.headers[4].name == "message");

    REQUIRE(parseWebhookText(R"({"WebhookName":"n","RequestHeader":{}})", e, error));
    CHECK_FALSE(e.hasBody);
    CHECK(e.headers.empty());
}

TEST_CASE("user references", "[webhook]") {
    CHECK(userReferenceProblem("adele@contoso.com").empty());
    CHECK(userReferenceProblem("4C2A3B2E-1111-2222-3333-444455556666").empty());
    CHECK(userReferenceProblem("zoë@contoso.com").empty());
    CHECK(userReferenceProblem("@contoso.com") != "");
    CHECK(userReferenceProblem("adele@") != "");
    CHECK(userReferenceProblem("4c2a3b2e-1111-2222-3333-44445555666") != "");
    CHECK(userReferenceProblem("") == "is empty");
}

TEST_CASE("nesting depth is measured without recursion, outside strings", "[webhook]") {
    CHECK(jsonNestingDepth(R"([{"a":"[[[[{{{{"}])", 10) == 2);
    CHECK(jsonNestingDepth(R"(["\"[[["])", 10) == 1);
    std::string deep(4 * 1024 * 1024, '[');
    CHECK(jsonNestingDepth(deep, 32) == 33);
    auto r = checkText(deep);
    CHECK(r.status == WebhookStatus::BodyTooLarge);
    auto r2 = checkText("{WebhookName:x,RequestBody:" + std::string(512 * 1024, '[') +
                        ",RequestHeader:{message:" + kSecret + "}}");
    CHECK(r2.status == WebhookStatus::BodyInvalid);
    CHECK(r2.message.find("more than 32 deep") != std::string::npos);
}

TEST_CASE("random, truncated and mutated input never crashes and never echoes", "[webhook][fuzz]") {
    std::mt19937 rng(20240611);
    std::vector<std::string> seeds = {jsonEnvelope(kBody), unquotedEnvelope(kBody),
                                      "\"" + escapeJson(jsonEnvelope(kBody)) + "\"",
                                      R"({"WebhookName":"t","RequestBody":)" + kBody +
                                          R"(,"RequestHeader":{"message":")" + kSecret + R"("}})"};
    const std::string alphabet = "{}[]\",:\\ \r\n@abcRequestHeaderBodyWebhookNamemessage\x00\xC3\xFF";
    auto check = [&](const std::string& text) {
        WebhookResult r;
        REQUIRE_NOTHROW(r = checkText(text));
        if (r.status != WebhookStatus::Accepted) {
            CHECK_FALSE(r.message.empty());
            CHECK(r.users.empty());
        }
        CHECK(r.message.find(kSecret) == std::string::npos);
    };
    int accepted = 0;
    for (const auto& seed : seeds) {
        for (std::size_t n = 0; n <= seed.size(); ++n) check(seed.substr(0, n));  // every truncation
        check(seed);
        accepted += checkText(seed).status == WebhookStatus::Accepted;
    }
    CHECK(accepted == static_cast<int>(seeds.size()));
    for (int i = 0; i < 3000; ++i) {
        std::string text = seeds[rng() % seeds.size()];
        int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            std::size_t at = rng() % text.size();
            switch (rng() % 3) {
                case 0:
                    text[at] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    text.insert(at, 1, alphabet[rng() % alphabet.size()]);
                    break;
                default:
                    text.erase(at, 1 + rng() % 4);
                    break;
            }
        }
        check(text);
    }
    for (int i = 0; i < 2000; ++i) {
        std::string text(rng() % 256, '\0');
        for (char& c : text) c = static_cast<char>(rng() % 256);
        if (i % 2) text = "{" + text + "}";
        check(text);
        WebhookResult body;
        REQUIRE_NOTHROW(body = checkBody(text));
        CHECK(body.message.find(kSecret) == std::string::npos);
    }
}
