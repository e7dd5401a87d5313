// WebhookData text: the JSON PowerShell 7 runtimes and the test pane pass, and the unquoted form
// some PowerShell 7 runtimes produce instead:
//   {WebhookName:hook,RequestBody:[{"UserPrincipalName":"a@contoso.com"}],RequestHeader:{Connection:Keep-Alive,
//    Host:x.webhook.we.azure-automation.net,message:...,x-ms-request-id:...}}
// There keys and values lose their quotes and the body appears verbatim, so a body may contain any
// text, including what looks like a key. The reader relies on the order Automation writes
// (WebhookName, RequestBody, RequestHeader): the name is the first WebhookName, the body starts at
// the first RequestBody and the headers at the last RequestHeader.
#include <algorithm>
#include <array>

#include "../core/json.hpp"
#include "mfaphone/internal/webhook.hpp"
#include "webhook_text.hpp"

namespace mfaphone {

using namespace webhook;

namespace {

constexpr const char* kShapeHint =
    "Pass the webhook data the runbook received, unchanged: an object with WebhookName, RequestHeader and "
    "RequestBody, or its text.";

// Wipes the strings under `j` (header values) before nlohmann's storage is released.
void wipeStrings(Json& j) {
    if (j.is_string()) {
        auto& s = j.get_ref<Json::string_t&>();
        secureZero(s.data(), s.size());
    } else if (j.is_structured()) {
        for (auto& item : j) wipeStrings(item);
    }
}

SecretString secretFrom(std::string& s) {
    SecretString out(s.data(), s.size());
    secureZero(s.data(), s.size());
    return out;
}

// Decodes `text` when it is exactly one JSON string ("..."); returns false otherwise.
bool decodeJsonString(std::string_view text, std::string& out) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') return false;
    Json j = Json::parse(text.begin(), text.end(), nullptr, false);
    if (!j.is_string()) return false;
    out = j.get<std::string>();
    wipeStrings(j);
    return true;
}

// A quoted value loses its quotes (decoded when it is a valid JSON string); others are kept.
std::string unquote(std::string_view value) {
    value = trim(value);
    std::string decoded;
    if (decodeJsonString(value, decoded)) return decoded;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    return std::string(value);
}

bool fromJson(Json& j, WebhookEnvelope& out, std::string& error);
bool parseText(std::string_view text, WebhookEnvelope& out, std::string& error, int unwraps);

bool fromJsonObject(Json& j, WebhookEnvelope& out, std::string& error) {
    Json *name = nullptr, *body = nullptr, *header = nullptr;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (equalsIgnoreCase(it.key(), "WebhookName")) name = &it.value();
        if (equalsIgnoreCase(it.key(), "RequestBody")) body = &it.value();
        if (equalsIgnoreCase(it.key(), "RequestHeader")) header = &it.value();
    }
    if (!name && !body && !header) {
        error =
            "The webhook data is a JSON object without WebhookName, RequestHeader or RequestBody: it looks "
            "like "
            "a request body rather than the webhook data. ";
        error += kShapeHint;
        return false;
    }
    out.shape = "json";
    if (name && name->is_string()) out.webhookName = name->get<std::string>();
    if (body && !body->is_null()) {
        out.hasBody = true;
        out.body = body->is_string() ? body->get<std::string>() : body->dump();
    }
    if (header && !header->is_null()) {
        if (!header->is_object()) {
            error = std::string("RequestHeader in the webhook data is a JSON ") + jsonTypeName(*header) +
                    ", not an object of header names and values. " + kShapeHint;
            return false;
        }
        for (auto it = header->begin(); it != header->end(); ++it) {
            std::string value = it->is_string() ? it->get<std::string>() : it->dump();
            out.headers.push_back({it.key(), secretFrom(value)});
        }
    }
    return true;
}

bool fromJson(Json& j, WebhookEnvelope& out, std::string& error) {
    if (j.is_object()) return fromJsonObject(j, out, error);
    if (j.is_array()) {
        error =
            "The webhook data is a JSON array: it looks like a request body rather than the webhook data. ";
        error += kShapeHint;
        return false;
    }
    error = std::string("The webhook data is a JSON ") + jsonTypeName(j) +
            ", not an object with WebhookName, RequestHeader and RequestBody. " + kShapeHint;
    return false;
}

// --- the unquoted form ---------------------------------------------------------------------------

enum Key { kName = 0, kBody = 1, kHeader = 2 };
constexpr std::array<std::string_view, 3> kKeys = {"WebhookName", "RequestBody", "RequestHeader"};

struct Marker {
    int key = -1;
    std::size_t start = 0;       // where the key begins (just after the separating comma)
    std::size_t valueStart = 0;  // just after the colon
};

std::size_t skipSpace(std::string_view s, std::size_t i) {
    while (i < s.size() && isSpace(s[i])) ++i;
    return i;
}

// At `p`: [ws] ["] key ["] [ws] ':' for one of the three keys.
bool markerAt(std::string_view s, std::size_t p, Marker& m) {
    std::size_t q = skipSpace(s, p);
    bool quoted = q < s.size() && s[q] == '"';
    if (quoted) ++q;
    for (int k = 0; k < static_cast<int>(kKeys.size()); ++k) {
        std::string_view key = kKeys[k];
        if (s.size() - q < key.size() || !equalsIgnoreCase(s.substr(q, key.size()), key)) continue;
        std::size_t r = q + key.size();
        if (quoted) {
            if (r >= s.size() || s[r] != '"') return false;
            ++r;
        }
        r = skipSpace(s, r);
        if (r >= s.size() || s[r] != ':') return false;
        m = {k, p, r + 1};
        return true;
    }
    return false;
}

