// Phone number normalisation: a corpus of real-world formats, masked numbers, masking.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/phone.hpp"

using namespace mfaphone;

namespace {

struct Valid {
    const char* input;
    const char* region;  // default region ("" for none)
    const char* expected;
    const char* numberRegion;
    PhoneLineType lineType;
};

// Numbers written the way people and directories write them, from 20 countries. The expected
// output is Graph's format.
const std::vector<Valid> kValid = {
    // Sweden: trunk prefix 0, groups of digits, dashes.
    {"070-123 45 67", "SE", "+46 701234567", "SE", PhoneLineType::Mobile},
    {"+46 (0)70-123 45 67", "", "+46 701234567", "SE", PhoneLineType::Mobile},
    {"0046 70 123 45 67", "", "+46 701234567", "SE", PhoneLineType::Mobile},
    {"08-123 456 78", "SE", "+46 812345678", "SE", PhoneLineType::FixedLine},
    // United States: parentheses, dots, a leading 1, the 011 international prefix.
    {"(206) 555-0100", "US", "+1 2065550100", "US", PhoneLineType::FixedLineOrMobile},
    {"206.555.0100", "US", "+1 2065550100", "US", PhoneLineType::FixedLineOrMobile},
    {"1-206-555-0100", "US", "+1 2065550100", "US", PhoneLineType::FixedLineOrMobile},
    {"+1 (425) 555-0123", "", "+1 4255550123", "US", PhoneLineType::FixedLineOrMobile},
    {"011 46 70 123 45 67", "US", "+46 701234567", "SE", PhoneLineType::Mobile},
    // United Kingdom: trunk 0 and "(0)" in international format.
    {"07400 123456", "GB", "+44 7400123456", "GB", PhoneLineType::Mobile},
    {"020 7946 0018", "GB", "+44 2079460018", "GB", PhoneLineType::FixedLine},
    {"+44 (0)20 7946 0018", "", "+44 2079460018", "GB", PhoneLineType::FixedLine},
    // Germany: slash separator.
    {"0151/23456789", "DE", "+49 15123456789", "DE", PhoneLineType::Mobile},
    {"030 1234567", "DE", "+49 301234567", "DE", PhoneLineType::FixedLine},
    // France: pairs of digits, dots.
    {"06 12 34 56 78", "FR", "+33 612345678", "FR", PhoneLineType::Mobile},
    {"01.23.45.67.89", "FR", "+33 123456789", "FR", PhoneLineType::FixedLine},
    // Netherlands.
    {"06-12345678", "NL", "+31 612345678", "NL", PhoneLineType::Mobile},
    // Italy: the leading zero of fixed-line numbers is part of the number.
    {"06 1234 5678", "IT", "+39 0612345678", "IT", PhoneLineType::FixedLine},
    {"+39 347 123 4567", "", "+39 3471234567", "IT", PhoneLineType::Mobile},
    // Spain.
    {"612 34 56 78", "ES", "+34 612345678", "ES", PhoneLineType::Mobile},
    // Australia.
    {"0412 345 678", "AU", "+61 412345678", "AU", PhoneLineType::Mobile},
    // India.
    {"098765 43210", "IN", "+91 9876543210", "IN", PhoneLineType::Mobile},
    // Japan.
    {"090-1234-5678", "JP", "+81 9012345678", "JP", PhoneLineType::Mobile},
    // Brazil: area code in parentheses, nine-digit mobile.
    {"(11) 91234-5678", "BR", "+55 11912345678", "BR", PhoneLineType::Mobile},
    // Switzerland.
    {"079 123 45 67", "CH", "+41 791234567", "CH", PhoneLineType::Mobile},
    // Norway: no trunk prefix.
    {"412 34 567", "NO", "+47 41234567", "NO", PhoneLineType::Mobile},
    // Poland.
    {"512 345 678", "PL", "+48 512345678", "PL", PhoneLineType::Mobile},
    // South Africa.
    {"082 123 4567", "ZA", "+27 821234567", "ZA", PhoneLineType::Mobile},
    // Ireland.
    {"087 123 4567", "IE", "+353 871234567", "IE", PhoneLineType::Mobile},
    // Singapore.
    {"9123 4567", "SG", "+65 91234567", "SG", PhoneLineType::Mobile},
    // Finland.
    {"040 1234567", "FI", "+358 401234567", "FI", PhoneLineType::Mobile},
    // Canada shares +1 with the US.
    {"(416) 555-0199", "CA", "+1 4165550199", "CA", PhoneLineType::FixedLineOrMobile},
    // Mexico.
    {"55 1234 5678", "MX", "+52 5512345678", "MX", PhoneLineType::FixedLineOrMobile},
    // China.
    {"139 1234 5678", "CN", "+86 13912345678", "CN", PhoneLineType::Mobile},
};

}  // namespace

