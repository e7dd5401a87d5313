// The credentials: exact requests each sends, the client assertion, expiry validation, errors,
// and the token cache under concurrency.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "../../native/src/core/json.hpp"
#include "crypto/crypto.hpp"
#include "crypto_fixtures.hpp"
#include "fakes.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/graph.hpp"
#include "mfaphone/internal/url.hpp"
#include "test_server.hpp"

using namespace mfaphone;
using namespace mfaphone::test;

namespace {

const CloudEndpoints kCloud = resolveCloud("Global", "", "");

std::string b64url(const std::string& s) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (unsigned char c : s) {
        buf = (buf << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += a[(buf >> bits) & 63];
        }
    }
    if (bits) out += a[(buf << (6 - bits)) & 63];
    return out;
}

std::string b64urlDecode(std::string_view in) {
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : in) {
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                : c == '_'             ? 63
                                       : -1;
        if (v < 0) break;
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xFF);
        }
    }
    return out;
}

// An unsigned JWT with these claims (enough for the claims readers).
std::string jwt(const std::string& claims) {
    return b64url(R"({"alg":"RS256","typ":"JWT"})") + "." + b64url(claims) + ".c2ln";
}

std::string tokenBody(const std::string& extra = R"("expires_in":3599)") {
    return R"({"token_type":"Bearer",)" + extra + R"(,"access_token":")" + jwt(R"({"tid":"t"})") + R"("})";
}

std::map<std::string, std::string> formOf(const std::string& body) {
    std::map<std::string, std::string> fields;
    std::size_t pos = 0;
    while (pos <= body.size()) {
        auto amp = body.find('&', pos);
        std::string pair = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = pair.find('=');
        fields[pair.substr(0, eq)] = percentDecode(pair.substr(eq + 1));
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return fields;
}

// The self-signed RSA certificate and key the openssl tool made for this build
// (make_crypto_fixtures.sh), as PEM, DER and PFX.
struct TestCertificate {
    SecretString pem(bool withKey = true) const {
        SecretString s(std::string(fixtures::kCertPem));
        if (withKey) s.append(SecretString(std::string(fixtures::kKeyPem)));
        return s;
    }
    SecretString pfx(const std::string& password) const {
        REQUIRE((password == "Pfx-Pass" || password == "right"));
        return SecretString(
            fixtures::fromHex(password == "right" ? fixtures::kPfxRightHex : fixtures::kPfxPassHex));
    }
    std::vector<unsigned char> certDer() const {
        std::string der = fixtures::fromHex(fixtures::kCertHex);
        return std::vector<unsigned char>(der.begin(), der.end());
    }
    SecretString keyDer() const { return SecretString(fixtures::fromHex(fixtures::kKeyHex)); }
    std::string thumbprint(crypto::Hash hash) const {
        return b64url(fixtures::fromHex(hash == crypto::Hash::Sha1 ? fixtures::kCertSha1Hex
                                                                   : fixtures::kCertSha256Hex));
    }
    bool verify(const std::string& signingInput, const std::string& signature, bool pss) const {
        return crypto::verifySha256(certDer(), signingInput, signature,
                                    pss ? crypto::RsaPadding::Pss : crypto::RsaPadding::Pkcs1v15);
    }
};

const TestCertificate& testCertificate() {
    static TestCertificate c;
    return c;
}

}  // namespace