// RFC 9110 token characters, which header names are made of.
bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// At `p`: [ws] ["] token ["] [ws] ':'. Sets the name and where its value starts.
bool headerNameAt(std::string_view s, std::size_t p, std::string_view& name, std::size_t& valueStart) {
    std::size_t q = skipSpace(s, p);
    bool quoted = q < s.size() && s[q] == '"';
    if (quoted) ++q;
    std::size_t begin = q;
    while (q < s.size() && isTokenChar(s[q])) ++q;
    if (q == begin) return false;
    name = s.substr(begin, q - begin);
    if (quoted) {
        if (q >= s.size() || s[q] != '"') return false;
        ++q;
    }
    q = skipSpace(s, q);
    if (q >= s.size() || s[q] != ':') return false;
    valueStart = q + 1;
    return true;
}

// {Name:value,Name:value}: a pair starts at the beginning and after each comma followed by a
// header name and a colon; a value runs to the next pair (so "gzip, deflate" stays whole).
bool parseHeaderList(std::string_view section, WebhookEnvelope& out, std::string& error) {
    section = trim(section);
    if (section.size() < 2 || section.front() != '{' || section.back() != '}') {
        error = "RequestHeader in the webhook data is not a list of header names and values in braces. ";
        error += kShapeHint;
        return false;
    }
    std::string_view content = section.substr(1, section.size() - 2);
    struct Pair {
        std::string_view name;
        std::size_t valueStart;
        std::size_t start;
    };
    std::vector<Pair> pairs;
    std::string_view name;
    std::size_t valueStart = 0;
    for (std::size_t p = 0; p < content.size(); ++p) {
        if (p != 0 && content[p - 1] != ',') continue;
        if (headerNameAt(content, p, name, valueStart)) pairs.push_back({name, valueStart, p});
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        std::size_t end = i + 1 < pairs.size() ? pairs[i + 1].start - 1 : content.size();
        std::string value = unquote(content.substr(pairs[i].valueStart, end - pairs[i].valueStart));
        out.headers.push_back({std::string(pairs[i].name), secretFrom(value)});
    }
    return true;
}

bool fromAutomationText(std::string_view text, WebhookEnvelope& out, std::string& error) {
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
        error =
            "The webhook data is neither JSON nor the unquoted form some PowerShell 7 runtimes pass "
            "({WebhookName:...,RequestBody:...,RequestHeader:{...}}). ";
        error += kShapeHint;
        return false;
    }
    std::string_view inner = text.substr(1, text.size() - 2);
    std::array<Marker, 3> chosen;
    Marker m;
    for (std::size_t p = 0; p < inner.size(); ++p) {
        if (p != 0 && inner[p - 1] != ',') continue;
        if (!markerAt(inner, p, m)) continue;
        // The first name, the first body, the last header list.
        if (chosen[m.key].key < 0 || m.key == kHeader) chosen[m.key] = m;
    }
    std::vector<Marker> found;
    for (const Marker& c : chosen)
        if (c.key >= 0) found.push_back(c);
    if (found.empty()) {
        error =
            "The webhook data has none of WebhookName, RequestHeader and RequestBody: it is neither JSON nor "
            "the unquoted form some PowerShell 7 runtimes pass. ";
        error += kShapeHint;
        return false;
    }
    std::sort(found.begin(), found.end(), [](const Marker& a, const Marker& b) { return a.start < b.start; });
    out.shape = "text";
    for (std::size_t i = 0; i < found.size(); ++i) {
        std::size_t end = i + 1 < found.size() ? found[i + 1].start - 1 : inner.size();
        std::string_view value = inner.substr(found[i].valueStart, end - found[i].valueStart);
        switch (found[i].key) {
            case kName:
                out.webhookName = unquote(value);
                break;
            case kBody: {
                value = trim(value);
                out.hasBody = true;
                if (!decodeJsonString(value, out.body)) out.body = std::string(value);
                break;
            }
            case kHeader:
                if (!parseHeaderList(value, out, error)) return false;
                break;
        }
    }
    return true;
}

bool parseText(std::string_view text, WebhookEnvelope& out, std::string& error, int unwraps) {
    text = trim(stripBom(text));
    if (text.empty()) {
        error = "The webhook data is empty. ";
        error += kShapeHint;
        return false;
    }
    // Two levels above the body's limit: the envelope and the header object.
    if (jsonNestingDepth(text, kMaxJsonDepth + 2) <= kMaxJsonDepth + 2) {
        Json j = Json::parse(text.begin(), text.end(), nullptr, false);
        if (!j.is_discarded()) {
            bool ok;
            if (j.is_string() && unwraps > 0) {
                // JSON encoded twice: "{\"WebhookName\":...}".
                std::string inner = j.get<std::string>();
                ok = parseText(inner, out, error, unwraps - 1);
                secureZero(inner.data(), inner.size());
            } else {
                ok = fromJson(j, out, error);
            }
            wipeStrings(j);
            return ok;
        }
    }
    return fromAutomationText(text, out, error);
}

}  // namespace

bool parseWebhookText(std::string_view text, WebhookEnvelope& out, std::string& error) {
    out = WebhookEnvelope();
    if (!parseText(text, out, error, 1)) {
        out = WebhookEnvelope();
        return false;
    }
    return true;
}

int jsonNestingDepth(std::string_view text, int limit) {
    int depth = 0, deepest = 0;
    bool inString = false, escaped = false;
    for (char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

}  // namespace mfaphone
