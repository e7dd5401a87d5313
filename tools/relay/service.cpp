#include "service.hpp"

#include <httplib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <sstream>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/base64.hpp"
#include "mfaphone/internal/relay.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone::service {
namespace {

std::string utcNow() {
    auto now = std::chrono::system_clock::now();
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(millis));
    return out;
}

// "+14255550100" -> "+1*********00": the last two digits only.
std::string maskNumber(const std::string& number) {
    std::string out;
    int digits = 0;
    for (char c : number)
        if (c >= '0' && c <= '9') ++digits;
    int seen = 0;
    for (char c : number) {
        if (c >= '0' && c <= '9') {
            ++seen;
            out += (seen == 1 || seen > digits - 2) ? c : '*';
        } else if (c == '+') {
            out += c;
        }
    }
    return out.empty() ? "-" : out;
}

// Only characters that cannot break a log line or smuggle a secret: for SIDs and labels.
std::string safe(const std::string& s, std::size_t max = 64) {
    std::string out;
    for (char c : s.substr(0, max)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
        out += ok ? c : '_';
    }
    return out.empty() ? "-" : out;
}

std::string fixed(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

std::string firstToken(const std::string& header) {
    std::string v = header.substr(0, header.find(','));
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
}

}  // namespace

ServiceLog::ServiceLog(const std::string& file) {
    if (file.empty()) {
        m_file = stderr;
        return;
    }
    m_file = std::fopen(file.c_str(), "a");
    if (!m_file)
        throw ConfigError(kExitStart, "cannot open the log file '" + file + "': " + std::strerror(errno));
    m_owned = true;
}

ServiceLog::~ServiceLog() {
    if (m_owned) std::fclose(m_file);
}

void ServiceLog::line(const std::string& text) {
    std::string out = utcNow() + " " + text + "\n";
    std::lock_guard<std::mutex> lock(m_mutex);
    std::fwrite(out.data(), 1, out.size(), m_file);
    std::fflush(m_file);
}

RelayService::RelayService(ServiceConfig config, ServiceLog& log) : m_config(std::move(config)), m_log(log) {
    try {
        m_relay = std::make_unique<Relay>(m_config.relay);
    } catch (const InvalidInputError& e) {
        // The only thing the relay opens at construction is the de-duplication file.
        throw ConfigError(m_config.relay.dedupeFile.empty() ? kExitConfigInvalid : kExitStart,
                          std::string("config error: ") +
                              (m_config.relay.dedupeFile.empty() ? "" : "dedupe.file: ") + e.what());
    }
    for (std::size_t i = 0; i < m_config.accounts.size(); ++i) {
        auto& a = m_config.accounts[i];
        std::string where = "twilio.accounts[" + std::to_string(i) + "]";
        try {
            m_relay->addAccount(a.accountSid, a.authToken);
            if (!a.apiKeySid.empty()) m_relay->setApiKey(a.accountSid, a.apiKeySid, a.apiKeySecret);
        } catch (const InvalidInputError& e) {
            throw ConfigError(kExitConfigInvalid, "config error: " + where + ": " + e.what());
        }
        secureZero(a.authToken.data(), a.authToken.size());
        secureZero(a.apiKeySecret.data(), a.apiKeySecret.size());
    }
    for (std::size_t i = 0; i < m_config.routes.size(); ++i) {
        try {
            m_relay->addRoute(m_config.routes[i]);
        } catch (const InvalidInputError& e) {
            throw ConfigError(kExitConfigInvalid,
                              "config error: routes[" + std::to_string(i) + "]: " + e.what());
        }
        for (auto& s : m_config.routes[i].sinks) secureZero(s.url.data(), s.url.size());
    }

    if (!m_config.tlsCertFile.empty()) {
        auto server =
            std::make_unique<httplib::SSLServer>(m_config.tlsCertFile.c_str(), m_config.tlsKeyFile.c_str());
        if (!server->is_valid())
            throw ConfigError(kExitStart, "cannot start HTTPS: the certificate '" + m_config.tlsCertFile +
                                              "' or the key '" + m_config.tlsKeyFile +
                                              "' cannot be read or do not match (PEM files expected)");
        m_server = std::move(server);
    } else {
        m_server = std::make_unique<httplib::Server>();
    }
    // SO_REUSEADDR only: the library's default also sets SO_REUSEPORT, which would let a second
    // relay share the port silently instead of failing to start.
    m_server->set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof yes);
    });
    int threads = m_config.maxConcurrency;
    m_server->new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    m_server->set_read_timeout(m_config.readTimeoutSeconds, 0);
    m_server->set_write_timeout(10, 0);
    m_server->set_keep_alive_timeout(2);
    // Bodies beyond twice the limit are refused by the server itself (413) before they are read.
    m_server->set_payload_max_length(static_cast<std::size_t>(m_config.relay.maxBodyBytes) * 2);

    auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    m_server->Post(m_config.path, handler);
    m_server->Get(m_config.path, handler);
    // Other methods reach the relay too, which refuses them with 405.
    m_server->Put(m_config.path, handler);
    m_server->Delete(m_config.path, handler);
    m_server->Patch(m_config.path, handler);
    m_server->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
        std::string body = std::string("{\"status\":\"") + (m_stopping ? "draining" : "ok") +
                           "\",\"routes\":" + std::to_string(m_config.routes.size()) +
                           ",\"inFlight\":" + std::to_string(m_inFlight.load()) +
                           ",\"handled\":" + std::to_string(m_handled.load()) + "}";
        res.status = m_stopping ? 503 : 200;
        res.set_content(body, "application/json");
    });
}

