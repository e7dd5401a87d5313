#include "crypto/der.hpp"

#include <cstring>

#include "mfaphone/internal/base64.hpp"

namespace mfaphone::der {

bool Span::operator==(const Span& other) const {
    return size == other.size && (size == 0 || std::memcmp(data, other.data, size) == 0);
}

namespace oid {
namespace {
const unsigned char kRsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
const unsigned char kPbes2Bytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D};
const unsigned char kPbkdf2Bytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0C};
const unsigned char kHmacSha1Bytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x07};
const unsigned char kHmacSha256Bytes[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x09};
const unsigned char kAes128[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02};
const unsigned char kAes192[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16};
const unsigned char kAes256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A};
}  // namespace
const Span kRsaEncryption{kRsa, sizeof kRsa};
const Span kPbes2{kPbes2Bytes, sizeof kPbes2Bytes};
const Span kPbkdf2{kPbkdf2Bytes, sizeof kPbkdf2Bytes};
const Span kHmacSha1{kHmacSha1Bytes, sizeof kHmacSha1Bytes};
const Span kHmacSha256{kHmacSha256Bytes, sizeof kHmacSha256Bytes};
const Span kAes128Cbc{kAes128, sizeof kAes128};
const Span kAes192Cbc{kAes192, sizeof kAes192};
const Span kAes256Cbc{kAes256, sizeof kAes256};
}  // namespace oid

void Reader::fail(const char* reason) const {
    throw InvalidInputError(m_subject + " could not be read: " + reason + ".");
}

Span Reader::read(unsigned char tag) {
    if (atEnd()) fail("it ends early");
    if (m_data[m_offset] != tag) fail("its structure is not the one expected");
    return readAny();
}

Span Reader::readAny() {
    if (atEnd()) fail("it ends early");
    unsigned char tag = m_data[m_offset];
    if ((tag & 0x1F) == 0x1F) fail("its structure is not the one expected");
    std::size_t left = m_size - m_offset - 1;
    const unsigned char* p = m_data + m_offset + 1;
    if (left == 0) fail("it ends early");
    std::size_t length = 0;
    std::size_t header = 2;
    if (p[0] == 0x80) {
        if (!m_ber) fail("it uses indefinite lengths, which DER does not allow");
        if (!(tag & 0x20)) fail("a primitive value has an indefinite length");
        if (m_depth >= 32) fail("it is nested too deeply");
        // The contents run up to the end-of-contents octets (00 00) that close this value.
        Reader inner(Span{p + 1, left - 1}, m_subject, true, m_depth + 1);
        while (inner.m_size - inner.m_offset < 2 || inner.m_data[inner.m_offset] != 0 ||
               inner.m_data[inner.m_offset + 1] != 0)
            inner.readAny();
        Span contents{p + 1, inner.m_offset};
        m_offset += header + inner.m_offset + 2;
        return contents;
    }
    if (p[0] > 0x80) {
        std::size_t count = p[0] & 0x7F;
        if (count > 4) fail("a length is too large");
        if (left < 1 + count) fail("it ends early");
        for (std::size_t i = 1; i <= count; ++i) length = (length << 8) | p[i];
        header += count;
    } else {
        length = p[0];
    }
    if (length > m_size - m_offset - header) fail("a length runs past the end");
    Span contents{m_data + m_offset + header, length};
    m_offset += header + length;
    return contents;
}

Span Reader::readWhole(unsigned char tag) {
    std::size_t start = m_offset;
    read(tag);
    return Span{m_data + start, m_offset - start};
}

bool Reader::readOptional(unsigned char tag, Span& contents) {
    if (atEnd() || peekTag() != tag) return false;
    contents = read(tag);
    return true;
}

Reader Reader::enter(unsigned char tag) { return Reader(read(tag), m_subject, m_ber, m_depth + 1); }

Span Reader::readUnsigned() {
    Span v = read(kInteger);
    if (v.size == 0) fail("an integer is empty");
    if (v.data[0] & 0x80) fail("an integer is negative");
    while (v.size > 1 && v.data[0] == 0) {
        ++v.data;
        --v.size;
    }
    return v;
}

unsigned long Reader::readSmall(unsigned long max) {
    Span v = readUnsigned();
    if (v.size > 4) fail("a number is out of range");
    unsigned long value = 0;
    for (std::size_t i = 0; i < v.size; ++i) value = (value << 8) | v.data[i];
    if (value > max) fail("a number is out of range");
    return value;
}

void Reader::expectEnd() {
    if (!atEnd()) fail("it has unexpected data at its end");
}

