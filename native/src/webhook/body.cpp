// The request body of the webhook contract: a JSON array of {"UserPrincipalName": "..."} objects
// (a single object is taken as an array of one; the key's casing does not matter). Messages say
// what is wrong by position and kind and never quote the body.
#include <cstdio>
#include <unordered_set>

#include "../core/json.hpp"
#include "mfaphone/internal/webhook.hpp"
#include "webhook_text.hpp"

namespace mfaphone {

using namespace webhook;

namespace webhook {

std::string describeSize(std::size_t bytes) {
    char text[48];
    if (bytes < 1024) {
        std::snprintf(text, sizeof text, "%zu bytes", bytes);
    } else if (bytes < 1024 * 1024) {
        std::snprintf(text, sizeof text, "%.0f KiB", static_cast<double>(bytes) / 1024.0);
    } else {
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    }
    return text;
}

}  // namespace webhook

namespace {

constexpr std::size_t kMaxUserBytes = 256;
constexpr const char* kSend =
    "Send a JSON array of objects such as [{\"UserPrincipalName\": \"adele@contoso.com\"}].";

// "a string", "an array", "null": what a JSON value is, with its article.
std::string jsonKind(const Json& j) {
    std::string name = jsonTypeName(j);
    if (j.is_null()) return name;
    return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

bool isHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool isGuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isHex(s[i])) return false;
    }
    return true;
}

// Why entry `j` names no usable user (empty when it does; then `user` is set).
std::string entryProblem(const Json& j, std::string& user) {
    if (!j.is_object())
        return std::string("is ") + jsonKind(j) +
               ", not an object like {\"UserPrincipalName\": \"adele@contoso.com\"}.";
    const Json* value = nullptr;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!equalsIgnoreCase(it.key(), "UserPrincipalName")) continue;
        if (value && *value != it.value())
            return "has UserPrincipalName more than once, with different values.";
        value = &it.value();
    }
    if (!value) return "has no UserPrincipalName. Give each entry the user's UserPrincipalName.";
    if (!value->is_string())
        return std::string("has a UserPrincipalName that is ") + jsonKind(*value) + ", not a string.";
    std::string_view text = trim(value->get_ref<const Json::string_t&>());
    std::string problem = userReferenceProblem(text);
    if (!problem.empty()) return "has a UserPrincipalName that " + problem + ".";
    user.assign(text);
    return {};
}

}  // namespace

std::string userReferenceProblem(std::string_view user) {
    if (trim(user).empty()) return "is empty";
    if (user.size() > kMaxUserBytes) return "is longer than " + std::to_string(kMaxUserBytes) + " bytes";
    for (char c : user) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return "contains a control character";
        if (c == ' ') return "contains a space";
    }
    std::size_t at = user.find('@');
    bool upn = at != std::string_view::npos && at > 0 && at + 1 < user.size() &&
               user.find('@', at + 1) == std::string_view::npos;
    if (!upn && !isGuid(user)) return "is neither a user principal name (name@domain) nor an object id";
    return {};
}

void readWebhookBody(bool present, std::string_view body, const WebhookOptions& options,
                     WebhookResult& result) {
    auto refuse = [&result](WebhookStatus status, std::string message) {
        result.status = status;
        result.message = std::move(message);
    };
    if (!present) return refuse(WebhookStatus::BodyEmpty, std::string("The request has no body. ") + kSend);
    if (body.size() > options.maxBodyBytes)
        return refuse(WebhookStatus::BodyTooLarge,
                      "The request body is " + describeSize(body.size()) + "; at most " +
                          describeSize(options.maxBodyBytes) +
                          " is accepted. Split the users over several requests of at most " +
                          std::to_string(options.maxUsers) + " users each.");
    body = trim(stripBom(body));
    if (body.empty())
        return refuse(WebhookStatus::BodyEmpty, std::string("The request body is empty. ") + kSend);
    if (jsonNestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth)
        return refuse(WebhookStatus::BodyInvalid, "The request body nests arrays or objects more than " +
                                                      std::to_string(kMaxJsonDepth) + " deep. " + kSend);
    Json j;
    try {
        j = Json::parse(body.begin(), body.end());
    } catch (const Json::parse_error& e) {
        // e.what() quotes the text around the error: only its position is reported.
        return refuse(WebhookStatus::BodyInvalid,
                      "The request body is not valid JSON (syntax error at byte " + std::to_string(e.byte) +
                          "). " + kSend + " Send it with Content-Type: application/json.");
    } catch (const Json::exception&) {
        return refuse(WebhookStatus::BodyInvalid,
                      std::string("The request body is not valid JSON. ") + kSend);
    }
    if (j.is_null())
        return refuse(WebhookStatus::BodyEmpty, std::string("The request body is JSON null. ") + kSend);
    if (j.is_object()) j = Json::array({std::move(j)});
    if (!j.is_array())
        return refuse(WebhookStatus::BodyInvalid, std::string("The request body is ") + jsonKind(j) +
                                                      ", not an array of objects. " + kSend);
    if (j.empty())
        return refuse(WebhookStatus::BodyEmpty,
                      std::string("The request body is an empty array: it names no user. ") + kSend);
    if (j.size() > static_cast<std::size_t>(options.maxUsers))
        return refuse(WebhookStatus::BodyTooLarge,
                      "The request body has " + std::to_string(j.size()) + " entries; at most " +
                          std::to_string(options.maxUsers) +
                          " are accepted per request. Split the users over several requests.");

    result.entryCount = static_cast<int>(j.size());
    std::unordered_set<std::string> seen;
    int index = 0;
    for (const Json& entry : j) {
        ++index;
        std::string user;
        std::string problem = entryProblem(entry, user);
        if (!problem.empty()) {
            result.entryErrors.push_back(
                {index, "Entry " + std::to_string(index) + " of the request body " + problem});
            continue;
        }
        if (!seen.insert(lowerCopy(user)).second) {
            ++result.duplicateCount;
            continue;
        }
        result.users.push_back(std::move(user));
    }
    if (result.users.empty()) {
        return refuse(WebhookStatus::BodyInvalid, "None of the " + std::to_string(result.entryCount) +
                                                      " entries of the request body names a usable user (" +
                                                      result.entryErrors.front().message + ") " + kSend);
    }
    result.status = WebhookStatus::Accepted;
    result.message.clear();
}

}  // namespace mfaphone
