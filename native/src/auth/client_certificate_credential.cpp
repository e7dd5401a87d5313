// client_credentials with a certificate: a JWT client assertion signed with the certificate's
// RSA key (PS256 + x5t#S256 by default, RS256 + x5t as an option). Keys are parsed from memory.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>

#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept {
        if (p) Free(p);
    }
};
using UniqueBio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using UniqueKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using UniqueX509 = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using UniqueP12 = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
void freeCerts(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }

std::string base64Url(const unsigned char* data, std::size_t size) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((size + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < size; i += 3) {
        unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i + 1 == size) {
        unsigned v = data[i] << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (i + 2 == size) {
        unsigned v = (data[i] << 16) | (data[i + 1] << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}
std::string base64Url(std::string_view s) {
    return base64Url(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

int passwordCallback(char* buffer, int size, int, void* user) {
    const auto* password = static_cast<const SecretString*>(user);
    if (!password || password->empty() || static_cast<int>(password->size()) > size) return -1;
    std::copy(password->data(), password->data() + password->size(), buffer);
    return static_cast<int>(password->size());
}

bool looksLikePem(const SecretString& data) {
    std::string_view s(data.data(), data.size());
    return s.find("-----BEGIN ") != std::string_view::npos;
}

void clearOpenSslErrors() { ERR_clear_error(); }

}  // namespace

struct CertificateKey::Impl {
    UniqueKey key;
    UniqueX509 certificate;
};

CertificateKey::CertificateKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
CertificateKey::~CertificateKey() { wipe(); }

void CertificateKey::wipe() noexcept {
    // EVP_PKEY_free clears the RSA private components (BN_clear_free) before releasing them.
    if (m_impl) m_impl->key.reset();
}

std::shared_ptr<CertificateKey> CertificateKey::load(const SecretString& data, const SecretString& password,
                                                     const std::vector<unsigned char>& certificateDer) {
    if (data.empty()) throw InvalidInputError("The certificate is empty.");
    auto impl = std::make_unique<Impl>();
    clearOpenSslErrors();
    if (!certificateDer.empty()) {
        // A DER private key (PKCS#8 or PKCS#1) plus the DER certificate.
        const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
        impl->key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(data.size())));
        if (!impl->key)
            throw InvalidInputError(
                "The certificate's private key could not be read (expected a DER RSA key).");
        const unsigned char* c = certificateDer.data();
        impl->certificate.reset(d2i_X509(nullptr, &c, static_cast<long>(certificateDer.size())));
        if (!impl->certificate) throw InvalidInputError("The certificate could not be read (expected DER).");
    } else if (looksLikePem(data)) {
        UniqueBio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        if (!bio) throw InvalidInputError("Out of memory reading the certificate.");
        impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, passwordCallback,
                                                const_cast<SecretString*>(&password)));
        if (!impl->key) {
            unsigned long err = ERR_peek_last_error();
            clearOpenSslErrors();
            std::string_view s(data.data(), data.size());
            if (s.find("PRIVATE KEY-----") == std::string_view::npos)
                throw InvalidInputError(
                    "The PEM file holds no private key. Give a PEM with both the certificate and its private "
                    "key, or a PFX.");
            if (s.find("ENCRYPTED") != std::string_view::npos ||
                ERR_GET_REASON(err) == PEM_R_BAD_PASSWORD_READ || ERR_GET_REASON(err) == EVP_R_BAD_DECRYPT)
                throw InvalidInputError(
                    password.empty() ? "The private key is encrypted. Give its password."
                                     : "The private key could not be decrypted: the password is wrong.");
            throw InvalidInputError("The private key in the PEM file could not be read.");
        }
        // The certificate that belongs to the key (a bundle may hold the chain as well).
        UniqueBio certs(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        while (X509* x = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) {
            UniqueX509 candidate(x);
            if (X509_check_private_key(candidate.get(), impl->key.get()) == 1) {
                impl->certificate = std::move(candidate);
                break;
            }
        }
        clearOpenSslErrors();
        if (!impl->certificate)
            throw InvalidInputError(
                "The PEM file holds no certificate that matches its private key. Give the certificate and "
                "its key together.");
    } else {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
        UniqueP12 p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
        if (!p12)
            throw InvalidInputError(
                "The certificate is neither PEM nor PFX (PKCS#12). Give a .pem with certificate and key, or "
                "a "
                ".pfx with its password.");
        std::string pass(password.data(), password.size());
        struct WipePass {
            std::string& s;
            ~WipePass() { secureZero(s.data(), s.size()); }
        } wipePass{pass};
        const char* passArg = pass.c_str();
        if (!PKCS12_verify_mac(p12.get(), passArg, static_cast<int>(pass.size()))) {
            // A PFX without a password may be protected by an empty or absent one.
            if (!pass.empty() || !PKCS12_verify_mac(p12.get(), nullptr, 0)) {
                clearOpenSslErrors();
                throw InvalidInputError(password.empty()
                                            ? "The PFX is protected by a password. Give its password."
                                            : "The PFX could not be opened: the password is wrong.");
            }
            passArg = nullptr;
        }
        EVP_PKEY* key = nullptr;
        X509* cert = nullptr;
        STACK_OF(X509)* ca = nullptr;
        if (!PKCS12_parse(p12.get(), passArg, &key, &cert, &ca)) {
            clearOpenSslErrors();
            throw InvalidInputError("The PFX could not be read (unsupported encryption or damaged file).");
        }
        freeCerts(ca);
        impl->key.reset(key);
        impl->certificate.reset(cert);
        if (!impl->key) throw InvalidInputError("The PFX holds no private key.");
        if (!impl->certificate) throw InvalidInputError("The PFX holds no certificate.");
    }
    clearOpenSslErrors();
    if (EVP_PKEY_get_base_id(impl->key.get()) != EVP_PKEY_RSA)
        throw InvalidInputError(
            "The certificate's key is not an RSA key; Entra ID client assertions need RSA.");
    if (X509_check_private_key(impl->certificate.get(), impl->key.get()) != 1) {
        clearOpenSslErrors();
        throw InvalidInputError("The private key does not belong to the certificate.");
    }
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
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(m_impl->certificate.get(), EVP_sha1(), md, &len);
    return base64Url(md, len);
}

std::string CertificateKey::thumbprintSha256() const {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(m_impl->certificate.get(), EVP_sha256(), md, &len);
    return base64Url(md, len);
}

std::string CertificateKey::sign(std::string_view data, AssertionAlgorithm algorithm) const {
    if (!m_impl->key) throw AuthError("The certificate's key was wiped; sign in again.", "signed_out");
    UniqueMdCtx ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    std::size_t size = 0;
    bool ok = ctx && EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, m_impl->key.get()) == 1;
    if (ok && algorithm == AssertionAlgorithm::PS256)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
    ok = ok && EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()),
                              data.size()) == 1;
    std::string signature(size, '\0');
    ok = ok && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                              reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    if (!ok) {
        clearOpenSslErrors();
        throw AuthError("Signing the client assertion failed.", "assertion_failed");
    }
    signature.resize(size);
    return signature;
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
    if (RAND_bytes(id, sizeof id) != 1)
        throw AuthError("No randomness for the assertion id.", "assertion_failed");
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
