// Token endpoint responses, AADSTS messages and the claims of an access token.
#include <algorithm>

#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/internal/base64.hpp"

namespace mfaphone {
namespace {

std::string firstLine(const std::string& s) { return s.substr(0, s.find_first_of("\r\n")); }

// The text of a number or string member, for parseTokenSeconds.
std::string memberText(const SecretJson& value) {
    if (value.is_string()) {
        const auto& s = value.get_ref<const ZeroingString&>();
        return std::string(s.data(), s.size());
    }
    if (value.is_number_integer() || value.is_number_unsigned()) {
        auto text = value.dump();
        return std::string(text.data(), text.size());
    }
    return value.is_number_float() ? std::string("fraction") : std::string("not-a-number");
}

SecretString takeSecretMember(SecretJson& body, const char* name) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string()) return {};
    auto& s = it->get_ref<ZeroingString&>();
    SecretString out(s.data(), s.size());
    secureZero(s.data(), s.size());
    return out;
}

void splitInto(std::vector<std::string>& out, const std::string& text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto sp = text.find(' ', pos);
        if (sp == std::string::npos) sp = text.size();
        if (sp > pos) out.push_back(text.substr(pos, sp - pos));
        pos = sp + 1;
    }
}

}  // namespace

std::string describeAadsts(long code) {
    switch (code) {
        case 50126:
            return "The user name or password is wrong.";
        case 50076:
            return "The account must complete multi-factor authentication; the password flow cannot do that. "
                   "Sign in app-only (managed identity, certificate or client secret) or interactively with "
                   "a "
                   "device code instead.";
        case 50079:
            return "The account must register for multi-factor authentication before it can sign in.";
        case 53003:
            return "Conditional Access blocked the sign-in. Ask an administrator to exclude this application "
                   "or account, or sign in from a compliant location or device.";
        case 7000215:
            return "The client secret is not valid. Check that you used the secret's Value, not its Secret "
                   "ID, and that it belongs to this application.";
        case 7000222:
            return "The client secret has expired. Create a new secret for the application and update the "
                   "stored credential.";
        case 7000218:
            return "No client secret or client assertion was sent. Give the application's secret or "
                   "certificate.";
        case 700016:
            return "The application (client id) was not found in the tenant. Check the client id and tenant, "
                   "and that the app is consented in that tenant.";
        case 700027:
            return "The client assertion's signature did not verify: the certificate is not registered for "
                   "this application, or the key does not belong to the certificate. Upload the certificate "
                   "(public part) to the app registration.";
        case 700023:
            return "The client assertion's audience does not match the token endpoint.";
        case 700024:
            return "The client assertion is outside its validity period. Check this machine's clock.";
        case 65001:
            return "The application lacks admin consent for the requested permissions. Grant admin consent "
                   "in Entra ID.";
        case 70011:
            return "The requested scope is not valid.";
        case 90002:
            return "The tenant was not found. Check the tenant (a GUID or a verified domain such as "
                   "contoso.onmicrosoft.com).";
        case 50057:
            return "The user account is disabled.";
        default:
            return {};
    }
}

