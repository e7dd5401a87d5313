// Phone number normalisation on top of libphonenumber (its types stay in this file).
#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/phone.hpp"

namespace mfaphone {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// Inputs longer than this are no phone number (libphonenumber's own limit is 250).
constexpr std::size_t kMaxInputBytes = 250;
// Graph takes at most 10 extension digits.
constexpr std::size_t kMaxExtensionDigits = 10;

const PhoneNumberUtil& util() {
    static std::once_flag once;
    PhoneNumberUtil* instance = PhoneNumberUtil::GetInstance();
    // The library must never log: its messages could carry the numbers it was given.
    std::call_once(once, [instance] { instance->SetLogger(new i18n::phonenumbers::NullLogger()); });
    return *instance;
}

// The regions with a numbering plan, read once.
const std::set<std::string>& regionSet() {
    static const std::set<std::string> regions = [] {
        std::set<std::string> all;
        util().GetSupportedRegions(&all);
        return all;
    }();
    return regions;
}

std::string trimAscii(const std::string& s) {
    std::size_t begin = 0;
    std::size_t end = s.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
    return s.substr(begin, end - begin);
}

std::string upperAscii(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string lowerAscii(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool isAsciiDigit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool isAsciiLetter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }

// One decoded code point and where it sits in the UTF-8 text.
struct CodePoint {
    char32_t value;
    std::size_t offset;
    std::size_t length;
};

// Decodes UTF-8; an invalid byte becomes U+FFFD on its own (no phone number contains one).
std::vector<CodePoint> decodeUtf8WithOffsets(const std::string& s) {
    std::vector<CodePoint> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t length = b < 0x80           ? 1
                                   : (b >> 5) == 0x6  ? 2
                                   : (b >> 4) == 0xE  ? 3
                                   : (b >> 3) == 0x1E ? 4
                                                      : 0;
        bool ok = length != 0 && i + length <= s.size();
        char32_t c = length == 1 ? b : length == 2 ? (b & 0x1F) : length == 3 ? (b & 0x0F) : (b & 0x07);
        for (std::size_t k = 1; ok && k < length; ++k) {
            const auto next = static_cast<unsigned char>(s[i + k]);
            if ((next & 0xC0) != 0x80) ok = false;
            c = (c << 6) | (next & 0x3F);
        }
        if (!ok) {
            out.push_back({U'\uFFFD', i, 1});
            ++i;
            continue;
        }
        out.push_back({c, i, length});
        i += length;
    }
    return out;
}

std::vector<char32_t> decodeUtf8(const std::string& s) {
    std::vector<char32_t> out;
    for (const CodePoint& cp : decodeUtf8WithOffsets(s)) out.push_back(cp.value);
    return out;
}

// Characters that hide digits in a masked number (besides X and x, which are handled apart
// because "x" also marks an extension).
bool isMaskSymbol(char32_t c) {
    return c == U'*' || c == U'\u2022' /* • */ || c == U'\u25CF' /* ● */ || c == U'\u2217' /* ∗ */ ||
           c == U'\uFF0A' /* ＊ */;
}

bool isMaskLetter(char32_t c) { return c == U'X' || c == U'x'; }

// Digits libphonenumber reads: ASCII, full-width, Arabic-Indic and Eastern Arabic-Indic.
bool isDigitLike(char32_t c) {
    return isAsciiDigit(c) || (c >= U'\uFF10' && c <= U'\uFF19') || (c >= U'\u0660' && c <= U'\u0669') ||
           (c >= U'\u06F0' && c <= U'\u06F9');
}

// Separators and punctuation found in written phone numbers.
bool isSeparator(char32_t c) {
    switch (c) {
        case U' ':
        case U'\t':
        case U'-':
        case U'.':
        case U'/':
        case U'(':
        case U')':
        case U'[':
        case U']':
        case U'\u00A0':
        case U'\u2007':
        case U'\u2009':
        case U'\u200A':
        case U'\u200B':
        case U'\u202F':
        case U'\u2060':
        case U'\u3000':
        case U'\u00AD':
        case U'\u2010':
        case U'\u2011':
        case U'\u2012':
        case U'\u2013':
        case U'\u2014':
        case U'\u2015':
        case U'\u2212':
        case U'\u30FC':
        case U'\uFF0D':
        case U'\uFF0E':
        case U'\uFF0F':
        case U'\uFF08':
        case U'\uFF09':
        case U'\uFF3B':
        case U'\uFF3D':
        case U'\u2000':
        case U'\u2001':
        case U'\u2002':
        case U'\u2003':
        case U'\u2004':
        case U'\u2005':
        case U'\u2006':
        case U'\u2008':
            return true;
        default:
            return false;
    }
}

bool isPlus(char32_t c) { return c == U'+' || c == U'\uFF0B'; }

// The index of the previous / next code point that is not a separator, or npos.
std::size_t prevSignificant(const std::vector<char32_t>& cps, std::size_t i) {
    while (i > 0) {
        --i;
        if (!isSeparator(cps[i])) return i;
    }
    return std::string::npos;
}

std::size_t nextSignificant(const std::vector<char32_t>& cps, std::size_t i) {
    for (++i; i < cps.size(); ++i) {
        if (!isSeparator(cps[i])) return i;
    }
    return std::string::npos;
}

// Letter runs that may appear in a number: extension markers and a tel: URI scheme.
bool isAllowedWord(const std::string& lowerWord) {
    return lowerWord == "x" || lowerWord == "ext" || lowerWord == "extn" || lowerWord == "extension" ||
           lowerWord == "tel";
}

// What a lone X or x is: part of a word ("ext"), an extension marker between digits
// ("4255550123x42", "... x 42"), or a digit hidden by a mask ("+1 X234567890").
enum class XRole { Word, Extension, Mask };

XRole roleOfX(const std::vector<char32_t>& cps, std::size_t i) {
    if ((i + 1 < cps.size() && isMaskLetter(cps[i + 1])) || (i > 0 && isMaskLetter(cps[i - 1])))
        return XRole::Mask;
    const bool letterBefore = i > 0 && isAsciiLetter(cps[i - 1]);
    const bool letterAfter = i + 1 < cps.size() && isAsciiLetter(cps[i + 1]);
    if (letterBefore || letterAfter) return XRole::Word;
    std::size_t digitsBefore = 0;
    for (std::size_t k = 0; k < i; ++k) digitsBefore += isDigitLike(cps[k]) ? 1 : 0;
    const std::size_t before = prevSignificant(cps, i);
    const std::size_t after = nextSignificant(cps, i);
    const bool digitBefore = before != std::string::npos && isDigitLike(cps[before]);
    const bool digitAfter = after != std::string::npos && isDigitLike(cps[after]);
    // An extension follows a number of some length; an x after a country code stands for a digit.
    if (digitBefore && digitAfter && digitsBefore >= 4) return XRole::Extension;
    if (digitAfter || (digitBefore && after == std::string::npos)) return XRole::Mask;
    return XRole::Word;
}

bool maskedCodePoints(const std::vector<char32_t>& cps) {
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (isMaskSymbol(cps[i])) return true;
        if (isMaskLetter(cps[i]) && roleOfX(cps, i) == XRole::Mask) return true;
    }
    return false;
}

