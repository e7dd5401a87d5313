// Plain C++ readers for the key and certificate formats the Windows CNG backend parses itself
// (Wine's crypt32 cannot decode PKCS#8), compiled and tested on every platform: PEM armour, a
// bounds-checked DER reader, PKCS#8 / PKCS#1 RSA private keys, a certificate's RSA public key,
// PBES2 parameters, and CNG's RSA key blob layout. Errors are InvalidInputError naming what is
// wrong; they never quote the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/secret.hpp"

namespace mfaphone::der {

using Bytes = std::vector<unsigned char>;

// A view of bytes inside a buffer the caller keeps alive.
struct Span {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
    bool operator==(const Span& other) const;
    std::string_view view() const { return std::string_view(reinterpret_cast<const char*>(data), size); }
};
inline Span spanOf(std::string_view s) {
    return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}
inline Span spanOf(const Bytes& b) { return {b.data(), b.size()}; }
inline Span spanOf(const SecretString& s) { return spanOf(std::string_view(s.data(), s.size())); }

enum Tag : unsigned char {
    kInteger = 0x02,
    kBitString = 0x03,
    kOctetString = 0x04,
    kNull = 0x05,
    kOid = 0x06,
    kSequence = 0x30,
    kSet = 0x31,
    kContext0 = 0xA0,  // [0] constructed
    kContext1 = 0xA1,
};

// Reads DER TLVs from a span; every length is checked against what is left. A failure throws
// InvalidInputError("<subject> could not be read: <reason>.").
class Reader {
public:
    // `ber`: also accept BER's indefinite lengths on constructed values (PKCS#12 files made by
    // some tools use them); keys and certificates are DER only.
    Reader(Span input, std::string subject, bool ber = false, int depth = 0)
        : m_data(input.data), m_size(input.size), m_subject(std::move(subject)), m_ber(ber), m_depth(depth) {}
    bool atEnd() const { return m_offset == m_size; }
    // The next TLV's tag, without consuming it; 0 at the end.
    unsigned char peekTag() const { return atEnd() ? 0 : m_data[m_offset]; }
    // Consumes one TLV with this tag and returns its contents.
    Span read(unsigned char tag);
    // Consumes the next TLV, whatever its tag.
    Span readAny();
    // Consumes one TLV with this tag and returns it whole (tag and length included).
    Span readWhole(unsigned char tag);
    // Consumes one TLV with this tag when it is next.
    bool readOptional(unsigned char tag, Span& contents);
    // A reader over the contents of the next TLV (a SEQUENCE unless told).
    Reader enter(unsigned char tag = kSequence);
    // A non-negative INTEGER, big-endian without leading zero bytes (zero is one 0x00 byte).
    Span readUnsigned();
    // A small non-negative INTEGER (versions, iteration counts).
    unsigned long readSmall(unsigned long max);
    void expectEnd();
    [[noreturn]] void fail(const char* reason) const;
    const std::string& subject() const { return m_subject; }

private:
    const unsigned char* m_data;
    std::size_t m_size;
    std::size_t m_offset = 0;
    std::string m_subject;
    bool m_ber = false;
    int m_depth = 0;
};

// Object identifiers, as DER contents (without tag and length).
namespace oid {
extern const Span kRsaEncryption;  // 1.2.840.113549.1.1.1
extern const Span kPbes2;          // 1.2.840.113549.1.5.13
extern const Span kPbkdf2;         // 1.2.840.113549.1.5.12
extern const Span kHmacSha1;       // 1.2.840.113549.2.7
extern const Span kHmacSha256;     // 1.2.840.113549.2.9
extern const Span kAes128Cbc;      // 2.16.840.1.101.3.4.1.2
extern const Span kAes192Cbc;      // 2.16.840.1.101.3.4.1.22
extern const Span kAes256Cbc;      // 2.16.840.1.101.3.4.1.42
}  // namespace oid

// An RSA private key's components, big-endian without leading zeros, in zeroing memory.
struct RsaPrivateComponents {
    SecretString n, e, d, p, q, dp, dq, qinv;
};
struct RsaPublicComponents {
    Bytes n, e;
};

// Thrown for a key that is well-formed but not RSA (an EC key, say).
class NotRsaError : public InvalidInputError {
public:
    using InvalidInputError::InvalidInputError;
};

// A PKCS#8 PrivateKeyInfo (rsaEncryption) or a PKCS#1 RSAPrivateKey, the whole input.
RsaPrivateComponents parseRsaPrivateKey(Span der);
// The RSA public key in a DER X.509 certificate's SubjectPublicKeyInfo; NotRsaError when the
// certificate's key is not RSA. The certificate must be the whole input.
RsaPublicComponents certificateRsaPublicKey(Span certificateDer);

// CNG's BCRYPT_RSAFULLPRIVATE_BLOB (BCRYPT_RSAKEY_BLOB header, then e, n, p, q, dp, dq, qinv, d;
// the CRT values padded to their prime's size, d to the modulus's) and BCRYPT_RSAPUBLIC_BLOB.
SecretString rsaFullPrivateBlob(const RsaPrivateComponents& key);
Bytes rsaPublicBlob(const RsaPublicComponents& key);
constexpr unsigned long kRsaPublicMagic = 0x31415352;       // "RSA1"
constexpr unsigned long kRsaFullPrivateMagic = 0x33415352;  // "RSA3"

// An EncryptedPrivateKeyInfo under PBES2 (PBKDF2 with HMAC-SHA-1 or -256, AES-CBC).
struct Pbes2 {
    Span salt;
    unsigned long iterations = 0;
    bool prfSha256 = false;     // else HMAC-SHA-1
    std::size_t keyLength = 0;  // 16, 24 or 32 (AES-128/192/256)
    Span iv;
    Span ciphertext;
};
Pbes2 parseEncryptedPrivateKeyInfo(Span der);
// PBES2's parameters: one whole DER SEQUENCE { keyDerivationFunc, encryptionScheme }.
Pbes2 parsePbes2Parameters(Span parameters, const std::string& subject, bool ber = false);

// One PEM block: its label ("CERTIFICATE", "PRIVATE KEY", ...), whether it carries RFC 1421
// headers (a "Proc-Type: 4,ENCRYPTED" legacy-encrypted key), and its decoded contents.
struct PemBlock {
    std::string label;
    bool hasHeaders = false;
    SecretString der;
};
// Every well-formed block in `text`, in order; text outside blocks is ignored.
std::vector<PemBlock> parsePem(std::string_view text);

}  // namespace mfaphone::der
