#include "crypto/pkcs.hpp"

namespace mfaphone::crypto {

using der::Reader;
using der::Span;

namespace {

namespace oid {
const unsigned char kDataBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
const unsigned char kEncryptedDataBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x06};
const unsigned char kKeyBagBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x01};
const unsigned char kShroudedKeyBagBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                              0x01, 0x0C, 0x0A, 0x01, 0x02};
const unsigned char kCertBagBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x03};
const unsigned char kX509CertificateBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x16, 0x01};
const unsigned char kSha1TripleDesBytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x01, 0x03};
const unsigned char kSha1Bytes[] = {0x2B, 0x0E, 0x03, 0x02, 0x1A};
const unsigned char kSha256Bytes[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
const Span kData{kDataBytes, sizeof kDataBytes};
const Span kEncryptedData{kEncryptedDataBytes, sizeof kEncryptedDataBytes};
const Span kKeyBag{kKeyBagBytes, sizeof kKeyBagBytes};
const Span kShroudedKeyBag{kShroudedKeyBagBytes, sizeof kShroudedKeyBagBytes};
const Span kCertBag{kCertBagBytes, sizeof kCertBagBytes};
const Span kX509Certificate{kX509CertificateBytes, sizeof kX509CertificateBytes};
const Span kSha1TripleDes{kSha1TripleDesBytes, sizeof kSha1TripleDesBytes};
const Span kSha1{kSha1Bytes, sizeof kSha1Bytes};
const Span kSha256{kSha256Bytes, sizeof kSha256Bytes};
}  // namespace oid

std::string_view view(const SecretString& s) { return std::string_view(s.data(), s.size()); }

// Removes PKCS#7 padding; false when it is not valid (the usual sign of a wrong password).
bool unpad(SecretString& plain, std::size_t block) {
    if (plain.empty() || plain.size() % block != 0) return false;
    auto last = static_cast<unsigned char>(plain.data()[plain.size() - 1]);
    if (last == 0 || last > block) return false;
    unsigned char bad = 0;
    for (std::size_t i = plain.size() - last; i < plain.size(); ++i)
        bad |= static_cast<unsigned char>(static_cast<unsigned char>(plain.data()[i]) ^ last);
    if (bad) return false;
    SecretString out(plain.data(), plain.size() - last);
    plain = std::move(out);
    return true;
}

// Decrypts `ciphertext` under the algorithm `algorithm` (a whole AlgorithmIdentifier) with the
// password: PBES2, or PKCS#12's SHA-1 + 3DES. WrongPasswordError when the padding is wrong.
SecretString decrypt(Span algorithm, Span ciphertext, const SecretString& password,
                     const std::string& subject, bool ber) {
    Reader outer(algorithm, subject, ber);
    Reader id = outer.enter();
    Span scheme = id.read(der::kOid);
    SecretString plain;
    std::size_t block = 16;
    if (scheme == der::oid::kPbes2) {
        der::Pbes2 p = der::parsePbes2Parameters(id.readWhole(der::kSequence), subject, ber);
        if (ciphertext.size == 0 || ciphertext.size % 16 != 0) id.fail("its encrypted data is malformed");
        SecretString key = pbkdf2(p.prfSha256 ? Hash::Sha256 : Hash::Sha1, view(password), p.salt.view(),
                                  p.iterations, p.keyLength);
        plain = decryptCbc(Cipher::Aes, view(key), p.iv.view(), ciphertext.view());
    } else if (scheme == oid::kSha1TripleDes) {
        Reader params = id.enter();
        Span salt = params.read(der::kOctetString);
        unsigned long iterations = params.readSmall(10000000);
        if (iterations == 0) params.fail("its iteration count is zero");
        block = 8;
        if (ciphertext.size == 0 || ciphertext.size % 8 != 0) id.fail("its encrypted data is malformed");
        SecretString bmp = bmpPassword(password);
        SecretString key = pkcs12Kdf(Hash::Sha1, view(bmp), salt.view(), 1, iterations, 24);
        SecretString iv = pkcs12Kdf(Hash::Sha1, view(bmp), salt.view(), 2, iterations, 8);
        plain = decryptCbc(Cipher::TripleDes, view(key), view(iv), ciphertext.view());
    } else {
        id.fail(
            "it is encrypted with an unsupported algorithm (PBES2 with AES, or 3DES, are supported; "
            "re-export it with AES-256)");
    }
    if (!unpad(plain, block))
        throw WrongPasswordError(subject + " could not be decrypted: the password is wrong.");
    return plain;
}