// The input in the ASCII libphonenumber reads best: Unicode digits, spaces, dashes, brackets and
// plus signs become their ASCII forms; a lone x extension marker becomes " ext " (libphonenumber
// caps extensions after a bare x at 9 digits, Graph's own format allows 10). Call after
// unexpectedCharacters() found nothing.
std::string asciiText(const std::vector<char32_t>& cps) {
    std::string out;
    out.reserve(cps.size());
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t c = cps[i];
        if (isAsciiDigit(c)) {
            out.push_back(static_cast<char>(c));
        } else if (c >= U'\uFF10' && c <= U'\uFF19') {
            out.push_back(static_cast<char>('0' + (c - U'\uFF10')));
        } else if (c >= U'\u0660' && c <= U'\u0669') {
            out.push_back(static_cast<char>('0' + (c - U'\u0660')));
        } else if (c >= U'\u06F0' && c <= U'\u06F9') {
            out.push_back(static_cast<char>('0' + (c - U'\u06F0')));
        } else if (isPlus(c)) {
            out.push_back('+');
        } else if (isMaskLetter(c) && roleOfX(cps, i) == XRole::Extension) {
            out += " ext ";
        } else if (c == U'(' || c == U'\uFF08' || c == U'[' || c == U'\uFF3B') {
            out.push_back('(');
        } else if (c == U')' || c == U'\uFF09' || c == U']' || c == U'\uFF3D') {
            out.push_back(')');
        } else if (c == U'.' || c == U'\uFF0E') {
            out.push_back('.');
        } else if (c == U'/' || c == U'\uFF0F') {
            out.push_back('/');
        } else if (c == U'-' || c == U'\u2010' || c == U'\u2011' || c == U'\u2012' || c == U'\u2013' ||
                   c == U'\u2014' || c == U'\u2015' || c == U'\u2212' || c == U'\u30FC' || c == U'\uFF0D') {
            out.push_back('-');
        } else if (isSeparator(c)) {
            out.push_back(' ');
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        }
    }
    return trimAscii(out);
}

