// The one place nlohmann::json is included; private to the native core.
#pragma once

#include <nlohmann/json.hpp>

namespace mfaphone {
using Json = nlohmann::json;

// String member or empty, without throwing on a missing or non-string member.
inline std::string jsonString(const Json& j, const char* key) {
    auto it = j.find(key);
    return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}
}  // namespace mfaphone
