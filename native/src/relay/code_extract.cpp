// One-time-code extraction from an SMS text.
//
// The text is lower-cased (ASCII only, so byte offsets stay put) and every span that holds
// digits which are not a code -- URLs, e-mail addresses, phone numbers, dates, times, amounts,
// durations, reference numbers -- is blanked out. Ordered patterns then look for the code in
// what is left: Microsoft's texts first (in any language), a known sender format, a code after
// a "code" keyword, a code before one, a letters-and-digits code after a keyword, and last a
// stand-alone 4-8 digit number. Every regular expression is bounded, so the matcher's
// recursion stays shallow whatever the input.
#include <algorithm>
#include <regex>

#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {
namespace {

constexpr std::size_t kMaxText = 4096;

// "code" in the languages Microsoft sends its texts in (and a few more); matched as bytes of
// the lower-cased UTF-8 text, so "verificatiecode", "Prüfcode" and "verifieringskoden" match.
#define MFA_KW                                                                     \
    "(?:code|codic|c(?:o|ó)digo|kod|kód|kood|passcode|password|passwort|mot de " \
    "passe|contrase(?:ñ|n)a|token|"                                               \
    "\\b(?:pin|otp|tan)\\b|コード|验证码|驗證碼|校验码|인증|번호|код|κωδικ|رمز|קוד|รหัส|mã)"

// A code: two groups of 3 or 4 digits, or 4-8 digits, not running into more letters or digits.
#define MFA_CODE "([0-9]{4}[- ][0-9]{4}|[0-9]{3}[- ][0-9]{3}|[0-9]{4,8})(?![0-9a-z_]|[-.,:/][0-9a-z])"
#define MFA_CODE6 "([0-9]{6,8})(?![0-9a-z_]|[-.,:/][0-9a-z])"

#define MFA_MONTH                                                                                              \
    "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|fév|fev|avr|mai|juin|juil|aoû|aou|déc|okt|dez|mrt|" \
    "mei|maj|ene|abr|ago|dic|gen|mag|giu|lug|set|ott|tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|"    \
    "loka|marras|joulu)[a-zéûä]{0,8}\\.?"

struct Rule {
    const char* name;
    std::regex pattern;
    bool microsoftOnly;
    bool alnum;  // the code may hold letters (needs a digit too)
};

const std::vector<std::regex>& exclusions() {
    static const std::vector<std::regex> list = [] {
        std::vector<const char*> sources = {
            // phone numbers: international, North American, national with a trunk 0, 7-digit local
            "\\+[0-9][0-9 ().-]{6,20}[0-9]",
            "\\(?[0-9]{3}\\)?[ .-][0-9]{3}[ .-][0-9]{4}",
            "\\b0[0-9]{1,4}[ -][0-9]{2,4}(?:[ -][0-9]{2,4}){1,3}\\b",
            "\\b1-[0-9]{3}-[0-9]{3}-[0-9]{4}\\b",
            "\\b[0-9]{3}-[0-9]{4}\\b",
            "\\b(?:tel|phone|call|ring|ruf|appel(?:ez)?|llam[ae]|chiama|bel|soita)[a-z.:]{0,8} "
            "{0,2}[0-9][0-9 ().-]{3,18}"
            "[0-9]",
            // dates
            "\\b[0-9]{4}-[0-9]{2}-[0-9]{2}(?:t[0-9:.]{0,15}z?)?",
            "\\b[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}\\b",
            MFA_MONTH " {1,2}[0-9]{1,2}(?:st|nd|rd|th)?,? {1,2}[0-9]{4}",
            "\\b[0-9]{1,2}(?:st|nd|rd|th|er|e)?\\.? {0,2}" MFA_MONTH ",? {0,2}[0-9]{4}",
            MFA_MONTH " {1,2}[0-9]{4}",
            // times
            "\\b[0-9]{1,2}[:.h][0-9]{2}(?::[0-9]{2})?(?: ?[ap]\\.?m\\b\\.?)?",
            "\\b[0-9]{1,2} ?[ap]\\.?m\\b",
            "\\b[0-9]{3,4} ?(?:hrs|uhr)\\b",
            // amounts, decimals, percentages, durations
            "(?:\\$|€|£|¥|₹|usd|eur|gbp|sek|nok|dkk|chf) ?[0-9][0-9.,]{0,15}",
            "\\b[0-9][0-9.,]{0,15} ?(?:usd|eur|gbp|sek|nok|dkk|chf|kr|€|\\$|£)",
            "\\b[0-9]{1,9}[.,][0-9]{1,9}(?:[.,][0-9]{1,9}){0,3}",
            "\\b[0-9]{1,9} ?%",
            "\\b[0-9]{1,5} "
            "?(?:min|mins|minutes|minuten|minutos|minuti|minuter|minutter|minuuttia|minut|hours|hour|"
            "hrs|seconds|sec|secs|days|day|dagen|dagar|dage|tage|stunden|heures|horas|ore|timer|timmar)\\b",
            // reference numbers, account endings, short codes to text, postal codes
            "#[ ]?[0-9]{1,20}",
            "\\b(?:order|ref|reference|case|ticket|invoice|booking|tracking|transaction|bestellung|commande|"
            "pedido)\\b[a-z .:#-]{0,16}[0-9]{1,20}",
            "\\b(?:ending|ends|endet) (?:in|with|auf|mit) {0,2}[0-9]{2,8}",
            "\\b(?:text|txt|reply|send|sms|msg)\\b[a-z ]{0,16}\\bto {1,2}[0-9]{3,8}",
            "\\b(?:zip|post|postal) ?code ?:? ?[0-9]{4,8}",
            "\\b(?:version|v)\\.? ?[0-9]{1,4}(?:\\.[0-9]{1,4}){0,3}",
        };
        std::vector<std::regex> out;
        for (const char* s : sources) out.emplace_back(s, std::regex::ECMAScript | std::regex::optimize);
        return out;
    }();
    return list;
}

const std::vector<Rule>& rules() {
    static const std::vector<Rule> list = [] {
        auto make = [](const char* name, const char* source, bool microsoftOnly, bool alnum) {
            return Rule{name, std::regex(source, std::regex::ECMAScript | std::regex::optimize),
                        microsoftOnly, alnum};
        };
        std::vector<Rule> out;
        // Microsoft: "Use verification code 123456 for Microsoft authentication", in any
        // language, and "Use 123456 as Microsoft account security code".
        out.push_back(make("microsoft-keyword", MFA_KW "[^0-9\\n]{0,40}?" MFA_CODE6, true, false));
        out.push_back(make("microsoft-code-first", MFA_CODE6 "[^0-9\\n]{0,60}?" MFA_KW, true, false));
        // Known sender formats: Google's "G-123456".
        out.push_back(make("google", "\\bg-([0-9]{5,8})\\b", false, false));
        // "Your code is 123456", "Code: 123-456", "código de verificación: 1234".
        out.push_back(make("keyword-then-code", MFA_KW "[^0-9\\n]{0,32}?" MFA_CODE, false, false));
        // "123456 is your verification code", "482193 est votre code".
        out.push_back(make("code-then-keyword", MFA_CODE "[^0-9\\n]{0,50}?" MFA_KW, false, false));
        // "Your login code is AB12CD".
        out.push_back(make("keyword-then-alphanumeric",
                           MFA_KW "(?: is| ist| est| es| är| er| on)?(?: ?:)? {0,2}([a-z0-9]{4,10})\\b",
                           false, true));
        return out;
    }();
    return list;
}

bool isWordByte(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

// Blanks whitespace-separated tokens that are URLs, domains with a path, or e-mail addresses.
void blankUrlTokens(std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < s.size() && !(s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
        std::string_view token(s.data() + start, i - start);
        if (token.empty()) continue;
        bool url = token.find("://") != std::string_view::npos || token.rfind("www.", 0) == 0;
        auto at = token.find('@');
        bool email = at != std::string_view::npos && at > 0 && token.find('.', at) != std::string_view::npos;
        // "aka.ms/mfasetup", "example.com/x?y=1": a dotted name followed by a path.
        auto slash = token.find('/');
        bool domainPath = false;
        if (slash != std::string_view::npos && slash > 2) {
            std::string_view host = token.substr(0, slash);
            auto dot = host.rfind('.');
            domainPath = dot != std::string_view::npos && dot > 0 && dot + 2 <= host.size() &&
                         std::all_of(host.begin() + static_cast<long>(dot) + 1, host.end(),
                                     [](char c) { return c >= 'a' && c <= 'z'; });
        }
        if (url || email || domainPath)
            std::fill(s.begin() + static_cast<long>(start), s.begin() + static_cast<long>(i), ' ');
    }
}

// "123-456" / "123 456" -> "123456": what a sign-in box expects.
std::string normalise(std::string_view raw) {
    std::string out;
    for (char c : raw)
        if (c != ' ' && c != '-') out += c;
    return out;
}

bool isYearLike(std::string_view digits) {
    return digits.size() == 4 && (digits.substr(0, 2) == "19" || digits.substr(0, 2) == "20");
}

// Stand-alone digit runs of 4-8 digits in the masked text: [start, length].
std::vector<std::pair<std::size_t, std::size_t>> standaloneNumbers(const std::string& masked) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t i = 0;
    while (i < masked.size()) {
        if (!(masked[i] >= '0' && masked[i] <= '9')) {
            ++i;
            continue;
        }
        std::size_t start = i;
        while (i < masked.size() && masked[i] >= '0' && masked[i] <= '9') ++i;
        std::size_t length = i - start;
        unsigned char before = start > 0 ? static_cast<unsigned char>(masked[start - 1]) : ' ';
        unsigned char after = i < masked.size() ? static_cast<unsigned char>(masked[i]) : ' ';
        unsigned char afterNext = i + 1 < masked.size() ? static_cast<unsigned char>(masked[i + 1]) : ' ';
        bool beforeOk =
            !isWordByte(before) &&
            std::string_view("+#/.-=@$:,").find(static_cast<char>(before)) == std::string_view::npos;
        bool afterOk =
            !isWordByte(after) && after != '/' && after != '@' && after != '=' && after != '%' &&
            !((after == '-' || after == '.' || after == ',' || after == ':') && isWordByte(afterNext));
        if (length >= 4 && length <= 8 && beforeOk && afterOk) out.emplace_back(start, length);
    }
    return out;
}

}  // namespace

