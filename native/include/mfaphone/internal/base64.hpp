#pragma once
// Base64 (RFC 4648 §4) and base64url (§5). The forms that hold secrets (a Basic credential, a
// key's DER) go through zeroing storage and a stack buffer that is wiped after use.
#include <string>
#include <string_view>

#include "mfaphone/secret.hpp"

namespace mfaphone::base64 {

enum class Alphabet {
    Standard,  // '+' '/', padded with '=' to a whole group of four
    Url,       // '-' '_', unpadded (JWS segments, certificate thumbprints)
};

// The encoding of data in the given alphabet.
std::string encode(std::string_view data, Alphabet alphabet = Alphabet::Standard);
// Appends the encoding of data to out.
void encode(std::string_view data, Alphabet alphabet, SecretString& out);

// Decodes into out (appended). Standard is strict, as PEM bodies need it: whitespace between
// symbols is ignored, padding must complete the last group and nothing may follow it. Url also
// takes the standard symbols and optional padding (token segments in either form). False when
// the input is malformed; out then holds no meaningful value.
bool decode(std::string_view in, Alphabet alphabet, SecretString& out);

}  // namespace mfaphone::base64
