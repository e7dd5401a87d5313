// The relay engine (validate -> de-duplicate -> route -> extract -> deliver -> redact) and the
// public Relay facade over it.
#include "mfaphone/relay.hpp"

#include <algorithm>
#include <ctime>
#include <future>

#include "mfaphone/internal/relay.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace relay {
namespace {

int utf8Length(std::string_view s) {
    int n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

bool isSid(std::string_view s, std::string_view prefix) {
    if (s.size() != 34 || s.substr(0, 2) != prefix) return false;
    for (char c : s.substr(2))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    return true;
}

std::string describeFailure(int status) {
    switch (status) {
        case 400:
            return "HTTP 400: the receiver refused the payload";
        case 401:
        case 403:
            return "HTTP " + std::to_string(status) +
                   ": the receiver refused the URL's signature; the webhook URL may have been regenerated";
        case 404:
            return "HTTP 404: the webhook no longer exists (deleted or disabled flow or app)";
        case 410:
            return "HTTP 410: the webhook has been removed";
        case 413:
            return "HTTP 413: the payload is larger than the receiver accepts";
        case 429:
            return "HTTP 429: still throttled after the retries";
        default:
            return "HTTP " + std::to_string(status);
    }
}

}  // namespace

std::string isoTime(std::chrono::system_clock::time_point t) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
#ifdef _WIN32
    gmtime_s(&tm, &seconds);
#else
    gmtime_r(&seconds, &tm);
#endif
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

RelayEngine::RelayEngine(const RelayOptions& options, std::shared_ptr<Transport> base,
                         std::function<std::chrono::system_clock::time_point()> now)
    : m_options(options), m_base(std::move(base)), m_now(std::move(now)) {
    if (m_options.maxBodyBytes <= 0 || m_options.maxParameters <= 0 || m_options.maxUrlBytes <= 0)
        throw InvalidInputError("The body, parameter and URL limits must be positive.");
    if (m_options.deliveryTimeoutSeconds <= 0)
        throw InvalidInputError("The delivery timeout must be at least one second.");
    if (m_options.teamsMaxBytes < 2048 || m_options.slackMaxBytes < 2048)
        throw InvalidInputError("The Teams and Slack payload limits must be at least 2048 bytes.");
    if (!m_now) m_now = [] { return std::chrono::system_clock::now(); };
    {
        // The redaction call carries the auth token: https, or http to this machine only.
        std::string base = lowerAscii(m_options.twilioApiBase);
        bool https = base.rfind("https://", 0) == 0;
        bool local = base.rfind("http://127.0.0.1", 0) == 0 || base.rfind("http://localhost", 0) == 0 ||
                     base.rfind("http://[::1]", 0) == 0;
        if (!https && !local)
            throw InvalidInputError(
                "The Twilio API address must use https (plain http is accepted for this machine only).");
    }
    if (!m_base) {
        TransportOptions transport;
        transport.caBundle = m_options.caBundle;
        transport.requestTimeoutMs = static_cast<long>(m_options.requestTimeoutSeconds) * 1000;
        transport.connectTimeoutMs = std::min<long>(transport.requestTimeoutMs, 10000);
        transport.userAgent = "MfaPhone-Relay";
        m_base = makeCurlTransport(transport, Logger{});
    }
    DedupeOptions dedupe;
    dedupe.ttl = std::chrono::seconds(std::max(60, m_options.dedupeTtlSeconds));
    dedupe.lease = std::chrono::seconds(m_options.deliveryTimeoutSeconds * 2 + 30);
    m_dedupe = m_options.dedupeFile.empty() ? makeMemoryDedupe(dedupe)
                                            : makeFileDedupe(m_options.dedupeFile, dedupe);

    RelayHttpSpec spec;
    spec.retry.maxRetries = std::max(0, m_options.maxDeliveryRetries);
    spec.retry.maxTransportRetries = std::min(2, spec.retry.maxRetries);
    spec.retry.baseDelay = std::chrono::milliseconds(std::max(1, m_options.retryBaseDelayMs));
    spec.retry.maxDelay = std::chrono::seconds(m_options.deliveryTimeoutSeconds);
    spec.retry.maxRetryAfter = std::chrono::seconds(m_options.deliveryTimeoutSeconds);
    // Lower layers name the URL they failed on; a webhook URL is a secret, so every URL in
    // their lines is replaced before it reaches the relay's log.
    Logger scrubbing([this](LogLevel level) { return m_logger.enabled(level); },
                     [this](LogLevel level, std::string_view component, std::string message) {
                         m_logger.log(level, component, scrubUrls(message));
                     });
    m_webhooks = makeRelayHttpClient(m_base, spec, scrubbing);
}

RelayEngine::~RelayEngine() = default;

void RelayEngine::addAccount(const std::string& accountSid, SecretString authToken) {
    if (authToken.empty()) throw InvalidInputError("The Twilio auth token is empty.");
    if (!accountSid.empty() && !isSid(accountSid, "AC"))
        throw InvalidInputError("'" + accountSid.substr(0, 40) +
                                "' is not a Twilio account SID (AC followed by 32 hexadecimal digits).");
    std::lock_guard<std::mutex> lock(m_mutex);
    for (auto& a : m_accounts)
        if (a.accountSid == accountSid) {
            a.authToken = std::move(authToken);
            return;
        }
    m_accounts.push_back(Account{accountSid, std::move(authToken), {}, {}});
}

void RelayEngine::setApiKey(const std::string& accountSid, const std::string& keySid, SecretString secret) {
    if (!isSid(keySid, "SK"))
        throw InvalidInputError("'" + keySid.substr(0, 40) +
                                "' is not a Twilio API key SID (SK followed by 32 hexadecimal digits).");
    if (secret.empty()) throw InvalidInputError("The Twilio API key secret is empty.");
    std::lock_guard<std::mutex> lock(m_mutex);
    for (auto& a : m_accounts)
        if (a.accountSid == accountSid) {
            a.keySid = keySid;
            a.keySecret = std::move(secret);
            return;
        }
    throw InvalidInputError(
        "An API key was given for an account without an auth token; add the account first.");
}

void RelayEngine::addRoute(const RelayRoute& route) {
    for (const auto& sink : route.sinks) checkSink(sink);
    std::lock_guard<std::mutex> lock(m_mutex);
    m_routes.add(route);
}

std::optional<RelayEngine::Account> RelayEngine::findAccount(std::string_view accountSid) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    const Account* fallback = nullptr;
    for (const auto& a : m_accounts) {
        if (!a.accountSid.empty() && a.accountSid == accountSid) return a;
        if (a.accountSid.empty()) fallback = &a;
    }
    if (fallback) return *fallback;
    return std::nullopt;
}

