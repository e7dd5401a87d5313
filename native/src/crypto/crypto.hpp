// The cryptography the core needs, behind one interface with one implementation per platform,
// chosen at build time: OpenSSL's libcrypto (crypto_openssl.cpp, Linux and macOS) or Windows CNG
// (crypto_cng.cpp, bcrypt.dll). Nothing outside these files includes a crypto library's headers.
// Secure zeroing is mfaphone::secureZero (secret.hpp), also implemented by the backend.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mfaphone/secret.hpp"

namespace mfaphone::crypto {

using Bytes = std::vector<unsigned char>;

enum class Hash { Sha1, Sha256 };
constexpr std::size_t digestSize(Hash hash) { return hash == Hash::Sha1 ? 20 : 32; }

// The backend's name ("OpenSSL" or "Windows CNG"), for diagnostics.
const char* backendName() noexcept;

Bytes digest(Hash hash, std::string_view data);
inline Bytes digest(Hash hash, const Bytes& data) {
    return digest(hash, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}
// HMAC of `data` under `key`. The result is as secret as the key: the caller wipes it.
Bytes hmac(Hash hash, std::string_view key, std::string_view data);
// Cryptographically secure random bytes; throws Error(Internal) when none are available.
void randomBytes(unsigned char* out, std::size_t size);
// Compares in a time that depends only on `size`.
bool constantTimeEqual(const void* a, const void* b, std::size_t size) noexcept;

// PBKDF2 (RFC 8018) with HMAC-`hash`: `length` bytes derived from `password` and `salt`.
SecretString pbkdf2(Hash hash, std::string_view password, std::string_view salt, unsigned long iterations,
                    std::size_t length);
// CBC decryption (AES with a 16, 24 or 32-byte key; triple DES with a 24-byte key), padding left in
// place; `ciphertext` is a whole number of blocks.
enum class Cipher { Aes, TripleDes };
SecretString decryptCbc(Cipher cipher, std::string_view key, std::string_view iv,
                        std::string_view ciphertext);

// RSASSA-PKCS1-v1_5 (RS256) or RSASSA-PSS with MGF1-SHA-256 and a 32-byte salt (PS256).
enum class RsaPadding { Pkcs1v15, Pss };

// An RSA private key held by the backend; its memory is wiped when it is destroyed.
class RsaPrivateKey {
public:
    virtual ~RsaPrivateKey() = default;
    // The raw signature (as long as the modulus) over SHA-256 of `data`.
    virtual std::string signSha256(std::string_view data, RsaPadding padding) const = 0;
};

// Whether `signature` over SHA-256 of `data` verifies with the RSA public key of the DER
// certificate. False for a bad signature; InvalidInputError when the certificate is unreadable.
bool verifySha256(const Bytes& certificateDer, std::string_view data, std::string_view signature,
                  RsaPadding padding);

// A private key and the certificate that belongs to it.
struct KeyAndCertificate {
    std::unique_ptr<RsaPrivateKey> key;
    Bytes certificateDer;
};

// The loaders throw InvalidInputError with one of the messages below (or a more precise one);
// no message ever holds key or password bytes.
// A DER private key (PKCS#8 PrivateKeyInfo or PKCS#1 RSAPrivateKey) and its DER certificate.
KeyAndCertificate loadDer(const SecretString& keyDer, const Bytes& certificateDer);
// A PEM bundle: the private key ("PRIVATE KEY", "RSA PRIVATE KEY", or "ENCRYPTED PRIVATE KEY"
// with `password`) and the certificate among the bundle's certificates that matches it.
KeyAndCertificate loadPem(const SecretString& pem, const SecretString& password);
// A PKCS#12 / PFX file protected by `password` (empty: no or an empty password).
KeyAndCertificate loadPkcs12(const SecretString& pfx, const SecretString& password);

namespace message {
inline constexpr const char* kNotRsa =
    "The certificate's key is not an RSA key; Entra ID client assertions need RSA.";
inline constexpr const char* kKeyMismatch = "The private key does not belong to the certificate.";
inline constexpr const char* kDerKeyUnreadable =
    "The certificate's private key could not be read (expected a DER RSA key).";
inline constexpr const char* kDerCertificateUnreadable = "The certificate could not be read (expected DER).";
inline constexpr const char* kPemNoKey =
    "The PEM file holds no private key. Give a PEM with both the certificate and its private key, or a PFX.";
inline constexpr const char* kPemKeyNeedsPassword = "The private key is encrypted. Give its password.";
inline constexpr const char* kPemKeyWrongPassword =
    "The private key could not be decrypted: the password is wrong.";
inline constexpr const char* kPemKeyUnreadable = "The private key in the PEM file could not be read.";
inline constexpr const char* kPemNoMatchingCertificate =
    "The PEM file holds no certificate that matches its private key. Give the certificate and its key "
    "together.";
inline constexpr const char* kNotPemOrPfx =
    "The certificate is neither PEM nor PFX (PKCS#12). Give a .pem with certificate and key, or a .pfx with "
    "its "
    "password.";
inline constexpr const char* kPfxNeedsPassword = "The PFX is protected by a password. Give its password.";
inline constexpr const char* kPfxWrongPassword = "The PFX could not be opened: the password is wrong.";
inline constexpr const char* kPfxUnreadable =
    "The PFX could not be read (unsupported encryption or damaged file).";
inline constexpr const char* kPfxNoKey = "The PFX holds no private key.";
inline constexpr const char* kPfxNoCertificate = "The PFX holds no certificate.";
}  // namespace message

}  // namespace mfaphone::crypto
