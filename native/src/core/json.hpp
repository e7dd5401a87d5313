// The one place nlohmann::json is included; private to the native core.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "mfaphone/secret.hpp"

namespace mfaphone {
using Json = nlohmann::json;

// JSON whose every string (values, keys and the parser's scratch buffer) lives in zeroing
// storage: for bodies that carry tokens, so parsing leaves no copy behind.
using SecretJson = nlohmann::basic_json<std::map, std::vector, ZeroingString>;

// String member or empty, without throwing on a missing or non-string member.
inline std::string jsonString(const Json& j, const char* key) {
    auto it = j.find(key);
    return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// The same for a SecretJson member that is not secret (error codes, descriptions).
inline std::string jsonString(const SecretJson& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    const auto& s = it->get_ref<const ZeroingString&>();
    return std::string(s.data(), s.size());
}
}  // namespace mfaphone
