// The sync engine: options, source reading, and the apply rules that keep a write from being
// made twice, against a scripted Graph that can lose the answer to a write it applied.
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fakes.hpp"
#include "mfaphone/internal/batch.hpp"
#include "mfaphone/internal/operation.hpp"
#include "sync/sync_engine.hpp"

using namespace mfaphone;
using namespace mfaphone::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("sync options: managed types, source properties and policy are checked", "[sync]") {
    std::vector<SourceProperty> sources;
    SyncOptions defaults;
    PlanOptions plan = syncPlanOptions(defaults, sources);
    REQUIRE(plan.managed.size() == 1);
    CHECK(plan.managed[0].type == PhoneType::Mobile);
    REQUIRE(sources.size() == 1);
    CHECK(sources[0].extension);
    CHECK(sources[0].name == "extensionAttribute15");

    SyncOptions two;
    two.phoneTypes = {"mobile", "alternateMobile"};
    two.sourceProperties = {"ExtensionAttribute3", "mobilePhone"};
    two.smsSignIn = "enable";
    plan = syncPlanOptions(two, sources);
    CHECK(plan.smsSignIn == SmsSignInMode::Enable);
    CHECK(sources[0].name == "extensionAttribute3");
    CHECK_FALSE(sources[1].extension);
    CHECK(userSelect(sources) ==
          "id,userPrincipalName,usageLocation,onPremisesExtensionAttributes,mobilePhone");

    auto refused = [&](SyncOptions o, const std::string& words) {
        try {
            syncPlanOptions(o, sources);
            FAIL("accepted");
        } catch (const InvalidInputError& e) {
            CHECK_THAT(e.what(), Catch::Contains(words));
        }
    };
    SyncOptions o;
    o.phoneTypes = {"pager"};
    o.sourceProperties = {"extensionAttribute1"};
    refused(o, "not a phone type");
    o.phoneTypes = {"mobile"};
    o.sourceProperties = {"extensionAttribute16"};
    refused(o, "extensionAttribute1 to extensionAttribute15");
    o.sourceProperties = {"a&b=c"};
    refused(o, "not a user property name");
    o.sourceProperties = {};
    refused(o, "one source property");
    SyncOptions sms;
    sms.smsSignIn = "Sometimes";
    refused(sms, "Enable, Disable or Keep");
}

TEST_CASE("source values are read from a Graph user, extension attributes nested, lists by first item",
          "[sync]") {
    std::vector<SourceProperty> sources = {{"extensionAttribute15", true},
                                           {"businessPhones", false},
                                           {"mobilePhone", false},
                                           {"extensionAttribute2", true}};
    auto values = sourceValuesOf(
        R"({"id":"1","onPremisesExtensionAttributes":{"ExtensionAttribute15":"070-123 45 67","extensionAttribute2":null},
            "businessPhones":["","+1 425 555 0100"],"mobilePhone":null})",
        sources);
    CHECK(values == std::vector<std::string>{"070-123 45 67", "+1 425 555 0100", "", ""});
}

TEST_CASE("a delta link resumes at its users/delta path; anything else is refused", "[sync]") {
    CHECK(deltaResumeUrl("") == "");
    CHECK(deltaResumeUrl("  \n") == "");
    CHECK(deltaResumeUrl("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc-_123") ==
          "/users/delta?$deltatoken=abc-_123");
    // The host is not used (the session's Graph is); surrounding blanks from a variable are dropped.
    CHECK(deltaResumeUrl(" http://127.0.0.1:4711/v1.0/users/delta?$skiptoken=xyz\n") ==
          "/users/delta?$skiptoken=xyz");
    CHECK(deltaResumeUrl("https://graph.microsoft.us/v1.0/users/delta?%24deltatoken=q") ==
          "/users/delta?%24deltatoken=q");
    for (const char* bad : {"https://graph.microsoft.com/v1.0/users?$skiptoken=abc",
                            "https://graph.microsoft.com/v1.0/users/delta?$select=id",
                            "https://graph.microsoft.com/beta/users/delta?$deltatoken=abc",
                            "https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=abc",
                            "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=a b", "not a link"}) {
        try {
            deltaResumeUrl(bad);
            FAIL("accepted: " << bad);
        } catch (const InvalidInputError& e) {
            CHECK_THAT(e.what(), Catch::Contains("not one Graph handed out for users"));
        }
    }
}

namespace {

// A Graph tenant for the sync engine: users with an extensionAttribute15 and phone methods, and
// $batch. Answers can be scripted per write: lose the answer (apply, then answer 500), refuse
// (429 without applying) or conflict (409 phoneNumberNotUnique, applied).
class FakeTenant : public Transport {
public:
    struct User {
        std::string id, upn, source;
        std::map<std::string, std::string> methods;  // type -> number
    };
    std::mutex mutex;
    std::map<std::string, User> users;  // by upn and by id
    std::vector<std::string> script;    // outcomes of the next writes: "lost", "429", "409", "400", "ok"
    int applied = 0, received = 0;

