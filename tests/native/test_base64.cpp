// Base64 and base64url (mfaphone/internal/base64.hpp): RFC 4648's test vectors both ways, the
// zeroing-storage path, and the malformed inputs each form refuses.
#include <catch2/catch.hpp>
#include <string>

#include "mfaphone/internal/base64.hpp"

using namespace mfaphone;
using base64::Alphabet;

namespace {
std::string decoded(std::string_view in, Alphabet alphabet, bool* ok = nullptr) {
    SecretString out;
    bool good = base64::decode(in, alphabet, out);
    if (ok) *ok = good;
    return good ? std::string(out.data(), out.size()) : std::string("<malformed>");
}
}  // namespace

TEST_CASE("base64 encodes and decodes RFC 4648's test vectors", "[base64]") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, encoded] : vectors) {
        CAPTURE(plain);
        CHECK(base64::encode(plain) == encoded);
        CHECK(decoded(encoded, Alphabet::Standard) == plain);
        // base64url leaves the padding off and takes it back either way.
        std::string unpadded(encoded);
        unpadded.erase(unpadded.find_last_not_of('=') + 1);
        CHECK(base64::encode(plain, Alphabet::Url) == unpadded);
        CHECK(decoded(unpadded, Alphabet::Url) == plain);
        CHECK(decoded(encoded, Alphabet::Url) == plain);
    }
}

TEST_CASE("the two alphabets differ in symbols 62 and 63", "[base64]") {
    const std::string bytes("\xfb\xff\xbf", 3);  // 111110 111111 111110 111111
    CHECK(base64::encode(bytes) == "+/+/");
    CHECK(base64::encode(bytes, Alphabet::Url) == "-_-_");
    CHECK(decoded("-_-_", Alphabet::Url) == bytes);
    CHECK(decoded("+/+/", Alphabet::Url) == bytes);  // token segments come in either form
    CHECK(decoded("-_-_", Alphabet::Standard) == "<malformed>");
}

TEST_CASE("base64 into zeroing storage appends, across its internal buffer", "[base64]") {
    std::string plain;
    for (int i = 0; i < 1000; ++i) plain += static_cast<char>(i * 7 + 3);
    SecretString out("Basic ", 6);
    base64::encode(plain, Alphabet::Standard, out);
    std::string text(out.data(), out.size());
    CHECK(text == "Basic " + base64::encode(plain));
    CHECK(text.size() == 6 + (plain.size() + 2) / 3 * 4);
    CHECK(decoded(text.substr(6), Alphabet::Standard) == plain);
}

TEST_CASE("base64 as PEM bodies use it: whitespace between symbols, strict padding", "[base64]") {
    CHECK(decoded("YWJj\nZA==", Alphabet::Standard) == "abcd");
    CHECK(decoded(" YW Jj\r\n\tZA = = \n", Alphabet::Standard) == "abcd");
    bool ok = true;
    for (const char* bad : {"YW=Jj", "YWJjZA", "YWJjZA=", "YWJjZ===", "YWJjZ", "YWJj*A==", "YWJj-A=="}) {
        CAPTURE(bad);
        CHECK(decoded(bad, Alphabet::Standard, &ok) == "<malformed>");
        CHECK_FALSE(ok);
    }
}

TEST_CASE("base64url as token segments use it: padding optional, nothing after it", "[base64]") {
    CHECK(decoded("eyJhIjoxfQ", Alphabet::Url) == "{\"a\":1}");
    CHECK(decoded("eyJhIjoxfQ==", Alphabet::Url) == "{\"a\":1}");
    bool ok = true;
    for (const char* bad : {"eyJh IjoxfQ", "eyJhIjoxfQ=x", "eyJhIjoxfQ===", "eyJhIjoxf", "eyJ.IjoxfQ"}) {
        CAPTURE(bad);
        CHECK(decoded(bad, Alphabet::Url, &ok) == "<malformed>");
        CHECK_FALSE(ok);
    }
}
