#include <catch2/catch.hpp>

#include "mfaphone/internal/log.hpp"
#include "mfaphone/internal/url.hpp"

using namespace mfaphone;

TEST_CASE("user path segments follow Graph's addressing rules", "[url]") {
    CHECK(userPathSegment("4c2a3b2e-1111-2222-3333-444455556666") ==
          "users/4c2a3b2e-1111-2222-3333-444455556666");
    CHECK(userPathSegment("adele@contoso.com") == "users/adele@contoso.com");
    // '#' of B2B guest UPNs must be percent-encoded, or the rest is taken as a fragment.
    CHECK(userPathSegment("bob_fabrikam.com#EXT#@contoso.onmicrosoft.com") ==
          "users/bob_fabrikam.com%23EXT%23@contoso.onmicrosoft.com");
    // A UPN that starts with '$' must use the key form.
    CHECK(userPathSegment("$svc@contoso.com") == "users('$svc@contoso.com')");
    CHECK(userPathSegment("$o'brien@contoso.com") == "users('$o''brien@contoso.com')");
    // Non-ASCII UPNs are UTF-8 percent-encoded.
    CHECK(userPathSegment("zoë@contoso.com") == "users/zo%C3%AB@contoso.com");
    CHECK(userPathSegment("a b/c?d@x.com") == "users/a%20b%2Fc%3Fd@x.com");
}

TEST_CASE("form encoding escapes every reserved character", "[url]") {
    CHECK(formEncode({{"a", "b c"}, {"scope", "https://graph.microsoft.com/.default"}, {"s", "x+y&z=~"}}) ==
          "a=b%20c&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&s=x%2By%26z%3D~");
    CHECK(percentDecode("a%20b%2x%") == "a b%2x%");
}

TEST_CASE("URLs in logs keep only allow-listed query values", "[url][secrets]") {
    CHECK(sanitizeUrl("https://h/p?$select=id&token=abc&sig=xyz&api-version=1") ==
          "https://h/p?$select=id&token=REDACTED&sig=REDACTED&api-version=1");
    CHECK(sanitizeUrl("https://h/p") == "https://h/p");
    CHECK(sanitizeUrl("https://h/p?%24top=5&code=123456") == "https://h/p?%24top=5&code=REDACTED");
}

TEST_CASE("headers in logs are allow-listed", "[url][secrets]") {
    CHECK(sanitizeHeader("Authorization", "Bearer eyJ") == "REDACTED");
    CHECK(sanitizeHeader("X-Identity-Header", "s3cret") == "REDACTED");
    CHECK(sanitizeHeader("message", "handshake") == "REDACTED");
    CHECK(sanitizeHeader("Retry-After", "2.5") == "2.5");
    CHECK(sanitizeHeader("request-id", "abc") == "abc");
}

TEST_CASE("phone numbers in logs keep the country code and the last two digits", "[log]") {
    CHECK(maskPhoneNumber("+46 701234567") == "+46 *******67");
    CHECK(maskPhoneNumber("+1 5555551234x123") == "+1 ********34x***");
    CHECK(maskPhoneNumber("0701234567") == "********67");
    CHECK(maskPhoneNumber("") == "");
}