    void add(User u) {
        users[u.upn] = u;
        users[u.id] = u;
    }
    User get(const std::string& key) {
        std::lock_guard<std::mutex> lock(mutex);
        return users.at(key);
    }

    HttpResponse send(const HttpRequest& request, const Context& context) override {
        context.throwIfCancelled();
        json envelope = json::parse(std::string(request.body.data(), request.body.size()));
        json responses = json::array();
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& item : envelope["requests"]) {
            json r = answer(item);
            r["id"] = item["id"];
            responses.push_back(r);
        }
        return response(200, json{{"responses", responses}}.dump());
    }

private:
    static std::string typeOf(const std::string& methodId) {
        if (methodId == "3179e48a-750b-4051-897c-87b9720928f7") return "mobile";
        if (methodId == "b6332ec1-7057-4abe-9331-3d72feddfe41") return "alternateMobile";
        return "office";
    }
    void store(const User& u) {
        users[u.upn] = u;
        users[u.id] = u;
    }
    json answer(const json& item) {
        std::string method = item["method"], url = item["url"];
        std::string path = url.substr(0, url.find('?'));
        std::vector<std::string> parts;
        for (std::size_t at = 1; at <= path.size();) {
            std::size_t slash = path.find('/', at);
            parts.push_back(path.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
            if (slash == std::string::npos) break;
            at = slash + 1;
        }
        auto found = users.find(parts.size() > 1 ? parts[1] : "");
        if (found == users.end())
            return {{"status", 404}, {"body", {{"error", {{"code", "Request_ResourceNotFound"}}}}}};
        User u = found->second;
        if (method == "GET" && parts.size() == 2)
            return {{"status", 200},
                    {"body",
                     {{"id", u.id},
                      {"userPrincipalName", u.upn},
                      {"usageLocation", "US"},
                      {"onPremisesExtensionAttributes", {{"extensionAttribute15", u.source}}}}}};
        if (method == "GET") {
            json value = json::array();
            for (const auto& [type, number] : u.methods)
                value.push_back({{"id", type == "mobile" ? "3179e48a-750b-4051-897c-87b9720928f7" : "x"},
                                 {"phoneType", type},
                                 {"phoneNumber", number},
                                 {"smsSignInState", "notEnabled"}});
            return {{"status", 200}, {"body", {{"value", value}}}};
        }
        // A write.
        std::string outcome = "ok";
        if (!script.empty()) {
            outcome = script.front();
            script.erase(script.begin());
        }
        if (outcome == "400") {
            ++received;
            return {{"status", 400},
                    {"body", {{"error", {{"code", "badRequest"}, {"message", "Invalid phone number."}}}}}};
        }
        if (outcome == "429")
            return {{"status", 429},
                    {"headers", {{"Retry-After", "0.05"}}},
                    {"body", {{"error", {{"code", "TooManyRequests"}, {"message", "slow down"}}}}}};
        ++received;
        json body = item.contains("body") ? item["body"] : json::object();
        if (method == "POST" && parts.size() == 4) {
            if (u.methods.count(body["phoneType"]))
                return {{"status", 400}, {"body", {{"error", {{"code", "badRequest"}}}}}};
            u.methods[body["phoneType"]] = body["phoneNumber"];
        } else if (method == "PATCH") {
            u.methods[typeOf(parts[4])] = body["phoneNumber"];
        } else if (method == "DELETE") {
            u.methods.erase(typeOf(parts[4]));
        }
        store(u);
        ++applied;
        if (outcome == "lost")
            return {{"status", 500},
                    {"body", {{"error", {{"code", "generalException"}, {"message", "lost"}}}}}};
        if (outcome == "409")
            return {{"status", 409},
                    {"body",
                     {{"error", {{"code", "phoneNumberNotUnique"}, {"message", "held by another user"}}}}}};
        return {{"status", method == "POST" ? 201 : 204}};
    }
};

struct Rig {
    std::shared_ptr<FakeTenant> graph = std::make_shared<FakeTenant>();
    std::shared_ptr<OperationState> op = std::make_shared<OperationState>(LogLevel::None);
    std::shared_ptr<Executor> executor = std::make_shared<Executor>();

