// Token endpoint responses, AADSTS messages, the token cache, and the client-secret flow.
#include <algorithm>

#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

std::string firstLine(const std::string& s) { return s.substr(0, s.find_first_of("\r\n")); }

std::string base64UrlDecode(std::string_view in) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        if (c == '+') c = '-';
        if (c == '/') c = '_';
        auto pos = alphabet.find(c);
        if (pos == std::string::npos) return {};
        buffer = (buffer << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace

std::string describeAadsts(long code) {
    switch (code) {
        case 50126:
            return "The user name or password is wrong.";
        case 50076:
            return "The account must complete multi-factor authentication; the password flow cannot do that. "
                   "Use a client secret, certificate or managed identity instead.";
        case 50079:
            return "The account must register for multi-factor authentication before it can sign in.";
        case 53003:
            return "Conditional Access blocked the sign-in. Ask an administrator to exclude this application "
                   "or account, or sign in from a compliant location.";
        case 7000215:
            return "The client secret is not valid. Check that you used the secret's Value, not its Secret "
                   "ID, and that it belongs to this application.";
        case 7000222:
            return "The client secret has expired. Create a new secret for the application and update the "
                   "stored credential.";
        case 7000218:
            return "No client secret or client assertion was sent. Give -ClientSecret or "
                   "-CertificateThumbprint.";
        case 700016:
            return "The application (client id) was not found in the tenant. Check -ClientId and -TenantId, "
                   "and that the app is consented in that tenant.";
        case 65001:
            return "The application lacks admin consent for the requested permissions. Grant admin consent "
                   "in Entra ID.";
        case 70011:
            return "The requested scope is not valid.";
        case 90002:
            return "The tenant was not found. Check -TenantId (a GUID or a verified domain such as "
                   "contoso.onmicrosoft.com).";
        default:
            return {};
    }
}

AccessToken parseTokenResponse(const HttpResponse& response, std::chrono::system_clock::time_point now) {
    Json body = Json::parse(response.body.begin(), response.body.end(), nullptr, false);
    if (response.status == 200 && body.is_object()) {
        std::string token = jsonString(body, "access_token");
        if (auto it = body.find("access_token"); it != body.end() && it->is_string()) {
            auto& parsed = it->get_ref<std::string&>();
            secureZero(parsed.data(), parsed.size());
        }
        if (token.empty())
            throw AuthError("The token endpoint answered without an access token.", "", 0, "", 200);
        long long expiresIn = 3599;
        auto it = body.find("expires_in");
        if (it != body.end()) {
            if (it->is_number())
                expiresIn = it->get<long long>();
            else if (it->is_string())
                expiresIn = std::atoll(it->get<std::string>().c_str());
        }
        AccessToken result;
        result.token = SecretString(token);
        secureZero(token.data(), token.size());
        result.expiresOn = now + std::chrono::seconds(expiresIn);
        return result;
    }
    if (!body.is_object()) {
        throw AuthError("The token endpoint answered HTTP " + std::to_string(response.status) +
                            " without an OAuth error body.",
                        "", 0, "", response.status);
    }
    std::string error = jsonString(body, "error");
    std::string description = firstLine(jsonString(body, "error_description"));
    std::string correlation = jsonString(body, "correlation_id");
    long code = 0;
    auto codes = body.find("error_codes");
    if (codes != body.end() && codes->is_array() && !codes->empty() && codes->front().is_number())
        code = codes->front().get<long>();
    std::string message =
        "Sign-in failed (" + (error.empty() ? "HTTP " + std::to_string(response.status) : error);
    if (code) message += ", AADSTS" + std::to_string(code);
    message += ").";
    std::string advice = describeAadsts(code);
    if (!advice.empty()) message += " " + advice;
    if (!description.empty()) message += " Entra ID said: " + description;
    if (!correlation.empty()) message += " Correlation id: " + correlation + ".";
    throw AuthError(message, error, code, correlation, response.status);
}

ClientSecretCredential::ClientSecretCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud,
                                               std::string tenantId, std::string clientId,
                                               SecretString secret, Logger logger)
    : m_transport(std::move(transport)),
      m_cloud(std::move(cloud)),
      m_tenantId(std::move(tenantId)),
      m_clientId(std::move(clientId)),
      m_secret(std::move(secret)),
      m_logger(std::move(logger)) {
    if (m_tenantId.empty())
        throw InvalidInputError("TenantId is empty. Give the tenant's id (GUID) or verified domain.");
    if (m_clientId.empty()) throw InvalidInputError("ClientId is empty. Give the application (client) id.");
    if (m_secret.empty()) throw InvalidInputError("The client secret is empty.");
    tenantPathSegment(m_tenantId);  // refuses a tenant made only of dots
}