TEST_CASE("a corpus of real-world formats from 20 countries normalises to Graph's format", "[phone]") {
    for (const Valid& v : kValid) {
        INFO(v.input << " in '" << v.region << "'");
        const PhoneNumberInfo info = normalizePhoneNumber(v.input, v.region);
        CHECK(info.isValid);
        CHECK(info.reason.empty());
        CHECK(info.problem == PhoneNumberProblem::None);
        CHECK(info.phoneNumber == v.expected);
        CHECK(info.region == v.numberRegion);
        CHECK(info.lineType == v.lineType);
        CHECK(info.input == v.input);
        CHECK_FALSE(info.isMasked);
    }
}

TEST_CASE("already normalised Graph numbers come back unchanged", "[phone]") {
    for (const Valid& v : kValid) {
        INFO(v.expected);
        // Read with no region and with an unrelated one: the country code decides.
        for (const char* region : {"", "JP"}) {
            const PhoneNumberInfo info = normalizePhoneNumber(v.expected, region);
            CHECK(info.isValid);
            CHECK(info.phoneNumber == v.expected);
            CHECK(info.regionUsed.empty());
        }
    }
    for (const char* graph : {"+1 4255550123x42", "+1 2065550101", "+46 701234567x1", "+44 7400123456"}) {
        INFO(graph);
        CHECK(normalizePhoneNumber(graph).phoneNumber == graph);
    }
}

TEST_CASE("the parts of a valid number are reported", "[phone]") {
    const PhoneNumberInfo info = normalizePhoneNumber("(206) 555-0100 ext. 42", "us");
    REQUIRE(info.isValid);
    CHECK(info.countryCode == 1);
    CHECK(info.nationalNumber == "2065550100");
    CHECK(info.extension == "42");
    CHECK(info.region == "US");
    CHECK(info.regionUsed == "US");
    CHECK(info.phoneNumber == "+1 2065550100x42");
    CHECK(phoneLineTypeName(info.lineType) == "fixedLineOrMobile");
}

TEST_CASE("extensions in every usual notation become x{digits}", "[phone]") {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {"+1 206 555 0100 x123", "+1 2065550100x123"},
        {"+1 206 555 0100 X123", "+1 2065550100x123"},
        {"(206) 555-0100 ext 123", "+1 2065550100x123"},
        {"(206) 555-0100 ext. 123", "+1 2065550100x123"},
        {"(206) 555-0100 Ext.123", "+1 2065550100x123"},
        {"206-555-0100;ext=123", "+1 2065550100x123"},
        {"tel:+1-206-555-0100;ext=123", "+1 2065550100x123"},
        {"206-555-0100 #123", "+1 2065550100x123"},
        {"206-555-0100 extension 123", "+1 2065550100x123"},
        {"070-123 45 67 x 9", "+46 701234567x9"},
    };
    for (const auto& [input, expected] : cases) {
        INFO(input);
        const char* region = std::string(expected).rfind("+46", 0) == 0 ? "SE" : "US";
        const PhoneNumberInfo info = normalizePhoneNumber(input, region);
        CHECK(info.isValid);
        CHECK(info.phoneNumber == expected);
    }
    // Graph takes at most ten extension digits.
    const PhoneNumberInfo tooLong = normalizePhoneNumber("+1 206 555 0100 x12345678901");
    CHECK_FALSE(tooLong.isValid);
    CHECK(tooLong.problem == PhoneNumberProblem::ExtensionTooLong);
    CHECK(normalizePhoneNumber("+1 206 555 0100 x1234567890").phoneNumber == "+1 2065550100x1234567890");
}

