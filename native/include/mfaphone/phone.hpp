// Phone numbers for Entra ID phone authentication methods: normalisation to Graph's format,
// validation, masked-number detection and masking for display. Pure functions: no I/O, no
// shared mutable state; safe to call from any thread.
//
// Graph's format is "+{country code} {national significant number}[x{extension}]", for example
// "+46 701234567" or "+1 4255550123x42". A number is valid when libphonenumber's metadata has a
// number range for it (so fictional ranges such as the North American 555 area code are
// invalid; +1 206 555 01xx is a valid fictional range). A valid number is accepted whatever its
// line type; the caller decides whether to warn (a fixed-line number set as `mobile` only takes
// voice calls).
#pragma once

#include <string>
#include <vector>

namespace mfaphone {

// The phone method types of Graph's phoneAuthenticationMethod.
enum class PhoneType { Mobile = 0, AlternateMobile = 1, Office = 2 };

// Graph's name of a phone type: "mobile", "alternateMobile", "office".
std::string phoneTypeName(PhoneType type);
// The fixed Graph method id of a phone type (the same for every user).
std::string phoneMethodId(PhoneType type);
// Parses Graph's name of a phone type, case-insensitively. Returns false for anything else.
bool parsePhoneType(const std::string& name, PhoneType& type);

// What a number is used for, from the numbering plan's metadata.
enum class PhoneLineType {
    Unknown = 0,
    FixedLine = 1,
    Mobile = 2,
    FixedLineOrMobile = 3,  // the plan does not tell them apart (for example the US)
    TollFree = 4,
    PremiumRate = 5,
    SharedCost = 6,
    Voip = 7,
    PersonalNumber = 8,
    Pager = 9,
    Uan = 10,
    Voicemail = 11,
};

// "fixedLine", "mobile", "fixedLineOrMobile", "tollFree", "premiumRate", "sharedCost", "voip",
// "personalNumber", "pager", "uan", "voicemail" or "unknown".
std::string phoneLineTypeName(PhoneLineType type);

// Why a number was rejected. The reason text in PhoneNumberInfo says the same in words.
enum class PhoneNumberProblem {
    None = 0,
    Empty = 1,               // nothing but whitespace
    Masked = 2,              // digits hidden by X, *, • (a delegated administrator's view)
    NotANumber = 3,          // letters or symbols that no phone number has, or far too long
    NoRegion = 4,            // national format, and no region is known to read it in
    UnknownRegion = 5,       // national format, and the region to read it in has no numbering plan
    InvalidCountryCode = 6,  // "+" followed by no country calling code
    TooShort = 7,            // too few digits for the country
    TooLong = 8,             // too many digits for the country
    InvalidNumber = 9,       // a possible length, but no number range of the country matches
    ExtensionTooLong = 10,   // Graph takes at most 10 extension digits
};

// The result of reading one number. Never holds a secret; `reason` never repeats the number.
struct PhoneNumberInfo {
    std::string input;           // the input exactly as given
    bool isValid = false;        // true: phoneNumber holds Graph's format
    std::string phoneNumber;     // Graph's format when valid, else empty
    std::string region;          // ISO 3166-1 alpha-2 region of the number ("SE"), "001" for non-geographic
                                 // numbers (+800 ...); empty when invalid
    std::string regionUsed;      // the region a national-format input was read in; empty when the input
                                 // carried its own country code or no region applied
    int countryCode = 0;         // when valid
    std::string nationalNumber;  // national significant number (digits) when valid
    std::string extension;       // extension digits when valid and present
    PhoneLineType lineType = PhoneLineType::Unknown;
    bool isMasked = false;  // same as problem == Masked
    PhoneNumberProblem problem = PhoneNumberProblem::None;
    std::string reason;  // empty when valid; otherwise what is wrong and what to do
};

// Reads `input` as a phone number and returns it in Graph's format, or why it cannot be used.
// Accepts international numbers ("+", or the "00" / "011" international prefixes), national
// numbers with their trunk prefix ("070-123 45 67" in SE), separators (spaces, dashes, dots,
// slashes, parentheses, "(0)"), extensions ("x", "ext", "ext.", ";ext=", "#"), and Graph's own
// format, which comes back unchanged.
//
// A national-format input is read in `defaultRegion` when given, else in `usageLocation` (the
// user's Entra ID usageLocation); both are ISO 3166-1 alpha-2 codes, any case. Throws
// InvalidInputError when `defaultRegion` is non-empty and not a region with a numbering plan
// (the caller gave it; check it up front with isSupportedRegion). An unusable `usageLocation`
// (data, not a caller mistake) is no error: a national-format input then becomes
// problem == UnknownRegion. Letters are refused, except extension markers (vanity numbers such
// as 1-800-FLOWERS are not accepted). Never throws for a bad number.
PhoneNumberInfo normalizePhoneNumber(const std::string& input,
                                     const std::string& defaultRegion = std::string(),
                                     const std::string& usageLocation = std::string());

// True when `region` (any case, surrounding whitespace ignored) is an ISO 3166-1 alpha-2 code
// with a numbering plan, i.e. usable as a default region.
bool isSupportedRegion(const std::string& region);
// Every region usable as a default region, upper-case and sorted.
std::vector<std::string> supportedRegions();

// True when `number` has digits hidden by mask characters (X, x, *, •, ●), as Graph shows
// numbers to a delegated Authentication Administrator: "+1 XXXXXXXX34", "+46 ******67",
// "+1 XXXXXXXX23xXX". An extension marker ("+1 4255550123x42", "... ext 5") is not a mask. Such
// a number must never be compared as if it were whole.
bool isMaskedPhoneNumber(const std::string& number);

// A number for display and logs: the country code ("+46") and the last two digits of the
// number stay readable, every other digit becomes '*', an extension's digits are all hidden,
// separators stay: "+46 701234567" -> "+46 *******67", "+1 4255550123x42" -> "+1 ********23x**",
// "070-123 45 67" -> "***-*** ** 67". A number with fewer than five digits after its country
// code is hidden entirely. Input that is already masked keeps its mask characters; any digit it
// shows beyond the last two is hidden as well.
std::string maskPhoneNumber(const std::string& number);

}  // namespace mfaphone