TEST_CASE("token lifetimes that are huge, negative, fractional or not numbers are refused",
          "[auth][lifetime]") {
    auto now = std::chrono::system_clock::now();
    auto parse = [&](const std::string& extra) {
        return parseTokenResponse(response(200, tokenBody(extra)), now);
    };
    CHECK(parse(R"("expires_in":3599)").expiresOn - now == std::chrono::seconds(3599));
    CHECK(parse(R"("expires_in":"3599")").expiresOn - now == std::chrono::seconds(3599));
    for (const char* bad :
         {R"("expires_in":-5)", R"("expires_in":3599.5)", R"("expires_in":"3599.5")", R"("expires_in":1e400)",
          R"("expires_in":99999999999999999999999)", R"("expires_in":"soon")", R"("expires_in":true)",
          R"("expires_in":[1])", R"("expires_in":"")", R"("expires_in":" 60")", R"("expires_in":0)",
          R"("expires_in":31708800000)", R"("expires_in":"-1")", R"("expires_in":"0x10")"}) {
        INFO(bad);
        try {
            parse(bad);
            FAIL("expected AuthError");
        } catch (const AuthError& e) {
            CHECK_THAT(e.what(), Catch::Contains("expires_in") || Catch::Contains("no lifetime") ||
                                     Catch::Contains("not valid JSON"));
        }
    }
    long long nowSeconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto on = parse(R"("expires_on":")" + std::to_string(nowSeconds + 86000) + R"(")");
    CHECK(on.expiresOn - now == std::chrono::seconds(86000));
    CHECK_THROWS_WITH(parse(R"("expires_on":")" + std::to_string(nowSeconds - 10) + R"(")"),
                      Catch::Contains("already expired"));
    CHECK_THROWS_WITH(parse(R"("expires_on":"1e12")"), Catch::Contains("expires_on"));
    CHECK_THROWS_WITH(parse(R"("expires_on":"99999999999999999")"), Catch::Contains("expires_on"));
    CHECK_THROWS_WITH(parse(R"("expires_on":"999999999999999")"), Catch::Contains("out of range"));
}