// Checks every character could belong to a written phone number. Returns an empty string, or
// the reason the input is no phone number.
std::string unexpectedCharacters(const std::vector<char32_t>& cps) {
    for (std::size_t i = 0; i < cps.size();) {
        const char32_t c = cps[i];
        if (isAsciiLetter(c)) {
            std::string word;
            std::size_t j = i;
            while (j < cps.size() && isAsciiLetter(cps[j])) word.push_back(static_cast<char>(cps[j++]));
            if (!isAllowedWord(lowerAscii(word))) {
                return "The value contains letters. A phone number holds digits, separators and, optionally, "
                       "an "
                       "extension marked with x or ext; vanity numbers spelt with letters are not accepted.";
            }
            i = j;
            continue;
        }
        if (isDigitLike(c) || isSeparator(c) || isPlus(c) || c == U'#' || c == U';' || c == U'=' ||
            c == U':' || c == U',') {
            ++i;
            continue;
        }
        return "The value contains characters that no phone number has. Give the number with digits, spaces, "
               "dashes, dots or parentheses, optionally starting with + and the country code.";
    }
    return {};
}

// The input's digits (ASCII only) and whether it starts with '+'. Used to recognise the "00" and
// "011" international prefixes.
std::string leadingDigits(const std::vector<char32_t>& cps, bool& startsWithPlus) {
    startsWithPlus = false;
    std::string digits;
    bool seenAny = false;
    for (char32_t c : cps) {
        if (isPlus(c) && !seenAny) {
            startsWithPlus = true;
            seenAny = true;
            continue;
        }
        if (isAsciiDigit(c)) {
            digits.push_back(static_cast<char>(c));
            seenAny = true;
            continue;
        }
        if (c >= U'\uFF10' && c <= U'\uFF19') {
            digits.push_back(static_cast<char>('0' + (c - U'\uFF10')));
            seenAny = true;
            continue;
        }
        if (isSeparator(c)) continue;
        break;  // an extension marker or anything else ends the main number
    }
    return digits;
}

PhoneLineType toLineType(PhoneNumberUtil::PhoneNumberType type) {
    switch (type) {
        case PhoneNumberUtil::FIXED_LINE:
            return PhoneLineType::FixedLine;
        case PhoneNumberUtil::MOBILE:
            return PhoneLineType::Mobile;
        case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
            return PhoneLineType::FixedLineOrMobile;
        case PhoneNumberUtil::TOLL_FREE:
            return PhoneLineType::TollFree;
        case PhoneNumberUtil::PREMIUM_RATE:
            return PhoneLineType::PremiumRate;
        case PhoneNumberUtil::SHARED_COST:
            return PhoneLineType::SharedCost;
        case PhoneNumberUtil::VOIP:
            return PhoneLineType::Voip;
        case PhoneNumberUtil::PERSONAL_NUMBER:
            return PhoneLineType::PersonalNumber;
        case PhoneNumberUtil::PAGER:
            return PhoneLineType::Pager;
        case PhoneNumberUtil::UAN:
            return PhoneLineType::Uan;
        case PhoneNumberUtil::VOICEMAIL:
            return PhoneLineType::Voicemail;
        default:
            return PhoneLineType::Unknown;
    }
}

