// mfaphone-relay configuration: a JSON file for listeners, routes and sinks; secrets (Twilio
// auth tokens, API key secrets, webhook URLs) come from files or environment variables named in
// it, never from the file itself or the command line.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "mfaphone/relay.hpp"

namespace mfaphone::service {

// Exit codes of mfaphone-relay, documented in examples/relay/README.md.
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,        // unexpected failure at run time
    kExitUsage = 2,          // bad command line
    kExitConfigFile = 3,     // the config file cannot be read or is not JSON
    kExitConfigInvalid = 4,  // a setting is missing, unknown or out of range
    kExitSecret = 5,         // a secret file or environment variable is missing or empty
    kExitStart = 6,          // cannot listen (address in use, TLS files), open the log or the dedupe file
};

class ConfigError : public std::runtime_error {
public:
    ConfigError(int exitCode, const std::string& message)
        : std::runtime_error(message), m_exitCode(exitCode) {}
    int exitCode() const noexcept { return m_exitCode; }

private:
    int m_exitCode;
};

struct AccountConfig {
    std::string accountSid;  // empty: any account
    std::vector<unsigned char> authToken;
    std::string apiKeySid;
    std::vector<unsigned char> apiKeySecret;
};

struct ServiceConfig {
    std::string address = "127.0.0.1";
    int port = 8080;
    std::string path = "/sms";
    std::string tlsCertFile;
    std::string tlsKeyFile;
    // HTTP Basic credentials Twilio must present (the webhook URL's user:password@); the signed
    // URL then carries them too. Empty user: no authentication besides the signature.
    std::string basicUser;
    std::vector<unsigned char> basicPassword;
    // The URL Twilio is configured with, up to the path the relay serves (scheme, host, port and
    // any prefix a proxy strips); the signed URL is this plus the request's path and query.
    std::string publicUrl;
    bool trustForwardedHeaders = false;
    int maxConcurrency = 16;
    int readTimeoutSeconds = 10;
    int drainSeconds = 30;
    std::string logFile;  // empty: standard error
    bool verbose = false;
    RelayOptions relay;
    std::vector<AccountConfig> accounts;
    std::vector<RelayRoute> routes;

    ServiceConfig() = default;
    ServiceConfig(const ServiceConfig&) = delete;
    ServiceConfig& operator=(const ServiceConfig&) = delete;
    ServiceConfig(ServiceConfig&&) = default;
    ServiceConfig& operator=(ServiceConfig&&) = default;
    ~ServiceConfig();  // wipes the secrets
};

// Reads and checks the configuration; throws ConfigError with a message naming the setting
// (e.g. "routes[1].sinks[0].urlFile") and what to do, and the exit code to use.
ServiceConfig loadConfig(const std::string& path);

}  // namespace mfaphone::service
