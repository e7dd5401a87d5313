// A token obtained elsewhere (for example from Get-AzAccessToken): used until its exp claim.
#include <ctime>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/credentials.hpp"

namespace mfaphone {

AccessTokenCredential::AccessTokenCredential(SecretString token, Clock clock)
    : m_token(std::move(token)),
      m_clock(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {
    if (m_token.empty()) throw InvalidInputError("The access token is empty.");
    TokenClaims claims = readTokenClaims(m_token);
    if (!claims.expiresOn)
        throw InvalidInputError(
            "The access token is not a JWT with an expiry (exp claim). Give a Microsoft Graph access token.");
    m_expiresOn = std::chrono::system_clock::time_point(std::chrono::seconds(*claims.expiresOn));
}

AccessToken AccessTokenCredential::requestToken(const Context&) {
    if (m_token.empty()) throw AuthError("The access token was wiped; sign in again.", "signed_out");
    if (m_clock() >= m_expiresOn) {
        std::time_t t = std::chrono::system_clock::to_time_t(m_expiresOn);
        char when[32] = "";
        std::tm tm{};
#ifdef _WIN32
        gmtime_s(&tm, &t);
#else
        gmtime_r(&t, &tm);
#endif
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        throw AuthError(std::string("The access token expired at ") + when +
                            ". A token given directly cannot be renewed: get a new one and sign in again.",
                        "token_expired", 0, "", 401);
    }
    AccessToken token;
    token.token = m_token;
    token.expiresOn = m_expiresOn;
    return token;
}

}  // namespace mfaphone