struct Attempt {
    PhoneNumberUtil::ErrorType error = PhoneNumberUtil::NOT_A_NUMBER;
    PhoneNumber number;
    bool valid = false;
    PhoneNumberUtil::PhoneNumberType type = PhoneNumberUtil::UNKNOWN;
};

Attempt parse(const std::string& text, const std::string& region) {
    Attempt a;
    a.error = util().Parse(text, region, &a.number);
    if (a.error != PhoneNumberUtil::NO_PARSING_ERROR) return a;
    // A number is valid exactly when a number range of its region gives it a type (this is what
    // IsValidNumber checks too; asking once saves a second pass over the ranges).
    a.type = util().GetNumberType(a.number);
    a.valid = a.type != PhoneNumberUtil::UNKNOWN;
    return a;
}

PhoneNumberInfo reject(PhoneNumberInfo info, PhoneNumberProblem problem, std::string reason) {
    info.isValid = false;
    info.phoneNumber.clear();
    info.region.clear();
    info.countryCode = 0;
    info.nationalNumber.clear();
    info.extension.clear();
    info.lineType = PhoneLineType::Unknown;
    info.isMasked = problem == PhoneNumberProblem::Masked;
    info.problem = problem;
    info.reason = std::move(reason);
    return info;
}

std::string inRegion(const std::string& region) {
    return region.empty() || region == "ZZ" ? "" : " in " + region;
}

// Why a parsed but invalid number is invalid.
PhoneNumberInfo explainInvalid(PhoneNumberInfo info, const PhoneNumber& number, const std::string& readIn) {
    std::string numberRegion;
    util().GetRegionCodeForCountryCode(number.country_code(), &numberRegion);
    const std::string where = numberRegion != "ZZ" && numberRegion != "001" ? numberRegion : readIn;
    const std::string cc = "+" + std::to_string(number.country_code());
    switch (util().IsPossibleNumberWithReason(number)) {
        case PhoneNumberUtil::INVALID_COUNTRY_CODE:
            return reject(std::move(info), PhoneNumberProblem::InvalidCountryCode,
                          "The country calling code " + cc + " does not exist. Check the digits after +.");
        case PhoneNumberUtil::TOO_SHORT:
            return reject(std::move(info), PhoneNumberProblem::TooShort,
                          "The number has too few digits for a phone number" + inRegion(where) + " (" + cc +
                              "). Check it is complete.");
        case PhoneNumberUtil::TOO_LONG:
            return reject(std::move(info), PhoneNumberProblem::TooLong,
                          "The number has too many digits for a phone number" + inRegion(where) + " (" + cc +
                              "). Check for extra digits or a missing extension marker (x).");
        case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
            return reject(std::move(info), PhoneNumberProblem::TooShort,
                          "The number is a local number without its area code" + inRegion(where) + " (" + cc +
                              "). Give the full number with the area code.");
        case PhoneNumberUtil::INVALID_LENGTH:
            return reject(std::move(info), PhoneNumberProblem::InvalidNumber,
                          "The number has a length no phone number" + inRegion(where) + " (" + cc +
                              ") has. Check the digits.");
        default:
            return reject(std::move(info), PhoneNumberProblem::InvalidNumber,
                          "The number is not a valid phone number" + inRegion(where) + " (" + cc +
                              "): no number range there matches it. Check the digits and the country code.");
    }
}

}  // namespace

std::string phoneTypeName(PhoneType type) {
    switch (type) {
        case PhoneType::Mobile:
            return "mobile";
        case PhoneType::AlternateMobile:
            return "alternateMobile";
        case PhoneType::Office:
            return "office";
    }
    return "mobile";
}

std::string phoneMethodId(PhoneType type) {
    switch (type) {
        case PhoneType::Mobile:
            return "3179e48a-750b-4051-897c-87b9720928f7";
        case PhoneType::AlternateMobile:
            return "b6332ec1-7057-4abe-9331-3d72feddfe41";
        case PhoneType::Office:
            return "e37fc753-ff3b-4958-9484-eaa9425c82bc";
    }
    return "3179e48a-750b-4051-897c-87b9720928f7";
}