TEST_CASE("certificate flow sends a PS256 assertion with x5t#S256 and the documented claims",
          "[auth][certificate]") {
    const auto& c = testCertificate();
    auto key = CertificateKey::load(c.pem(), SecretString());
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody()));
    auto fixed = std::chrono::system_clock::time_point(std::chrono::seconds(1800000000));
    ClientCertificateCredential cred(t, kCloud, "contoso.onmicrosoft.com", "app-id", key,
                                     AssertionAlgorithm::PS256, Logger{}, [&] { return fixed; });
    cred.requestToken(Context{});
    REQUIRE(t->requests.size() == 1);
    const auto& r = t->requests[0];
    CHECK(r.url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    auto form = formOf(r.body);
    CHECK(form.size() == 5);
    CHECK(form["client_id"] == "app-id");
    CHECK(form["scope"] == "https://graph.microsoft.com/.default");
    CHECK(form["grant_type"] == "client_credentials");
    CHECK(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    std::string assertion = form["client_assertion"];
    auto d1 = assertion.find('.'), d2 = assertion.rfind('.');
    Json header = Json::parse(b64urlDecode(assertion.substr(0, d1)));
    Json claims = Json::parse(b64urlDecode(assertion.substr(d1 + 1, d2 - d1 - 1)));
    CHECK(header["alg"] == "PS256");
    CHECK(header["typ"] == "JWT");
    CHECK(header["x5t#S256"] == c.thumbprint(crypto::Hash::Sha256));
    CHECK_FALSE(header.contains("x5t"));
    CHECK(claims["aud"] == r.url);
    CHECK(claims["iss"] == "app-id");
    CHECK(claims["sub"] == "app-id");
    CHECK(claims["nbf"] == 1800000000);
    CHECK(claims["exp"] == 1800000600);
    CHECK(std::string(claims["jti"]).size() == 36);
    CHECK(c.verify(assertion.substr(0, d2), b64urlDecode(assertion.substr(d2 + 1)), true));
    CHECK_FALSE(c.verify(assertion.substr(0, d2), b64urlDecode(assertion.substr(d2 + 1)), false));
}

TEST_CASE("RS256 assertions carry x5t (SHA-1) and verify with PKCS#1 v1.5", "[auth][certificate]") {
    const auto& c = testCertificate();
    // A PFX with its password, and a DER key with the DER certificate, load the same key.
    auto key = CertificateKey::load(c.pfx("Pfx-Pass"), SecretString(std::string("Pfx-Pass")));
    auto fromDer = CertificateKey::load(c.keyDer(), SecretString(), c.certDer());
    CHECK(fromDer->thumbprintSha1() == key->thumbprintSha1());
    ClientCertificateCredential cred(std::make_shared<ScriptedTransport>(), kCloud, "t", "app", key,
                                     AssertionAlgorithm::RS256, Logger{});
    SecretString a = cred.assertion();
    std::string assertion(a.data(), a.size());
    auto d1 = assertion.find('.'), d2 = assertion.rfind('.');
    Json header = Json::parse(b64urlDecode(assertion.substr(0, d1)));
    CHECK(header["alg"] == "RS256");
    CHECK(header["x5t"] == c.thumbprint(crypto::Hash::Sha1));
    CHECK(c.verify(assertion.substr(0, d2), b64urlDecode(assertion.substr(d2 + 1)), false));
    SecretString b = cred.assertion();
    CHECK_FALSE(a == b);  // new jti
}

TEST_CASE("certificate loading explains what is wrong", "[auth][certificate]") {
    const auto& c = testCertificate();
    CHECK_THROWS_WITH(CertificateKey::load(c.pfx("right"), SecretString(std::string("wrong"))),
                      Catch::Contains("password is wrong"));
    CHECK_THROWS_WITH(CertificateKey::load(c.pfx("right"), SecretString()),
                      Catch::Contains("Give its password"));
    CHECK_THROWS_WITH(CertificateKey::load(c.pem(false), SecretString()), Catch::Contains("no private key"));
    CHECK_THROWS_WITH(CertificateKey::load(SecretString(std::string("garbage")), SecretString()),
                      Catch::Contains("neither PEM nor PFX"));
    CHECK_THROWS_WITH(CertificateKey::loadFile("/nonexistent/cert.pem", SecretString()),
                      Catch::Contains("could not be opened"));
    SecretString mismatched(std::string(fixtures::kOtherPem));
    SecretString keyOnly = c.pem();
    std::string_view k(keyOnly.data(), keyOnly.size());
    auto at = k.find("-----BEGIN PRIVATE KEY");
    mismatched.append(keyOnly.data() + at, keyOnly.size() - at);
    CHECK_THROWS_WITH(CertificateKey::load(mismatched, SecretString()),
                      Catch::Contains("matches its private key"));
    CHECK_THROWS_WITH(parseAssertionAlgorithm("HS256"), Catch::Contains("PS256 or RS256"));
}

TEST_CASE("password flow sends the documented form", "[auth][password]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody(R"("expires_in":3599,"refresh_token":"rt")")));
    PasswordCredential cred(t, kCloud, "contoso.onmicrosoft.com", "app", "svc@contoso.com",
                            SecretString(std::string("p&ss w=rd")), Logger{});
    AccessToken token = cred.requestToken(Context{});
    CHECK(token.refreshToken.empty());
    CHECK(t->requests[0].body ==
          "client_id=app&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&username=svc%40contoso.com"
          "&password=p%26ss%20w%3Drd&grant_type=password");
    CHECK_THROWS_AS(
        PasswordCredential(t, kCloud, "common", "app", "u", SecretString(std::string("p")), Logger{}),
        InvalidInputError);
}

TEST_CASE("password flow errors: MFA required and Conditional Access are explained", "[auth][password]") {
    for (auto [code, text] :
         {std::pair<long, const char*>{50076, "multi-factor"}, {53003, "Conditional Access"}}) {
        auto t = std::make_shared<ScriptedTransport>();
        t->then(response(400, R"({"error":"invalid_grant","error_codes":[)" + std::to_string(code) +
                                  R"(],"error_description":"AADSTS)" + std::to_string(code) +
                                  R"(: x","correlation_id":"c"})"));
        PasswordCredential cred(t, kCloud, "contoso.onmicrosoft.com", "app", "u@contoso.com",
                                SecretString(std::string("pw")), Logger{});
        CHECK_THROWS_WITH(cred.requestToken(Context{}), Catch::Contains(text) && !Catch::Contains("pw\""));
    }
}

