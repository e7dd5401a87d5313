// The crypto backend (OpenSSL on Linux, Windows CNG on Windows) against known answers and the
// openssl tool's own signatures, and the DER/PEM readers the CNG backend parses keys with.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "crypto/crypto.hpp"
#include "crypto/der.hpp"
#include "crypto/pkcs.hpp"
#include "crypto_fixtures.hpp"

using namespace mfaphone;
using namespace mfaphone::test;

namespace {

std::string hexOf(const crypto::Bytes& b) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}
std::string bytesOf(const char* hex) { return fixtures::fromHex(hex); }
crypto::Bytes vectorOf(const std::string& s) { return crypto::Bytes(s.begin(), s.end()); }
SecretString secretOf(const std::string& s) { return SecretString(s); }
SecretString pem(std::initializer_list<const char*> parts) {
    SecretString out;
    for (const char* p : parts) out.append(p, std::strlen(p));
    return out;
}
crypto::Bytes certDer() { return vectorOf(bytesOf(fixtures::kCertHex)); }

// The message of an InvalidInputError thrown by f ("" when none is thrown).
template <class F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const InvalidInputError& e) {
        return e.what();
    }
    return "";
}

// A parser error: names the subject and a reason, short, printable, and quotes no input.
void checkCleanError(const std::string& message, const std::string& subject) {
    INFO(message);
    CHECK(message.rfind(subject, 0) == 0);
    CHECK(message.size() < 160);
    for (char c : message) CHECK((c >= 0x20 && c < 0x7F));
}

// The same values in BER as some tools write PKCS#12: every constructed value with an indefinite
// length, and long OCTET STRINGs (also [0] IMPLICIT ones) split into two segments.
std::string derLength(std::size_t n) {
    if (n < 128) return std::string(1, static_cast<char>(n));
    std::string bytes;
    for (; n; n >>= 8) bytes.insert(bytes.begin(), static_cast<char>(n & 0xFF));
    return std::string(1, static_cast<char>(0x80 | bytes.size())) + bytes;
}
std::string toBer(std::string_view der) {
    std::string out;
    for (std::size_t i = 0; i < der.size();) {
        auto tag = static_cast<unsigned char>(der[i]);
        std::size_t length = static_cast<unsigned char>(der[i + 1]), header = 2;
        if (length & 0x80) {
            std::size_t count = length & 0x7F;
            length = 0;
            for (std::size_t k = 0; k < count; ++k)
                length = (length << 8) | static_cast<unsigned char>(der[i + 2 + k]);
            header += count;
        }
        std::string_view contents = der.substr(i + header, length);
        const std::string eoc("\0\0", 2);
        if (tag & 0x20) {
            out += static_cast<char>(tag);
            out += '\x80';
            out += toBer(contents) + eoc;
        } else if ((tag == 0x04 || tag == 0x80) && length > 100) {
            out += static_cast<char>(tag | 0x20);
            out += '\x80';
            for (std::string_view part : {contents.substr(0, 50), contents.substr(50)})
                out += "\x04" + derLength(part.size()) + std::string(part);
            out += eoc;
        } else {
            out.append(der.substr(i, header + length));
        }
        i += header + length;
    }
    return out;
}

}  // namespace