bool parsePhoneType(const std::string& name, PhoneType& type) {
    const std::string lower = lowerAscii(trimAscii(name));
    if (lower == "mobile") {
        type = PhoneType::Mobile;
    } else if (lower == "alternatemobile") {
        type = PhoneType::AlternateMobile;
    } else if (lower == "office") {
        type = PhoneType::Office;
    } else {
        return false;
    }
    return true;
}

std::string phoneLineTypeName(PhoneLineType type) {
    switch (type) {
        case PhoneLineType::FixedLine:
            return "fixedLine";
        case PhoneLineType::Mobile:
            return "mobile";
        case PhoneLineType::FixedLineOrMobile:
            return "fixedLineOrMobile";
        case PhoneLineType::TollFree:
            return "tollFree";
        case PhoneLineType::PremiumRate:
            return "premiumRate";
        case PhoneLineType::SharedCost:
            return "sharedCost";
        case PhoneLineType::Voip:
            return "voip";
        case PhoneLineType::PersonalNumber:
            return "personalNumber";
        case PhoneLineType::Pager:
            return "pager";
        case PhoneLineType::Uan:
            return "uan";
        case PhoneLineType::Voicemail:
            return "voicemail";
        case PhoneLineType::Unknown:
            break;
    }
    return "unknown";
}

bool isSupportedRegion(const std::string& region) {
    const std::string code = upperAscii(trimAscii(region));
    return code.size() == 2 && regionSet().count(code) != 0;
}

std::vector<std::string> supportedRegions() {
    const std::set<std::string>& regions = regionSet();
    return std::vector<std::string>(regions.begin(), regions.end());
}

bool isMaskedPhoneNumber(const std::string& number) { return maskedCodePoints(decodeUtf8(number)); }