void RelayEngine::deliver(const RelayRoute& route, const MessageView& view, RelayResult& result,
                          const Context& context) {
    auto one = [&](const RelaySink& sink) {
        RelaySinkResult r;
        r.name = sink.name;
        SinkKind kind = checkSink(sink);
        r.kind = kind == SinkKind::Teams ? "teams" : "slack";
        DeliveryTrace trace;
        try {
            HttpRequest request;
            request.method = "POST";
            request.url = sink.url;
            request.headers = {{"Content-Type", "application/json; charset=utf-8"}, {"Accept", "*/*"}};
            std::string payload = kind == SinkKind::Teams
                                      ? teamsPayload(view, static_cast<std::size_t>(m_options.teamsMaxBytes))
                                      : slackPayload(view, static_cast<std::size_t>(m_options.slackMaxBytes));
            request.body = SecretString(payload);  // the payload carries the code
            secureZero(payload.data(), payload.size());
            // A repeated post shows the code twice; a lost one locks the admin out: retry 5xx too.
            request.idempotent = true;
            DeliveryTraceScope scope(trace);
            HttpResponse response = m_webhooks->send(request, context);
            r.httpStatus = response.status;
            if (response.status >= 200 && response.status < 300)
                r.delivered = true;
            else
                r.error = describeFailure(response.status);
        } catch (const CancelledError&) {
            r.error = "cancelled";
        } catch (const RetriesExhaustedError& e) {
            // Every attempt was answered, with 429 or 5xx, until the retries or the time ran out.
            r.httpStatus = e.status();
            r.error = describeFailure(e.status()) + " (gave up after " + std::to_string(trace.attempts) +
                      " attempts)";
        } catch (const TransportError& e) {
            r.httpStatus = trace.lastStatus;
            r.error = trace.lastStatus ? "gave up after HTTP " + std::to_string(trace.lastStatus) +
                                             ": the delivery time ran out"
                                       : (e.timedOut() ? "the receiver did not answer in time"
                                                       : "the receiver could not be reached");
        } catch (const Error& e) {
            r.error = scrubUrls(e.what());
        }
        r.attempts = trace.attempts;
        r.waitMs = trace.spanMs();
        return r;
    };
    if (route.sinks.size() == 1) {
        result.sinks.push_back(one(route.sinks.front()));
        return;
    }
    std::vector<std::future<RelaySinkResult>> pending;
    for (const auto& sink : route.sinks)
        pending.push_back(std::async(std::launch::async, one, std::cref(sink)));
    for (auto& f : pending) result.sinks.push_back(f.get());
}

