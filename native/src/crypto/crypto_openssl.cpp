// The crypto interface over OpenSSL's libcrypto (Linux, macOS). Keys and certificates are parsed
// from memory, never from a temporary file.
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>

#include "crypto/crypto.hpp"
#include "mfaphone/errors.hpp"

namespace mfaphone {

void secureZero(void* data, std::size_t size) noexcept {
    if (data && size) OPENSSL_cleanse(data, size);
}

namespace crypto {
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

const EVP_MD* md(Hash hash) { return hash == Hash::Sha1 ? EVP_sha1() : EVP_sha256(); }

class OpenSslRsaKey final : public RsaPrivateKey {
public:
    // EVP_PKEY_free clears the RSA private components (BN_clear_free) before releasing them.
    explicit OpenSslRsaKey(UniqueKey key) : m_key(std::move(key)) {}
    std::string signSha256(std::string_view data, RsaPadding padding) const override {
        UniqueMdCtx ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr;
        std::size_t size = 0;
        const auto* in = reinterpret_cast<const unsigned char*>(data.data());
        bool ok = ctx && EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, m_key.get()) == 1;
        if (ok && padding == RsaPadding::Pss)
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
        ok = ok && EVP_DigestSign(ctx.get(), nullptr, &size, in, data.size()) == 1;
        std::string signature(size, '\0');
        ok = ok && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, in,
                                  data.size()) == 1;
        if (!ok) {
            ERR_clear_error();
            throw AuthError("Signing the client assertion failed.", "assertion_failed");
        }
        signature.resize(size);
        return signature;
    }
    EVP_PKEY* get() const { return m_key.get(); }

private:
    UniqueKey m_key;
};

int passwordCallback(char* buffer, int size, int, void* user) {
    const auto* password = static_cast<const SecretString*>(user);
    if (!password || password->empty() || static_cast<int>(password->size()) > size) return -1;
    std::copy(password->data(), password->data() + password->size(), buffer);
    return static_cast<int>(password->size());
}

Bytes toDer(X509* certificate) {
    unsigned char* out = nullptr;
    int n = i2d_X509(certificate, &out);
    if (n <= 0) throw InvalidInputError(message::kDerCertificateUnreadable);
    Bytes der(out, out + n);
    OPENSSL_free(out);
    return der;
}

// Checks the key's type and that it belongs to the certificate; takes ownership of both.
KeyAndCertificate finish(UniqueKey key, UniqueX509 certificate) {
    ERR_clear_error();
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) throw InvalidInputError(message::kNotRsa);
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        throw InvalidInputError(message::kKeyMismatch);
    }
    KeyAndCertificate out;
    out.certificateDer = toDer(certificate.get());
    out.key = std::make_unique<OpenSslRsaKey>(std::move(key));
    return out;
}

}  // namespace

const char* backendName() noexcept { return "OpenSSL"; }

Bytes digest(Hash hash, std::string_view data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &size, md(hash), nullptr) != 1)
        throw Error(ErrorKind::Internal, "The digest could not be computed.");
    out.resize(size);
    return out;
}

Bytes hmac(Hash hash, std::string_view key, std::string_view data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (!HMAC(md(hash), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size))
        throw Error(ErrorKind::Internal, "The HMAC could not be computed.");
    out.resize(size);
    return out;
}

void randomBytes(unsigned char* out, std::size_t size) {
    if (size && RAND_bytes(out, static_cast<int>(size)) != 1)
        throw Error(ErrorKind::Internal, "No random bytes are available.");
}

bool constantTimeEqual(const void* a, const void* b, std::size_t size) noexcept {
    return size == 0 || CRYPTO_memcmp(a, b, size) == 0;
}

SecretString pbkdf2(Hash hash, std::string_view password, std::string_view salt, unsigned long iterations,
                    std::size_t length) {
    Bytes out(length);
    bool ok =
        PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                          static_cast<int>(iterations), md(hash), static_cast<int>(length), out.data()) == 1;
    SecretString key(reinterpret_cast<const char*>(out.data()), out.size());
    secureZero(out.data(), out.size());
    if (!ok) throw Error(ErrorKind::Internal, "PBKDF2 could not be computed.");
    return key;
}

SecretString decryptCbc(Cipher cipher, std::string_view key, std::string_view iv,
                        std::string_view ciphertext) {
    const EVP_CIPHER* type = nullptr;
    if (cipher == Cipher::TripleDes && key.size() == 24)
        type = EVP_des_ede3_cbc();
    else if (cipher == Cipher::Aes)
        type = key.size() == 16   ? EVP_aes_128_cbc()
               : key.size() == 24 ? EVP_aes_192_cbc()
               : key.size() == 32 ? EVP_aes_256_cbc()
                                  : nullptr;
    if (!type || iv.size() != static_cast<std::size_t>(EVP_CIPHER_get_iv_length(type)))
        throw Error(ErrorKind::Internal, "Unsupported cipher key or IV length.");
    std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>> ctx(EVP_CIPHER_CTX_new());
    Bytes out(ciphertext.size() + 32);
    int n1 = 0, n2 = 0;
    bool ok = ctx &&
              EVP_DecryptInit_ex(ctx.get(), type, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                                 reinterpret_cast<const unsigned char*>(iv.data())) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
              EVP_DecryptUpdate(ctx.get(), out.data(), &n1,
                                reinterpret_cast<const unsigned char*>(ciphertext.data()),
                                static_cast<int>(ciphertext.size())) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), out.data() + n1, &n2) == 1;
    SecretString plain(reinterpret_cast<const char*>(out.data()), ok ? static_cast<std::size_t>(n1 + n2) : 0);
    secureZero(out.data(), out.size());
    if (!ok) {
        ERR_clear_error();
        throw Error(ErrorKind::Internal, "The decryption failed.");
    }
    return plain;
}