namespace {
struct DeviceFlow {
    std::shared_ptr<ScriptedTransport> t = std::make_shared<ScriptedTransport>();
    std::vector<std::string> messages;
    std::vector<long long> sleeps;
    DeviceCodeCredential cred{t,
                              kCloud,
                              "organizations",
                              "public-app",
                              Logger(LogLevel::Verbose,
                                     [this](LogLevel level, std::string_view, std::string m) {
                                         if (level == LogLevel::Warning) messages.push_back(m);
                                     }),
                              [this](std::chrono::seconds s, const Context& c) {
                                  c.throwIfCancelled();
                                  sleeps.push_back(s.count());
                              }};
    DeviceFlow() {
        t->then(response(
            200,
            R"({"user_code":"ABC123","device_code":"dev-secret","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":2,"message":"To sign in, open https://microsoft.com/devicelogin and enter ABC123."})"));
    }
    void pollAnswers(const std::string& error) {
        t->then(response(400, R"({"error":")" + error + R"(","error_codes":[70016],"correlation_id":"c"})"));
    }
};
}  // namespace

TEST_CASE("device code: the message is shown, polling honours interval and slow_down", "[auth][devicecode]") {
    DeviceFlow f;
    f.pollAnswers("authorization_pending");
    f.pollAnswers("slow_down");
    f.pollAnswers("authorization_pending");
    f.t->then(response(200, tokenBody(R"("expires_in":3599,"refresh_token":"rt-1")")));
    f.t->then(response(200, tokenBody(R"("expires_in":3599,"refresh_token":"rt-2")")));
    AccessToken token = f.cred.requestToken(Context{});
    CHECK_FALSE(token.token.empty());
    REQUIRE(f.messages.size() == 1);
    CHECK_THAT(f.messages[0], Catch::Contains("ABC123"));
    CHECK(f.sleeps == std::vector<long long>{2, 2, 7, 7});
    REQUIRE(f.t->requests.size() == 5);
    CHECK(f.t->requests[0].url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode");
    CHECK(f.t->requests[0].body ==
          "client_id=public-app&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default%20offline_access");
    CHECK(f.t->requests[1].url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
    CHECK(f.t->requests[1].body ==
          "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=public-app&device_"
          "code=dev-secret");
    // The next token comes from the refresh token, without a new prompt.
    f.cred.requestToken(Context{});
    CHECK(f.messages.size() == 1);
    CHECK(f.t->requests[5].body ==
          "client_id=public-app&grant_type=refresh_token&refresh_token=rt-1"
          "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default%20offline_access");
}

TEST_CASE("device code: declined, denied and expired end with clear errors", "[auth][devicecode]") {
    for (auto [error, text] : {std::pair<const char*, const char*>{"authorization_declined", "declined"},
                               {"access_denied", "declined"},
                               {"expired_token", "expired"},
                               {"bad_verification_code", "did not recognise"}}) {
        INFO(error);
        DeviceFlow f;
        f.pollAnswers("authorization_pending");
        f.pollAnswers(error);
        try {
            f.cred.requestToken(Context{});
            FAIL("expected AuthError");
        } catch (const AuthError& e) {
            CHECK_THAT(e.what(), Catch::Contains(text) && !Catch::Contains("dev-secret"));
        }
    }
}

TEST_CASE("device code: cancellation stops the polling", "[auth][devicecode]") {
    DeviceFlow f;
    Context context;
    f.t->then([&](const RecordedRequest&) {
        context.cancel();
        return response(400, R"({"error":"authorization_pending"})");
    });
    CHECK_THROWS_AS(f.cred.requestToken(context), CancelledError);
    CHECK(f.t->requests.size() == 2);
}

TEST_CASE("managed identity: App Service / Automation request with the identity header",
          "[auth][managedidentity]") {
    auto t = std::make_shared<ScriptedTransport>();
    long long now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    t->then(response(200, R"({"access_token":")" + jwt("{}") + R"(","expires_on":")" +
                              std::to_string(now + 86000) +
                              R"(","resource":"https://graph.microsoft.com","token_type":"Bearer"})"));
    ManagedIdentityOptions o;
    o.identityEndpoint = "http://127.0.0.1:20072/oauth2/token";
    o.identityHeader = SecretString(std::string("hdr-secret"));
    o.clientId = "mi-client";
    ManagedIdentityCredential cred(t, o, Logger{});
    AccessToken token = cred.requestToken(Context{});
    auto life =
        std::chrono::duration_cast<std::chrono::seconds>(token.expiresOn - std::chrono::system_clock::now());
    CHECK(life.count() > 85990);
    const auto& r = t->requests[0];
    CHECK(r.method == "GET");
    CHECK(r.url ==
          "http://127.0.0.1:20072/oauth2/"
          "token?api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com"
          "&client_id=mi-client");
    CHECK(r.header("X-IDENTITY-HEADER") == "hdr-secret");
    CHECK(r.header("Metadata") == "true");
}

TEST_CASE("managed identity: IMDS request, user-assigned selectors, and refused settings",
          "[auth][managedidentity]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(
        200, R"({"access_token":")" + jwt("{}") + R"(","expires_in":"86399","token_type":"Bearer"})"));
    ManagedIdentityOptions o;
    o.resourceId = "/subscriptions/x/rg/id";
    ManagedIdentityCredential cred(t, o, Logger{});
    cred.requestToken(Context{});
    CHECK(t->requests[0].url ==
          "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
          "https%3A%2F%2Fgraph.microsoft.com&msi_res_id=%2Fsubscriptions%2Fx%2Frg%2Fid");
    CHECK(t->requests[0].header("X-IDENTITY-HEADER").empty());
    ManagedIdentityOptions two;
    two.clientId = "a";
    two.objectId = "b";
    CHECK_THROWS_WITH(ManagedIdentityCredential(t, two, Logger{}), Catch::Contains("at most one"));
    ManagedIdentityOptions noHeader;
    noHeader.identityEndpoint = "http://127.0.0.1:1/msi";
    CHECK_THROWS_WITH(ManagedIdentityCredential(t, noHeader, Logger{}), Catch::Contains("IDENTITY_HEADER"));
    ManagedIdentityOptions remote;
    remote.identityEndpoint = "http://identity.example.com/msi";
    remote.identityHeader = SecretString(std::string("h"));
    CHECK_THROWS_WITH(ManagedIdentityCredential(t, remote, Logger{}), Catch::Contains("unencrypted"));
}

TEST_CASE("managed identity: an endpoint error is an AuthError that says so", "[auth][managedidentity]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(
        401,
        R"({"statusCode":401,"message":"The X-IDENTITY-HEADER value is not valid.","correlationId":"c-9"})"));
    ManagedIdentityOptions o;
    o.identityEndpoint = "http://127.0.0.1:1/msi";
    o.identityHeader = SecretString(std::string("wrong-header"));
    ManagedIdentityCredential cred(t, o, Logger{});
    CHECK_THROWS_WITH(cred.requestToken(Context{}),
                      Catch::Contains("managed identity could not get a token") &&
                          Catch::Contains("X-IDENTITY-HEADER value is not valid") &&
                          !Catch::Contains("wrong-header"));
}

