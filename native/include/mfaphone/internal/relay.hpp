// The relay's building blocks, shared with the tests: Twilio signatures, webhook parsing,
// de-duplication, one-time-code extraction, routing, sink payloads and the engine itself.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mfaphone/context.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/log.hpp"
#include "mfaphone/relay.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone::relay {

using Params = std::vector<std::pair<std::string, std::string>>;

// The answer Twilio records as success: empty TwiML, served as text/xml.
inline constexpr const char* kTwimlAnswer = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

// ---------------------------------------------------------------- signatures

std::string sha256Hex(std::string_view data);
std::string lowerAscii(std::string_view s);
// Same length and bytes, in time independent of where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b) noexcept;

// base64(HMAC-SHA1(token, url + for each name in byte order: name + value, values in byte
// order)). `distinctValues` drops repeated identical values, as some helper libraries do.
std::string computeTwilioSignature(const SecretString& authToken, std::string_view url, const Params& params,
                                   bool distinctValues = false);

// The URLs a signature may have been computed over, as the official helper libraries accept
// them: the URL as given; without its port; with the scheme's default port when it has none;
// each with and without `user[:password]@`; and with `'` in the query as `%27`. Host case,
// path and query are never otherwise changed.
std::vector<std::string> signatureUrlVariants(std::string_view url);

// Checks `signature` against every URL variant (and, for repeated parameters, against the
// distinct-value form), comparing in constant time.
bool validateTwilioSignature(const SecretString& authToken, std::string_view url, const Params& params,
                             std::string_view signature);

// ---------------------------------------------------------------- parsing

struct WebhookLimits {
    std::size_t maxBodyBytes = 32768;
    std::size_t maxParameters = 256;
    std::size_t maxUrlBytes = 8192;
};

// Why a request was refused; `reason` is one of RelayResult's reasons.
class RejectedRequest : public InvalidInputError {
public:
    RejectedRequest(std::string reason, int httpStatus, const std::string& message)
        : InvalidInputError(message), m_reason(std::move(reason)), m_status(httpStatus) {}
    const std::string& reason() const noexcept { return m_reason; }
    int httpStatus() const noexcept { return m_status; }

private:
    std::string m_reason;
    int m_status;
};

bool isValidUtf8(std::string_view s) noexcept;

// application/x-www-form-urlencoded: '+' is a space, %XX a byte; every pair kept in order,
// repeated names too. Throws RejectedRequest on a malformed escape or invalid UTF-8.
Params parseForm(std::string_view body, std::size_t maxParameters);

struct ParsedWebhook {
    bool json = false;        // the body was JSON
    bool hashedBody = false;  // the URL carries bodySHA256: the signature covers the URL only
    Params signedParams;      // what the signature covers besides the URL
    Params params;            // every parameter: body first, then the URL's query
    std::string bodySha256;   // from the URL's query, when present
    std::string param(std::string_view name) const;  // first value, or empty
};

// Parses a webhook request: method, size, content type, body and query, with the limits.
// Throws RejectedRequest.
ParsedWebhook parseWebhook(const RelayRequest& request, const WebhookLimits& limits);

// ---------------------------------------------------------------- de-duplication

// Remembers MessageSids and idempotency tokens. claim() is atomic: it returns true (and holds
// every key as "in progress" for `lease`) only when none of the keys is known; complete()
// keeps them for the TTL; release() forgets them so a retry of a failed delivery can run.
class DedupeStore {
public:
    using Clock = std::chrono::system_clock;
    virtual ~DedupeStore() = default;
    virtual bool claim(const std::vector<std::string>& keys, Clock::time_point now) = 0;
    virtual void complete(const std::vector<std::string>& keys, Clock::time_point now) = 0;
    virtual void release(const std::vector<std::string>& keys) = 0;
};

struct DedupeOptions {
    std::chrono::seconds ttl{7 * 24 * 3600};
    std::chrono::seconds lease{120};  // a claim whose holder died is free again after this
    std::size_t maxEntries = 200000;
};

std::unique_ptr<DedupeStore> makeMemoryDedupe(const DedupeOptions& options);
// A file shared by processes: every change happens under an exclusive lock of the file
// (flock; LockFileEx on Windows). Keys are stored as SHA-256 hashes.
std::unique_ptr<DedupeStore> makeFileDedupe(const std::string& path, const DedupeOptions& options);

// ---------------------------------------------------------------- one-time codes

struct CodeMatch {
    std::string code;  // digits only for digit codes ("123-456" -> "123456"); letters kept
    std::string rule;  // name of the pattern that found it
};

// Ordered specific patterns (Microsoft's texts in several languages first, then "code"
// keywords in either order, then known sender formats), then a stand-alone 4-8 digit
// fallback. Digits inside phone numbers, dates, times, amounts and URLs are never taken.
std::optional<CodeMatch> extractCode(std::string_view text);

// ---------------------------------------------------------------- routing