std::optional<CodeMatch> extractCode(std::string_view text) {
    if (text.size() > kMaxText) text = text.substr(0, kMaxText);
    std::string lower(text);
    for (auto& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    std::string masked = lower;
    blankUrlTokens(masked);
    for (const auto& re : exclusions()) {
        for (std::sregex_iterator it(masked.begin(), masked.end(), re), end; it != end; ++it) {
            // Lengths never change, so positions stay valid while blanking.
            auto pos = static_cast<std::size_t>(it->position(0));
            auto len = static_cast<std::size_t>(it->length(0));
            std::fill(masked.begin() + static_cast<long>(pos), masked.begin() + static_cast<long>(pos + len),
                      ' ');
        }
    }
    bool microsoft = lower.find("microsoft") != std::string::npos;

    for (const auto& rule : rules()) {
        if (rule.microsoftOnly && !microsoft) continue;
        for (std::sregex_iterator it(masked.begin(), masked.end(), rule.pattern), end; it != end; ++it) {
            const auto& m = *it;
            std::size_t group = 1;
            while (group < m.size() && !m[group].matched) ++group;
            if (group >= m.size()) continue;
            auto pos = static_cast<std::size_t>(m.position(group));
            auto len = static_cast<std::size_t>(m.length(group));
            std::string raw(text.substr(pos, len));
            if (rule.alnum) {
                bool digit = std::any_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; });
                bool letter = std::any_of(raw.begin(), raw.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                });
                if (!digit || !letter) continue;
            }
            return CodeMatch{normalise(raw), rule.name};
        }
    }

    auto numbers = standaloneNumbers(masked);
    if (microsoft) {
        for (const auto& [pos, len] : numbers)
            if (len == 6) return CodeMatch{std::string(text.substr(pos, len)), "microsoft-number"};
    }
    for (const auto& [pos, len] : numbers)
        if (len == 6) return CodeMatch{std::string(text.substr(pos, len)), "number"};
    for (const auto& [pos, len] : numbers) {
        std::string_view digits = text.substr(pos, len);
        if (!isYearLike(digits)) return CodeMatch{std::string(digits), "number"};
    }
    return std::nullopt;
}

}  // namespace mfaphone::relay
