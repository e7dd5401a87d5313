// Resource-owner password credentials: legacy, fails for accounts that need MFA. Kept because
// existing runbooks sign in as a service account this way.
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

PasswordCredential::PasswordCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud,
                                       std::string tenantId, std::string clientId, std::string userName,
                                       SecretString password, Logger logger)
    : m_transport(std::move(transport)),
      m_cloud(std::move(cloud)),
      m_tenantId(std::move(tenantId)),
      m_clientId(std::move(clientId)),
      m_userName(std::move(userName)),
      m_password(std::move(password)),
      m_logger(std::move(logger)) {
    if (m_tenantId.empty())
        throw InvalidInputError("TenantId is empty. Give the tenant's id (GUID) or verified domain.");
    if (m_tenantId == "common" || m_tenantId == "consumers")
        throw InvalidInputError("The password flow needs a tenant id or domain (or 'organizations'), not '" +
                                m_tenantId + "'.");
    if (m_clientId.empty()) throw InvalidInputError("ClientId is empty. Give the application (client) id.");
    tenantPathSegment(m_tenantId);  // refuses a tenant made only of dots
    if (m_userName.empty()) throw InvalidInputError("The user name is empty.");
    if (m_password.empty()) throw InvalidInputError("The password is empty.");
}

AccessToken PasswordCredential::requestToken(const Context& context) {
    if (m_password.empty()) throw AuthError("The password was wiped; sign in again.", "signed_out");
    SecretForm form;
    form.add("client_id", m_clientId)
        .add("scope", m_cloud.graphResource + "/.default")
        .add("username", m_userName)
        .add("password", m_password)
        .add("grant_type", "password");
    m_logger.log(LogLevel::Verbose, "auth",
                 "requesting a token for " + m_userName + " with app " + m_clientId + " (password flow)");
    AccessToken token =
        postTokenRequest(*m_transport, tokenEndpointUrl(m_cloud, m_tenantId), form.take(), context);
    token.refreshToken.wipe();  // the password renews the sign-in; no refresh token is kept
    return token;
}

}  // namespace mfaphone
