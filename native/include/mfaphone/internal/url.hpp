// URL and form encoding helpers, and log sanitising of URLs and headers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mfaphone {

// RFC 3986 percent-encoding; unreserved characters and those in `keep` pass through.
std::string percentEncode(std::string_view s, std::string_view keep = {});
std::string percentDecode(std::string_view s);

using FormFields = std::vector<std::pair<std::string, std::string>>;
// application/x-www-form-urlencoded ("+" never used: spaces are %20, which every server accepts).
std::string formEncode(const FormFields& fields);

// True for a path segment made only of dots ("." and ".." are dot segments that a server
// resolves to another path; longer runs are refused too).
bool isDotSegment(std::string_view segment);

// The tenant as a path segment of an authority URL ("{login}/{tenant}/oauth2/v2.0/token").
// Throws InvalidInputError for a tenant made only of dots.
std::string tenantPathSegment(std::string_view tenant);

// The path segment that addresses a user by object id or UPN, following Graph's rules: a
// UPN that starts with '$' uses the key form users('...'), '#' becomes %23, quotes double.
// Throws InvalidInputError for an id made only of dots.
std::string userPathSegment(std::string_view idOrUpn);

// For logs: keeps scheme, host, path and the names of query parameters; values of query
// parameters not in the allow-list print as REDACTED.
std::string sanitizeUrl(std::string_view url);
// For logs: the scheme and host only ("https://hooks.slack.com/REDACTED"), for URLs whose path
// is a secret.
std::string sanitizeUrlOrigin(std::string_view url);
// For logs: header value, or REDACTED when the header is not on the allow-list.
std::string sanitizeHeader(std::string_view name, std::string_view value);

std::string trimTrailingSlash(std::string s);

}  // namespace mfaphone
