// Routes from a JSON document (the -Route file of the PowerShell cmdlets): the same shape as the
// "routes" of mfaphone-relay's configuration, webhook URLs from files or environment variables.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "../core/json.hpp"
#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {
namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
    throw InvalidInputError(where + ": " + what);
}

void allowOnly(const Json& object, const std::string& where, const std::set<std::string>& allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (allowed.count(it.key())) continue;
        if (it.key() == "url")
            invalid(where + ".url",
                    "webhook URLs are secrets and are not written in the route file; put the URL in a file "
                    "('urlFile') or an environment variable ('urlEnv'), e.g. an app setting");
        std::string list;
        for (const auto& n : allowed) list += (list.empty() ? "" : ", ") + n;
        invalid(where, "unknown setting '" + it.key().substr(0, 64) + "' (known: " + list + ")");
    }
}

std::string text(const Json& o, const char* key, const std::string& where) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return {};
    if (!it->is_string()) invalid(where + "." + key, "must be a string");
    return it->get<std::string>();
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    return s;
}

std::string sinkUrl(const Json& s, const std::string& where) {
    bool hasFile = s.contains("urlFile"), hasEnv = s.contains("urlEnv");
    if (hasFile == hasEnv)
        invalid(where, "give exactly one of 'urlFile' (a file holding the URL) or 'urlEnv'");
    if (hasFile) {
        std::string file = text(s, "urlFile", where);
        std::ifstream in(file, std::ios::binary);
        if (!in) invalid(where + ".urlFile", "cannot read '" + file + "'");
        std::ostringstream buffer;
        buffer << in.rdbuf();
        std::string url = trimmed(buffer.str());
        if (url.empty()) invalid(where + ".urlFile", "the file '" + file + "' is empty");
        return url;
    }
    std::string name = text(s, "urlEnv", where);
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (!value || !*value)
        invalid(where + ".urlEnv", "the environment variable '" + name + "' is not set or empty");
    return trimmed(value);
}

}  // namespace

std::vector<RelayRoute> parseRoutesJson(const std::string& document) {
    Json root = Json::parse(document, nullptr, false);
    if (root.is_discarded()) throw InvalidInputError("The route document is not valid JSON.");
    const Json* routes = &root;
    if (root.is_object()) {
        auto it = root.find("routes");
        if (it == root.end()) invalid("routes", "the document has no \"routes\" array");
        routes = &*it;
    }
    if (!routes->is_array() || routes->empty()) invalid("routes", "must be a non-empty array of routes");
    std::vector<RelayRoute> out;
    for (std::size_t i = 0; i < routes->size(); ++i) {
        std::string where = "routes[" + std::to_string(i) + "]";
        const Json& r = (*routes)[i];
        if (!r.is_object()) invalid(where, "must be a JSON object");
        allowOnly(r, where, {"tenant", "to", "accountSid", "redact", "sinks"});
        RelayRoute route;
        route.tenant = text(r, "tenant", where);
        route.to = text(r, "to", where);
        route.accountSid = text(r, "accountSid", where);
        auto redact = r.find("redact");
        if (redact != r.end()) {
            if (!redact->is_boolean()) invalid(where + ".redact", "must be true or false");
            route.redact = redact->get<bool>();
        }
        auto sinks = r.find("sinks");
        if (sinks == r.end() || !sinks->is_array() || sinks->empty())
            invalid(where + ".sinks", "list at least one sink: {\"kind\": \"teams\", \"urlEnv\": \"NAME\"}");
        for (std::size_t k = 0; k < sinks->size(); ++k) {
            std::string sw = where + ".sinks[" + std::to_string(k) + "]";
            const Json& s = (*sinks)[k];
            if (!s.is_object()) invalid(sw, "must be a JSON object");
            allowOnly(s, sw, {"name", "kind", "urlFile", "urlEnv"});
            RelaySink sink;
            sink.kind = text(s, "kind", sw);
            if (sink.kind.empty()) sink.kind = "teams";
            sink.name = text(s, "name", sw);
            if (sink.name.empty())
                sink.name = route.tenant + "-" + sink.kind + (k ? "-" + std::to_string(k) : "");
            sink.url = sinkUrl(s, sw);
            try {
                checkSink(sink);
            } catch (const InvalidInputError& e) {
                invalid(sw, e.what());
            }
            route.sinks.push_back(std::move(sink));
        }
        out.push_back(std::move(route));
    }
    return out;
}

}  // namespace mfaphone::relay
