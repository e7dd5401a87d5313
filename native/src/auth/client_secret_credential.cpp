// client_credentials with a client secret.
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

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
    tenantPathSegment(m_tenantId);  // refuses a tenant made only of dots
    if (m_secret.empty()) throw InvalidInputError("The client secret is empty.");
}

std::string ClientSecretCredential::tokenEndpoint() const { return tokenEndpointUrl(m_cloud, m_tenantId); }

AccessToken ClientSecretCredential::requestToken(const Context& context) {
    if (m_secret.empty()) throw AuthError("The client secret was wiped; sign in again.", "signed_out");
    SecretForm form;
    form.add("client_id", m_clientId)
        .add("scope", m_cloud.graphResource + "/.default")
        .add("client_secret", m_secret)
        .add("grant_type", "client_credentials");
    m_logger.log(
        LogLevel::Verbose, "auth",
        "requesting a token for app " + m_clientId + " in tenant " + m_tenantId + " (client secret)");
    AccessToken token = postTokenRequest(*m_transport, tokenEndpoint(), form.take(), context);
    m_logger.log(LogLevel::Verbose, "auth",
                 "token acquired; it expires in " +
                     std::to_string(std::chrono::duration_cast<std::chrono::minutes>(
                                        token.expiresOn - std::chrono::system_clock::now())
                                        .count()) +
                     " min");
    return token;
}

}  // namespace mfaphone
