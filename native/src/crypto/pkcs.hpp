// Encrypted PKCS#8 private keys and PKCS#12 (PFX) files, read with the crypto interface's
// primitives (PBKDF2, the PKCS#12 key derivation, HMAC, CBC decryption): what the Windows CNG
// backend loads keys with. Plain C++ over crypto.hpp and der.hpp, built and tested everywhere.
#pragma once

#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/der.hpp"

namespace mfaphone::crypto {

// The password does not open the key or file.
class WrongPasswordError : public InvalidInputError {
public:
    using InvalidInputError::InvalidInputError;
};

// The PrivateKeyInfo inside an EncryptedPrivateKeyInfo: PBES2 (PBKDF2 with HMAC-SHA-1/256 and
// AES-CBC) or PKCS#12's pbeWithSHAAnd3-KeyTripleDES-CBC. WrongPasswordError when it does not
// decrypt; InvalidInputError for a malformed or unsupported structure.
SecretString decryptPrivateKeyInfo(der::Span encrypted, const SecretString& password, bool inPkcs12 = false);

// What a PFX holds: its private keys (PKCS#8 PrivateKeyInfo DER) and certificates (DER).
struct Pkcs12Contents {
    std::vector<SecretString> keys;
    std::vector<Bytes> certificates;
};
// Checks the PFX's MAC with `password` (an empty one tries the empty and the absent password) and
// reads its bags. InvalidInputError with message::kNotPemOrPfx, kPfxNeedsPassword,
// kPfxWrongPassword, or one that names what is unsupported or damaged.
Pkcs12Contents readPkcs12(der::Span pfx, const SecretString& password);

// RFC 7292 appendix B.2 key derivation (ID 1: key, 2: IV, 3: MAC key) over a BMPString password.
SecretString pkcs12Kdf(Hash hash, std::string_view bmpPassword, std::string_view salt, unsigned char id,
                       unsigned long iterations, std::size_t length);
// The password as PKCS#12 wants it: UTF-16BE with a terminating zero (from UTF-8).
SecretString bmpPassword(const SecretString& utf8);

}  // namespace mfaphone::crypto