    std::shared_ptr<SyncOperation> start(SyncOptions options) {
        auto login = std::make_shared<ScriptedTransport>();
        for (int i = 0; i < 3; ++i)
            login->then(
                response(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"eyJ.x.y"})"));
        auto cloud = resolveCloud("Global", "", "");
        auto credential = std::make_shared<ClientSecretCredential>(login, cloud, "t", "c",
                                                                   SecretString(std::string("s")), Logger{});
        auto tokens = std::make_shared<TokenCache>(credential);
        auto client = std::make_shared<BatchClient>(
            std::make_shared<GraphClient>(graph, tokens, cloud.graphEndpoint, Logger{}), Logger{});
        auto pump = std::make_shared<BatchPump>(client, executor, nullptr, op, BatchPumpOptions{});
        auto beta = std::make_shared<BatchPump>(client, executor, nullptr, op, BatchPumpOptions{});
        auto engine = std::make_shared<SyncEngine>(op, pump, beta, options);
        engine->start();
        return std::make_shared<SyncOperation>(op, engine);
    }

    static std::vector<SyncUserResult> run(SyncOperation& sync, const std::vector<std::string>& users) {
        for (const auto& u : users) {
            SyncInput in;
            in.user = u;
            REQUIRE(sync.submit(in, 1000));
        }
        sync.close();
        std::vector<SyncUserResult> results;
        Event e;
        SyncUserResult r;
        for (int i = 0; i < 400 && !sync.finished(); ++i)
            while (sync.nextEvent(e, r, 25))
                if (e.kind == EventKind::Result) results.push_back(r);
        return results;
    }
};

}  // namespace

TEST_CASE("a write whose answer was lost is checked by reading again, not sent twice", "[sync]") {
    Rig rig;
    rig.graph->add({"11111111-1111-4111-8111-111111111111", "a@contoso.com", "(206) 555-0101", {}});
    rig.graph->script = {"lost"};
    auto sync = rig.start(SyncOptions{});
    auto results = Rig::run(*sync, {"a@contoso.com"});
    REQUIRE(results.size() == 1);
    REQUIRE(results[0].changes.size() == 1);
    CHECK(results[0].changes[0].action == "Add");
    CHECK(results[0].changes[0].status == "Succeeded");
    CHECK(results[0].userId == "11111111-1111-4111-8111-111111111111");
    CHECK(rig.graph->get("a@contoso.com").methods["mobile"] == "+1 2065550101");
    CHECK(rig.graph->applied == 1);
    CHECK(rig.graph->received == 1);
    CHECK(sync->totals().writes == 1);
}

TEST_CASE("a throttled write is sent again after its Retry-After, once", "[sync]") {
    Rig rig;
    rig.graph->add({"22222222-2222-4222-8222-222222222222",
                    "b@contoso.com",
                    "+1 206 555 0102",
                    {{"mobile", "+1 2065550199"}}});
    rig.graph->script = {"429", "429"};
    auto sync = rig.start(SyncOptions{});
    auto results = Rig::run(*sync, {"b@contoso.com"});
    REQUIRE(results.size() == 1);
    CHECK(results[0].changes[0].action == "Update");
    CHECK(results[0].changes[0].status == "Succeeded");
    CHECK(results[0].changes[0].before == "+1 2065550199");
    CHECK(rig.graph->get("b@contoso.com").methods["mobile"] == "+1 2065550102");
    CHECK(rig.graph->applied == 1);
    CHECK(sync->totals().writes == 3);  // sent three times, applied once
    CHECK(rig.op->counters().throttled == 2);
}

TEST_CASE("a write Graph refuses fails with Graph's error and is not sent again", "[sync]") {
    Rig rig;
    rig.graph->add({"33333333-3333-4333-8333-333333333333", "c@contoso.com", "+1 206 555 0103", {}});
    rig.graph->script = {"400"};
    auto sync = rig.start(SyncOptions{});
    auto results = Rig::run(*sync, {"c@contoso.com"});
    REQUIRE(results.size() == 1);
    const auto& c = results[0].changes[0];
    CHECK(c.action == "Add");
    CHECK(c.status == "Failed");
    CHECK(c.httpStatus == 400);
    CHECK(c.errorCode == "badRequest");
    CHECK_THAT(c.reason, Catch::StartsWith("Not applied: "));
    CHECK(rig.graph->received == 1);
    CHECK(rig.graph->applied == 0);
    CHECK(sync->totals().failed == 1);
}

TEST_CASE("phoneNumberNotUnique: the number is checked by reading again and reported as set", "[sync]") {
    Rig rig;
    rig.graph->add({"44444444-4444-4444-8444-444444444444", "d@contoso.com", "+1 206 555 0104", {}});
    rig.graph->script = {"409"};
    auto sync = rig.start(SyncOptions{});
    auto results = Rig::run(*sync, {"d@contoso.com"});
    REQUIRE(results.size() == 1);
    const auto& c = results[0].changes[0];
    CHECK(c.action == "Add");
    CHECK(c.status == "Succeeded");
    CHECK(c.reason == "MFA number set; SMS sign-in not enabled: number held by another user.");
    CHECK_FALSE(c.warning.empty());
    CHECK(rig.graph->applied == 1);
}