void RelayEngine::redact(const Account& account, const std::string& accountSid, const std::string& messageSid,
                         RelayResult& result, const Context& context) {
    result.redactionRequested = true;
    if (!isSid(accountSid, "AC") || !(isSid(messageSid, "SM") || isSid(messageSid, "MM"))) {
        result.redactionError = "the AccountSid or MessageSid is not a Twilio SID";
        return;
    }
    try {
        RelayHttpSpec spec;
        spec.basicAuth = true;
        spec.user = account.keySid.empty() ? accountSid : account.keySid;
        spec.password = account.keySid.empty() ? account.authToken : account.keySecret;
        spec.retry.maxRetries = 3;
        spec.retry.baseDelay = std::chrono::milliseconds(std::max(1, m_options.retryBaseDelayMs));
        spec.retry.maxRetryAfter = std::chrono::seconds(m_options.deliveryTimeoutSeconds);
        auto client = makeRelayHttpClient(m_base, spec, Logger{});
        HttpRequest request;
        request.method = "POST";
        request.url = trimTrailingSlash(m_options.twilioApiBase) + "/2010-04-01/Accounts/" + accountSid +
                      "/Messages/" + messageSid + ".json";
        request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Accept", "application/json"}};
        request.body = SecretString(std::string("Body="));
        request.idempotent = true;  // clearing the body twice is harmless
        DeliveryTrace trace;
        DeliveryTraceScope scope(trace);
        struct RecordWait {
            RelayResult& r;
            DeliveryTrace& t;
            ~RecordWait() { r.redactionWaitMs = t.spanMs(); }
        } recordWait{result, trace};
        HttpResponse response = client->send(request, context);
        if (response.status >= 200 && response.status < 300)
            result.redacted = true;
        else if (response.status == 401 || response.status == 403)
            result.redactionError =
                "Twilio refused the credentials (HTTP " + std::to_string(response.status) + ")";
        else
            result.redactionError = "Twilio answered HTTP " + std::to_string(response.status);
    } catch (const CancelledError&) {
        result.redactionError = "cancelled";
    } catch (const RetriesExhaustedError& e) {
        result.redactionError = "Twilio kept answering HTTP " + std::to_string(e.status());
    } catch (const TransportError& e) {
        result.redactionError =
            e.timedOut() ? "Twilio did not answer in time" : "Twilio could not be reached";
    } catch (const Error& e) {
        result.redactionError = scrubUrls(e.what());
    }
}

