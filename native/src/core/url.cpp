#include "mfaphone/internal/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "mfaphone/errors.hpp"

namespace mfaphone {
namespace {

// ASCII only: the C library's classification follows the process locale.
bool isUnreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Query parameters whose values are safe to show in logs.
constexpr std::array<std::string_view, 9> kLoggableQuery = {
    "$select", "$top", "$filter", "$count", "$expand", "$orderby", "api-version", "$search", "$skiptoken"};

// Headers whose values are safe to show in logs.
constexpr std::array<std::string_view, 15> kLoggableHeaders = {"content-type",
                                                               "content-length",
                                                               "accept",
                                                               "consistencylevel",
                                                               "request-id",
                                                               "client-request-id",
                                                               "retry-after",
                                                               "date",
                                                               "x-ms-throttle-scope",
                                                               "x-ms-throttle-information",
                                                               "x-ms-resource-unit",
                                                               "x-ms-throttle-limit-percentage",
                                                               "x-ms-ags-diagnostic",
                                                               "user-agent",
                                                               "metadata"};

}  // namespace

std::string percentEncode(std::string_view s, std::string_view keep) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (unsigned char c : s) {
        if (isUnreserved(c) || keep.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::string formEncode(const FormFields& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        out += percentEncode(name);
        out += '=';
        out += percentEncode(value);
    }
    return out;
}

bool isDotSegment(std::string_view segment) {
    return !segment.empty() && segment.find_first_not_of('.') == std::string_view::npos;
}

std::string tenantPathSegment(std::string_view tenant) {
    if (isDotSegment(tenant))
        throw InvalidInputError("The tenant '" + std::string(tenant) +
                                "' is not valid: a tenant made only of dots would change the request's path. "
                                "Give the tenant's id (a GUID) or a verified domain such as "
                                "contoso.onmicrosoft.com.");
    return percentEncode(tenant);
}

std::string userPathSegment(std::string_view idOrUpn) {
    // "." and ".." are dot segments: sent as they are, a server would resolve them to another
    // resource (/users/.. is the service root).
    if (isDotSegment(idOrUpn))
        throw InvalidInputError("The user id '" + std::string(idOrUpn) +
                                "' is not valid: an id made only of dots would change the request's path. "
                                "Give an object id or a user principal name.");
    // '@' is a legal path character and Graph expects it unencoded in UPNs.
    if (!idOrUpn.empty() && idOrUpn.front() == '$') {
        std::string quoted;
        for (char c : idOrUpn) {
            quoted += c;
            if (c == '\'') quoted += '\'';
        }
        return "users('" + percentEncode(quoted, "@$'") + "')";
    }
    return "users/" + percentEncode(idOrUpn, "@");
}

std::string sanitizeUrl(std::string_view url) {
    auto q = url.find('?');
    if (q == std::string_view::npos) return std::string(url);
    std::string out(url.substr(0, q + 1));
    std::string_view query = url.substr(q + 1);
    bool first = true;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        std::string_view name = pair.substr(0, eq);
        if (!first) out += '&';
        first = false;
        out += name;
        if (eq != std::string_view::npos) {
            std::string decodedName = lower(percentDecode(name));
            bool loggable =
                std::find(kLoggableQuery.begin(), kLoggableQuery.end(), decodedName) != kLoggableQuery.end();
            out += '=';
            out += loggable ? std::string(pair.substr(eq + 1)) : std::string("REDACTED");
        }
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    return out;
}

std::string sanitizeUrlOrigin(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return "REDACTED";
    auto end = url.find_first_of("/?#", scheme + 3);
    std::string_view authority =
        url.substr(scheme + 3, end == std::string_view::npos ? end : end - scheme - 3);
    // Never show user info (user:password@host).
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    return std::string(url.substr(0, scheme + 3)) + std::string(authority) + "/REDACTED";
}

std::string sanitizeHeader(std::string_view name, std::string_view value) {
    std::string n = lower(name);
    if (std::find(kLoggableHeaders.begin(), kLoggableHeaders.end(), n) != kLoggableHeaders.end())
        return std::string(value);
    return "REDACTED";
}

std::string trimTrailingSlash(std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
}

}  // namespace mfaphone