TEST_CASE("a user that cannot be read ends with one failed result per managed type", "[sync]") {
    Rig rig;
    SyncOptions options;
    options.phoneTypes = {"mobile", "office"};
    options.sourceProperties = {"extensionAttribute15", "extensionAttribute14"};
    auto sync = rig.start(options);
    auto results = Rig::run(*sync, {"missing@contoso.com"});
    REQUIRE(results.size() == 1);
    REQUIRE(results[0].changes.size() == 2);
    for (const auto& c : results[0].changes) {
        CHECK(c.status == "Failed");
        CHECK(c.httpStatus == 404);
        CHECK(c.errorCode == "Request_ResourceNotFound");
    }
    CHECK(results[0].changes[0].phoneType == "mobile");
    CHECK(results[0].changes[1].phoneType == "office");
    CHECK(rig.graph->received == 0);
}

TEST_CASE("a decision declines or applies each change before anything is written", "[sync]") {
    Rig rig;
    rig.graph->add({"55555555-5555-4555-8555-555555555555", "e@contoso.com", "+1 206 555 0105", {}});
    rig.graph->add({"66666666-6666-4666-8666-666666666666", "f@contoso.com", "+1 206 555 0106", {}});
    SyncOptions options;
    options.confirmChanges = true;
    auto sync = rig.start(options);
    for (std::string u : {"e@contoso.com", "f@contoso.com"}) {
        SyncInput in;
        in.user = u;
        REQUIRE(sync->submit(in, 1000));
    }
    sync->close();
    std::map<std::string, SyncUserResult> results;
    Event e;
    SyncUserResult r;
    for (int i = 0; i < 400 && !sync->finished(); ++i) {
        while (sync->nextEvent(e, r, 25)) {
            if (e.kind == EventKind::Decision) {
                CHECK(r.changes[0].status.empty());
                CHECK(r.changes[0].writes);
                sync->decide(e.index, {r.user == "e@contoso.com" ? "Apply" : "Decline"});
            }
            if (e.kind == EventKind::Result) results[r.user] = r;
        }
    }
    CHECK(results["e@contoso.com"].changes[0].status == "Succeeded");
    CHECK(results["f@contoso.com"].changes[0].status == "Skipped");
    CHECK(rig.graph->get("f@contoso.com").methods.empty());
    CHECK(rig.graph->applied == 1);
}

TEST_CASE("keepNumbers: only SMS sign-in is written; the number and a source value are left alone",
          "[sync][keep]") {
    Rig rig;
    rig.graph->add({"77777777-7777-4777-8777-777777777777",
                    "g@contoso.com",
                    "+1 206 555 0199",  // a different source number: ignored
                    {{"mobile", "+1 2065550107"}}});
    rig.graph->add({"88888888-8888-4888-8888-888888888888", "h@contoso.com", "", {}});
    SyncOptions options;
    options.keepNumbers = true;
    options.smsSignIn = "Enable";
    auto sync = rig.start(options);
    auto results = Rig::run(*sync, {"g@contoso.com", "h@contoso.com"});
    REQUIRE(results.size() == 2);
    std::map<std::string, SyncChange> byUser;
    for (const auto& r : results) byUser[r.userPrincipalName] = r.changes.at(0);
    const SyncChange& g = byUser["g@contoso.com"];
    CHECK(g.action == "NoChange");
    CHECK(g.status == "Succeeded");
    CHECK(g.smsSignIn == "Enable");
    CHECK(g.reasonCode == "Kept");
    CHECK_THAT(g.reason, Catch::EndsWith("SMS sign-in is enabled."));
    const SyncChange& h = byUser["h@contoso.com"];
    CHECK(h.action == "Skip");
    CHECK(h.status == "Skipped");
    CHECK(h.reasonCode == "NoMobile");
    CHECK(rig.graph->get("g@contoso.com").methods["mobile"] == "+1 2065550107");
    CHECK(rig.graph->received == 1);  // the one enableSmsSignIn
}

TEST_CASE("each change carries its plan's reason code", "[sync]") {
    Rig rig;
    rig.graph->add({"99999999-9999-4999-8999-999999999999", "i@contoso.com", "+1 206 555 0109", {}});
    rig.graph->add({"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "j@contoso.com", "not a number", {}});
    auto sync = rig.start(SyncOptions{});
    auto results = Rig::run(*sync, {"i@contoso.com", "j@contoso.com"});
    REQUIRE(results.size() == 2);
    std::map<std::string, std::string> codes;
    for (const auto& r : results) codes[r.userPrincipalName] = r.changes.at(0).reasonCode;
    CHECK(codes["i@contoso.com"] == "NotSet");
    CHECK(codes["j@contoso.com"] == "InvalidSource");
}
