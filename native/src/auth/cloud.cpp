#include <algorithm>
#include <cctype>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

struct KnownCloud {
    const char* name;
    const char* login;
    const char* graph;
};

constexpr KnownCloud kClouds[] = {
    {"Global", "https://login.microsoftonline.com", "https://graph.microsoft.com"},
    {"USGov", "https://login.microsoftonline.us", "https://graph.microsoft.us"},
    {"USGovDoD", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"},
    {"China", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"},
};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// localhost, [::1], or a dotted IPv4 address in 127.0.0.0/8.
bool isLoopbackHost(std::string_view host) {
    if (host == "localhost" || host == "[::1]") return true;
    int octets = 0;
    std::size_t pos = 0;
    while (pos <= host.size()) {
        std::size_t dot = host.find('.', pos);
        std::string_view part =
            host.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (part.empty() || part.size() > 3 ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        if (std::stoi(std::string(part)) > 255) return false;
        if (octets == 0 && part != "127") return false;
        ++octets;
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return octets == 4;
}

// Scheme and host checks shared by override URLs and managed identity endpoints. Returns the host.
std::string_view checkedHost(const std::string& url, const char* what, bool allowImds, bool allowQuery) {
    bool https = url.rfind("https://", 0) == 0;
    bool http = url.rfind("http://", 0) == 0;
    if (!https && !http)
        throw InvalidInputError(
            std::string(what) +
            " is not an absolute http(s) URL. Give a base URL such as https://host:port.");
    std::string_view rest = std::string_view(url).substr(https ? 8 : 7);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos)
        throw InvalidInputError(std::string(what) + " must not contain a user name or password.");
    if (!allowQuery && (url.find('?') != std::string::npos || url.find('#') != std::string::npos))
        throw InvalidInputError(std::string(what) + " must not contain a query or fragment.");
    std::string_view host = authority;
    if (!host.empty() && host.front() == '[')
        host = host.substr(0, host.find(']') + 1);
    else
        host = host.substr(0, host.find(':'));
    if (host.empty()) throw InvalidInputError(std::string(what) + " has no host.");
    if (http && !isLoopbackHost(host) && !(allowImds && host == "169.254.169.254"))
        throw InvalidInputError(
            std::string(what) +
            " uses http:// for a remote host, which would send secrets and tokens unencrypted. Use https:// "
            "(http:// is accepted only for 127.0.0.1, ::1 and localhost).");
    return host;
}

// An override base URL: absolute, https (http only to this machine, e.g. the emulator: secrets
// and tokens never cross a network in clear text), no credentials, query or fragment.
std::string checkedBase(const std::string& url, const char* what) {
    checkedHost(url, what, false, false);
    return trimTrailingSlash(url);
}

}  // namespace

void checkSecretEndpoint(const std::string& url, const char* what, bool allowLinkLocalImds) {
    checkedHost(url, what, allowLinkLocalImds, true);
}

CloudEndpoints resolveCloud(const std::string& cloud, const std::string& authorityOverride,
                            const std::string& graphOverride) {
    const std::string name = cloud.empty() ? "Global" : cloud;
    for (const auto& c : kClouds) {
        if (!iequals(name, c.name)) continue;
        CloudEndpoints endpoints;
        endpoints.name = c.name;
        endpoints.authorityHost =
            authorityOverride.empty() ? c.login : checkedBase(authorityOverride, "AuthorityHost");
        endpoints.graphResource = c.graph;
        endpoints.graphEndpoint =
            graphOverride.empty() ? c.graph : checkedBase(graphOverride, "GraphEndpoint");
        return endpoints;
    }
    throw InvalidInputError("Unknown cloud '" + name + "'. Use one of: Global, USGov, USGovDoD, China.");
}

}  // namespace mfaphone
