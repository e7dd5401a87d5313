#include "mfaphone/internal/base64.hpp"

namespace mfaphone::base64 {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Encodes through a small stack buffer that is wiped afterwards; Out is std::string or
// SecretString (both have append(const char*, size_t)).
template <typename Out>
void encodeInto(std::string_view data, Alphabet alphabet, Out& out) {
    const char* symbols = alphabet == Alphabet::Url ? kUrl : kStandard;
    const bool pad = alphabet == Alphabet::Standard;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const std::size_t n = data.size();
    char chunk[64];
    std::size_t used = 0;
    for (std::size_t i = 0; i < n; i += 3) {
        unsigned v = static_cast<unsigned>(p[i]) << 16;
        if (i + 1 < n) v |= static_cast<unsigned>(p[i + 1]) << 8;
        if (i + 2 < n) v |= p[i + 2];
        chunk[used++] = symbols[(v >> 18) & 63];
        chunk[used++] = symbols[(v >> 12) & 63];
        if (i + 1 < n)
            chunk[used++] = symbols[(v >> 6) & 63];
        else if (pad)
            chunk[used++] = '=';
        if (i + 2 < n)
            chunk[used++] = symbols[v & 63];
        else if (pad)
            chunk[used++] = '=';
        v = 0;
        if (used + 4 > sizeof chunk) {
            out.append(chunk, used);
            used = 0;
        }
    }
    if (used) out.append(chunk, used);
    secureZero(chunk, sizeof chunk);
}

// The value of one symbol, -1 when it is not one of the alphabet's.
int valueOf(char c, Alphabet alphabet) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    if (alphabet == Alphabet::Url && c == '-') return 62;
    if (alphabet == Alphabet::Url && c == '_') return 63;
    return -1;
}

}  // namespace

std::string encode(std::string_view data, Alphabet alphabet) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    encodeInto(data, alphabet, out);
    return out;
}

void encode(std::string_view data, Alphabet alphabet, SecretString& out) { encodeInto(data, alphabet, out); }

bool decode(std::string_view in, Alphabet alphabet, SecretString& out) {
    const bool strict = alphabet == Alphabet::Standard;
    unsigned buffer = 0;
    int bits = 0;
    std::size_t symbols = 0, padding = 0;
    char chunk[48];
    std::size_t used = 0;
    bool ok = true;
    for (char c : in) {
        if (c == '=') {
            ++padding;
            continue;
        }
        if (strict && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) continue;
        int v = valueOf(c, alphabet);
        if (v < 0 || padding) {  // not a symbol, or data after padding
            ok = false;
            break;
        }
        ++symbols;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            chunk[used++] = static_cast<char>((buffer >> bits) & 0xFF);
            if (used == sizeof chunk) {
                out.append(chunk, used);
                used = 0;
            }
        }
    }
    if (used) out.append(chunk, used);
    secureZero(chunk, sizeof chunk);
    buffer = 0;
    // A lone symbol in the last group carries no whole byte in any form.
    if (symbols % 4 == 1) ok = false;
    if (padding > 2 || (padding && (symbols + padding) % 4 != 0)) ok = false;
    if (strict && (symbols + padding) % 4 != 0) ok = false;
    return ok;
}

}  // namespace mfaphone::base64