PhoneNumberInfo normalizePhoneNumber(const std::string& input, const std::string& defaultRegion,
                                     const std::string& usageLocation) {
    PhoneNumberInfo info;
    info.input = input;

    std::string region;
    bool regionFromUser = false;
    const std::string explicitRegion = upperAscii(trimAscii(defaultRegion));
    if (!explicitRegion.empty()) {
        if (!isSupportedRegion(explicitRegion)) {
            throw InvalidInputError(
                "The default region '" + trimAscii(defaultRegion) +
                "' is not a region code with a phone numbering plan. Use a two-letter ISO 3166-1 "
                "alpha-2 country code such as US, GB, DE or SE.");
        }
        region = explicitRegion;
    } else {
        region = upperAscii(trimAscii(usageLocation));
        regionFromUser = !region.empty();
    }
    const bool regionUsable = !region.empty() && isSupportedRegion(region);

    if (input.size() > kMaxInputBytes) {
        return reject(std::move(info), PhoneNumberProblem::NotANumber,
                      "The value is too long to be a phone number (more than 250 characters).");
    }
    // Whitespace around the number (a trailing line break from a file or attribute) is ignored;
    // control characters inside it are not.
    const std::vector<char32_t> cps = decodeUtf8(trimAscii(input));
    bool anyContent = false;
    for (char32_t c : cps) {
        if (!isSeparator(c)) {
            anyContent = true;
            break;
        }
    }
    if (!anyContent) {
        return reject(std::move(info), PhoneNumberProblem::Empty,
                      "The value is empty: there is no number to read.");
    }
    if (maskedCodePoints(cps)) {
        return reject(
            std::move(info), PhoneNumberProblem::Masked,
            "The number is masked (some digits are hidden), so it cannot be read as a whole number. Masked "
            "numbers are what Graph shows a delegated administrator; read numbers with an app-only "
            "identity to see them in full.");
    }
    for (char32_t c : cps) {
        if (c != U'\t' && (c < 0x20 || c == 0x7F)) {
            return reject(
                std::move(info), PhoneNumberProblem::NotANumber,
                "The value contains control characters (such as a line break); a phone number is one line "
                "of digits and separators.");
        }
    }
    const std::string unexpected = unexpectedCharacters(cps);
    if (!unexpected.empty()) return reject(std::move(info), PhoneNumberProblem::NotANumber, unexpected);

    const std::string text = asciiText(cps);
    bool plus = false;
    // An RFC 3966 "tel:" URI keeps its number after the scheme.
    const bool telUri = text.size() > 4 && lowerAscii(text.substr(0, 4)) == "tel:";
    const std::string digits = leadingDigits(decodeUtf8(telUri ? text.substr(4) : text), plus);
    if (digits.empty()) {
        return reject(std::move(info), PhoneNumberProblem::NotANumber,
                      "The value holds no digits before its end or "
                      "extension, so it is not a phone number.");
    }
    Attempt attempt = parse(text, regionUsable ? region : "ZZ");
    if (!plus && regionUsable) info.regionUsed = region;

    // "00" and "011" are the international prefixes of most of the world and of North America.
    // When the number does not read as valid in its region (or no region is known), read them
    // as "+" (a national number starting 00 or 011 would have been valid in its region).
    if (!attempt.valid && !plus) {
        std::string prefix;
        if (digits.rfind("011", 0) == 0) prefix = "011";
        if (digits.rfind("00", 0) == 0) prefix = "00";
        if (!prefix.empty()) {
            // Replace the prefix's digits with '+' in the text, keeping everything after it.
            std::size_t seen = 0;
            std::size_t i = 0;
            for (; i < text.size() && seen < prefix.size(); ++i) {
                if (std::isdigit(static_cast<unsigned char>(text[i]))) ++seen;
            }
            if (seen == prefix.size()) {
                Attempt international = parse("+" + text.substr(i), "ZZ");
                // Without a region, "00" can only be the international prefix; "011" may also be a
                // national area code (Sapporo's is 011), so it counts only when the result is valid.
                const bool onlyReading = prefix == "00" && attempt.error != PhoneNumberUtil::NO_PARSING_ERROR;
                if (international.valid || onlyReading) {
                    attempt = international;
                    info.regionUsed.clear();
                    plus = true;
                }
            }
        }
    }

    if (attempt.error != PhoneNumberUtil::NO_PARSING_ERROR) {
        switch (attempt.error) {
            case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
                if (plus) {
                    return reject(
                        std::move(info), PhoneNumberProblem::InvalidCountryCode,
                        "The number starts with a country calling code that does not exist. Check the "
                        "digits after + (or after the 00 / 011 international prefix).");
                }
                if (!region.empty() && !regionUsable) {
                    return reject(
                        std::move(info), PhoneNumberProblem::UnknownRegion,
                        std::string("The number has no country code, and the ") +
                            (regionFromUser ? "user's usage location" : "region") + " '" + region +
                            "' has no phone numbering plan to read it in. Write the number with + and the "
                            "country code.");
                }
                return reject(
                    std::move(info), PhoneNumberProblem::NoRegion,
                    "The number has no country code and no region is known to read it in, so it is "
                    "ambiguous. Write it with + and the country code (for example +46 70 123 45 67), or "
                    "give a default region or set the user's usage location.");
            case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
            case PhoneNumberUtil::TOO_SHORT_NSN:
                return reject(std::move(info), PhoneNumberProblem::TooShort,
                              "The number has too few digits to be a phone number. Check it is complete.");
            case PhoneNumberUtil::TOO_LONG_NSN:
                return reject(
                    std::move(info), PhoneNumberProblem::TooLong,
                    "The number has too many digits to be a phone number. Check for extra digits or a "
                    "missing extension marker (x).");
            default:
                return reject(
                    std::move(info), PhoneNumberProblem::NotANumber,
                    "The value is not a phone number. Give the number with digits, optionally starting "
                    "with + and the country code.");
        }
    }
    if (!attempt.valid) {
        return explainInvalid(std::move(info), attempt.number, regionUsable ? region : std::string());
    }

    const PhoneNumber& number = attempt.number;
    std::string nsn;
    util().GetNationalSignificantNumber(number, &nsn);
    const std::string extension = number.has_extension() ? number.extension() : std::string();
    if (extension.size() > kMaxExtensionDigits) {
        return reject(std::move(info), PhoneNumberProblem::ExtensionTooLong,
                      "The extension has more than 10 digits, more than Graph accepts. Check the extension.");
    }
    std::string numberRegion;
    util().GetRegionCodeForNumber(number, &numberRegion);

    info.isValid = true;
    info.countryCode = number.country_code();
    info.nationalNumber = nsn;
    info.extension = extension;
    info.region = numberRegion;
    info.lineType = toLineType(attempt.type);
    info.phoneNumber = "+" + std::to_string(number.country_code()) + " " + nsn;
    if (!extension.empty()) info.phoneNumber += "x" + extension;
    info.problem = PhoneNumberProblem::None;
    info.reason.clear();
    return info;
}

