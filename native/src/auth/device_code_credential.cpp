// Device code: the user signs in on another device with a short code; this side polls the
// token endpoint. Later tokens come from the refresh token the sign-in returned.
#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

long long secondsMember(const SecretJson& body, const char* name, long long fallback, long long maximum) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return fallback;
    std::string text;
    if (it->is_string())
        text = jsonString(body, name);
    else if (it->is_number_integer() || it->is_number_unsigned())
        text = it->dump();
    else
        text = "not-a-number";
    return parseTokenSeconds(name, text, maximum);
}

}  // namespace

DeviceCodeCredential::DeviceCodeCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud,
                                           std::string tenantId, std::string clientId, Logger logger,
                                           Sleeper sleeper)
    : m_transport(std::move(transport)),
      m_cloud(std::move(cloud)),
      m_tenantId(std::move(tenantId)),
      m_clientId(std::move(clientId)),
      m_logger(std::move(logger)),
      m_sleep(sleeper ? std::move(sleeper)
                      : Sleeper([](std::chrono::seconds d, const Context& c) { c.sleepFor(d); })) {
    if (m_tenantId.empty()) m_tenantId = "organizations";
    if (m_clientId.empty()) throw InvalidInputError("ClientId is empty. Give the application (client) id.");
    tenantPathSegment(m_tenantId);  // refuses a tenant made only of dots
}

void DeviceCodeCredential::wipe() noexcept {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_refreshToken.wipe();
}

AccessToken DeviceCodeCredential::requestToken(const Context& context) {
    SecretString refresh;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        refresh = m_refreshToken;
    }
    if (refresh.empty()) return signIn(context);
    SecretForm form;
    form.add("client_id", m_clientId)
        .add("grant_type", "refresh_token")
        .add("refresh_token", refresh)
        .add("scope", m_cloud.graphResource + "/.default offline_access");
    refresh.wipe();
    m_logger.log(LogLevel::Verbose, "auth", "renewing the device-code sign-in with its refresh token");
    AccessToken token;
    try {
        token = postTokenRequest(*m_transport, tokenEndpointUrl(m_cloud, m_tenantId), form.take(), context);
    } catch (const AuthError& e) {
        throw AuthError(
            std::string("The interactive sign-in could not be renewed; sign in again. ") + e.what(),
            e.error(), e.aadsts(), e.correlationId(), e.httpStatus());
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!token.refreshToken.empty()) m_refreshToken = std::move(token.refreshToken);
    token.refreshToken.wipe();
    return token;
}

AccessToken DeviceCodeCredential::signIn(const Context& context) {
    const std::string scope = m_cloud.graphResource + "/.default offline_access";
    HttpRequest start;
    start.method = "POST";
    start.url = m_cloud.authorityHost + "/" + tenantPathSegment(m_tenantId) + "/oauth2/v2.0/devicecode";
    start.idempotent = true;
    start.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    start.body = SecretForm().add("client_id", m_clientId).add("scope", scope).take();
    HttpResponse started = m_transport->send(start, context);
    SecretJson body = SecretJson::parse(started.body.begin(), started.body.end(), nullptr, false);
    if (started.status != 200 || !body.is_object()) {
        parseTokenResponse(started, std::chrono::system_clock::now());  // throws the OAuth error
        throw AuthError("The device code endpoint answered without a device code.", "", 0, "",
                        started.status);
    }
    SecretString deviceCode;
    {
        auto it = body.find("device_code");
        if (it == body.end() || !it->is_string() || it->get_ref<const ZeroingString&>().empty())
            throw AuthError("The device code endpoint answered without a device code.", "", 0, "", 200);
        auto& s = it->get_ref<ZeroingString&>();
        deviceCode = SecretString(s.data(), s.size());
        secureZero(s.data(), s.size());
    }
    long long interval = secondsMember(body, "interval", 5, 300);
    if (interval < 1) interval = 1;
    long long expiresIn = secondsMember(body, "expires_in", 900, 24 * 3600);
    std::string message = jsonString(body, "message");
    if (message.empty())
        message = "To sign in, use a web browser to open the page " + jsonString(body, "verification_uri") +
                  " and enter the code " + jsonString(body, "user_code") + " to authenticate.";
    m_logger.log(LogLevel::Warning, "", message);

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(expiresIn);
    auto expired = [&] {
        return AuthError("The device code expired before the sign-in was completed (it is valid for " +
                             std::to_string((expiresIn + 59) / 60) +
                             " minutes). Sign in again and enter the new code promptly.",
                         "expired_token", 70019);
    };
    for (;;) {
        m_sleep(std::chrono::seconds(interval), context);
        if (std::chrono::steady_clock::now() >= deadline) throw expired();
        SecretForm poll;
        poll.add("grant_type", "urn:ietf:params:oauth:grant-type:device_code")
            .add("client_id", m_clientId)
            .add("device_code", deviceCode);
        try {
            AccessToken token =
                postTokenRequest(*m_transport, tokenEndpointUrl(m_cloud, m_tenantId), poll.take(), context);
            deviceCode.wipe();
            std::lock_guard<std::mutex> lock(m_mutex);
            m_refreshToken = std::move(token.refreshToken);
            token.refreshToken.wipe();
            m_logger.log(LogLevel::Verbose, "auth", "device-code sign-in completed");
            return token;
        } catch (const AuthError& e) {
            const std::string& error = e.error();
            if (error == "authorization_pending") continue;
            if (error == "slow_down") {
                interval += 5;
                continue;
            }
            deviceCode.wipe();
            if (error == "expired_token") throw expired();
            if (error == "authorization_declined" || error == "access_denied")
                throw AuthError(
                    "The sign-in was declined on the device-code page. Sign in again and approve the request "
                    "to continue.",
                    error, e.aadsts(), e.correlationId(), e.httpStatus());
            if (error == "bad_verification_code")
                throw AuthError("Entra ID did not recognise the device code. Sign in again.", error,
                                e.aadsts(), e.correlationId(), e.httpStatus());
            throw;
        }
    }
}

}  // namespace mfaphone
