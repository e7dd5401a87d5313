#include "config.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "mfaphone/errors.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone::service {
namespace {

using Json = nlohmann::json;

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
    throw ConfigError(kExitConfigInvalid, "config error: " + where + ": " + what);
}

void allowOnly(const Json& object, const std::string& where, std::initializer_list<const char*> names) {
    std::set<std::string> allowed(names.begin(), names.end());
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (allowed.count(it.key())) continue;
        if (it.key() == "authToken" || it.key() == "apiKeySecret" || it.key() == "url")
            invalid(
                where + "." + it.key(),
                "secrets are not written in the config file; put the value in a file readable only by the "
                "service and name it with '" +
                    it.key() + "File', or in an environment variable named with '" + it.key() + "Env'");
        std::string list;
        for (const auto& n : allowed) list += (list.empty() ? "" : ", ") + n;
        invalid(where, "unknown setting '" + it.key().substr(0, 64) + "' (known: " + list + ")");
    }
}

const Json& objectAt(const Json& parent, const char* key, const std::string& where) {
    static const Json empty = Json::object();
    auto it = parent.find(key);
    if (it == parent.end()) return empty;
    if (!it->is_object()) invalid(where + "." + key, "must be a JSON object");
    return *it;
}

std::string stringAt(const Json& object, const char* key, const std::string& where,
                     const std::string& fallback = {}) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_string()) invalid(where + "." + key, "must be a string");
    return it->get<std::string>();
}

int intAt(const Json& object, const char* key, const std::string& where, int fallback, int minimum,
          int maximum) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_number_integer()) invalid(where + "." + key, "must be a whole number");
    long long v = it->get<long long>();
    if (v < minimum || v > maximum)
        invalid(where + "." + key, "must be between " + std::to_string(minimum) + " and " +
                                       std::to_string(maximum) + " (was " + std::to_string(v) + ")");
    return static_cast<int>(v);
}

bool boolAt(const Json& object, const char* key, const std::string& where, bool fallback) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) invalid(where + "." + key, "must be true or false");
    return it->get<bool>();
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
        secureZero(&s.back(), 1);
        s.pop_back();
    }
    return s;
}

// A secret from `<key>File` or `<key>Env`; exactly one must be given when `required`.
std::vector<unsigned char> secretAt(const Json& object, const std::string& key, const std::string& where,
                                    bool required) {
    std::string fileKey = key + "File", envKey = key + "Env";
    bool hasFile = object.contains(fileKey), hasEnv = object.contains(envKey);
    if (hasFile && hasEnv) invalid(where, "give either '" + fileKey + "' or '" + envKey + "', not both");
    if (!hasFile && !hasEnv) {
        if (required)
            invalid(where, "'" + fileKey + "' (a file holding the value) or '" + envKey + "' is required");
        return {};
    }
    std::string value;
    if (hasFile) {
        std::string file = stringAt(object, fileKey.c_str(), where);
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw ConfigError(kExitSecret, "config error: " + where + "." + fileKey + ": cannot read '" +
                                               file + "': " + std::strerror(errno));
        std::ostringstream buffer;
        buffer << in.rdbuf();
        std::string raw = buffer.str();
        value = trimmed(raw);
        secureZero(raw.data(), raw.size());
        if (value.empty())
            throw ConfigError(
                kExitSecret, "config error: " + where + "." + fileKey + ": the file '" + file + "' is empty");
    } else {
        std::string name = stringAt(object, envKey.c_str(), where);
        const char* env = name.empty() ? nullptr : std::getenv(name.c_str());
        if (!env || !*env)
            throw ConfigError(kExitSecret, "config error: " + where + "." + envKey +
                                               ": the environment variable '" + name +
                                               "' is not set or empty");
        value = trimmed(env);
    }
    std::vector<unsigned char> out(value.begin(), value.end());
    secureZero(value.data(), value.size());
    return out;
}

}  // namespace

ServiceConfig::~ServiceConfig() {
    secureZero(basicPassword.data(), basicPassword.size());
    for (auto& a : accounts) {
        secureZero(a.authToken.data(), a.authToken.size());
        secureZero(a.apiKeySecret.data(), a.apiKeySecret.size());
    }
    for (auto& r : routes)
        for (auto& s : r.sinks) secureZero(s.url.data(), s.url.size());
}