long long parseTokenSeconds(std::string_view member, std::string_view text, long long maximum) {
    auto bad = [&](const std::string& why) {
        return AuthError("The token endpoint answered with an unusable " + std::string(member) + " (" + why +
                             "); a lifetime must be a whole number of seconds. The endpoint or a proxy "
                             "in between is misbehaving.",
                         "invalid_token_response");
    };
    if (text.empty()) throw bad("empty");
    if (text.size() > 15 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw bad(text == "fraction" ? "not a whole number"
                  : text.size() > 15 ? "out of range"
                                     : "not a non-negative whole number");
    long long value = 0;
    for (char c : text) value = value * 10 + (c - '0');  // at most 15 digits: no overflow
    if (value > maximum) throw bad("out of range");
    return value;
}

AccessToken parseTokenResponse(const HttpResponse& response, std::chrono::system_clock::time_point now) {
    SecretJson body = SecretJson::parse(response.body.begin(), response.body.end(), nullptr, false);
    if (response.status == 200 && body.is_object()) {
        AccessToken result;
        result.token = takeSecretMember(body, "access_token");
        result.refreshToken = takeSecretMember(body, "refresh_token");
        if (result.token.empty())
            throw AuthError("The token endpoint answered without an access token.", "", 0, "", 200);
        long long nowSeconds =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        auto in = body.find("expires_in");
        auto on = body.find("expires_on");
        long long lifetime;
        if (on != body.end() && !on->is_null()) {
            long long when = parseTokenSeconds("expires_on", memberText(*on), 999999999999999LL);
            if (when <= nowSeconds)
                throw AuthError(
                    "The token endpoint answered with a token that has already expired (expires_on "
                    "is in the past). Check this machine's clock.",
                    "invalid_token_response");
            lifetime = when - nowSeconds;
            if (lifetime > kMaxTokenLifetimeSeconds)
                throw AuthError("The token endpoint answered with an unusable expires_on (out of range).",
                                "invalid_token_response");
        } else if (in != body.end() && !in->is_null()) {
            lifetime = parseTokenSeconds("expires_in", memberText(*in), kMaxTokenLifetimeSeconds);
        } else {
            lifetime = 3599;  // documented default lifetime when the endpoint omits it
        }
        if (lifetime <= 0)
            throw AuthError("The token endpoint answered with a token that has no lifetime (expires_in 0).",
                            "invalid_token_response");
        result.expiresOn = now + std::chrono::seconds(lifetime);
        return result;
    }
    if (!body.is_object()) {
        if (response.status == 200)
            throw AuthError(
                "The token endpoint answered HTTP 200 with a body that is not valid JSON (or not a JSON "
                "object); the endpoint or a proxy in between is misbehaving.",
                "invalid_token_response", 0, "", 200);
        throw AuthError("The token endpoint answered HTTP " + std::to_string(response.status) +
                            " without an OAuth error body.",
                        "", 0, "", response.status);
    }
    std::string error = jsonString(body, "error");
    std::string description = firstLine(jsonString(body, "error_description"));
    if (description.empty()) description = firstLine(jsonString(body, "message"));  // managed identity
    std::string correlation = jsonString(body, "correlation_id");
    if (correlation.empty()) correlation = jsonString(body, "correlationId");
    long code = 0;
    auto codes = body.find("error_codes");
    if (codes != body.end() && codes->is_array() && !codes->empty() && codes->front().is_number_integer())
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

TokenClaims readTokenClaims(const SecretString& jwt) {
    TokenClaims claims;
    std::string_view s(jwt.data(), jwt.size());
    auto first = s.find('.');
    if (first == std::string_view::npos) return claims;
    auto second = s.find('.', first + 1);
    if (second == std::string_view::npos) return claims;
    SecretString decoded;
    if (!base64::decode(s.substr(first + 1, second - first - 1), base64::Alphabet::Url, decoded))
        return claims;
    SecretJson payload = SecretJson::parse(decoded.value().begin(), decoded.value().end(), nullptr, false);
    if (!payload.is_object()) return claims;
    claims.tenantId = jsonString(payload, "tid");
    claims.appId = jsonString(payload, "appid");
    if (claims.appId.empty()) claims.appId = jsonString(payload, "azp");
    claims.objectId = jsonString(payload, "oid");
    claims.userPrincipalName = jsonString(payload, "upn");
    if (claims.userPrincipalName.empty())
        claims.userPrincipalName = jsonString(payload, "preferred_username");
    claims.identityType = jsonString(payload, "idtyp");
    auto list = [&](const char* name, std::vector<std::string>& out) {
        auto it = payload.find(name);
        if (it == payload.end()) return;
        if (it->is_array()) {
            for (const auto& r : *it)
                if (r.is_string()) {
                    const auto& v = r.get_ref<const ZeroingString&>();
                    out.emplace_back(v.data(), v.size());
                }
        } else if (it->is_string()) {
            splitInto(out, jsonString(payload, name));
        }
    };
    list("roles", claims.roles);
    list("scp", claims.scopes);
    list("wids", claims.wids);
    auto exp = payload.find("exp");
    if (exp != payload.end() && (exp->is_number_unsigned() || exp->is_number_integer())) {
        auto v = exp->get<long long>();
        if (v > 0) claims.expiresOn = v;
    }
    return claims;
}

std::vector<std::string> tokenRoles(const SecretString& jwt) {
    TokenClaims c = readTokenClaims(jwt);
    std::vector<std::string> all = c.roles;
    all.insert(all.end(), c.scopes.begin(), c.scopes.end());
    return all;
}

bool tokenSeesMaskedNumbers(const TokenClaims& claims) {
    if (!claims.delegated()) return false;
    auto has = [&](const char* role) {
        return std::find(claims.wids.begin(), claims.wids.end(), role) != claims.wids.end();
    };
    return has(kAuthenticationAdministratorRole) && !has(kPrivilegedAuthenticationAdministratorRole) &&
           !has(kGlobalAdministratorRole);
}

const std::vector<std::string>& phoneMethodPermissions() {
    static const std::vector<std::string> permissions = {
        "UserAuthMethod-Phone.Read.All", "UserAuthMethod-Phone.ReadWrite.All",
        "UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"};
    return permissions;
}

bool tokenHasPhoneMethodPermission(const TokenClaims& claims) {
    const auto& wanted = phoneMethodPermissions();
    auto any = [&](const std::vector<std::string>& held) {
        return std::any_of(held.begin(), held.end(), [&](const std::string& p) {
            return std::find(wanted.begin(), wanted.end(), p) != wanted.end();
        });
    };
    return any(claims.roles) || any(claims.scopes);
}

}  // namespace mfaphone
