// X-Twilio-Signature: HMAC-SHA1 over the URL Twilio was configured with plus the sorted POST
// parameters, accepted in every URL form the official helper libraries accept.
#include <algorithm>

#include "crypto/crypto.hpp"
#include "mfaphone/internal/base64.hpp"
#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {


std::string sha256Hex(std::string_view data) {
    crypto::Bytes digest = crypto::digest(crypto::Hash::Sha256, data);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (std::size_t i = 0; i < digest.size(); ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 15];
    }
    return out;
}

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return crypto::constantTimeEqual(a.data(), b.data(), a.size());
}

std::string computeTwilioSignature(const SecretString& authToken, std::string_view url, const Params& params,
                                   bool distinctValues) {
    std::vector<const std::pair<std::string, std::string>*> sorted;
    sorted.reserve(params.size());
    for (const auto& p : params) sorted.push_back(&p);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a < *b; });
    if (distinctValues)
        sorted.erase(
            std::unique(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a == *b; }),
            sorted.end());

    SecretString data(url.data(), url.size());
    for (const auto* p : sorted) {
        data.append(p->first.data(), p->first.size());
        data.append(p->second.data(), p->second.size());
    }
    crypto::Bytes mac = crypto::hmac(crypto::Hash::Sha1, std::string_view(authToken.data(), authToken.size()),
                                     std::string_view(data.data(), data.size()));
    std::string out = base64::encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    secureZero(mac.data(), mac.size());
    return out;
}

namespace {

struct UrlParts {
    std::string scheme;    // "https"
    std::string userinfo;  // "user:pass" (without '@'), empty when absent
    std::string host;      // as written, IPv6 with brackets
    std::string port;      // digits, empty when absent
    std::string rest;      // path and query, fragment removed
    bool ok = false;
};

UrlParts splitUrl(std::string_view url) {
    UrlParts parts;
    auto hash = url.find('#');
    if (hash != std::string_view::npos) url = url.substr(0, hash);
    auto sep = url.find("://");
    if (sep == std::string_view::npos || sep == 0) return parts;
    parts.scheme = std::string(url.substr(0, sep));
    std::string_view afterScheme = url.substr(sep + 3);
    auto authorityEnd = afterScheme.find_first_of("/?");
    std::string_view authority = afterScheme.substr(0, authorityEnd);
    parts.rest = authorityEnd == std::string_view::npos ? std::string()
                                                        : std::string(afterScheme.substr(authorityEnd));
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        parts.userinfo = std::string(authority.substr(0, at));
        authority = authority.substr(at + 1);
    }
    std::string_view hostPort = authority;
    std::size_t portColon = std::string_view::npos;
    if (!hostPort.empty() && hostPort.front() == '[') {
        auto close = hostPort.find(']');
        if (close == std::string_view::npos) return parts;
        if (close + 1 < hostPort.size()) {
            if (hostPort[close + 1] != ':') return parts;
            portColon = close + 1;
        }
    } else {
        portColon = hostPort.rfind(':');
    }
    if (portColon != std::string_view::npos) {
        std::string_view port = hostPort.substr(portColon + 1);
        if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return parts;
        parts.port = std::string(port);
        hostPort = hostPort.substr(0, portColon);
    }
    if (hostPort.empty()) return parts;
    parts.host = std::string(hostPort);
    parts.ok = true;
    return parts;
}

std::string joinUrl(const UrlParts& p, bool withUserinfo, const std::string& port) {
    std::string out = p.scheme + "://";
    if (withUserinfo && !p.userinfo.empty()) out += p.userinfo + "@";
    out += p.host;
    if (!port.empty()) out += ":" + port;
    out += p.rest;
    return out;
}

}  // namespace

std::vector<std::string> signatureUrlVariants(std::string_view url) {
    std::vector<std::string> out;
    auto add = [&](std::string v) {
        if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
    };
    UrlParts p = splitUrl(url);
    if (!p.ok) {
        auto hash = url.find('#');
        add(std::string(url.substr(0, hash)));
        return out;
    }
    std::string scheme = lowerAscii(p.scheme);
    std::string defaultPort = scheme == "https" ? "443" : scheme == "http" ? "80" : "";
    std::vector<bool> userinfoForms = {true};
    if (!p.userinfo.empty()) userinfoForms.push_back(false);
    for (bool withUserinfo : userinfoForms) {
        add(joinUrl(p, withUserinfo, p.port));
        if (!p.port.empty()) add(joinUrl(p, withUserinfo, ""));
        if (p.port.empty() && !defaultPort.empty()) add(joinUrl(p, withUserinfo, defaultPort));
    }
    // A quote in the query is escaped by one helper library's URL normalisation.
    std::size_t count = out.size();
    for (std::size_t i = 0; i < count; ++i) {
        auto q = out[i].find('?');
        if (q == std::string::npos || out[i].find('\'', q) == std::string::npos) continue;
        std::string escaped = out[i].substr(0, q);
        for (std::size_t j = q; j < out[i].size(); ++j)
            escaped += out[i][j] == '\'' ? std::string("%27") : std::string(1, out[i][j]);
        add(std::move(escaped));
    }
    return out;
}

bool validateTwilioSignature(const SecretString& authToken, std::string_view url, const Params& params,
                             std::string_view signature) {
    if (signature.empty() || authToken.empty()) return false;
    // Repeated identical name/value pairs: also accept the form without the repeats.
    std::vector<std::pair<std::string, std::string>> sortedCopy(params.begin(), params.end());
    std::sort(sortedCopy.begin(), sortedCopy.end());
    bool hasRepeats = std::adjacent_find(sortedCopy.begin(), sortedCopy.end()) != sortedCopy.end();
    bool valid = false;
    // Every variant is computed and compared, so the time does not tell which one matched.
    for (const auto& variant : signatureUrlVariants(url)) {
        valid |= constantTimeEquals(computeTwilioSignature(authToken, variant, params), signature);
        if (hasRepeats)
            valid |= constantTimeEquals(computeTwilioSignature(authToken, variant, params, true), signature);
    }
    return valid;
}

}  // namespace mfaphone::relay
