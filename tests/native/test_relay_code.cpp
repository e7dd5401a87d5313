// One-time-code extraction over a corpus of real-world message shapes: Microsoft's MFA texts
// in several languages, other services' formats, and texts whose digits are not a code.
#include <catch2/catch.hpp>

#include "mfaphone/internal/relay.hpp"

using namespace mfaphone::relay;

namespace {
struct Sample {
    const char* text;
    const char* code;  // nullptr: no code may be found
    const char* rule;  // nullptr: any rule
};

// clang-format off
const Sample kCorpus[] = {
    // Microsoft Entra MFA texts, several languages
    {"Use verification code 482913 for Microsoft authentication.", "482913", "microsoft-keyword"},
    {"Verwenden Sie den Prüfcode 482913 für die Microsoft-Authentifizierung.", "482913", "microsoft-keyword"},
    {"Ihr Bestätigungscode lautet 482913. Microsoft", "482913", "microsoft-keyword"},
    {"Utilisez le code de vérification 482913 pour l'authentification Microsoft.", "482913", "microsoft-keyword"},
    {"Use el código de verificación 482913 para la autenticación de Microsoft.", "482913", "microsoft-keyword"},
    {"Use o código de verificação 482913 para autenticação da Microsoft.", "482913", "microsoft-keyword"},
    {"Usa il codice di verifica 482913 per l'autenticazione Microsoft.", "482913", "microsoft-keyword"},
    {"Gebruik verificatiecode 482913 voor Microsoft-verificatie.", "482913", "microsoft-keyword"},
    {"Använd verifieringskoden 482913 för Microsoft-autentisering.", "482913", "microsoft-keyword"},
    {"Brug bekræftelseskoden 482913 til Microsoft-godkendelse.", "482913", "microsoft-keyword"},
    {"Bruk bekreftelseskoden 482913 for Microsoft-godkjenning.", "482913", "microsoft-keyword"},
    {"Käytä vahvistuskoodia 482913 Microsoft-todentamiseen.", "482913", "microsoft-keyword"},
    {"Użyj kodu weryfikacyjnego 482913 do uwierzytelniania Microsoft.", "482913", "microsoft-keyword"},
    {"Microsoft 認証に確認コード 482913 を使用してください。", "482913", "microsoft-keyword"},
    {"使用验证码 482913 进行 Microsoft 身份验证。", "482913", "microsoft-keyword"},
    {"[Microsoft] 인증 코드 482913", "482913", "microsoft-keyword"},
    {"Votre code Microsoft est 482913", "482913", "microsoft-keyword"},
    {"Use 482913 as Microsoft account security code", "482913", "microsoft-code-first"},
    {"Your Microsoft account verification code: 48291372", "48291372", "microsoft-keyword"},
    {"Microsoft: your code is 482913. Didn't ask for it? Call +1 (425) 882-8080.", "482913", "microsoft-keyword"},
    {"Your Microsoft verification code is 482913. It expires in 10 minutes (at 14:35).", "482913", "microsoft-keyword"},
    {"Microsoft\n482913\nSign-in from Seattle, 2024-05-14 09:30", "482913", "microsoft-number"},
    {"Microsoft account security code: 4829", "4829", "keyword-then-code"},
    {"Используйте код проверки 482913 для проверки подлинности Майкрософт.", "482913", "keyword-then-code"},
    // other services
    {"G-482913 is your Google verification code.", "482913", "google"},
    {"Your Amazon OTP is 482913. Do not share it with anyone.", "482913", "keyword-then-code"},
    {"482913 is your Instagram code. Don't share it.", "482913", "code-then-keyword"},
    {"627384 est votre code de vérification Facebook", "627384", "code-then-keyword"},
    {"Your Twilio verification code is: 4829", "4829", "keyword-then-code"},
    {"Your verification code is 482-913.", "482913", "keyword-then-code"},
    {"Your code: 482 913", "482913", "keyword-then-code"},
    {"Your one-time passcode is 48291372", "48291372", "keyword-then-code"},
    {"[Apple] Your Apple ID Code is: 482913. Don't share it with anyone.", "482913", "keyword-then-code"},
    {"Your WhatsApp code: 482-913\nYou can also tap on this link to verify your phone: v.whatsapp.com/771122\nDon't share this code with others",
     "482913", "keyword-then-code"},
    {"PayPal: Your security code is: 482913. Your code expires in 10 minutes. Please don't reply.", "482913",
     "keyword-then-code"},
    {"Your login code is AB12CD", "AB12CD", "keyword-then-alphanumeric"},
    {"Your Okta verification code is 48291", "48291", "keyword-then-code"},
    {"Code de vérification : 482913", "482913", "keyword-then-code"},
    {"TAN: 482913 für die Überweisung von 150,00 EUR", "482913", "keyword-then-code"},
    {"Your Uber code: 4829. Never share this code. Reply STOP ABC to 89203 to unsubscribe.", "4829", "keyword-then-code"},
    {"Account ending in 4821: your code is 482913", "482913", "keyword-then-code"},
    {"Order #48291 shipped. Your pickup code is 7788", "7788", "keyword-then-code"},
    {"Ref 123456. Your code is 654321", "654321", "keyword-then-code"},
    {"Your code is 2024", "2024", "keyword-then-code"},
    {"Your PIN: 8842", "8842", "keyword-then-code"},
    {"Il tuo codice è 556677", "556677", "keyword-then-code"},
    // no keyword: the stand-alone fallback, never a phone number, date, time or URL
    {"Sign-in to Contoso Portal: 482913", "482913", "number"},
    {"Contoso sign-in 482913. Questions? Call 020 7946 0958.", "482913", "number"},
    {"14.05.2024 10:32 - 7731 is the number to enter", "7731", "number"},
    {"On May 14, 2024 at 9:30 am enter 5519 at the door", "5519", "number"},
    {"Visit https://example.com/verify/48291372 or enter 228811", "228811", "number"},
    // digits that are not a code
    {"Call us on +44 20 7946 0958 for help.", nullptr, nullptr},
    {"Your appointment is on 2024-05-14 at 09:30.", nullptr, nullptr},
    {"Your appointment on 14/05/2024 at 9:30 am is confirmed.", nullptr, nullptr},
    {"Track your parcel: https://example.com/t/48291372", nullptr, nullptr},
    {"You paid $1,250.00 on May 14, 2024. Balance: €3.450,12", nullptr, nullptr},
    {"Call 800-555-0199 or text HELP to 12345.", nullptr, nullptr},
    {"(425) 555-0123", nullptr, nullptr},
    {"Your card 4111111111111111 was charged.", nullptr, nullptr},
    {"Meeting at 10:30 in room 4.12, see you there", nullptr, nullptr},
    {"Hello, your package was delivered.", nullptr, nullptr},
    {"Ring 070-123 45 67 om du har frågor.", nullptr, nullptr},
    {"Write to help@example.com or see www.example.com/12345678", nullptr, nullptr},
    {"Happy new year 2025!", nullptr, nullptr},
    {"Valid for 3600 seconds from 12.30.", nullptr, nullptr},
};
// clang-format on
}  // namespace

TEST_CASE("one-time codes over a corpus of real-world message shapes", "[relay][code]") {
    CHECK(std::size(kCorpus) >= 40);
    for (const auto& sample : kCorpus) {
        INFO(sample.text);
        auto match = extractCode(sample.text);
        if (!sample.code) {
            CHECK_FALSE(match);
            if (match) INFO("found " << match->code << " by " << match->rule);
            continue;
        }
        REQUIRE(match);
        CHECK(match->code == sample.code);
        if (sample.rule) CHECK(match->rule == sample.rule);
    }
}

TEST_CASE("code extraction is bounded on long and hostile input", "[relay][code]") {
    std::string longToken(100000, 'a');
    CHECK_FALSE(extractCode(longToken));
    std::string digits(100000, '7');
    CHECK_FALSE(extractCode(digits));
    std::string spaced;
    for (int i = 0; i < 5000; ++i) spaced += "12 ";
    CHECK_FALSE(extractCode(spaced));
    // A code beyond the analysed prefix is not looked for.
    CHECK_FALSE(extractCode(std::string(5000, ' ') + "code 123456"));
    CHECK(extractCode(std::string(100, ' ') + "code 123456")->code == "123456");
}