std::string ClientSecretCredential::tokenEndpoint() const {
    return m_cloud.authorityHost + "/" + tenantPathSegment(m_tenantId) + "/oauth2/v2.0/token";
}

AccessToken ClientSecretCredential::requestToken(const Context& context) {
    HttpRequest request;
    request.method = "POST";
    request.url = tokenEndpoint();
    request.idempotent = true;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    std::string head = "client_id=" + percentEncode(m_clientId) +
                       "&scope=" + percentEncode(m_cloud.graphResource + "/.default") + "&client_secret=";
    request.body.append(head.data(), head.size());
    // Encode the secret straight into zeroing storage.
    for (unsigned char c : m_secret.value()) {
        char buf[4];
        std::string enc = percentEncode(std::string_view(reinterpret_cast<const char*>(&c), 1));
        std::copy(enc.begin(), enc.end(), buf);
        request.body.append(buf, enc.size());
        secureZero(enc.data(), enc.size());
        secureZero(buf, sizeof buf);
    }
    static const std::string tail = "&grant_type=client_credentials";
    request.body.append(tail.data(), tail.size());
    m_logger.log(
        LogLevel::Verbose, "auth",
        "requesting a token for app " + m_clientId + " in tenant " + m_tenantId + " (client secret)");
    HttpResponse response = m_transport->send(request, context);
    AccessToken token = parseTokenResponse(response, std::chrono::system_clock::now());
    m_logger.log(LogLevel::Verbose, "auth",
                 "token acquired; it expires in " +
                     std::to_string(std::chrono::duration_cast<std::chrono::minutes>(
                                        token.expiresOn - std::chrono::system_clock::now())
                                        .count()) +
                     " min");
    return token;
}

TokenCache::TokenCache(std::shared_ptr<TokenCredential> credential, std::chrono::seconds refreshMargin,
                       Logger logger, Clock clock, std::chrono::seconds minimumLife)
    : m_credential(std::move(credential)),
      m_margin(refreshMargin),
      m_logger(std::move(logger)),
      m_clock(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      m_minimumLife(minimumLife) {}

SecretString TokenCache::bearer(const Context& context) {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto now = m_clock();
    // Refresh `margin` before expiry, or at half-life for tokens that live shorter than that.
    auto margin =
        std::min<std::chrono::system_clock::duration>(m_margin, (m_token.expiresOn - m_acquired) / 2);
    if (!m_valid || (m_token.expiresOn - now <= margin && now >= m_nextRefreshAttempt)) {
        try {
            AccessToken fresh = m_credential->requestToken(context);
            m_token = std::move(fresh);
            m_acquired = now;
            m_valid = true;
        } catch (const CancelledError&) {
            throw;
        } catch (const Error& e) {
            if (!m_valid || m_token.expiresOn - now < m_minimumLife) throw;
            m_nextRefreshAttempt = now + std::chrono::seconds(10);
            m_logger.log(
                LogLevel::Warning, "auth",
                std::string("refreshing the access token failed; using the current token while it lasts (") +
                    e.what() + ")");
        }
    }
    return m_token.token;
}

void TokenCache::invalidate(const SecretString& rejected) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_valid && m_token.token == rejected) m_valid = false;
}

std::chrono::system_clock::time_point TokenCache::expiresOn() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_token.expiresOn;
}

std::vector<std::string> tokenRoles(const SecretString& jwt) {
    std::string_view s(jwt.data(), jwt.size());
    auto first = s.find('.');
    auto second = s.find('.', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) return {};
    Json payload = Json::parse(base64UrlDecode(s.substr(first + 1, second - first - 1)), nullptr, false);
    std::vector<std::string> roles;
    if (!payload.is_object()) return roles;
    for (const char* claim : {"roles", "scp"}) {
        auto it = payload.find(claim);
        if (it == payload.end()) continue;
        if (it->is_array()) {
            for (const auto& r : *it)
                if (r.is_string()) roles.push_back(r.get<std::string>());
        } else if (it->is_string()) {
            std::string scopes = it->get<std::string>();
            std::size_t pos = 0;
            while (pos < scopes.size()) {
                auto sp = scopes.find(' ', pos);
                if (sp == std::string::npos) sp = scopes.size();
                if (sp > pos) roles.push_back(scopes.substr(pos, sp - pos));
                pos = sp + 1;
            }
        }
    }
    return roles;
}

}  // namespace mfaphone