// The contents of an OCTET STRING (`primitive` is its tag: 0x04, or 0x80 for a [0] IMPLICIT
// one), primitive or (BER) constructed from segments.
SecretString octets(Reader& reader, unsigned char primitive = der::kOctetString) {
    Span s;
    if (reader.readOptional(primitive, s)) return SecretString(reinterpret_cast<const char*>(s.data), s.size);
    Reader segments = reader.enter(static_cast<unsigned char>(primitive | 0x20));
    SecretString out;
    while (!segments.atEnd()) {
        Span part = segments.read(der::kOctetString);
        out.append(reinterpret_cast<const char*>(part.data), part.size);
    }
    return out;
}

void readSafeContents(Span safeContents, const SecretString& password, Pkcs12Contents& out) {
    const std::string subject = "The PFX";
    Reader outer(safeContents, subject, true);
    Reader bags = outer.enter();
    while (!bags.atEnd()) {
        Reader bag = bags.enter();
        Span type = bag.read(der::kOid);
        Reader value = bag.enter(der::kContext0);
        if (type == oid::kKeyBag) {
            Span key = value.readWhole(der::kSequence);
            out.keys.emplace_back(reinterpret_cast<const char*>(key.data), key.size);
        } else if (type == oid::kShroudedKeyBag) {
            Span encrypted = value.readWhole(der::kSequence);
            try {
                out.keys.push_back(decryptPrivateKeyInfo(encrypted, password, true));
            } catch (const WrongPasswordError&) {
                // The MAC accepted the password: the key bag is damaged.
                throw InvalidInputError(message::kPfxUnreadable);
            }
        } else if (type == oid::kCertBag) {
            Reader cert = value.enter();
            if (!(cert.read(der::kOid) == oid::kX509Certificate)) continue;  // SDSI certificates
            Reader wrapped = cert.enter(der::kContext0);
            SecretString der = octets(wrapped);
            out.certificates.emplace_back(der.data(), der.data() + der.size());
        }  // CRL and secret bags are not needed
    }
}

bool macMatches(Span macData, Span authSafe, std::string_view bmp) {
    Reader outer(macData, "The PFX", true);
    Reader mac = outer.enter();
    Reader digestInfo = mac.enter();
    Reader algorithm = digestInfo.enter();
    Span hashId = algorithm.read(der::kOid);
    Hash hash;
    if (hashId == oid::kSha1)
        hash = Hash::Sha1;
    else if (hashId == oid::kSha256)
        hash = Hash::Sha256;
    else
        algorithm.fail("its integrity check uses an unsupported hash (SHA-1 and SHA-256 are supported)");
    Span expected = digestInfo.read(der::kOctetString);
    Span salt = mac.read(der::kOctetString);
    unsigned long iterations = 1;
    if (!mac.atEnd()) iterations = mac.readSmall(10000000);
    if (iterations == 0) mac.fail("its iteration count is zero");
    SecretString key = pkcs12Kdf(hash, bmp, salt.view(), 3, iterations, digestSize(hash));
    Bytes computed = hmac(hash, view(key), authSafe.view());
    bool equal =
        computed.size() == expected.size && constantTimeEqual(computed.data(), expected.data, expected.size);
    secureZero(computed.data(), computed.size());
    return equal;
}

}  // namespace

SecretString bmpPassword(const SecretString& utf8) {
    SecretString out;
    const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
    std::size_t n = utf8.size();
    auto put = [&](unsigned unit) {
        char pair[2] = {static_cast<char>(unit >> 8), static_cast<char>(unit & 0xFF)};
        out.append(pair, 2);
    };
    for (std::size_t i = 0; i < n;) {
        unsigned c = s[i];
        std::size_t extra = c < 0x80             ? 0
                            : (c & 0xE0) == 0xC0 ? 1
                            : (c & 0xF0) == 0xE0 ? 2
                            : (c & 0xF8) == 0xF0 ? 3
                                                 : 4;
        if (extra == 4 || i + extra >= n) throw InvalidInputError("The password is not valid UTF-8.");
        unsigned cp = extra == 0 ? c : c & (0x7Fu >> (extra + 1));
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) throw InvalidInputError("The password is not valid UTF-8.");
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        i += extra + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put(0xD800 + (cp >> 10));
            put(0xDC00 + (cp & 0x3FF));
        } else {
            put(cp);
        }
    }
    put(0);
    return out;
}