namespace {

SecretString secret(Span s) { return SecretString(reinterpret_cast<const char*>(s.data), s.size); }

RsaPrivateComponents readRsaPrivateKey(Span der, const std::string& subject) {
    Reader outer(der, subject);
    Reader key = outer.enter();
    outer.expectEnd();
    unsigned long version = key.readSmall(1);
    if (version != 0) key.fail("keys with more than two primes are not supported");
    RsaPrivateComponents c;
    for (SecretString* part : {&c.n, &c.e, &c.d, &c.p, &c.q, &c.dp, &c.dq, &c.qinv})
        *part = secret(key.readUnsigned());
    if (c.n.size() < 64 || c.p.size() > c.n.size() || c.q.size() > c.n.size() || c.e.size() > 8)
        key.fail("its numbers are not those of an RSA key");
    return c;
}

// Copies `value` (no leading zeros) right-aligned into `width` bytes.
void appendPadded(SecretString& out, const SecretString& value, std::size_t width, Reader& context) {
    if (value.size() > width) context.fail("its numbers are not those of an RSA key");
    static const char zeros[16] = {};
    for (std::size_t left = width - value.size(); left > 0;) {
        std::size_t n = left < sizeof zeros ? left : sizeof zeros;
        out.append(zeros, n);
        left -= n;
    }
    out.append(value);
}

void appendLe32(std::string& out, unsigned long v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

unsigned long bitLength(const char* data, std::size_t size) {
    if (size == 0) return 0;
    unsigned long bits = static_cast<unsigned long>(size - 1) * 8;
    for (auto first = static_cast<unsigned char>(data[0]); first; first >>= 1) ++bits;
    return bits;
}

}  // namespace

RsaPrivateComponents parseRsaPrivateKey(Span der) {
    const std::string subject = "The private key";
    Reader outer(der, subject);
    Reader top = outer.enter();
    outer.expectEnd();
    top.readSmall(1);  // PKCS#8 version 0 or 1, or PKCS#1 version 0
    if (top.peekTag() == kInteger) return readRsaPrivateKey(der, subject);  // PKCS#1: n follows
    Reader algorithm = top.enter();
    Span id = algorithm.read(kOid);
    if (!(id == oid::kRsaEncryption)) throw NotRsaError("The private key is not an RSA key.");
    Span inner = top.read(kOctetString);
    return readRsaPrivateKey(inner, subject);  // attributes and a public key may follow
}

RsaPublicComponents certificateRsaPublicKey(Span certificateDer) {
    Reader outer(certificateDer, "The certificate");
    Reader certificate = outer.enter();
    outer.expectEnd();
    Reader tbs = certificate.enter();
    Span skip;
    tbs.readOptional(kContext0, skip);  // version
    tbs.read(kInteger);                 // serial number
    tbs.read(kSequence);                // signature algorithm
    tbs.read(kSequence);                // issuer
    tbs.read(kSequence);                // validity
    tbs.read(kSequence);                // subject
    Reader spki = tbs.enter();
    Reader algorithm = spki.enter();
    if (!(algorithm.read(kOid) == oid::kRsaEncryption))
        throw NotRsaError("The certificate's key is not an RSA key.");
    Span bits = spki.read(kBitString);
    if (bits.size < 1 || bits.data[0] != 0) tbs.fail("its public key is malformed");
    Reader keyOuter(Span{bits.data + 1, bits.size - 1}, "The certificate");
    Reader key = keyOuter.enter();
    keyOuter.expectEnd();
    RsaPublicComponents out;
    Span n = key.readUnsigned(), e = key.readUnsigned();
    key.expectEnd();
    out.n.assign(n.data, n.data + n.size);
    out.e.assign(e.data, e.data + e.size);
    certificate.read(kSequence);   // signature algorithm
    certificate.read(kBitString);  // signature
    certificate.expectEnd();
    return out;
}

SecretString rsaFullPrivateBlob(const RsaPrivateComponents& key) {
    Reader context(Span{}, "The private key");
    std::string header;
    appendLe32(header, kRsaFullPrivateMagic);
    appendLe32(header, bitLength(key.n.data(), key.n.size()));
    appendLe32(header, static_cast<unsigned long>(key.e.size()));
    appendLe32(header, static_cast<unsigned long>(key.n.size()));
    appendLe32(header, static_cast<unsigned long>(key.p.size()));
    appendLe32(header, static_cast<unsigned long>(key.q.size()));
    SecretString blob(header.data(), header.size());
    blob.append(key.e);
    blob.append(key.n);
    blob.append(key.p);
    blob.append(key.q);
    appendPadded(blob, key.dp, key.p.size(), context);
    appendPadded(blob, key.dq, key.q.size(), context);
    appendPadded(blob, key.qinv, key.p.size(), context);
    appendPadded(blob, key.d, key.n.size(), context);
    return blob;
}

Bytes rsaPublicBlob(const RsaPublicComponents& key) {
    std::string header;
    appendLe32(header, kRsaPublicMagic);
    appendLe32(header, bitLength(reinterpret_cast<const char*>(key.n.data()), key.n.size()));
    appendLe32(header, static_cast<unsigned long>(key.e.size()));
    appendLe32(header, static_cast<unsigned long>(key.n.size()));
    appendLe32(header, 0);
    appendLe32(header, 0);
    Bytes blob(header.begin(), header.end());
    blob.insert(blob.end(), key.e.begin(), key.e.end());
    blob.insert(blob.end(), key.n.begin(), key.n.end());
    return blob;
}

Pbes2 parsePbes2Parameters(Span parameters, const std::string& subject, bool ber) {
    Reader outer(parameters, subject, ber);
    Reader params = outer.enter();
    Reader kdf = params.enter();
    if (!(kdf.read(kOid) == oid::kPbkdf2)) kdf.fail("its key derivation is not PBKDF2");
    Reader kdfParams = kdf.enter();
    Pbes2 out;
    out.salt = kdfParams.read(kOctetString);
    out.iterations = kdfParams.readSmall(10000000);
    if (out.iterations == 0) kdfParams.fail("its iteration count is zero");
    std::size_t declaredLength = 0;
    if (kdfParams.peekTag() == kInteger) declaredLength = kdfParams.readSmall(64);
    if (!kdfParams.atEnd()) {
        Reader prf = kdfParams.enter();
        Span prfId = prf.read(kOid);
        if (prfId == oid::kHmacSha256)
            out.prfSha256 = true;
        else if (!(prfId == oid::kHmacSha1))
            prf.fail("its key derivation uses an unsupported hash (SHA-1 and SHA-256 are supported)");
    }
    Reader cipher = params.enter();
    Span cipherId = cipher.read(kOid);
    if (cipherId == oid::kAes128Cbc)
        out.keyLength = 16;
    else if (cipherId == oid::kAes192Cbc)
        out.keyLength = 24;
    else if (cipherId == oid::kAes256Cbc)
        out.keyLength = 32;
    else
        cipher.fail("its cipher is not supported (AES-CBC is)");
    if (declaredLength && declaredLength != out.keyLength)
        cipher.fail("its key length does not match its cipher");
    out.iv = cipher.read(kOctetString);
    if (out.iv.size != 16) cipher.fail("its IV is not 16 bytes");
    return out;
}

Pbes2 parseEncryptedPrivateKeyInfo(Span der) {
    const std::string subject = "The encrypted private key";
    Reader outer(der, subject);
    Reader info = outer.enter();
    outer.expectEnd();
    Reader algorithm = info.enter();
    if (!(algorithm.read(kOid) == oid::kPbes2))
        algorithm.fail(
            "it is not encrypted with PBES2 (convert it with openssl pkcs8 -topk8 -v2 aes-256-cbc)");
    Span parameters = algorithm.readWhole(kSequence);
    Pbes2 out = parsePbes2Parameters(parameters, subject);
    out.ciphertext = info.read(kOctetString);
    if (out.ciphertext.size == 0 || out.ciphertext.size % 16 != 0)
        info.fail("its encrypted data is malformed");
    return out;
}

std::vector<PemBlock> parsePem(std::string_view text) {
    std::vector<PemBlock> blocks;
    std::size_t pos = 0;
    const std::string_view begin = "-----BEGIN ", dashes = "-----";
    while ((pos = text.find(begin, pos)) != std::string_view::npos) {
        std::size_t labelStart = pos + begin.size();
        std::size_t labelEnd = text.find(dashes, labelStart);
        if (labelEnd == std::string_view::npos) break;
        std::string label(text.substr(labelStart, labelEnd - labelStart));
        std::string end = "-----END " + label + "-----";
        std::size_t bodyStart = labelEnd + dashes.size();
        std::size_t bodyEnd = text.find(end, bodyStart);
        if (bodyEnd == std::string_view::npos || label.find('\n') != std::string::npos) {
            pos = bodyStart;
            continue;
        }
        std::string_view body = text.substr(bodyStart, bodyEnd - bodyStart);
        PemBlock block;
        block.label = label;
        // RFC 1421 headers ("Proc-Type: ...", "DEK-Info: ...") end with an empty line.
        if (body.find(':') != std::string_view::npos) {
            block.hasHeaders = true;
            std::size_t blank = body.find("\n\n");
            if (blank == std::string_view::npos) blank = body.find("\r\n\r\n");
            body = blank == std::string_view::npos ? std::string_view() : body.substr(blank);
        }
        if (base64::decode(body, base64::Alphabet::Standard, block.der) && !block.der.empty()) blocks.push_back(std::move(block));
        pos = bodyEnd + end.size();
    }
    return blocks;
}

}  // namespace mfaphone::der