RelayService::~RelayService() = default;

int RelayService::bind() {
    int port = m_config.port;
    bool ok;
    if (port == 0) {
        port = m_server->bind_to_any_port(m_config.address.c_str());
        ok = port > 0;
    } else {
        ok = m_server->bind_to_port(m_config.address.c_str(), port);
    }
    if (!ok)
        throw ConfigError(kExitStart, "cannot listen on " + m_config.address + ":" +
                                          std::to_string(m_config.port) +
                                          " (address in use, not local, or not permitted)");
    return port;
}

void RelayService::run() {
    std::string mode = !m_config.publicUrl.empty()      ? "publicUrl"
                       : m_config.trustForwardedHeaders ? "forwarded headers"
                                                        : "Host header";
    m_log.line("relay started: " + std::to_string(m_config.routes.size()) + " route(s), " +
               std::to_string(m_config.accounts.size()) + " account(s), signature URL from " + mode +
               ", max " + std::to_string(m_config.maxConcurrency) + " concurrent request(s)");
    m_server->listen_after_bind();
    m_log.line("relay stopped: " + std::to_string(m_handled.load()) + " request(s) handled");
}

void RelayService::stop() {
    if (m_stopping.exchange(true)) return;
    m_log.line("relay stopping: draining " + std::to_string(m_inFlight.load()) + " request(s) in progress");
    m_server->stop();
}

void RelayService::cancel() { m_relay->cancel(); }

std::string RelayService::signatureUrl(const httplib::Request& req) const {
    // With Basic credentials, Twilio's URL is scheme://user:password@host/...; the validator also
    // tries the URL without them.
    std::string userinfo;
    if (!m_config.basicUser.empty())
        userinfo = m_config.basicUser + ":" +
                   std::string(m_config.basicPassword.begin(), m_config.basicPassword.end()) + "@";
    auto withUserinfo = [&](const std::string& base) {
        auto sep = base.find("://");
        if (userinfo.empty() || sep == std::string::npos || base.find('@') != std::string::npos) return base;
        return base.substr(0, sep + 3) + userinfo + base.substr(sep + 3);
    };
    // req.target is the request target as received: never decoded or re-encoded.
    if (!m_config.publicUrl.empty()) return withUserinfo(m_config.publicUrl) + req.target;
    std::string host = req.get_header_value("Host");
    std::string scheme = this->scheme();
    if (m_config.trustForwardedHeaders) {
        std::string proto = firstToken(req.get_header_value("X-Forwarded-Proto"));
        std::string forwardedHost = firstToken(req.get_header_value("X-Forwarded-Host"));
        if (!proto.empty()) scheme = proto;
        if (!forwardedHost.empty()) host = forwardedHost;
    }
    if (host.empty()) return {};
    return withUserinfo(scheme + "://" + host) + req.target;
}