TEST_CASE("an access token given directly expires with its exp claim", "[auth][accesstoken]") {
    auto now = std::chrono::system_clock::now();
    long long nowSeconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto clock = now;
    AccessTokenCredential cred(SecretString(jwt(R"({"exp":)" + std::to_string(nowSeconds + 60) + "}")),
                               [&] { return clock; });
    CHECK(std::chrono::duration_cast<std::chrono::seconds>(
              cred.requestToken(Context{}).expiresOn.time_since_epoch())
              .count() == nowSeconds + 60);
    clock = now + std::chrono::seconds(61);
    CHECK_THROWS_WITH(cred.requestToken(Context{}),
                      Catch::Contains("expired at") && Catch::Contains("get a new one"));
    CHECK_THROWS_WITH(AccessTokenCredential(SecretString(std::string("opaque-token"))),
                      Catch::Contains("exp claim"));
}

TEST_CASE("claims: roles, scopes, masking and phone permissions", "[auth]") {
    auto app = readTokenClaims(
        SecretString(jwt(R"({"tid":"t1","appid":"a","idtyp":"app","roles":["User.Read.All"]})")));
    CHECK_FALSE(app.delegated());
    CHECK_FALSE(tokenHasPhoneMethodPermission(app));
    auto helpdesk = readTokenClaims(SecretString(jwt(
        R"({"idtyp":"user","upn":"h@c","scp":"User.Read.All UserAuthenticationMethod.Read.All","wids":["c4e39bd9-1100-46d3-8c65-fb160da0071f"]})")));
    CHECK(helpdesk.delegated());
    CHECK(helpdesk.scopes == std::vector<std::string>{"User.Read.All", "UserAuthenticationMethod.Read.All"});
    CHECK(tokenHasPhoneMethodPermission(helpdesk));
    CHECK(tokenSeesMaskedNumbers(helpdesk));
    auto privileged = readTokenClaims(SecretString(jwt(
        R"({"idtyp":"user","scp":"x","wids":["c4e39bd9-1100-46d3-8c65-fb160da0071f","7be44c8a-adaf-4e2a-84d6-ab2649e08a13"]})")));
    CHECK_FALSE(tokenSeesMaskedNumbers(privileged));
}

