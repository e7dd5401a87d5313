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
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string checkedBase(const std::string& url, const char* what) {
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
        throw InvalidInputError(std::string(what) + " '" + url +
                                "' is not an absolute http(s) URL. Give a base URL such as https://host:port.");
    if (url.find('?') != std::string::npos || url.find('#') != std::string::npos)
        throw InvalidInputError(std::string(what) + " must not contain a query or fragment.");
    return trimTrailingSlash(url);
}

}  // namespace

CloudEndpoints resolveCloud(const std::string& cloud, const std::string& authorityOverride,
                            const std::string& graphOverride) {
    const std::string name = cloud.empty() ? "Global" : cloud;
    for (const auto& c : kClouds) {
        if (!iequals(name, c.name)) continue;
        CloudEndpoints endpoints;
        endpoints.name = c.name;
        endpoints.authorityHost = authorityOverride.empty() ? c.login : checkedBase(authorityOverride, "AuthorityHost");
        endpoints.graphResource = c.graph;
        endpoints.graphEndpoint = graphOverride.empty() ? c.graph : checkedBase(graphOverride, "GraphEndpoint");
        return endpoints;
    }
    throw InvalidInputError("Unknown cloud '" + name + "'. Use one of: Global, USGov, USGovDoD, China.");
}

}  // namespace mfaphone