void RelayService::handle(const httplib::Request& req, httplib::Response& res) {
    ++m_inFlight;
    struct Done {
        RelayService* s;
        ~Done() {
            --s->m_inFlight;
            ++s->m_handled;
        }
    } done{this};
    try {
        if (!m_config.basicUser.empty() && !authorized(req.get_header_value("Authorization"))) {
            // Twilio sends the first request without credentials and answers this challenge.
            res.status = 401;
            res.set_header("WWW-Authenticate", "Basic realm=\"mfaphone-relay\"");
            res.set_content("Authentication required.\n", "text/plain; charset=utf-8");
            bool offered = !req.get_header_value("Authorization").empty();
            m_log.line(std::string("message status=") +
                       (offered ? "Rejected http=401 reason=BadCredentials" : "Challenged http=401") +
                       " remote=" + safe(req.remote_addr));
            return;
        }
        RelayRequest request;
        request.method = req.method;
        request.url = signatureUrl(req);
        if (request.url.empty()) {
            res.status = 400;
            res.set_content("The request has no Host header.\n", "text/plain; charset=utf-8");
            m_log.line("message status=Rejected reason=NoHost http=400 remote=" + safe(req.remote_addr));
            return;
        }
        request.contentType = req.get_header_value("Content-Type");
        request.body = req.body;
        request.signature = req.get_header_value("X-Twilio-Signature");
        request.idempotencyToken = req.get_header_value("I-Twilio-Idempotency-Token");
        RelayResult result = m_relay->receive(request);
        secureZero(request.body.data(), request.body.size());
        res.status = result.httpStatus;
        res.set_content(result.responseBody, result.contentType);
        logResult(result, req.remote_addr);
        if (m_config.verbose)
            for (const auto& line : result.log) m_log.line("  " + line);
        secureZero(result.code.data(), result.code.size());
    } catch (const std::exception& e) {
        res.status = 500;
        res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>", "text/xml");
        m_log.line(std::string("message status=Error error=") + safe(e.what(), 120));
    }
}

bool RelayService::authorized(const std::string& header) const {
    SecretString expected(m_config.basicUser.data(), m_config.basicUser.size());
    expected.append(":", 1);
    expected.append(reinterpret_cast<const char*>(m_config.basicPassword.data()), m_config.basicPassword.size());
    SecretString encoded("Basic ", 6);
    base64::encode(std::string_view(expected.data(), expected.size()), base64::Alphabet::Standard, encoded);
    return relay::constantTimeEquals(header, std::string_view(encoded.data(), encoded.size()));
}

void RelayService::logResult(const RelayResult& r, const std::string& remote) {
    std::ostringstream line;
    line << "message";
    if (!r.messageSid.empty()) line << " sid=" << safe(r.messageSid);
    line << " status=" << r.status << " http=" << r.httpStatus;
    if (r.status == "Rejected") {
        line << " reason=" << r.reason;
    } else {
        line << " tenant=" << (r.tenant.empty() ? "-" : safe(r.tenant)) << " from=" << maskNumber(r.from)
             << " to=" << maskNumber(r.to) << " chars=" << r.bodyLength;
        if (r.status != "Duplicate" && r.status != "Unrouted")
            line << " code=" << (r.code.empty() ? "none" : "found")
                 << (r.codeRule.empty() ? "" : " rule=" + r.codeRule);
        if (!r.sinks.empty()) {
            line << " sinks=";
            for (std::size_t i = 0; i < r.sinks.size(); ++i) {
                const auto& s = r.sinks[i];
                line << (i ? "," : "") << safe(s.name) << ":" << (s.delivered ? "ok" : "failed") << "/"
                     << s.httpStatus << "/" << s.attempts;
            }
        }
        if (r.redactionRequested) line << " redaction=" << (r.redacted ? "done" : "failed");
    }
    line << " ms=" << fixed(r.elapsedMs) << " overheadMs=" << fixed(r.overheadMs)
         << " remote=" << safe(remote);
    m_log.line(line.str());
}

}  // namespace mfaphone::service