RelayResult RelayEngine::receive(const RelayRequest& request, const Context& context) {
    auto started = std::chrono::steady_clock::now();
    auto now = m_now();
    RelayResult result;
    result.receivedAt = isoTime(now);
    auto note = [&](LogLevel level, std::string line) {
        result.log.push_back(line);
        m_logger.log(level, "relay", std::move(line));
    };
    auto finish = [&](int status, std::string body, std::string contentType) {
        result.httpStatus = status;
        result.responseBody = std::move(body);
        result.contentType = std::move(contentType);
        result.elapsedMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        double waited = 0;
        for (const auto& s : result.sinks) waited = std::max(waited, s.waitMs);  // sinks run in parallel
        result.overheadMs = std::max(0.0, result.elapsedMs - waited - result.redactionWaitMs);
        return result;
    };
    auto reject = [&](const std::string& reason, int status, const std::string& message) {
        result.status = "Rejected";
        result.reason = reason;
        result.message = message;
        note(LogLevel::Warning, "rejected: " + reason + " (HTTP " + std::to_string(status) + ")");
        return finish(status, message + "\n", "text/plain; charset=utf-8");
    };

    ParsedWebhook parsed;
    try {
        WebhookLimits limits;
        limits.maxBodyBytes = static_cast<std::size_t>(m_options.maxBodyBytes);
        limits.maxParameters = static_cast<std::size_t>(m_options.maxParameters);
        limits.maxUrlBytes = static_cast<std::size_t>(m_options.maxUrlBytes);
        parsed = parseWebhook(request, limits);
    } catch (const RejectedRequest& e) {
        return reject(e.reason(), e.httpStatus(), e.what());
    }
    result.accountSid = parsed.param("AccountSid");
    std::optional<Account> account = findAccount(result.accountSid);
    if (!account)
        return reject("UnknownAccount", 403,
                      "No auth token is configured for the Twilio account of this request, so its signature "
                      "cannot be checked.");
    if (request.signature.empty())
        return reject("MissingSignature", 400,
                      "The request has no X-Twilio-Signature header; it did not come from Twilio.");
    if (parsed.hashedBody && !constantTimeEquals(sha256Hex(request.body), lowerAscii(parsed.bodySha256)))
        return reject("BodyHashMismatch", 403,
                      "The body does not match the bodySHA256 parameter of the URL.");
    if (!validateTwilioSignature(account->authToken, request.url, parsed.signedParams, request.signature))
        return reject(
            "InvalidSignature", 403,
            "The X-Twilio-Signature does not match: the request was not signed by Twilio with this "
            "account's auth token for this URL (check the public URL the relay is configured with).");

    result.messageSid = parsed.param("MessageSid");
    if (result.messageSid.empty()) result.messageSid = parsed.param("SmsMessageSid");
    if (result.messageSid.empty()) result.messageSid = parsed.param("SmsSid");
    result.from = parsed.param("From");
    result.to = parsed.param("To");
    if (result.messageSid.empty() || result.to.empty())
        return reject("MissingParameter", 400,
                      "The request has no MessageSid or To parameter; it is not an SMS webhook.");
    std::string body = parsed.param("Body");
    result.bodyLength = utf8Length(body);

    std::vector<std::string> keys = {"sid:" + result.accountSid + ":" + result.messageSid};
    if (!request.idempotencyToken.empty()) keys.push_back("token:" + request.idempotencyToken);
    bool claimed = true;
    bool dedupeWorks = true;
    try {
        claimed = m_dedupe->claim(keys, now);
    } catch (const Error& e) {
        dedupeWorks = false;
        note(LogLevel::Warning, std::string("de-duplication unavailable, delivering anyway: ") + e.what());
    }
    if (!claimed) {
        result.status = "Duplicate";
        note(LogLevel::Information, "duplicate of a text already handled; not delivered again");
        return finish(200, kTwimlAnswer, "text/xml");
    }

    std::optional<RelayRoute> route;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (const RelayRoute* found = m_routes.find(result.to, result.accountSid)) route = *found;
    }
    auto completeKeys = [&] {
        if (!dedupeWorks) return;
        try {
            m_dedupe->complete(keys, m_now());
        } catch (const Error& e) {
            note(LogLevel::Warning, std::string("de-duplication could not record the text: ") + e.what());
        }
    };
    if (!route) {
        result.status = "Unrouted";
        result.message = "No route matches the number " + maskPhoneNumber(result.to) + ".";
        note(LogLevel::Warning, "no route for " + maskPhoneNumber(result.to));
        completeKeys();
        return finish(200, kTwimlAnswer, "text/xml");
    }
    result.tenant = route->tenant;

    MessageView view;
    view.tenant = route->tenant;
    view.from = result.from;
    view.to = result.to;
    view.body = body;
    view.receivedAt = result.receivedAt;
    view.messageSid = result.messageSid;
    if (auto match = extractCode(body)) {
        result.code = match->code;
        result.codeRule = match->rule;
        view.code = match->code;
    }

    deliver(*route, view, result,
            context.withTimeout(std::chrono::seconds(m_options.deliveryTimeoutSeconds)));
    secureZero(view.body.data(), view.body.size());
    secureZero(body.data(), body.size());
    secureZero(view.code.data(), view.code.size());

    int delivered = 0;
    for (const auto& s : result.sinks) {
        if (s.delivered) ++delivered;
        note(s.delivered ? LogLevel::Verbose : LogLevel::Warning,
             "sink " + s.name + " (" + s.kind + "): " + (s.delivered ? "delivered" : "failed: " + s.error) +
                 ", HTTP " + std::to_string(s.httpStatus) + ", " + std::to_string(s.attempts) +
                 " attempt(s)");
    }
    if (delivered == 0) {
        result.status = "Failed";
        result.message = "No sink accepted the text.";
        if (dedupeWorks) m_dedupe->release(keys);
        return finish(503, kTwimlAnswer, "text/xml");
    }
    result.status = delivered == static_cast<int>(result.sinks.size()) ? "Delivered" : "PartiallyDelivered";
    completeKeys();
    if (route->redact) {
        redact(*account, result.accountSid, result.messageSid, result, context);
        note(result.redacted ? LogLevel::Verbose : LogLevel::Warning,
             result.redacted ? std::string("body redacted at Twilio")
                             : "redaction at Twilio failed: " + result.redactionError);
    }
    return finish(200, kTwimlAnswer, "text/xml");
}

}  // namespace relay