TEST_CASE("SHA-1 and SHA-256 give the FIPS 180 answers", "[crypto]") {
    using crypto::Hash;
    CHECK(hexOf(crypto::digest(Hash::Sha1, "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hexOf(crypto::digest(Hash::Sha256, "abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hexOf(crypto::digest(Hash::Sha256, "")) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char* twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(hexOf(crypto::digest(Hash::Sha1, twoBlocks)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(hexOf(crypto::digest(Hash::Sha256, twoBlocks)) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("HMAC-SHA256 gives the RFC 4231 answers and HMAC-SHA1 the RFC 2202 ones", "[crypto]") {
    using crypto::Hash;
    const std::string key0b(20, '\x0b'), data1 = "Hi There", data2 = "what do ya want for nothing?";
    const std::string bigData = "Test Using Larger Than Block-Size Key - Hash Key First";
    CHECK(hexOf(crypto::hmac(Hash::Sha256, key0b, data1)) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hexOf(crypto::hmac(Hash::Sha256, "Jefe", data2)) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hexOf(crypto::hmac(Hash::Sha256, std::string(131, '\xaa'), bigData)) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    CHECK(hexOf(crypto::hmac(Hash::Sha1, key0b, data1)) == "b617318655057264e28bc0b6fb378c8ef146be00");
    CHECK(hexOf(crypto::hmac(Hash::Sha1, "Jefe", data2)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    CHECK(hexOf(crypto::hmac(Hash::Sha1, std::string(80, '\xaa'), bigData)) ==
          "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST_CASE("random bytes differ between calls; constant-time compare and secure zeroing work", "[crypto]") {
    unsigned char a[32] = {}, b[32] = {};
    crypto::randomBytes(a, sizeof a);
    crypto::randomBytes(b, sizeof b);
    CHECK_FALSE(crypto::constantTimeEqual(a, b, sizeof a));
    CHECK(crypto::constantTimeEqual(a, a, sizeof a));
    CHECK(crypto::constantTimeEqual(a, b, 0));
    unsigned char c[32];
    std::memcpy(c, a, sizeof c);
    c[31] ^= 1;
    CHECK_FALSE(crypto::constantTimeEqual(a, c, sizeof a));
    secureZero(a, sizeof a);
    CHECK(std::all_of(std::begin(a), std::end(a), [](unsigned char x) { return x == 0; }));
    CHECK(std::string(crypto::backendName()).size() > 0);
}

TEST_CASE("RS256 signatures equal the openssl tool's for PKCS#8, PKCS#1, DER and PFX keys", "[crypto]") {
    const std::string expected = bytesOf(fixtures::kRs256Hex);
    REQUIRE(expected.size() == 256);
    auto check = [&](const crypto::KeyAndCertificate& loaded) {
        REQUIRE(loaded.key);
        CHECK((loaded.certificateDer == certDer()));
        // Compared as hex: a failure prints no raw bytes.
        CHECK(hexOf(vectorOf(loaded.key->signSha256(fixtures::kMessage, crypto::RsaPadding::Pkcs1v15))) ==
              hexOf(vectorOf(expected)));
    };
    SECTION("PEM, PKCS#8") { check(crypto::loadPem(pem({fixtures::kCertPem, fixtures::kKeyPem}), {})); }
    SECTION("PEM, PKCS#1, key first and another certificate in the bundle") {
        check(crypto::loadPem(pem({fixtures::kKeyPkcs1Pem, fixtures::kOtherPem, fixtures::kCertPem}), {}));
    }
    SECTION("PEM, encrypted PKCS#8 (PBES2, AES-256-CBC, HMAC-SHA256)") {
        check(crypto::loadPem(pem({fixtures::kCertPem, fixtures::kKeyEncPem}), secretOf("Pem-Pass")));
    }
    SECTION("DER, PKCS#8 and PKCS#1") {
        check(crypto::loadDer(secretOf(bytesOf(fixtures::kKeyHex)), certDer()));
        check(crypto::loadDer(secretOf(bytesOf(fixtures::kKeyPkcs1Hex)), certDer()));
    }
    SECTION("PFX") {
        check(crypto::loadPkcs12(secretOf(bytesOf(fixtures::kPfxPassHex)), secretOf("Pfx-Pass")));
    }
}

TEST_CASE("PS256 signatures verify with the certificate's public key and are randomised", "[crypto]") {
    auto loaded = crypto::loadPem(pem({fixtures::kCertPem, fixtures::kKeyPem}), {});
    std::string message = fixtures::kMessage;
    std::string a = loaded.key->signSha256(message, crypto::RsaPadding::Pss);
    std::string b = loaded.key->signSha256(message, crypto::RsaPadding::Pss);
    CHECK(a.size() == 256);
    CHECK((a != b));
    CHECK(crypto::verifySha256(certDer(), message, a, crypto::RsaPadding::Pss));
    CHECK(crypto::verifySha256(certDer(), message, b, crypto::RsaPadding::Pss));
    CHECK_FALSE(crypto::verifySha256(certDer(), message, a, crypto::RsaPadding::Pkcs1v15));
    CHECK_FALSE(crypto::verifySha256(certDer(), message + "x", a, crypto::RsaPadding::Pss));
    a[10] = static_cast<char>(a[10] ^ 1);
    CHECK_FALSE(crypto::verifySha256(certDer(), message, a, crypto::RsaPadding::Pss));
    // The openssl tool's RS256 signature verifies, a changed one does not.
    std::string rs = bytesOf(fixtures::kRs256Hex);
    CHECK(crypto::verifySha256(certDer(), message, rs, crypto::RsaPadding::Pkcs1v15));
    rs[0] = static_cast<char>(rs[0] ^ 0x40);
    CHECK_FALSE(crypto::verifySha256(certDer(), message, rs, crypto::RsaPadding::Pkcs1v15));
}

TEST_CASE("key loading errors say what is wrong", "[crypto]") {
    namespace m = crypto::message;
    auto encrypted = pem({fixtures::kCertPem, fixtures::kKeyEncPem});
    CHECK(errorOf([&] { crypto::loadPem(encrypted, {}); }) == m::kPemKeyNeedsPassword);
    CHECK(errorOf([&] { crypto::loadPem(encrypted, secretOf("wrong")); }) == m::kPemKeyWrongPassword);
    CHECK(errorOf([&] { crypto::loadPem(pem({fixtures::kCertPem}), {}); }) == m::kPemNoKey);
    CHECK(errorOf([&] {
              crypto::loadPem(pem({fixtures::kOtherPem, fixtures::kKeyPem}), {});
          }) == m::kPemNoMatchingCertificate);
    CHECK(errorOf([&] { crypto::loadPem(pem({fixtures::kEcPem, fixtures::kEcKeyPem}), {}); }) == m::kNotRsa);
    std::string otherDer;
    {
        auto blocks = der::parsePem(fixtures::kOtherPem);
        REQUIRE(blocks.size() == 1);
        otherDer.assign(blocks[0].der.data(), blocks[0].der.size());
    }
    CHECK(errorOf([&] { crypto::loadDer(secretOf(bytesOf(fixtures::kKeyHex)), vectorOf(otherDer)); }) ==
          m::kKeyMismatch);
    CHECK(errorOf([&] { crypto::loadDer(secretOf("not a key"), certDer()); }) == m::kDerKeyUnreadable);
    CHECK(errorOf([&] { crypto::loadDer(secretOf(bytesOf(fixtures::kKeyHex)), vectorOf("not DER")); }) ==
          m::kDerCertificateUnreadable);
    auto pfx = secretOf(bytesOf(fixtures::kPfxRightHex));
    CHECK(errorOf([&] { crypto::loadPkcs12(pfx, secretOf("wrong")); }) == m::kPfxWrongPassword);
    CHECK(errorOf([&] { crypto::loadPkcs12(pfx, {}); }) == m::kPfxNeedsPassword);
    CHECK(errorOf([&] { crypto::loadPkcs12(secretOf("garbage"), {}); }) == m::kNotPemOrPfx);
}

TEST_CASE("the DER reader reads PKCS#8 and PKCS#1 keys and a certificate's public key", "[crypto][der]") {
    std::string pkcs8 = bytesOf(fixtures::kKeyHex), pkcs1 = bytesOf(fixtures::kKeyPkcs1Hex);
    auto a = der::parseRsaPrivateKey(der::spanOf(pkcs8));
    auto b = der::parseRsaPrivateKey(der::spanOf(pkcs1));
    CHECK(a.n.size() == 256);
    CHECK(a.n == b.n);
    CHECK(a.d == b.d);
    CHECK(a.qinv == b.qinv);
    CHECK(std::string(a.e.data(), a.e.size()) == std::string("\x01\x00\x01", 3));
    CHECK(static_cast<unsigned char>(a.n.data()[0]) >= 0x80);  // the leading zero byte is stripped
    auto certificate = certDer();
    auto pub = der::certificateRsaPublicKey(der::spanOf(certificate));
    CHECK((std::string(pub.n.begin(), pub.n.end()) == std::string(a.n.data(), a.n.size())));
    CHECK((std::string(pub.e.begin(), pub.e.end()) == std::string(a.e.data(), a.e.size())));

    // CNG's full private blob: header, then e, n, p, q, dp, dq, qinv, d at their fixed sizes.
    SecretString blob = der::rsaFullPrivateBlob(a);
    auto le32 = [&](std::size_t at) {
        const auto* p = reinterpret_cast<const unsigned char*>(blob.data()) + at;
        return static_cast<unsigned long>(p[0] | p[1] << 8 | p[2] << 16 |
                                          static_cast<unsigned long>(p[3]) << 24);
    };
    CHECK(le32(0) == der::kRsaFullPrivateMagic);
    CHECK(le32(4) == 2048);
    CHECK(le32(8) == 3);
    CHECK(le32(12) == 256);
    CHECK(le32(16) == a.p.size());
    CHECK(le32(20) == a.q.size());
    CHECK(blob.size() == 24 + 3 + 256 + a.p.size() * 3 + a.q.size() * 2 + 256);
    CHECK((std::string(blob.data() + 24 + 3, 256) == std::string(a.n.data(), a.n.size())));
    std::string d(blob.data() + blob.size() - 256, 256);
    CHECK((d.substr(256 - a.d.size()) == std::string(a.d.data(), a.d.size())));
    auto pubBlob = der::rsaPublicBlob(pub);
    CHECK(pubBlob.size() == 24 + 3 + 256);
    CHECK(pubBlob[0] == 'R');
    CHECK(pubBlob[3] == '1');

    auto enc = der::parsePem(fixtures::kKeyEncPem);
    REQUIRE(enc.size() == 1);
    CHECK(enc[0].label == "ENCRYPTED PRIVATE KEY");
    auto pbes2 = der::parseEncryptedPrivateKeyInfo(der::spanOf(enc[0].der));
    CHECK(pbes2.prfSha256);
    CHECK(pbes2.keyLength == 32);
    CHECK(pbes2.iterations >= 1000);
    CHECK(pbes2.iv.size == 16);
    CHECK(pbes2.ciphertext.size % 16 == 0);
}

TEST_CASE("malformed or truncated keys and certificates give a clear error without key bytes",
          "[crypto][der]") {
    std::string pkcs8 = bytesOf(fixtures::kKeyHex), pkcs1 = bytesOf(fixtures::kKeyPkcs1Hex);
    for (const std::string* key : {&pkcs8, &pkcs1}) {
        for (std::size_t n = 0; n < key->size(); n += (n < 64 ? 1 : 37)) {
            INFO("truncated to " << n);
            checkCleanError(errorOf([&] { der::parseRsaPrivateKey(der::spanOf(key->substr(0, n))); }),
                            "The private key could not be read: ");
        }
        checkCleanError(errorOf([&] { der::parseRsaPrivateKey(der::spanOf(*key + "\x05\x00")); }),
                        "The private key could not be read: ");
    }
    // An indefinite length, a length longer than the input, a 5-byte length, a negative modulus.
    auto indefinite = pkcs1;
    indefinite[1] = '\x80';
    CHECK_THAT(errorOf([&] { der::parseRsaPrivateKey(der::spanOf(indefinite)); }),
               Catch::Contains("indefinite"));
    auto tooLong = pkcs1;
    tooLong[3] = static_cast<char>(tooLong[3] + 1);
    CHECK_THAT(errorOf([&] { der::parseRsaPrivateKey(der::spanOf(tooLong)); }),
               Catch::Contains("past the end"));
    std::string hugeLength("\x30\x85\x01\x00\x00\x00\x00", 7);
    CHECK_THAT(errorOf([&] { der::parseRsaPrivateKey(der::spanOf(hugeLength)); }),
               Catch::Contains("too large"));
    auto negative = pkcs1;  // 30 82 xx xx 02 01 00 02 82 01 01 00 <n>: drop n's zero byte's meaning
    REQUIRE(negative.substr(7, 4) == std::string("\x02\x82\x01\x01", 4));
    negative[11] = '\x80';
    CHECK_THAT(errorOf([&] { der::parseRsaPrivateKey(der::spanOf(negative)); }), Catch::Contains("negative"));
    // Every message names the problem only: no byte of the key, in any form.
    std::string message = errorOf([&] { der::parseRsaPrivateKey(der::spanOf(pkcs1.substr(0, 300))); });
    checkCleanError(message, "The private key could not be read: ");
    CHECK(message.find(pkcs1.substr(12, 4)) == std::string::npos);

    // An EC key is well-formed but not RSA.
    auto ec = der::parsePem(fixtures::kEcKeyPem);
    REQUIRE(ec.size() == 1);
    CHECK_THROWS_AS(der::parseRsaPrivateKey(der::spanOf(ec[0].der)), der::NotRsaError);
    auto ecCert = der::parsePem(fixtures::kEcPem);
    REQUIRE(ecCert.size() == 1);
    CHECK_THROWS_AS(der::certificateRsaPublicKey(der::spanOf(ecCert[0].der)), der::NotRsaError);

    auto certificate = bytesOf(fixtures::kCertHex);
    for (std::size_t n = 0; n < certificate.size(); n += 23) {
        INFO("certificate truncated to " << n);
        checkCleanError(errorOf([&] { der::certificateRsaPublicKey(der::spanOf(certificate.substr(0, n))); }),
                        "The certificate could not be read: ");
    }
}

TEST_CASE("PEM blocks: labels, headers, and broken armour", "[crypto][der]") {
    std::string text = std::string("junk before\n") + fixtures::kCertPem + "\n" + fixtures::kKeyPkcs1Pem;
    auto blocks = der::parsePem(text);
    REQUIRE(blocks.size() == 2);
    CHECK(blocks[0].label == "CERTIFICATE");
    CHECK(blocks[1].label == "RSA PRIVATE KEY");
    CHECK_FALSE(blocks[1].hasHeaders);
    CHECK((std::string(blocks[0].der.data(), blocks[0].der.size()) == bytesOf(fixtures::kCertHex)));
    auto legacy = der::parsePem(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
        "-----END RSA PRIVATE KEY-----\n");
    REQUIRE(legacy.size() == 1);
    CHECK(legacy[0].hasHeaders);
    CHECK(der::parsePem("-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n").empty());
    CHECK(der::parsePem("-----BEGIN CERTIFICATE-----\nAAAA\n").empty());
}

TEST_CASE("the PKCS#12 reader opens AES, 3DES and password-less PFX files", "[crypto][pkcs12]") {
    std::string pkcs8 = bytesOf(fixtures::kKeyHex);
    auto expected = der::parseRsaPrivateKey(der::spanOf(pkcs8));
    auto check = [&](const char* hex, const char* password) {
        std::string pfx = bytesOf(hex);
        auto contents = crypto::readPkcs12(der::spanOf(pfx), secretOf(password));
        REQUIRE(contents.keys.size() == 1);
        REQUIRE(contents.certificates.size() == 1);
        CHECK((contents.certificates[0] == certDer()));
        CHECK(der::parseRsaPrivateKey(der::spanOf(contents.keys[0])).d == expected.d);
    };
    SECTION("PBES2, AES-256, HMAC-SHA256 MAC") { check(fixtures::kPfxPassHex, "Pfx-Pass"); }
    SECTION("SHA-1 and 3DES, as Windows exports") { check(fixtures::kPfx3desHex, "Pfx-Pass"); }
    SECTION("an empty password") { check(fixtures::kPfxEmptyHex, ""); }
    SECTION("BER: indefinite lengths and segmented OCTET STRINGs") {
        std::string ber = toBer(bytesOf(fixtures::kPfxPassHex));
        REQUIRE(ber.substr(0, 2) == std::string("\x30\x80", 2));
        auto contents = crypto::readPkcs12(der::spanOf(ber), secretOf("Pfx-Pass"));
        REQUIRE(contents.keys.size() == 1);
        REQUIRE(contents.certificates.size() == 1);
        CHECK((contents.certificates[0] == certDer()));
        CHECK(der::parseRsaPrivateKey(der::spanOf(contents.keys[0])).d == expected.d);
        std::string ber3des = toBer(bytesOf(fixtures::kPfx3desHex));
        CHECK(crypto::readPkcs12(der::spanOf(ber3des), secretOf("Pfx-Pass")).keys.size() == 1);
        // Unclosed, or nested beyond reason: refused with a clear error.
        CHECK(errorOf([&] {
                  crypto::readPkcs12(der::spanOf(ber.substr(0, ber.size() - 2)), secretOf("Pfx-Pass"));
              }) == crypto::message::kNotPemOrPfx);
        std::string deep;
        for (int i = 0; i < 40; ++i) deep += "\x30\x80";
        for (int i = 0; i < 40; ++i) deep += std::string("\0\0", 2);
        CHECK(errorOf([&] { crypto::readPkcs12(der::spanOf(deep), {}); }) == crypto::message::kNotPemOrPfx);
        CHECK_THAT(errorOf([&] { der::Reader(der::spanOf(deep), "The test", true).readAny(); }),
                   Catch::Contains("nested too deeply"));
    }
    SECTION("wrong, missing, and not a PFX") {
        std::string pfx = bytesOf(fixtures::kPfxRightHex);
        namespace m = crypto::message;
        CHECK(errorOf([&] { crypto::readPkcs12(der::spanOf(pfx), secretOf("wrong")); }) ==
              m::kPfxWrongPassword);
        CHECK(errorOf([&] { crypto::readPkcs12(der::spanOf(pfx), {}); }) == m::kPfxNeedsPassword);
        CHECK(errorOf([&] { crypto::readPkcs12(der::spanOf(pfx.substr(0, 100)), secretOf("right")); }) ==
              m::kNotPemOrPfx);
        auto cut = pfx.substr(0, pfx.size() - 40);  // the MAC cut off: the structure no longer parses
        CHECK_FALSE(errorOf([&] { crypto::readPkcs12(der::spanOf(cut), secretOf("right")); }).empty());
    }
}

TEST_CASE("encrypted PKCS#8 keys decrypt with their password only", "[crypto][pkcs12]") {
    auto blocks = der::parsePem(fixtures::kKeyEncPem);
    REQUIRE(blocks.size() == 1);
    auto plain = crypto::decryptPrivateKeyInfo(der::spanOf(blocks[0].der), secretOf("Pem-Pass"));
    std::string pkcs8 = bytesOf(fixtures::kKeyHex);
    CHECK(der::parseRsaPrivateKey(der::spanOf(plain)).d == der::parseRsaPrivateKey(der::spanOf(pkcs8)).d);
    // A wrong password fails the padding check (all three passing by chance: 1 in 2^24).
    int refused = 0;
    for (const char* wrong : {"pem-pass", "Pem-Pass ", "x"}) {
        try {
            crypto::decryptPrivateKeyInfo(der::spanOf(blocks[0].der), secretOf(wrong));
        } catch (const crypto::WrongPasswordError& e) {
            CHECK_THAT(e.what(), Catch::Contains("password is wrong"));
            ++refused;
        }
    }
    CHECK(refused > 0);
}

TEST_CASE("PKCS#12 passwords are UTF-16BE with a terminating zero", "[crypto][pkcs12]") {
    auto bmp = [](const std::string& utf8) {
        SecretString s = crypto::bmpPassword(SecretString(utf8));
        return std::string(s.data(), s.size());
    };
    CHECK(bmp("") == std::string("\0\0", 2));
    CHECK(bmp("A\xC3\xA9") == std::string("\0A\0\xE9\0\0", 6));
    CHECK(bmp("\xE2\x82\xAC") == std::string("\x20\xAC\0\0", 4));
    CHECK(bmp("\xF0\x9F\x98\x80") == std::string("\xD8\x3D\xDE\x00\0\0", 6));
    CHECK_THROWS_AS(bmp("\xC3"), InvalidInputError);
    CHECK_THROWS_AS(bmp("\xFF"), InvalidInputError);
}

TEST_CASE("damaged keys, certificates and PFX files are refused without crashing", "[crypto][der]") {
    // Random single-byte changes (a fixed seed): each input parses or throws InvalidInputError;
    // the sanitizer build (asan preset) checks that no read leaves the input.
    std::mt19937 random(20261201);
    auto damage = [&](std::string s) {
        std::uniform_int_distribution<std::size_t> at(0, s.size() - 1);
        std::uniform_int_distribution<int> bit(0, 7);
        s[at(random)] ^= static_cast<char>(1 << bit(random));
        return s;
    };
    const std::string pkcs8 = bytesOf(fixtures::kKeyHex), pkcs1 = bytesOf(fixtures::kKeyPkcs1Hex);
    const std::string certificate = bytesOf(fixtures::kCertHex), pfx = bytesOf(fixtures::kPfxPassHex);
    const std::string ber = toBer(pfx);
    int refused = 0;
    for (int i = 0; i < 300; ++i) {
        for (const std::string* input : {&pkcs8, &pkcs1}) {
            std::string bad = damage(*input);
            try {
                der::parseRsaPrivateKey(der::spanOf(bad));
            } catch (const InvalidInputError&) {
                ++refused;
            }
        }
        std::string badCertificate = damage(certificate);
        try {
            der::certificateRsaPublicKey(der::spanOf(badCertificate));
        } catch (const InvalidInputError&) {
            ++refused;
        }
        if (i % 5 == 0) {
            for (const std::string* input : {&pfx, &ber}) {
                std::string badPfx = damage(*input);
                try {
                    crypto::readPkcs12(der::spanOf(badPfx), secretOf("Pfx-Pass"));
                } catch (const InvalidInputError&) {
                    ++refused;
                }
            }
        }
    }
    CHECK(refused >= 100);  // a changed PFX fails its structure or MAC check every time
}
