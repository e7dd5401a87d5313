// Webhook request parsing: form and JSON bodies with every parameter kept, the URL's query,
// size limits and strict UTF-8.
#include <algorithm>

#include "../core/json.hpp"
#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {

bool isValidUtf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size(), i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;  // continuation byte, overlong lead (C0/C1) or beyond U+10FFFF
        }
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string formDecode(std::string_view s, const char* what) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            int hi = i + 1 < s.size() ? hexValue(s[i + 1]) : -1;
            int lo = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                throw RejectedRequest("MalformedBody", 400,
                                      std::string("The ") + what +
                                          " has a '%' that is not followed by two hexadecimal digits.");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    if (!isValidUtf8(out))
        throw RejectedRequest(
            "InvalidUtf8", 400,
            std::string("The ") + what + " is not valid UTF-8 once decoded; Twilio sends UTF-8.");
    return out;
}

Params parseFormImpl(std::string_view body, std::size_t maxParameters, const char* what) {
    Params out;
    while (!body.empty()) {
        auto amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        if (!pair.empty()) {
            if (out.size() >= maxParameters)
                throw RejectedRequest(
                    "TooManyParameters", 400,
                    "The request has more than " + std::to_string(maxParameters) + " parameters.");
            auto eq = pair.find('=');
            std::string name = formDecode(pair.substr(0, eq), what);
            std::string value =
                eq == std::string_view::npos ? std::string() : formDecode(pair.substr(eq + 1), what);
            out.emplace_back(std::move(name), std::move(value));
        }
        if (amp == std::string_view::npos) break;
        body.remove_prefix(amp + 1);
    }
    return out;
}

void addJsonMember(Params& out, const std::string& name, const Json& value) {
    if (value.is_string())
        out.emplace_back(name, value.get<std::string>());
    else if (value.is_null())
        out.emplace_back(name, std::string());
    else if (value.is_array() &&
             std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_primitive(); }))
        for (const auto& v : value) addJsonMember(out, name, v);
    else
        out.emplace_back(name, value.dump());
}

}  // namespace

Params parseForm(std::string_view body, std::size_t maxParameters) {
    return parseFormImpl(body, maxParameters, "form body");
}

std::string ParsedWebhook::param(std::string_view name) const {
    for (const auto& [n, v] : params)
        if (n == name) return v;
    return {};
}

ParsedWebhook parseWebhook(const RelayRequest& request, const WebhookLimits& limits) {
    ParsedWebhook out;
    std::string method = request.method.empty() ? std::string("POST") : request.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (method != "POST" && method != "GET")
        throw RejectedRequest("MethodNotAllowed", 405,
                              "Twilio webhooks arrive as POST (or GET); this was " +
                                  (method.size() <= 16 ? method : method.substr(0, 16)) + ".");
    if (request.url.size() > limits.maxUrlBytes)
        throw RejectedRequest("UrlTooLong", 414,
                              "The URL is longer than " + std::to_string(limits.maxUrlBytes) + " bytes.");
    if (request.body.size() > limits.maxBodyBytes)
        throw RejectedRequest(
            "BodyTooLarge", 413,
            "The body is larger than the limit of " + std::to_string(limits.maxBodyBytes) + " bytes.");

    std::string_view url = request.url;
    url = url.substr(0, url.find('#'));
    auto q = url.find('?');
    Params query = q == std::string_view::npos
                       ? Params()
                       : parseFormImpl(url.substr(q + 1), limits.maxParameters, "URL query");
    for (const auto& [n, v] : query)
        if (n == "bodySHA256") {
            out.bodySha256 = v;
            break;
        }
    out.hashedBody = !out.bodySha256.empty();

    Params body;
    if (method == "POST" && !request.body.empty()) {
        std::string type = lowerAscii(request.contentType.substr(0, request.contentType.find(';')));
        while (!type.empty() && type.back() == ' ') type.pop_back();
        while (!type.empty() && type.front() == ' ') type.erase(type.begin());
        if (type == "application/x-www-form-urlencoded") {
            body = parseFormImpl(request.body, limits.maxParameters, "form body");
        } else if (type == "application/json" ||
                   (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0)) {
            out.json = true;
            if (!isValidUtf8(request.body))
                throw RejectedRequest("InvalidUtf8", 400, "The JSON body is not valid UTF-8.");
            if (!out.hashedBody)
                throw RejectedRequest(
                    "MissingBodyHash", 400,
                    "A JSON body must be signed through a bodySHA256 parameter in the URL, and "
                    "this URL has none.");
            Json parsed = Json::parse(request.body, nullptr, false);
            if (parsed.is_discarded() || !parsed.is_object())
                throw RejectedRequest("MalformedBody", 400, "The JSON body is not a JSON object.");
            for (auto it = parsed.begin(); it != parsed.end(); ++it) {
                if (body.size() >= limits.maxParameters)
                    throw RejectedRequest(
                        "TooManyParameters", 400,
                        "The request has more than " + std::to_string(limits.maxParameters) + " parameters.");
                addJsonMember(body, it.key(), it.value());
            }
        } else {
            throw RejectedRequest("UnsupportedMediaType", 415,
                                  "The body must be application/x-www-form-urlencoded or application/json.");
        }
    }
    if (body.size() + query.size() > limits.maxParameters)
        throw RejectedRequest(
            "TooManyParameters", 400,
            "The request has more than " + std::to_string(limits.maxParameters) + " parameters.");
    if (!out.hashedBody) out.signedParams = body;
    out.params = std::move(body);
    out.params.insert(out.params.end(), query.begin(), query.end());
    return out;
}

}  // namespace mfaphone::relay