SecretString pkcs12Kdf(Hash hash, std::string_view bmp, std::string_view salt, unsigned char id,
                       unsigned long iterations, std::size_t length) {
    const std::size_t u = digestSize(hash), v = 64;
    auto fill = [&](std::string_view in) {
        SecretString out;
        if (in.empty()) return out;
        std::size_t size = v * ((in.size() + v - 1) / v);
        for (std::size_t i = 0; i < size; ++i) out.append(&in[i % in.size()], 1);
        return out;
    };
    SecretString I = fill(salt);
    I.append(fill(bmp));
    std::string D(v, static_cast<char>(id));
    SecretString result;
    while (result.size() < length) {
        SecretString input(D.data(), D.size());
        input.append(I);
        Bytes A = digest(hash, view(input));
        for (unsigned long r = 1; r < iterations; ++r) {
            Bytes next = digest(hash, A);
            secureZero(A.data(), A.size());
            A = std::move(next);
        }
        std::size_t take = std::min(u, length - result.size());
        result.append(reinterpret_cast<const char*>(A.data()), take);
        if (result.size() < length) {
            // I_j = (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
            std::string mutableI(I.data(), I.size());
            for (std::size_t j = 0; j < mutableI.size(); j += v) {
                unsigned carry = 1;
                for (std::size_t k = v; k-- > 0;) {
                    carry += static_cast<unsigned char>(mutableI[j + k]) + A[k % u];
                    mutableI[j + k] = static_cast<char>(carry & 0xFF);
                    carry >>= 8;
                }
            }
            I = SecretString(mutableI.data(), mutableI.size());
            secureZero(mutableI.data(), mutableI.size());
        }
        secureZero(A.data(), A.size());
    }
    return result;
}

SecretString decryptPrivateKeyInfo(Span encrypted, const SecretString& password, bool inPkcs12) {
    const std::string subject = inPkcs12 ? "The PFX's private key" : "The encrypted private key";
    Reader outer(encrypted, subject, inPkcs12);
    Reader info = outer.enter();
    outer.expectEnd();
    Span algorithm = info.readWhole(der::kSequence);
    SecretString ciphertext = octets(info);
    return decrypt(algorithm, der::spanOf(ciphertext), password, subject, inPkcs12);
}

Pkcs12Contents readPkcs12(Span pfx, const SecretString& password) {
    SecretString authSafeBytes;
    Span macData;
    try {
        Reader outer(pfx, "The PFX", true);
        Reader top = outer.enter();
        outer.expectEnd();
        if (top.readSmall(3) != 3) top.fail("its version is not 3");
        Reader content = top.enter();
        if (!(content.read(der::kOid) == oid::kData)) top.fail("it is signed rather than password-protected");
        Reader wrapped = content.enter(der::kContext0);
        authSafeBytes = octets(wrapped);
        if (!top.atEnd()) macData = top.readWhole(der::kSequence);
    } catch (const InvalidInputError&) {
        throw InvalidInputError(message::kNotPemOrPfx);
    }
    Span authSafe = der::spanOf(authSafeBytes);
    // The password: as given; when none is given, the empty one, then none at all.
    SecretString bmp = bmpPassword(password);
    SecretString utf8 = password;
    if (macData.size) {
        bool ok = macMatches(macData, authSafe, view(bmp));
        if (!ok && password.empty()) ok = macMatches(macData, authSafe, std::string_view());
        if (!ok)
            throw InvalidInputError(password.empty() ? message::kPfxNeedsPassword
                                                     : message::kPfxWrongPassword);
    }
    Pkcs12Contents out;
    Reader outer(authSafe, "The PFX", true);
    Reader safes = outer.enter();
    while (!safes.atEnd()) {
        Reader info = safes.enter();
        Span type = info.read(der::kOid);
        Reader content = info.enter(der::kContext0);
        if (type == oid::kData) {
            SecretString safeContents = octets(content);
            readSafeContents(der::spanOf(safeContents), utf8, out);
        } else if (type == oid::kEncryptedData) {
            Reader data = content.enter();
            data.readSmall(2);  // version
            Reader encrypted = data.enter();
            encrypted.read(der::kOid);  // content type: data
            Span algorithm = encrypted.readWhole(der::kSequence);
            SecretString ciphertext = octets(encrypted, 0x80);
            SecretString plain;
            try {
                plain = decrypt(algorithm, der::spanOf(ciphertext), utf8, "The PFX", true);
            } catch (const WrongPasswordError&) {
                throw InvalidInputError(message::kPfxUnreadable);
            }
            readSafeContents(der::spanOf(plain), utf8, out);
        } else {
            info.fail("it holds public-key-encrypted contents, which are not supported");
        }
    }
    return out;
}

}  // namespace mfaphone::crypto