TEST_CASE("international prefixes 00 and 011 are read as +", "[phone]") {
    // 00 is the prefix of most of the world: without a region, and in a region that uses 011.
    CHECK(normalizePhoneNumber("0046 70 123 45 67").phoneNumber == "+46 701234567");
    CHECK(normalizePhoneNumber("00 46 70 123 45 67", "US").phoneNumber == "+46 701234567");
    CHECK(normalizePhoneNumber("00 1 206 555 0100", "SE").phoneNumber == "+1 2065550100");
    // 011 is North America's prefix.
    CHECK(normalizePhoneNumber("011 44 20 7946 0018", "US").phoneNumber == "+44 2079460018");
    CHECK(normalizePhoneNumber("011 44 20 7946 0018").phoneNumber == "+44 2079460018");
    // In Japan 011 is Sapporo's area code: read in JP it is a national number.
    const PhoneNumberInfo sapporo = normalizePhoneNumber("011-211-1234", "JP");
    CHECK(sapporo.phoneNumber == "+81 112111234");
    // Without a region, a 011 that does not make a valid international number is ambiguous.
    CHECK(normalizePhoneNumber("011-211-1234").problem == PhoneNumberProblem::NoRegion);
    CHECK(normalizePhoneNumber("0046 70 123 45 67").regionUsed.empty());
}

TEST_CASE("the default region wins over the user's usage location; either reads national numbers",
          "[phone]") {
    const PhoneNumberInfo explicitRegion = normalizePhoneNumber("0701234567", "SE", "US");
    CHECK(explicitRegion.phoneNumber == "+46 701234567");
    CHECK(explicitRegion.regionUsed == "SE");
    const PhoneNumberInfo fromUser = normalizePhoneNumber("(206) 555-0100", "", "us");
    CHECK(fromUser.phoneNumber == "+1 2065550100");
    CHECK(fromUser.regionUsed == "US");
    // A national number means different things in different regions.
    CHECK(normalizePhoneNumber("0612345678", "FR").phoneNumber == "+33 612345678");
    CHECK(normalizePhoneNumber("0612345678", "NL").phoneNumber == "+31 612345678");
    // An international number ignores both.
    const PhoneNumberInfo international = normalizePhoneNumber("+46 70 123 45 67", "US", "GB");
    CHECK(international.phoneNumber == "+46 701234567");
    CHECK(international.regionUsed.empty());
}

TEST_CASE("national numbers with no region known are rejected as ambiguous", "[phone]") {
    const PhoneNumberInfo info = normalizePhoneNumber("070-123 45 67");
    CHECK_FALSE(info.isValid);
    CHECK(info.problem == PhoneNumberProblem::NoRegion);
    CHECK(info.phoneNumber.empty());
    CHECK(info.reason.find("no country code") != std::string::npos);
    CHECK(info.reason.find("+ and the country code") != std::string::npos);
    // A usage location without a numbering plan does not help, and says so.
    REQUIRE_FALSE(isSupportedRegion("AQ"));
    const PhoneNumberInfo antarctica = normalizePhoneNumber("070-123 45 67", "", "AQ");
    CHECK(antarctica.problem == PhoneNumberProblem::UnknownRegion);
    CHECK(antarctica.reason.find("'AQ'") != std::string::npos);
    CHECK(antarctica.reason.find("usage location") != std::string::npos);
    // ... while an international number needs no region at all.
    CHECK(normalizePhoneNumber("+46 70 123 45 67", "", "AQ").isValid);
}

TEST_CASE("an explicit default region that is not a region is the caller's error", "[phone]") {
    CHECK_THROWS_AS(normalizePhoneNumber("+46 701234567", "XX"), InvalidInputError);
    CHECK_THROWS_AS(normalizePhoneNumber("+46 701234567", "Sweden"), InvalidInputError);
    CHECK_THROWS_WITH(normalizePhoneNumber("0701234567", "S1"),
                      Catch::Contains("'S1'") && Catch::Contains("ISO 3166-1"));
    CHECK(isSupportedRegion("se"));
    CHECK(isSupportedRegion(" GB "));
    CHECK_FALSE(isSupportedRegion("ZZ"));
    CHECK_FALSE(isSupportedRegion("001"));
    CHECK_FALSE(isSupportedRegion(""));
    const std::vector<std::string> regions = supportedRegions();
    CHECK(regions.size() > 200);
    CHECK(std::is_sorted(regions.begin(), regions.end()));
    CHECK(std::find(regions.begin(), regions.end(), "SE") != regions.end());
}