std::string maskPhoneNumber(const std::string& number) {
    const std::vector<char32_t> cps = decodeUtf8(number);
    const bool masked = maskedCodePoints(cps);

    // The country code: the digits right after a leading '+', up to the first separator (Graph's
    // format), else as libphonenumber reads it.
    std::size_t ccDigits = 0;
    std::size_t firstDigit = std::string::npos;
    bool plus = false;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (isPlus(cps[i])) {
            plus = true;
            continue;
        }
        if (isDigitLike(cps[i])) {
            firstDigit = i;
            break;
        }
        if (!isSeparator(cps[i])) break;
    }
    if (plus && firstDigit != std::string::npos) {
        std::size_t run = 0;
        while (firstDigit + run < cps.size() && isAsciiDigit(cps[firstDigit + run])) ++run;
        const bool graphShape =
            firstDigit + run < cps.size() && cps[firstDigit + run] == U' ' && run >= 1 && run <= 3;
        if (graphShape) {
            ccDigits = run;
        } else if (!masked) {
            PhoneNumber parsed;
            if (util().Parse(number, "ZZ", &parsed) == PhoneNumberUtil::NO_PARSING_ERROR) {
                ccDigits = std::to_string(parsed.country_code()).size();
            }
        }
    }

    // Where the main number ends and an extension starts: the first letter, '#' or ';' after a
    // digit (for masked input, the lone lower-case x after the visible digits).
    std::size_t extStart = cps.size();
    bool digitSeen = false;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t c = cps[i];
        if (isDigitLike(c) || (masked && (isMaskLetter(c) || isMaskSymbol(c)))) {
            if (masked && c == U'x' && digitSeen && !(i + 1 < cps.size() && cps[i + 1] == U'x') &&
                !(i > 0 && cps[i - 1] == U'x')) {
                extStart = i;
                break;
            }
            digitSeen = true;
            continue;
        }
        if (digitSeen && (isAsciiLetter(c) || c == U'#' || c == U';' || c == U',')) {
            extStart = i;
            break;
        }
    }

    // Positions of the main number's digits after the country code.
    std::vector<std::size_t> mainDigits;
    std::size_t ccLeft = ccDigits;
    for (std::size_t i = 0; i < extStart; ++i) {
        if (!isDigitLike(cps[i])) continue;
        if (ccLeft > 0) {
            --ccLeft;
            continue;
        }
        mainDigits.push_back(i);
    }
    std::size_t visibleCount = 0;
    if (masked) {
        visibleCount = 2;
    } else {
        std::size_t nationalDigits = 0;
        for (std::size_t i = 0; i < extStart; ++i) {
            if (isDigitLike(cps[i])) ++nationalDigits;
        }
        nationalDigits -= std::min(nationalDigits, ccDigits);
        visibleCount = nationalDigits >= 5 ? 2 : 0;
    }
    std::vector<bool> hide(cps.size(), false);
    for (std::size_t k = 0; k < mainDigits.size(); ++k) {
        if (k + visibleCount < mainDigits.size()) hide[mainDigits[k]] = true;
    }
    for (std::size_t i = extStart; i < cps.size(); ++i) {
        if (isDigitLike(cps[i])) hide[i] = true;
    }

    // Re-encode; hidden digits become '*'.
    const std::vector<CodePoint> encoded = decodeUtf8WithOffsets(number);
    std::string out;
    out.reserve(number.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (hide[i]) {
            out.push_back('*');
        } else {
            out.append(number, encoded[i].offset, encoded[i].length);
        }
    }
    return out;
}

}  // namespace mfaphone
