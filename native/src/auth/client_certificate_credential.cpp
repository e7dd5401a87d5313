// client_credentials with a certificate: a JWT client assertion signed with the certificate's
// RSA key (PS256 + x5t#S256 by default, RS256 + x5t as an option). Keys are parsed from memory by
// the platform's crypto backend (crypto/crypto.hpp).
#include <cstdio>

#include "../core/json.hpp"
#include "crypto/crypto.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/base64.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

std::string base64Url(std::string_view s) { return base64::encode(s, base64::Alphabet::Url); }
std::string base64Url(const unsigned char* data, std::size_t size) {
    return base64Url(std::string_view(reinterpret_cast<const char*>(data), size));
}

bool looksLikePem(const SecretString& data) {
    std::string_view s(data.data(), data.size());
    return s.find("-----BEGIN ") != std::string_view::npos;
}

}  // namespace

struct CertificateKey::Impl {
    std::unique_ptr<crypto::RsaPrivateKey> key;
    crypto::Bytes certificateDer;
};

CertificateKey::CertificateKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
CertificateKey::~CertificateKey() { wipe(); }

void CertificateKey::wipe() noexcept {
    // The backend wipes the private key's memory as it releases it.
    if (m_impl) m_impl->key.reset();
}

std::shared_ptr<CertificateKey> CertificateKey::load(const SecretString& data, const SecretString& password,
                                                     const std::vector<unsigned char>& certificateDer) {
    if (data.empty()) throw InvalidInputError("The certificate is empty.");
    crypto::KeyAndCertificate loaded;
    if (!certificateDer.empty())
        loaded = crypto::loadDer(data, certificateDer);  // a DER private key (PKCS#8 or PKCS#1)
    else if (looksLikePem(data))
        loaded = crypto::loadPem(data, password);
    else
        loaded = crypto::loadPkcs12(data, password);
    auto impl = std::make_unique<Impl>();
    impl->key = std::move(loaded.key);
    impl->certificateDer = std::move(loaded.certificateDer);
    return std::shared_ptr<CertificateKey>(new CertificateKey(std::move(impl)));
}

std::shared_ptr<CertificateKey> CertificateKey::loadFile(const std::string& path,
                                                         const SecretString& password) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) throw InvalidInputError("The certificate file '" + path + "' could not be opened.");
    std::setvbuf(file, nullptr, _IONBF, 0);  // no stdio buffer holding key bytes
    SecretString data;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
        data.append(chunk, n);
        if (data.size() > 1024 * 1024) {
            std::fclose(file);
            secureZero(chunk, sizeof chunk);
            throw InvalidInputError("The certificate file '" + path + "' is larger than 1 MB.");
        }
    }
    std::fclose(file);
    secureZero(chunk, sizeof chunk);
    return load(data, password);
}

std::string CertificateKey::thumbprintSha1() const {
    crypto::Bytes md = crypto::digest(crypto::Hash::Sha1, m_impl->certificateDer);
    return base64Url(md.data(), md.size());
}

std::string CertificateKey::thumbprintSha256() const {
    crypto::Bytes md = crypto::digest(crypto::Hash::Sha256, m_impl->certificateDer);
    return base64Url(md.data(), md.size());
}

std::string CertificateKey::sign(std::string_view data, AssertionAlgorithm algorithm) const {
    if (!m_impl->key) throw AuthError("The certificate's key was wiped; sign in again.", "signed_out");
    return m_impl->key->signSha256(data, algorithm == AssertionAlgorithm::PS256
                                             ? crypto::RsaPadding::Pss
                                             : crypto::RsaPadding::Pkcs1v15);
}

AssertionAlgorithm parseAssertionAlgorithm(const std::string& name) {
    if (name.empty() || name == "PS256" || name == "ps256") return AssertionAlgorithm::PS256;
    if (name == "RS256" || name == "rs256") return AssertionAlgorithm::RS256;
    throw InvalidInputError("Unknown signature algorithm '" + name + "'. Use PS256 or RS256.");
}

ClientCertificateCredential::ClientCertificateCredential(
    std::shared_ptr<Transport> transport, CloudEndpoints cloud, std::string tenantId, std::string clientId,
    std::shared_ptr<CertificateKey> key, AssertionAlgorithm algorithm, Logger logger, Clock clock)
    : m_transport(std::move(transport)),
      m_cloud(std::move(cloud)),
      m_tenantId(std::move(tenantId)),
      m_clientId(std::move(clientId)),
      m_key(std::move(key)),
      m_algorithm(algorithm),
      m_logger(std::move(logger)),
      m_clock(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {
    if (m_tenantId.empty())
        throw InvalidInputError("TenantId is empty. Give the tenant's id (GUID) or verified domain.");
    if (m_clientId.empty()) throw InvalidInputError("ClientId is empty. Give the application (client) id.");
    tenantPathSegment(m_tenantId);  // refuses a tenant made only of dots
    if (!m_key) throw InvalidInputError("No certificate was given.");
}

void ClientCertificateCredential::wipe() noexcept {
    if (m_key) m_key->wipe();
}

SecretString ClientCertificateCredential::assertion() const {
    Json header = {{"alg", m_algorithm == AssertionAlgorithm::PS256 ? "PS256" : "RS256"}, {"typ", "JWT"}};
    if (m_algorithm == AssertionAlgorithm::PS256)
        header["x5t#S256"] = m_key->thumbprintSha256();
    else
        header["x5t"] = m_key->thumbprintSha1();
    unsigned char id[16];
    crypto::randomBytes(id, sizeof id);
    id[6] = static_cast<unsigned char>((id[6] & 0x0F) | 0x40);
    id[8] = static_cast<unsigned char>((id[8] & 0x3F) | 0x80);
    char jti[37];
    std::snprintf(jti, sizeof jti, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11],
                  id[12], id[13], id[14], id[15]);
    long long now = std::chrono::duration_cast<std::chrono::seconds>(m_clock().time_since_epoch()).count();
    Json claims = {{"aud", tokenEndpointUrl(m_cloud, m_tenantId)},
                   {"iss", m_clientId},
                   {"sub", m_clientId},
                   {"jti", jti},
                   {"nbf", now},
                   {"iat", now},
                   {"exp", now + 600}};
    std::string signingInput = base64Url(header.dump()) + "." + base64Url(claims.dump());
    std::string signature = m_key->sign(signingInput, m_algorithm);
    std::string encoded = base64Url(signature);
    SecretString jwt(signingInput.data(), signingInput.size());
    jwt.append(".", 1);
    jwt.append(encoded.data(), encoded.size());
    secureZero(encoded.data(), encoded.size());
    secureZero(signature.data(), signature.size());
    return jwt;
}

AccessToken ClientCertificateCredential::requestToken(const Context& context) {
    SecretString jwt = assertion();
    SecretForm form;
    form.add("client_id", m_clientId)
        .add("scope", m_cloud.graphResource + "/.default")
        .add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        .add("client_assertion", jwt)
        .add("grant_type", "client_credentials");
    jwt.wipe();
    m_logger.log(LogLevel::Verbose, "auth",
                 "requesting a token for app " + m_clientId + " in tenant " + m_tenantId + " (certificate, " +
                     (m_algorithm == AssertionAlgorithm::PS256 ? "PS256" : "RS256") + ")");
    return postTokenRequest(*m_transport, tokenEndpointUrl(m_cloud, m_tenantId), form.take(), context);
}

}  // namespace mfaphone