TEST_CASE("invalid and impossible numbers are rejected with a reason", "[phone]") {
    struct Invalid {
        const char* input;
        const char* region;
        PhoneNumberProblem problem;
    };
    const std::vector<Invalid> cases = {
        {"", "SE", PhoneNumberProblem::Empty},
        {"   \t ", "SE", PhoneNumberProblem::Empty},
        {"\xC2\xA0", "SE", PhoneNumberProblem::Empty},  // a no-break space alone
        {"123", "SE", PhoneNumberProblem::TooShort},
        {"070-123", "SE", PhoneNumberProblem::InvalidNumber},
        {"+46 12", "", PhoneNumberProblem::TooShort},
        {"+999 1234567", "", PhoneNumberProblem::InvalidCountryCode},
        {"+1 5555551234", "", PhoneNumberProblem::InvalidNumber},  // 555 is no North American area code
        {"+44 20 7946 0018 9999", "", PhoneNumberProblem::TooLong},
        {"+46 70 123 45 67 89 01 23 45", "", PhoneNumberProblem::TooLong},
        {"0701234567890123456789", "SE", PhoneNumberProblem::TooLong},
        {"+49 1234", "", PhoneNumberProblem::InvalidNumber},
        {"n/a", "SE", PhoneNumberProblem::NotANumber},
        {"unknown", "SE", PhoneNumberProblem::NotANumber},
        {"1-800-FLOWERS", "US", PhoneNumberProblem::NotANumber},  // vanity numbers are refused
        {"+46 70 123 45 67 (mobile)", "", PhoneNumberProblem::NotANumber},
        {"070-123\n45 67", "SE", PhoneNumberProblem::NotANumber},
        {"070-123\x01"
         "45 67",
         "SE", PhoneNumberProblem::NotANumber},
        {"070\r\n1234567", "SE", PhoneNumberProblem::NotANumber},
        {"+46 70 123 45 67 @home", "", PhoneNumberProblem::NotANumber},
        {"Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m", "SE", PhoneNumberProblem::NotANumber},
        {"+", "", PhoneNumberProblem::NotANumber},
        {"x", "", PhoneNumberProblem::NotANumber},
        {"0000000000", "SE", PhoneNumberProblem::InvalidNumber},
        {"\xFF\xFE", "SE", PhoneNumberProblem::NotANumber},  // not UTF-8
    };
    for (const Invalid& c : cases) {
        INFO("'" << c.input << "' in '" << c.region << "'");
        const PhoneNumberInfo info = normalizePhoneNumber(c.input, c.region);
        CHECK_FALSE(info.isValid);
        CHECK(info.problem == c.problem);
        CHECK(info.phoneNumber.empty());
        CHECK(info.region.empty());
        CHECK_FALSE(info.reason.empty());
        CHECK(info.input == c.input);
    }
    const std::string longInput(300, '1');
    CHECK(normalizePhoneNumber(longInput, "SE").problem == PhoneNumberProblem::NotANumber);
}

TEST_CASE("reasons never repeat the number", "[phone][secrets]") {
    for (const char* input : {"070-1234", "+1 5555551234", "+46 70 123 45 67 89 01 23 45", "0701234567"}) {
        INFO(input);
        const PhoneNumberInfo info = normalizePhoneNumber(input);
        REQUIRE_FALSE(info.isValid);
        for (const char* fragment : {"1234", "5555", "0123"})
            CHECK(info.reason.find(fragment) == std::string::npos);
    }
}

TEST_CASE("Unicode separators and digits are read", "[phone]") {
    // No-break spaces, an en dash, a narrow no-break space, full-width digits and plus.
    CHECK(normalizePhoneNumber("070\xC2\xA0"
                               "123\xC2\xA0"
                               "45\xC2\xA0"
                               "67",
                               "SE")
              .phoneNumber == "+46 701234567");
    CHECK(normalizePhoneNumber("070\xE2\x80\x93"
                               "123 45 67",
                               "SE")
              .phoneNumber == "+46 701234567");
    CHECK(normalizePhoneNumber("+46\xE2\x80\xAF"
                               "701234567")
              .phoneNumber == "+46 701234567");
    CHECK(normalizePhoneNumber(
              "\xEF\xBC\x8B\xEF\xBC\x94\xEF\xBC\x96 \xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x92"
              "\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97")
              .phoneNumber == "+46 701234567");
    // Surrounding whitespace is ignored; the input is kept as given.
    const PhoneNumberInfo padded = normalizePhoneNumber("  +46 701234567 \t");
    CHECK(padded.phoneNumber == "+46 701234567");
    CHECK(padded.input == "  +46 701234567 \t");
    // A trailing line break, as a value read from a file or an attribute may have.
    CHECK(normalizePhoneNumber("070-123 45 67\r\n", "SE").phoneNumber == "+46 701234567");
}