// ---------------------------------------------------------------- facade

class RelayImpl : public relay::RelayEngine {
public:
    using relay::RelayEngine::RelayEngine;
    // Every receive() runs under this context, so cancel() stops all of them.
    Context root;
};

namespace {
SecretString secretFromBytes(const std::vector<unsigned char>& bytes) {
    return SecretString(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}
}  // namespace

Relay::Relay(const RelayOptions& options) : m_impl(std::make_unique<RelayImpl>(options)) {}
Relay::~Relay() = default;

void Relay::addAccount(const std::string& accountSid, const std::vector<unsigned char>& authToken) {
    m_impl->addAccount(accountSid, secretFromBytes(authToken));
}

void Relay::setApiKey(const std::string& accountSid, const std::string& keySid,
                      const std::vector<unsigned char>& secret) {
    m_impl->setApiKey(accountSid, keySid, secretFromBytes(secret));
}

void Relay::addRoute(const RelayRoute& route) { m_impl->addRoute(route); }

void Relay::addRoutesJson(const std::string& json) {
    std::vector<RelayRoute> routes = relay::parseRoutesJson(json);
    for (std::size_t i = 0; i < routes.size(); ++i) {
        try {
            m_impl->addRoute(routes[i]);
        } catch (const InvalidInputError& e) {
            throw InvalidInputError("routes[" + std::to_string(i) + "]: " + e.what());
        }
        for (auto& s : routes[i].sinks) secureZero(s.url.data(), s.url.size());
    }
}

RelayResult Relay::receive(const RelayRequest& request) { return m_impl->receive(request, m_impl->root); }

void Relay::cancel() { m_impl->root.cancel(); }

bool Relay::validateSignature(const std::string& url, const std::string& body, const std::string& signature,
                              const std::vector<unsigned char>& authToken) {
    SecretString token = secretFromBytes(authToken);
    RelayRequest request;
    request.method = "POST";
    request.url = url;
    request.body = body;
    relay::ParsedWebhook parsed;
    try {
        relay::WebhookLimits limits;
        limits.maxBodyBytes = 1 << 20;
        limits.maxParameters = 4096;
        limits.maxUrlBytes = 1 << 16;
        // The content type follows from the URL: bodySHA256 means a JSON body.
        request.contentType = url.find("bodySHA256=") != std::string::npos
                                  ? "application/json"
                                  : "application/x-www-form-urlencoded";
        parsed = relay::parseWebhook(request, limits);
    } catch (const relay::RejectedRequest&) {
        return false;
    }
    if (parsed.hashedBody &&
        !relay::constantTimeEquals(relay::sha256Hex(body), relay::lowerAscii(parsed.bodySha256)))
        return false;
    return relay::validateTwilioSignature(token, url, parsed.signedParams, signature);
}

std::string Relay::maskCode(const std::string& code) { return std::string(code.size(), '*'); }

std::string Relay::twiml() { return relay::kTwimlAnswer; }

}  // namespace mfaphone
