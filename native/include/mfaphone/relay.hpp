// The relay facade: Twilio inbound SMS webhook -> one-time code -> Teams Workflows / Slack.
// Needs no Graph sign-in; the mfaphone-relay service and the PowerShell cmdlets share it.
// Secrets (Twilio auth tokens, webhook URLs, one-time codes) never appear in messages or logs.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace mfaphone {

// A destination of a route. `url` is a secret (a Workflows URL carries its `sig=`, a Slack URL
// carries its secret in the path): it is never logged or echoed, only `name` is.
struct RelaySink {
    std::string name;            // label for logs and results, e.g. "contoso-teams"
    std::string kind = "teams";  // "teams" (Workflows Adaptive Card) or "slack"
    std::string url;
};

// Which texts go where: a text is routed by its `To` number and, when set, its AccountSid.
// A route with an empty `to` is the default of its account (or of every account).
struct RelayRoute {
    std::string tenant;      // label shown with the code, e.g. "Contoso"
    std::string to;          // E.164 number, e.g. "+15005550006"; empty = default route
    std::string accountSid;  // empty = any account
    std::vector<RelaySink> sinks;
    bool redact = false;  // ask Twilio to clear the stored body after delivery
};

struct RelayOptions {
    int maxBodyBytes = 32768;  // a Twilio SMS webhook is 1-3 KB; MMS with many media a few more
    int maxParameters = 256;
    int maxUrlBytes = 8192;
    int dedupeTtlSeconds = 7 * 24 * 3600;  // how long a MessageSid / idempotency token is remembered
    std::string dedupeFile;                // shared between processes; empty = this object's memory
    int deliveryTimeoutSeconds = 12;       // total for all sinks, below Twilio's 15 s wait
    int maxDeliveryRetries = 4;
    int retryBaseDelayMs = 400;
    int teamsMaxBytes = 27648;  // Workflows accept about 28 KB
    int slackMaxBytes = 38912;  // Slack's limit is 40 KB
    std::string twilioApiBase = "https://api.twilio.com";
    std::string caBundle;  // PEM CAs to trust for outgoing HTTPS instead of the system store
    int requestTimeoutSeconds = 10;
};

// What arrived: the URL Twilio signed (the public URL, with the query as received), the raw
// body and the headers that matter.
struct RelayRequest {
    std::string method = "POST";
    std::string url;
    std::string contentType;
    std::string body;
    std::string signature;         // X-Twilio-Signature
    std::string idempotencyToken;  // I-Twilio-Idempotency-Token
};

struct RelaySinkResult {
    std::string name;
    std::string kind;
    bool delivered = false;
    int httpStatus = 0;  // last answer, 0 when none
    int attempts = 0;
    std::string error;  // why it failed (never the URL)
    // From the first request's start to the last answer (retry waits included): time the
    // receiver, not the relay, decides.
    double waitMs = 0;
};

struct RelayResult {
    // Delivered, PartiallyDelivered, Failed, Duplicate, Unrouted or Rejected.
    std::string status;
    // The answer for Twilio: TwiML (200, text/xml) once the text is handled or a duplicate,
    // 4xx for a rejected request, 503 when no sink took it (Twilio may then retry).
    int httpStatus = 200;
    std::string contentType = "text/xml";
    std::string responseBody;
    // Rejections: a stable reason (MissingSignature, InvalidSignature, UnknownAccount,
    // BodyTooLarge, UrlTooLong, TooManyParameters, InvalidUtf8, MalformedBody,
    // UnsupportedMediaType, BodyHashMismatch, MissingBodyHash, MissingParameter, MethodNotAllowed)
    // and a sentence saying what is wrong.
    std::string reason;
    std::string message;

    std::string tenant;
    std::string accountSid;
    std::string messageSid;
    std::string from;
    std::string to;
    std::string receivedAt;  // UTC, ISO 8601
    std::string code;        // the one-time code found, empty when none
    std::string codeRule;    // which pattern found it
    int bodyLength = 0;      // characters of the text (the text itself is never kept here)
    std::vector<RelaySinkResult> sinks;
    bool redactionRequested = false;
    bool redacted = false;
    std::string redactionError;
    double redactionWaitMs = 0;
    double elapsedMs = 0;   // time spent in receive()
    double overheadMs = 0;  // elapsedMs minus the time spent waiting for sinks and Twilio
    // Diagnostic lines (no body, no code, no secret), oldest first.
    std::vector<std::string> log;
};

class RelayImpl;

class Relay {
public:
    explicit Relay(const RelayOptions& options);
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    // Registers the auth token of a Twilio account (UTF-8 bytes, kept in zeroing memory; the
    // caller wipes its copy). An empty accountSid applies to texts of any account.
    void addAccount(const std::string& accountSid, const std::vector<unsigned char>& authToken);
    // Credentials for the redaction call when they differ from the account's auth token: an
    // API key (SK...) and its secret, which Twilio recommends.
    void setApiKey(const std::string& accountSid, const std::string& keySid,
                   const std::vector<unsigned char>& secret);
    // Adds a route; a retired Office 365 connector URL, an unknown sink kind or a plain-http
    // URL to another machine is refused with InvalidInputError.
    void addRoute(const RelayRoute& route);
    // Adds the routes of a JSON document: an array of routes, or an object with "routes", each
    // {"tenant", "to", "accountSid", "redact", "sinks": [{"name", "kind", "urlFile" | "urlEnv"}]}.
    // Webhook URLs come from the named file or environment variable, never from the document.
    // Throws InvalidInputError naming the setting, e.g. "routes[0].sinks[1].urlEnv".
    void addRoutesJson(const std::string& json);

    // Validates, de-duplicates, extracts the code, delivers it and (when asked) redacts the
    // body at Twilio. Never throws for a bad request: the result says why it was refused.
    RelayResult receive(const RelayRequest& request);
    // Stops every receive() in progress on other threads (their deliveries end as failed); the
    // relay delivers nothing after that.
    void cancel();

    // X-Twilio-Signature check alone, for a form body (every parameter) or, when the URL
    // carries bodySHA256, a JSON body.
    static bool validateSignature(const std::string& url, const std::string& body,
                                  const std::string& signature, const std::vector<unsigned char>& authToken);
    // "123456" -> "******": the code's length, no digit.
    static std::string maskCode(const std::string& code);
    // The empty TwiML answer.
    static std::string twiml();

private:
    std::unique_ptr<RelayImpl> m_impl;
};

}  // namespace mfaphone