TEST_CASE("50 parallel requests waiting for a token share one token request", "[auth][cache]") {
    TestServer server;
    std::atomic<int> tokenRequests{0};
    std::atomic<int> graphRequests{0};
    server.server.Post("/t/oauth2/v2.0/token", [&](const httplib::Request&, httplib::Response& res) {
        ++tokenRequests;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all 50 arrive meanwhile
        res.set_content(R"({"token_type":"Bearer","expires_in":3599,"access_token":"eyJ.e30.sig"})",
                        "application/json");
    });
    server.server.Get(R"(/v1\.0/users/([^/]+)/authentication/phoneMethods)", [&](const httplib::Request& req,
                                                                                 httplib::Response& res) {
        ++graphRequests;
        res.status = req.get_header_value("Authorization") == "Bearer eyJ.e30.sig" ? 200 : 401;
        res.set_content(R"({"value":[]})", "application/json");
    });
    server.start();
    TransportOptions options;
    auto transport = makeCurlTransport(options, Logger{});
    CloudEndpoints cloud = resolveCloud("Global", server.url(), server.url());
    auto credential = std::make_shared<ClientSecretCredential>(transport, cloud, "t", "app",
                                                               SecretString(std::string("s")), Logger{});
    auto cache = std::make_shared<TokenCache>(credential);
    GraphClient graph(transport, cache, server.url(), Logger{});
    std::atomic<int> ok{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 50; ++i)
        callers.emplace_back([&, i] {
            graph.listPhoneMethods("user" + std::to_string(i) + "@contoso.com", Context{});
            ++ok;
        });
    for (auto& c : callers) c.join();
    CHECK(ok == 50);
    CHECK(graphRequests == 50);
    CHECK(tokenRequests == 1);
}

TEST_CASE("a cache that is wiped refuses further use and wipes its credential", "[auth][cache]") {
    auto t = std::make_shared<ScriptedTransport>();
    t->then(response(200, tokenBody()));
    auto cred = std::make_shared<ClientSecretCredential>(t, kCloud, "t", "app",
                                                         SecretString(std::string("s")), Logger{});
    TokenCache cache(cred);
    cache.bearer(Context{});
    cache.wipe();
    CHECK_THROWS_WITH(cache.bearer(Context{}), Catch::Contains("signed out"));
    CHECK_THROWS_AS(cred->requestToken(Context{}), AuthError);  // the secret is gone
    CHECK(t->requests.size() == 1);
}