// "+1 (500) 555-0006" -> "+15005550006": '+' and digits only.
std::string normalizeNumber(std::string_view number);

class RouteTable {
public:
    void add(RelayRoute route);
    // Exact number of the same account, exact number of any account, default of the same
    // account, default of any account; nullptr when none.
    const RelayRoute* find(std::string_view to, std::string_view accountSid) const;
    std::size_t size() const { return m_routes.size(); }

private:
    std::vector<RelayRoute> m_routes;
};

// Routes of a JSON route document (see Relay::addRoutesJson); throws InvalidInputError.
std::vector<RelayRoute> parseRoutesJson(const std::string& document);

// ---------------------------------------------------------------- sinks

enum class SinkKind { Teams, Slack };

// Throws InvalidInputError (never quoting the URL) for an unknown kind, a retired Office 365
// connector URL, a malformed URL or plain http to another machine.
SinkKind checkSink(const RelaySink& sink);

struct MessageView {
    std::string tenant;
    std::string from;
    std::string to;
    std::string body;
    std::string code;
    std::string receivedAt;
    std::string messageSid;
};

// Teams Workflows envelope with one Adaptive Card (1.4): the code large, then tenant, sender,
// time and the full text; the text is shortened until the payload fits `maxBytes`.
std::string teamsPayload(const MessageView& message, std::size_t maxBytes);
// Slack incoming-webhook message: `text` for notifications plus blocks, within `maxBytes`.
std::string slackPayload(const MessageView& message, std::size_t maxBytes);

// Replaces every absolute URL in `text` with "[url]": for error texts from lower layers.
std::string scrubUrls(std::string_view text);

// ---------------------------------------------------------------- HTTP

// How the relay talks HTTP, per service: no auth (webhooks) or HTTP Basic (Twilio REST).
struct RelayHttpSpec {
    bool basicAuth = false;
    std::string user;
    SecretString password;
    RetryOptions retry;
};

// The one place the relay builds an HTTP client: `base` (libcurl, or a fake in tests) wrapped
// in the retry policy and, for Basic, an Authorization header.
std::shared_ptr<Transport> makeRelayHttpClient(std::shared_ptr<Transport> base, const RelayHttpSpec& spec,
                                               Logger logger);

// Counts what happened below the retry policy for deliveries made on this thread.
struct DeliveryTrace {
    int attempts = 0;
    int lastStatus = 0;
    std::string lastRetryAfter;
    std::chrono::steady_clock::time_point firstStart{};
    std::chrono::steady_clock::time_point lastEnd{};
    double spanMs() const {
        return attempts ? std::chrono::duration<double, std::milli>(lastEnd - firstStart).count() : 0.0;
    }
};
class DeliveryTraceScope {
public:
    explicit DeliveryTraceScope(DeliveryTrace& trace);
    ~DeliveryTraceScope();
    DeliveryTraceScope(const DeliveryTraceScope&) = delete;
    DeliveryTraceScope& operator=(const DeliveryTraceScope&) = delete;
    static DeliveryTrace* current();

private:
    DeliveryTrace* m_previous;
};

// ---------------------------------------------------------------- engine

class RelayEngine {
public:
    // `base` is the transport under every client (libcurl when null); `now` the wall clock.
    RelayEngine(const RelayOptions& options, std::shared_ptr<Transport> base = nullptr,
                std::function<std::chrono::system_clock::time_point()> now = {});
    ~RelayEngine();

    void addAccount(const std::string& accountSid, SecretString authToken);
    void setApiKey(const std::string& accountSid, const std::string& keySid, SecretString secret);
    void addRoute(const RelayRoute& route);
    void setLogger(Logger logger) { m_logger = std::move(logger); }

    RelayResult receive(const RelayRequest& request, const Context& context);
    const Context& context() const { return m_context; }

private:
    struct Account {
        std::string accountSid;
        SecretString authToken;
        std::string keySid;
        SecretString keySecret;
    };
    std::optional<Account> findAccount(std::string_view accountSid) const;
    void deliver(const RelayRoute& route, const MessageView& view, RelayResult& result,
                 const Context& context);
    void redact(const Account& account, const std::string& accountSid, const std::string& messageSid,
                RelayResult& result, const Context& context);

    RelayOptions m_options;
    std::shared_ptr<Transport> m_base;
    std::shared_ptr<Transport> m_webhooks;
    std::function<std::chrono::system_clock::time_point()> m_now;
    std::unique_ptr<DedupeStore> m_dedupe;
    std::vector<Account> m_accounts;
    RouteTable m_routes;
    Logger m_logger;
    Context m_context;
    mutable std::mutex m_mutex;  // guards accounts and routes against concurrent configuration
};

// UTC ISO 8601 with seconds: 2024-05-01T12:34:56Z.
std::string isoTime(std::chrono::system_clock::time_point t);

}  // namespace mfaphone::relay