TEST_CASE("masked numbers as Graph shows them to a delegated administrator are detected", "[phone][masked]") {
    for (const char* masked :
         {"+1 XXXXXXXX34", "+46 ******67",
          "+44 \xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"
          "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"
          "23",
          "+1 XXXXXXXX23xXX", "+33 6 xx xx xx 78", "+1 xxxxxxxx34", "+46 70*****67", "+1 X234567890",
          "+49 \xE2\x97\x8F\xE2\x97\x8F\xE2\x97\x8F\xE2\x97\x8F"
          "5678",
          "XXXXXXXX34", "+1 206555010X"}) {
        INFO(masked);
        CHECK(isMaskedPhoneNumber(masked));
        const PhoneNumberInfo info = normalizePhoneNumber(masked, "US");
        CHECK_FALSE(info.isValid);
        CHECK(info.isMasked);
        CHECK(info.problem == PhoneNumberProblem::Masked);
        CHECK(info.reason.find("app-only") != std::string::npos);
        CHECK(info.phoneNumber.empty());
    }
    // Extension markers and words with an x are no mask.
    for (const char* whole : {"+1 4255550123x42", "+1 4255550123X42", "206-555-0100 x 5",
                              "206-555-0100 ext 5", "206-555-0100 extension 5", "+46 701234567", "", "x"}) {
        INFO(whole);
        CHECK_FALSE(isMaskedPhoneNumber(whole));
    }
}

TEST_CASE("masking for display keeps the country code and the last two digits", "[phone][masked][log]") {
    CHECK(maskPhoneNumber("+46 701234567") == "+46 *******67");
    CHECK(maskPhoneNumber("+1 4255550123x42") == "+1 ********23x**");
    CHECK(maskPhoneNumber("+353 871234567") == "+353 *******67");
    // Raw input: separators stay, every digit but the last two of the number is hidden.
    CHECK(maskPhoneNumber("070-123 45 67") == "***-*** ** 67");
    CHECK(maskPhoneNumber("(206) 555-0100 ext. 42") == "(***) ***-**00 ext. **");
    CHECK(maskPhoneNumber("+46 (0)70-123 45 67") == "+46 (*)**-*** ** 67");
    CHECK(maskPhoneNumber("+4670123456") == "+46******56");
    // Too short to show anything.
    CHECK(maskPhoneNumber("+46 1234") == "+46 ****");
    CHECK(maskPhoneNumber("123") == "***");
    CHECK(maskPhoneNumber("") == "");
    // Already masked: mask characters stay, extra digits are hidden.
    CHECK(maskPhoneNumber("+1 XXXXXXXX34") == "+1 XXXXXXXX34");
    CHECK(maskPhoneNumber("+1 XXXXXXXX23xXX") == "+1 XXXXXXXX23xXX");
    CHECK(maskPhoneNumber("+46 70*****67") == "+46 *******67");
    // Non-ASCII text is kept intact around the hidden digits.
    CHECK(maskPhoneNumber("070\xC2\xA0"
                          "1234567") ==
          "***\xC2\xA0"
          "*****67");
    // A normalised number never shows more than the country code and two digits.
    for (const Valid& v : kValid) {
        const std::string masked = maskPhoneNumber(v.expected);
        std::size_t digits = 0;
        for (char c : masked) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
        const std::string cc = std::string(v.expected).substr(1, std::string(v.expected).find(' ') - 1);
        CHECK(digits == cc.size() + 2);
        CHECK(isMaskedPhoneNumber(masked));
    }
}

TEST_CASE("phone type and line type names are Graph's", "[phone]") {
    CHECK(phoneTypeName(PhoneType::Mobile) == "mobile");
    CHECK(phoneTypeName(PhoneType::AlternateMobile) == "alternateMobile");
    CHECK(phoneTypeName(PhoneType::Office) == "office");
    CHECK(phoneMethodId(PhoneType::Mobile) == "3179e48a-750b-4051-897c-87b9720928f7");
    CHECK(phoneMethodId(PhoneType::AlternateMobile) == "b6332ec1-7057-4abe-9331-3d72feddfe41");
    CHECK(phoneMethodId(PhoneType::Office) == "e37fc753-ff3b-4958-9484-eaa9425c82bc");
    PhoneType type = PhoneType::Office;
    CHECK(parsePhoneType("AlternateMobile", type));
    CHECK(type == PhoneType::AlternateMobile);
    CHECK(parsePhoneType("mobile", type));
    CHECK(type == PhoneType::Mobile);
    CHECK_FALSE(parsePhoneType("fax", type));
    CHECK(phoneLineTypeName(PhoneLineType::FixedLine) == "fixedLine");
    CHECK(phoneLineTypeName(PhoneLineType::Unknown) == "unknown");
}