ServiceConfig loadConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(kExitConfigFile,
                          "config error: cannot read '" + path + "': " + std::strerror(errno));
    Json root;
    try {
        root = Json::parse(in);
    } catch (const Json::parse_error& e) {
        // The parser's message names the byte offset; it never echoes the content.
        throw ConfigError(kExitConfigFile, "config error: '" + path + "' is not valid JSON (at byte " +
                                               std::to_string(e.byte) + ")");
    }
    if (!root.is_object())
        throw ConfigError(kExitConfigFile, "config error: '" + path + "' must hold a JSON object");

    ServiceConfig c;
    allowOnly(root, "config",
              {"$schema", "_comment", "listen", "publicUrl", "trustForwardedHeaders", "maxConcurrency",
               "limits", "dedupe", "delivery", "twilio", "routes", "caBundle", "log", "drainSeconds"});

    const Json& listen = objectAt(root, "listen", "config");
    allowOnly(listen, "listen",
              {"address", "port", "path", "tlsCertFile", "tlsKeyFile", "readTimeoutSeconds", "basicAuth"});
    c.address = stringAt(listen, "address", "listen", c.address);
    c.port = intAt(listen, "port", "listen", c.port, 0, 65535);
    c.path = stringAt(listen, "path", "listen", c.path);
    if (c.path.empty() || c.path.front() != '/') invalid("listen.path", "must start with '/', e.g. \"/sms\"");
    if (c.path == "/healthz")
        invalid("listen.path", "'/healthz' is the health endpoint; choose another path");
    c.tlsCertFile = stringAt(listen, "tlsCertFile", "listen");
    c.tlsKeyFile = stringAt(listen, "tlsKeyFile", "listen");
    if (c.tlsCertFile.empty() != c.tlsKeyFile.empty())
        invalid("listen", "HTTPS needs both 'tlsCertFile' and 'tlsKeyFile'");
    c.readTimeoutSeconds = intAt(listen, "readTimeoutSeconds", "listen", c.readTimeoutSeconds, 1, 120);
    const Json& basic = objectAt(listen, "basicAuth", "listen");
    if (!basic.empty()) {
        allowOnly(basic, "listen.basicAuth", {"user", "passwordFile", "passwordEnv"});
        c.basicUser = stringAt(basic, "user", "listen.basicAuth");
        auto urlSafe = [](const std::string& v) {
            for (char ch : v)
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '-' || ch == '.' || ch == '_' || ch == '~'))
                    return false;
            return true;
        };
        if (c.basicUser.empty() || !urlSafe(c.basicUser))
            invalid(
                "listen.basicAuth.user",
                "is required and may hold letters, digits and - . _ ~ only (it is part of the webhook URL)");
        c.basicPassword = secretAt(basic, "password", "listen.basicAuth", true);
        if (!urlSafe(std::string(c.basicPassword.begin(), c.basicPassword.end())))
            invalid("listen.basicAuth.passwordFile",
                    "the password may hold letters, digits and - . _ ~ only (it is part of the webhook URL)");
    }

    c.publicUrl = stringAt(root, "publicUrl", "config");
    if (!c.publicUrl.empty()) {
        if (c.publicUrl.rfind("https://", 0) != 0 && c.publicUrl.rfind("http://", 0) != 0)
            invalid("publicUrl", "must be the http(s) URL Twilio calls, e.g. \"https://relay.example.com\"");
        if (c.publicUrl.find_first_of("?#") != std::string::npos)
            invalid("publicUrl",
                    "must not have a query or fragment; it is the base the request's path is added to");
        while (!c.publicUrl.empty() && c.publicUrl.back() == '/') c.publicUrl.pop_back();
    }
    c.trustForwardedHeaders = boolAt(root, "trustForwardedHeaders", "config", false);
    if (c.trustForwardedHeaders && !c.publicUrl.empty())
        invalid("trustForwardedHeaders", "give either 'publicUrl' or 'trustForwardedHeaders', not both");
    c.maxConcurrency = intAt(root, "maxConcurrency", "config", c.maxConcurrency, 1, 1024);
    c.drainSeconds = intAt(root, "drainSeconds", "config", c.drainSeconds, 1, 600);
    c.relay.caBundle = stringAt(root, "caBundle", "config");

    const Json& limits = objectAt(root, "limits", "config");
    allowOnly(limits, "limits", {"maxBodyBytes", "maxParameters", "maxUrlBytes"});
    c.relay.maxBodyBytes = intAt(limits, "maxBodyBytes", "limits", c.relay.maxBodyBytes, 1024, 1 << 20);
    c.relay.maxParameters = intAt(limits, "maxParameters", "limits", c.relay.maxParameters, 16, 4096);
    c.relay.maxUrlBytes = intAt(limits, "maxUrlBytes", "limits", c.relay.maxUrlBytes, 256, 65536);

    const Json& dedupe = objectAt(root, "dedupe", "config");
    allowOnly(dedupe, "dedupe", {"file", "ttlSeconds"});
    c.relay.dedupeFile = stringAt(dedupe, "file", "dedupe");
    c.relay.dedupeTtlSeconds =
        intAt(dedupe, "ttlSeconds", "dedupe", c.relay.dedupeTtlSeconds, 60, 90 * 24 * 3600);

    const Json& delivery = objectAt(root, "delivery", "config");
    allowOnly(delivery, "delivery",
              {"timeoutSeconds", "maxRetries", "retryBaseDelayMs", "teamsMaxBytes", "slackMaxBytes",
               "requestTimeoutSeconds"});
    c.relay.deliveryTimeoutSeconds =
        intAt(delivery, "timeoutSeconds", "delivery", c.relay.deliveryTimeoutSeconds, 1, 300);
    c.relay.maxDeliveryRetries = intAt(delivery, "maxRetries", "delivery", c.relay.maxDeliveryRetries, 0, 20);
    c.relay.retryBaseDelayMs =
        intAt(delivery, "retryBaseDelayMs", "delivery", c.relay.retryBaseDelayMs, 1, 60000);
    c.relay.teamsMaxBytes =
        intAt(delivery, "teamsMaxBytes", "delivery", c.relay.teamsMaxBytes, 2048, 1 << 20);
    c.relay.slackMaxBytes =
        intAt(delivery, "slackMaxBytes", "delivery", c.relay.slackMaxBytes, 2048, 1 << 20);
    c.relay.requestTimeoutSeconds =
        intAt(delivery, "requestTimeoutSeconds", "delivery", c.relay.requestTimeoutSeconds, 1, 300);

    const Json& log = objectAt(root, "log", "config");
    allowOnly(log, "log", {"file", "verbose"});
    c.logFile = stringAt(log, "file", "log");
    c.verbose = boolAt(log, "verbose", "log", false);

    const Json& twilio = objectAt(root, "twilio", "config");
    allowOnly(twilio, "twilio", {"apiBase", "accounts"});
    c.relay.twilioApiBase = stringAt(twilio, "apiBase", "twilio", c.relay.twilioApiBase);
    auto accounts = twilio.find("accounts");
    if (accounts == twilio.end() || !accounts->is_array() || accounts->empty())
        invalid("twilio.accounts",
                "list at least one account: {\"accountSid\": \"AC...\", \"authTokenFile\": \"/path\"}");
    for (std::size_t i = 0; i < accounts->size(); ++i) {
        std::string where = "twilio.accounts[" + std::to_string(i) + "]";
        const Json& a = (*accounts)[i];
        if (!a.is_object()) invalid(where, "must be a JSON object");
        allowOnly(a, where,
                  {"accountSid", "authTokenFile", "authTokenEnv", "apiKeySid", "apiKeySecretFile",
                   "apiKeySecretEnv"});
        AccountConfig account;
        account.accountSid = stringAt(a, "accountSid", where);
        account.authToken = secretAt(a, "authToken", where, true);
        account.apiKeySid = stringAt(a, "apiKeySid", where);
        account.apiKeySecret = secretAt(a, "apiKeySecret", where, !account.apiKeySid.empty());
        if (account.apiKeySid.empty() && !account.apiKeySecret.empty())
            invalid(where, "an API key secret needs its 'apiKeySid' (SK...)");
        c.accounts.push_back(std::move(account));
    }

    auto routes = root.find("routes");
    if (routes == root.end() || !routes->is_array() || routes->empty())
        invalid(
            "routes",
            "list at least one route: {\"tenant\": \"Contoso\", \"to\": \"+15005550006\", \"sinks\": [...]}");
    for (std::size_t i = 0; i < routes->size(); ++i) {
        std::string where = "routes[" + std::to_string(i) + "]";
        const Json& r = (*routes)[i];
        if (!r.is_object()) invalid(where, "must be a JSON object");
        allowOnly(r, where, {"tenant", "to", "accountSid", "redact", "sinks"});
        RelayRoute route;
        route.tenant = stringAt(r, "tenant", where);
        if (route.tenant.empty()) invalid(where + ".tenant", "is required (the label shown with the code)");
        route.to = stringAt(r, "to", where);
        route.accountSid = stringAt(r, "accountSid", where);
        route.redact = boolAt(r, "redact", where, false);
        auto sinks = r.find("sinks");
        if (sinks == r.end() || !sinks->is_array() || sinks->empty())
            invalid(where + ".sinks",
                    "list at least one sink: {\"kind\": \"teams\", \"urlFile\": \"/path\"}");
        for (std::size_t k = 0; k < sinks->size(); ++k) {
            std::string sw = where + ".sinks[" + std::to_string(k) + "]";
            const Json& s = (*sinks)[k];
            if (!s.is_object()) invalid(sw, "must be a JSON object");
            allowOnly(s, sw, {"name", "kind", "urlFile", "urlEnv"});
            RelaySink sink;
            sink.kind = stringAt(s, "kind", sw, "teams");
            sink.name =
                stringAt(s, "name", sw, route.tenant + "-" + sink.kind + (k ? "-" + std::to_string(k) : ""));
            auto url = secretAt(s, "url", sw, true);
            sink.url.assign(url.begin(), url.end());
            secureZero(url.data(), url.size());
            route.sinks.push_back(std::move(sink));
        }
        c.routes.push_back(std::move(route));
    }
    return c;
}

}  // namespace mfaphone::service
