// The pieces of webhook checking, for tests: reading WebhookData text, reading the body, and the
// constant-time handshake comparison.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mfaphone/secret.hpp"
#include "mfaphone/webhook.hpp"

namespace mfaphone {

struct WebhookHeader {
    std::string name;
    SecretString value;
};

// The fields of a WebhookData, whichever shape it came in.
struct WebhookEnvelope {
    std::string shape;  // "object", "json" or "text"
    std::string webhookName;
    std::vector<WebhookHeader> headers;
    bool hasBody = false;
    std::string body;
};

// Reads WebhookData text: JSON (also JSON-encoded twice), or the unquoted form some PowerShell 7
// runtimes produce. Returns false and sets `error` (which never quotes the text) when the text is
// in neither form.
bool parseWebhookText(std::string_view text, WebhookEnvelope& out, std::string& error);

// Reads the body into `result`: status (Accepted, BodyEmpty, BodyTooLarge or BodyInvalid),
// message, users, entry errors and counts.
void readWebhookBody(bool present, std::string_view body, const WebhookOptions& options,
                     WebhookResult& result);

// Whether a user reference is usable: a user principal name (name@domain) or an object id.
// Returns an empty string when it is, else why not (never quoting it).
std::string userReferenceProblem(std::string_view user);

// Compares two secrets in time that depends on neither's content.
bool handshakeEquals(std::string_view received, std::string_view expected);

// The deepest nesting of JSON arrays and objects in `text` (strings skipped), counting until
// `limit` is passed.
int jsonNestingDepth(std::string_view text, int limit);

}  // namespace mfaphone
