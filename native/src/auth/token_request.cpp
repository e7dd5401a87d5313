// Form bodies built in zeroing storage, and the POST to a token endpoint.
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

bool isUnreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void appendEncoded(SecretString& out, std::string_view value) {
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char c : value) {
        if (isUnreserved(c)) {
            char plain = static_cast<char>(c);
            out.append(&plain, 1);
        } else {
            char escaped[3] = {'%', hex[c >> 4], hex[c & 15]};
            out.append(escaped, 3);
            secureZero(escaped, sizeof escaped);
        }
    }
}

}  // namespace

SecretForm& SecretForm::add(std::string_view name, std::string_view value) {
    if (!m_body.empty()) m_body.append("&", 1);
    appendEncoded(m_body, name);
    m_body.append("=", 1);
    appendEncoded(m_body, value);
    return *this;
}

std::string tokenEndpointUrl(const CloudEndpoints& cloud, const std::string& tenantId) {
    return cloud.authorityHost + "/" + tenantPathSegment(tenantId) + "/oauth2/v2.0/token";
}

AccessToken postTokenRequest(Transport& transport, const std::string& url, SecretString body,
                             const Context& context) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.idempotent = true;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    request.body = std::move(body);
    HttpResponse response = transport.send(request, context);
    request.body.wipe();
    AccessToken token = parseTokenResponse(response, std::chrono::system_clock::now());
    response.body.assign(response.body.size(), '\0');
    return token;
}

}  // namespace mfaphone
