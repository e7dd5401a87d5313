// The mfaphone-relay HTTP service: receives Twilio's webhooks on cpp-httplib and hands them to
// the relay facade; one log line per message, never its body or code.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config.hpp"
#include "mfaphone/relay.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace mfaphone::service {

// Thread-safe line writer with a UTC timestamp, flushed per line.
class ServiceLog {
public:
    explicit ServiceLog(const std::string& file);  // empty: standard error
    ~ServiceLog();
    void line(const std::string& text);

private:
    std::mutex m_mutex;
    std::FILE* m_file = nullptr;
    bool m_owned = false;
};

class RelayService {
public:
    RelayService(ServiceConfig config, ServiceLog& log);
    ~RelayService();

    // Binds the listener; returns the port (useful with port 0). Throws ConfigError(kExitStart).
    int bind();
    std::string scheme() const { return m_config.tlsCertFile.empty() ? "http" : "https"; }
    const std::string& address() const { return m_config.address; }
    // Serves until stop(); returns after every request in progress has been answered.
    void run();
    // Stops accepting; requests in progress finish (their deliveries drain).
    void stop();
    // Cancels deliveries still in progress (after the drain period).
    void cancel();
    int inFlight() const { return m_inFlight.load(); }
    int drainSeconds() const { return m_config.drainSeconds; }

private:
    void handle(const httplib::Request& request, httplib::Response& response);
    std::string signatureUrl(const httplib::Request& request) const;
    bool authorized(const std::string& authorizationHeader) const;
    void logResult(const RelayResult& result, const std::string& remote);

    ServiceConfig m_config;
    ServiceLog& m_log;
    std::unique_ptr<Relay> m_relay;
    std::unique_ptr<httplib::Server> m_server;
    std::atomic<int> m_inFlight{0};
    std::atomic<long long> m_handled{0};
    std::atomic<bool> m_stopping{false};
};

}  // namespace mfaphone::service
