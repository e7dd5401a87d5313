// Small text helpers shared by the webhook sources: ASCII-only trimming and case folding (header
// names and the keys of WebhookData are ASCII), and the nesting limit for JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "../core/json.hpp"

namespace mfaphone::webhook {

// Deepest nesting of arrays and objects accepted in a body or in WebhookData: far beyond the
// contract's two levels, far below what could exhaust a stack.
constexpr int kMaxJsonDepth = 32;

inline bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
}

inline std::string_view stripBom(std::string_view s) {
    if (s.size() >= 3 && s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.remove_prefix(3);
    return s;
}

inline char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
    return true;
}

inline std::string lowerCopy(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lowerAscii(c);
    return out;
}

// "string", "array", "true/false value": what a JSON value is, for messages.
inline const char* jsonTypeName(const Json& j) {
    switch (j.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::boolean:
            return "true/false value";
        case Json::value_t::string:
            return "string";
        case Json::value_t::array:
            return "array";
        case Json::value_t::object:
            return "object";
        default:
            return "number";
    }
}

// "512 bytes", "900 KiB", "1.5 MiB": sizes in messages.
std::string describeSize(std::size_t bytes);

}  // namespace mfaphone::webhook
