// The crypto interface over Windows CNG (bcrypt.dll): hashes, HMAC, random bytes, PBKDF2, AES and
// 3DES, RSA signing and verification. Keys are parsed here from PEM, DER and PFX (der.hpp,
// pkcs.hpp) rather than with crypt32, whose PKCS#8 support Wine lacks, and imported as CNG key
// blobs that are wiped once imported. No OpenSSL on Windows.
#include <windows.h>
// bcrypt.h needs the types windows.h declares.
#include <bcrypt.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "crypto/crypto.hpp"
#include "crypto/der.hpp"
#include "crypto/pkcs.hpp"
#include "mfaphone/errors.hpp"

namespace mfaphone {

void secureZero(void* data, std::size_t size) noexcept {
    if (data && size) SecureZeroMemory(data, size);
}

namespace crypto {
namespace {

bool ok(NTSTATUS status) { return status >= 0; }

[[noreturn]] void fail(const char* what, NTSTATUS status) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%08lX", static_cast<unsigned long>(status));
    throw Error(ErrorKind::Internal, std::string(what) + " failed in Windows CNG (status " + code + ").");
}

// Algorithm providers, opened once per process (CNG handles are safe to share between threads).
enum Provider { kSha1, kSha256, kHmacSha1, kHmacSha256, kRsa, kAes, kTripleDes, kProviderCount };
BCRYPT_ALG_HANDLE provider(Provider which) {
    static BCRYPT_ALG_HANDLE handles[kProviderCount] = {};
    static NTSTATUS statuses[kProviderCount] = {};
    static std::once_flag once[kProviderCount];
    std::call_once(once[which], [which] {
        const wchar_t* ids[] = {BCRYPT_SHA1_ALGORITHM,   BCRYPT_SHA256_ALGORITHM, BCRYPT_SHA1_ALGORITHM,
                                BCRYPT_SHA256_ALGORITHM, BCRYPT_RSA_ALGORITHM,    BCRYPT_AES_ALGORITHM,
                                BCRYPT_3DES_ALGORITHM};
        ULONG flags = which == kHmacSha1 || which == kHmacSha256 ? BCRYPT_ALG_HANDLE_HMAC_FLAG : 0;
        statuses[which] = BCryptOpenAlgorithmProvider(&handles[which], ids[which], nullptr, flags);
        if (ok(statuses[which]) && (which == kAes || which == kTripleDes))
            statuses[which] =
                BCryptSetProperty(handles[which], BCRYPT_CHAINING_MODE,
                                  reinterpret_cast<PUCHAR>(const_cast<wchar_t*>(BCRYPT_CHAIN_MODE_CBC)),
                                  sizeof(BCRYPT_CHAIN_MODE_CBC), 0);
    });
    if (!ok(statuses[which])) fail("Opening an algorithm provider", statuses[which]);
    return handles[which];
}

PUCHAR bytes(const void* p) { return static_cast<PUCHAR>(const_cast<void*>(p)); }
ULONG ulong(std::size_t n) {
    if (n > 0xFFFFFFFFu) throw InvalidInputError("The data is too large.");
    return static_cast<ULONG>(n);
}

Bytes hashWith(BCRYPT_ALG_HANDLE algorithm, Hash hash, std::string_view key, std::string_view data) {
    Bytes out(digestSize(hash));
    NTSTATUS status = BCryptHash(algorithm, key.empty() ? nullptr : bytes(key.data()), ulong(key.size()),
                                 bytes(data.data()), ulong(data.size()), out.data(), ulong(out.size()));
    if (!ok(status)) fail("Hashing", status);
    return out;
}

struct KeyHandle {
    BCRYPT_KEY_HANDLE handle = nullptr;
    KeyHandle() = default;
    KeyHandle(const KeyHandle&) = delete;
    KeyHandle& operator=(const KeyHandle&) = delete;
    ~KeyHandle() {
        if (handle) BCryptDestroyKey(handle);  // CNG wipes the key material it held
    }
};

class CngRsaKey final : public RsaPrivateKey {
public:
    explicit CngRsaKey(const der::RsaPrivateComponents& components) {
        SecretString blob = der::rsaFullPrivateBlob(components);
        NTSTATUS status = BCryptImportKeyPair(provider(kRsa), nullptr, BCRYPT_RSAFULLPRIVATE_BLOB,
                                              &m_key.handle, bytes(blob.data()), ulong(blob.size()), 0);
        if (!ok(status))
            throw InvalidInputError("The private key could not be imported: it is not a valid RSA key.");
        m_modulus.assign(components.n.data(), components.n.data() + components.n.size());
        m_exponent.assign(components.e.data(), components.e.data() + components.e.size());
    }
    std::string signSha256(std::string_view data, RsaPadding padding) const override {
        Bytes hash = digest(Hash::Sha256, data);
        BCRYPT_PKCS1_PADDING_INFO pkcs1{BCRYPT_SHA256_ALGORITHM};
        BCRYPT_PSS_PADDING_INFO pss{BCRYPT_SHA256_ALGORITHM, 32};
        void* info = padding == RsaPadding::Pss ? static_cast<void*>(&pss) : static_cast<void*>(&pkcs1);
        ULONG flags = padding == RsaPadding::Pss ? BCRYPT_PAD_PSS : BCRYPT_PAD_PKCS1;
        ULONG size = 0;
        NTSTATUS status =
            BCryptSignHash(m_key.handle, info, hash.data(), ulong(hash.size()), nullptr, 0, &size, flags);
        std::string signature(size, '\0');
        if (ok(status))
            status = BCryptSignHash(m_key.handle, info, hash.data(), ulong(hash.size()),
                                    bytes(signature.data()), size, &size, flags);
        if (!ok(status)) throw AuthError("Signing the client assertion failed.", "assertion_failed");
        signature.resize(size);
        return signature;
    }
    bool matches(const der::RsaPublicComponents& key) const {
        return key.n == m_modulus && key.e == m_exponent;
    }

private:
    KeyHandle m_key;
    Bytes m_modulus, m_exponent;
};

std::string_view view(const SecretString& s) { return std::string_view(s.data(), s.size()); }

// The RSA key in a PrivateKeyInfo / RSAPrivateKey; `unreadable` is the message for a malformed one.
std::unique_ptr<CngRsaKey> importKey(const SecretString& der, const char* unreadable) {
    der::RsaPrivateComponents components;
    try {
        components = der::parseRsaPrivateKey(der::spanOf(der));
    } catch (const der::NotRsaError&) {
        throw InvalidInputError(message::kNotRsa);
    } catch (const InvalidInputError&) {
        throw InvalidInputError(unreadable);
    }
    return std::make_unique<CngRsaKey>(components);
}

// Whether the DER certificate carries the key's public half; false for an unreadable one.
bool certificateMatches(const CngRsaKey& key, const Bytes& certificate) {
    try {
        return key.matches(der::certificateRsaPublicKey(der::spanOf(certificate)));
    } catch (const InvalidInputError&) {
        return false;
    }
}

KeyAndCertificate pick(std::unique_ptr<CngRsaKey> key, const std::vector<Bytes>& certificates,
                       const char* noMatch) {
    for (const auto& certificate : certificates)
        if (certificateMatches(*key, certificate)) {
            KeyAndCertificate out;
            out.certificateDer = certificate;
            out.key = std::move(key);
            return out;
        }
    throw InvalidInputError(noMatch);
}

}  // namespace

const char* backendName() noexcept { return "Windows CNG"; }

Bytes digest(Hash hash, std::string_view data) {
    return hashWith(provider(hash == Hash::Sha1 ? kSha1 : kSha256), hash, {}, data);
}

Bytes hmac(Hash hash, std::string_view key, std::string_view data) {
    // CNG refuses a null secret; an empty HMAC key is zero bytes of padding either way.
    static const char zero = 0;
    if (key.empty()) key = std::string_view(&zero, 1).substr(0, 0);
    Bytes out(digestSize(hash));
    NTSTATUS status =
        BCryptHash(provider(hash == Hash::Sha1 ? kHmacSha1 : kHmacSha256), bytes(key.data()),
                   ulong(key.size()), bytes(data.data()), ulong(data.size()), out.data(), ulong(out.size()));
    if (!ok(status)) fail("HMAC", status);
    return out;
}

void randomBytes(unsigned char* out, std::size_t size) {
    if (!size) return;
    NTSTATUS status = BCryptGenRandom(nullptr, out, ulong(size), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (!ok(status)) fail("Generating random bytes", status);
}

bool constantTimeEqual(const void* a, const void* b, std::size_t size) noexcept {
    const volatile unsigned char* x = static_cast<const unsigned char*>(a);
    const volatile unsigned char* y = static_cast<const unsigned char*>(b);
    unsigned char diff = 0;
    for (std::size_t i = 0; i < size; ++i) diff = static_cast<unsigned char>(diff | (x[i] ^ y[i]));
    return diff == 0;
}

SecretString pbkdf2(Hash hash, std::string_view password, std::string_view salt, unsigned long iterations,
                    std::size_t length) {
    Bytes out(length);
    NTSTATUS status =
        BCryptDeriveKeyPBKDF2(provider(hash == Hash::Sha1 ? kHmacSha1 : kHmacSha256), bytes(password.data()),
                              ulong(password.size()), bytes(salt.data()), ulong(salt.size()), iterations,
                              out.data(), ulong(out.size()), 0);
    SecretString key(reinterpret_cast<const char*>(out.data()), out.size());
    secureZero(out.data(), out.size());
    if (!ok(status)) fail("PBKDF2", status);
    return key;
}

SecretString decryptCbc(Cipher cipher, std::string_view key, std::string_view iv,
                        std::string_view ciphertext) {
    KeyHandle handle;
    NTSTATUS status =
        BCryptGenerateSymmetricKey(provider(cipher == Cipher::Aes ? kAes : kTripleDes), &handle.handle,
                                   nullptr, 0, bytes(key.data()), ulong(key.size()), 0);
    if (!ok(status)) fail("Importing a decryption key", status);
    Bytes ivCopy(iv.begin(), iv.end());  // BCryptDecrypt updates the IV
    Bytes out(ciphertext.size());
    ULONG size = 0;
    status = BCryptDecrypt(handle.handle, bytes(ciphertext.data()), ulong(ciphertext.size()), nullptr,
                           ivCopy.data(), ulong(ivCopy.size()), out.data(), ulong(out.size()), &size, 0);
    SecretString plain(reinterpret_cast<const char*>(out.data()), ok(status) ? size : 0);
    secureZero(out.data(), out.size());
    if (!ok(status)) fail("Decryption", status);
    return plain;
}

bool verifySha256(const Bytes& certificateDer, std::string_view data, std::string_view signature,
                  RsaPadding padding) {
    der::RsaPublicComponents publicKey;
    try {
        publicKey = der::certificateRsaPublicKey(der::spanOf(certificateDer));
    } catch (const InvalidInputError&) {
        throw InvalidInputError(message::kDerCertificateUnreadable);
    }
    Bytes blob = der::rsaPublicBlob(publicKey);
    KeyHandle key;
    NTSTATUS status = BCryptImportKeyPair(provider(kRsa), nullptr, BCRYPT_RSAPUBLIC_BLOB, &key.handle,
                                          blob.data(), ulong(blob.size()), 0);
    if (!ok(status)) throw InvalidInputError(message::kDerCertificateUnreadable);
    Bytes hash = digest(Hash::Sha256, data);
    BCRYPT_PKCS1_PADDING_INFO pkcs1{BCRYPT_SHA256_ALGORITHM};
    BCRYPT_PSS_PADDING_INFO pss{BCRYPT_SHA256_ALGORITHM, 32};
    void* info = padding == RsaPadding::Pss ? static_cast<void*>(&pss) : static_cast<void*>(&pkcs1);
    status = BCryptVerifySignature(key.handle, info, hash.data(), ulong(hash.size()), bytes(signature.data()),
                                   ulong(signature.size()),
                                   padding == RsaPadding::Pss ? BCRYPT_PAD_PSS : BCRYPT_PAD_PKCS1);
    return ok(status);
}

KeyAndCertificate loadDer(const SecretString& keyDer, const Bytes& certificateDer) {
    auto key = importKey(keyDer, message::kDerKeyUnreadable);
    try {
        der::certificateRsaPublicKey(der::spanOf(certificateDer));
    } catch (const der::NotRsaError&) {
        throw InvalidInputError(message::kKeyMismatch);
    } catch (const InvalidInputError&) {
        throw InvalidInputError(message::kDerCertificateUnreadable);
    }
    return pick(std::move(key), {certificateDer}, message::kKeyMismatch);
}

KeyAndCertificate loadPem(const SecretString& pem, const SecretString& password) {
    std::vector<der::PemBlock> blocks = der::parsePem(view(pem));
    const der::PemBlock* keyBlock = nullptr;
    std::vector<Bytes> certificates;
    for (const auto& block : blocks) {
        if (block.label == "CERTIFICATE" || block.label == "X509 CERTIFICATE" ||
            block.label == "TRUSTED CERTIFICATE")
            certificates.emplace_back(block.der.data(), block.der.data() + block.der.size());
        else if (!keyBlock && block.label.size() >= 11 &&
                 block.label.compare(block.label.size() - 11, 11, "PRIVATE KEY") == 0)
            keyBlock = &block;
    }
    if (!keyBlock) {
        if (view(pem).find("PRIVATE KEY-----") != std::string_view::npos)
            throw InvalidInputError(message::kPemKeyUnreadable);
        throw InvalidInputError(message::kPemNoKey);
    }
    std::unique_ptr<CngRsaKey> key;
    const std::string& label = keyBlock->label;
    if (label == "ENCRYPTED PRIVATE KEY") {
        if (password.empty()) throw InvalidInputError(message::kPemKeyNeedsPassword);
        SecretString plain;
        try {
            plain = decryptPrivateKeyInfo(der::spanOf(keyBlock->der), password);
        } catch (const WrongPasswordError&) {
            throw InvalidInputError(message::kPemKeyWrongPassword);
        }
        // A wrong password whose padding happened to look right decrypts to something unreadable.
        key = importKey(plain, message::kPemKeyWrongPassword);
    } else if (label == "PRIVATE KEY" || label == "RSA PRIVATE KEY") {
        if (keyBlock->hasHeaders) {
            if (password.empty()) throw InvalidInputError(message::kPemKeyNeedsPassword);
            throw InvalidInputError(
                "The private key uses the legacy PEM encryption, which is not supported on Windows. Convert "
                "it to an "
                "encrypted PKCS#8 key (openssl pkcs8 -topk8 -v2 aes-256-cbc) or a PFX.");
        }
        key = importKey(keyBlock->der, message::kPemKeyUnreadable);
    } else {
        throw InvalidInputError(message::kNotRsa);  // EC, DSA, ...
    }
    return pick(std::move(key), certificates, message::kPemNoMatchingCertificate);
}

KeyAndCertificate loadPkcs12(const SecretString& pfx, const SecretString& password) {
    Pkcs12Contents contents = readPkcs12(der::spanOf(pfx), password);
    if (contents.keys.empty()) throw InvalidInputError(message::kPfxNoKey);
    if (contents.certificates.empty()) throw InvalidInputError(message::kPfxNoCertificate);
    auto key = importKey(contents.keys.front(), message::kPfxUnreadable);
    return pick(std::move(key), contents.certificates, message::kKeyMismatch);
}

}  // namespace crypto
}  // namespace mfaphone