bool verifySha256(const Bytes& certificateDer, std::string_view data, std::string_view signature,
                  RsaPadding padding) {
    const unsigned char* c = certificateDer.data();
    UniqueX509 certificate(d2i_X509(nullptr, &c, static_cast<long>(certificateDer.size())));
    if (!certificate) {
        ERR_clear_error();
        throw InvalidInputError(message::kDerCertificateUnreadable);
    }
    EVP_PKEY* key = X509_get0_pubkey(certificate.get());
    UniqueMdCtx ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    bool ok = key && ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) == 1;
    if (ok && padding == RsaPadding::Pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
    ok = ok && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                                data.size()) == 1;
    ERR_clear_error();
    return ok;
}

KeyAndCertificate loadDer(const SecretString& keyDer, const Bytes& certificateDer) {
    ERR_clear_error();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(keyDer.data());
    UniqueKey key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(keyDer.size())));
    if (!key) {
        ERR_clear_error();
        throw InvalidInputError(message::kDerKeyUnreadable);
    }
    const unsigned char* c = certificateDer.data();
    UniqueX509 certificate(d2i_X509(nullptr, &c, static_cast<long>(certificateDer.size())));
    if (!certificate) {
        ERR_clear_error();
        throw InvalidInputError(message::kDerCertificateUnreadable);
    }
    return finish(std::move(key), std::move(certificate));
}

KeyAndCertificate loadPem(const SecretString& pem, const SecretString& password) {
    ERR_clear_error();
    UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw InvalidInputError("Out of memory reading the certificate.");
    UniqueKey key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, passwordCallback, const_cast<SecretString*>(&password)));
    if (!key) {
        unsigned long err = ERR_peek_last_error();
        ERR_clear_error();
        std::string_view s(pem.data(), pem.size());
        if (s.find("PRIVATE KEY-----") == std::string_view::npos) throw InvalidInputError(message::kPemNoKey);
        if (s.find("ENCRYPTED") != std::string_view::npos || ERR_GET_REASON(err) == PEM_R_BAD_PASSWORD_READ ||
            ERR_GET_REASON(err) == EVP_R_BAD_DECRYPT)
            throw InvalidInputError(password.empty() ? message::kPemKeyNeedsPassword
                                                     : message::kPemKeyWrongPassword);
        throw InvalidInputError(message::kPemKeyUnreadable);
    }
    // The certificate that belongs to the key (a bundle may hold the chain as well).
    UniqueX509 certificate;
    UniqueBio certs(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (X509* x = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) {
        UniqueX509 candidate(x);
        if (X509_check_private_key(candidate.get(), key.get()) == 1) {
            certificate = std::move(candidate);
            break;
        }
    }
    ERR_clear_error();
    if (!certificate) throw InvalidInputError(message::kPemNoMatchingCertificate);
    return finish(std::move(key), std::move(certificate));
}

KeyAndCertificate loadPkcs12(const SecretString& pfx, const SecretString& password) {
    ERR_clear_error();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(pfx.data());
    UniqueP12 p12(d2i_PKCS12(nullptr, &p, static_cast<long>(pfx.size())));
    if (!p12) {
        ERR_clear_error();
        throw InvalidInputError(message::kNotPemOrPfx);
    }
    std::string pass(password.data(), password.size());
    struct WipePass {
        std::string& s;
        ~WipePass() { secureZero(s.data(), s.size()); }
    } wipePass{pass};
    const char* passArg = pass.c_str();
    if (!PKCS12_verify_mac(p12.get(), passArg, static_cast<int>(pass.size()))) {
        // A PFX without a password may be protected by an empty or absent one.
        if (!pass.empty() || !PKCS12_verify_mac(p12.get(), nullptr, 0)) {
            ERR_clear_error();
            throw InvalidInputError(password.empty() ? message::kPfxNeedsPassword
                                                     : message::kPfxWrongPassword);
        }
        passArg = nullptr;
    }
    EVP_PKEY* rawKey = nullptr;
    X509* rawCert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (!PKCS12_parse(p12.get(), passArg, &rawKey, &rawCert, &ca)) {
        ERR_clear_error();
        throw InvalidInputError(message::kPfxUnreadable);
    }
    freeCerts(ca);
    UniqueKey key(rawKey);
    UniqueX509 certificate(rawCert);
    if (!key) throw InvalidInputError(message::kPfxNoKey);
    if (!certificate) throw InvalidInputError(message::kPfxNoCertificate);
    return finish(std::move(key), std::move(certificate));
}

}  // namespace crypto
}  // namespace mfaphone
