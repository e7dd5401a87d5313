// The sync planner: every rule on its own, then every combination of managed types, current
// state, desired value and option, checked against Graph's constraints by applying the plan to
// a simulated user and planning again.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/plan.hpp"

using namespace mfaphone;

namespace {

constexpr std::array<PhoneType, 3> kAllTypes{PhoneType::Mobile, PhoneType::AlternateMobile,
                                             PhoneType::Office};

// Per type: a number (Graph's format), the same number as a person would type it (in SE), and a
// different number.
struct Numbers {
    const char* graph;
    const char* typed;
    const char* other;  // typed
    const char* otherGraph;
    const char* masked;
};

Numbers numbersOf(PhoneType type) {
    switch (type) {
        case PhoneType::Mobile:
            return {"+46 701234567", "070-123 45 67", "070-765 43 21", "+46 707654321", "+46 *******67"};
        case PhoneType::AlternateMobile:
            return {"+46 731112233", "073-111 22 33", "073-999 88 77", "+46 739998877", "+46 *******33"};
        case PhoneType::Office:
            return {"+46 812345678", "08-123 456 78", "08-876 543 21", "+46 887654321", "+46 ********78"};
    }
    return {};
}

// The normaliser, memoised: the combination test reads the same few values many times.
const PhoneNumberInfo& normalized(const std::string& value, const std::string& region = "",
                                  const std::string& usage = "") {
    static std::map<std::string, PhoneNumberInfo> cache;
    const std::string key = value + '\n' + region + '\n' + usage;
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, normalizePhoneNumber(value, region, usage)).first;
    return it->second;
}

PhoneMethod method(PhoneType type, const std::string& number, const std::string& sms = "notEnabled") {
    return PhoneMethod{phoneMethodId(type), number, phoneTypeName(type), sms};
}

PlanOptions manage(std::vector<PhoneType> types) {
    PlanOptions options;
    options.managed.clear();
    for (PhoneType type : types) options.managed.push_back({type, "extensionAttribute15"});
    return options;
}

UserPhoneState userIn(const char* usageLocation = "SE") {
    UserPhoneState user;
    user.usageLocation = usageLocation;
    user.defaultMethodKnown = true;
    user.defaultMethod = "push";
    return user;
}

const PlannedChange& changeFor(const Plan& plan, PhoneType type) {
    for (const PlannedChange& change : plan.changes) {
        if (change.type == type) return change;
    }
    FAIL("no change for " << phoneTypeName(type));
    throw std::logic_error("unreachable");
}

// "Create mobile", "Delete alternateMobile<-0", ...: the writes in order, with dependencies.
std::string describe(const Plan& plan) {
    std::ostringstream out;
    for (std::size_t i = 0; i < plan.writes.size(); ++i) {
        const PlannedWrite& w = plan.writes[i];
        static const char* kinds[] = {"Create", "Patch", "Delete", "EnableSms", "DisableSms"};
        if (i) out << ", ";
        out << kinds[static_cast<int>(w.kind)] << " " << phoneTypeName(w.type);
        for (int d : w.dependsOn) out << "<-" << d;
    }
    return out.str();
}

// A user's phone methods as Graph keeps them; applying a write checks Graph's constraints.
struct SimulatedUser {
    std::map<PhoneType, PhoneMethod> methods;
    std::string defaultMethod;

    static SimulatedUser from(const UserPhoneState& user) {
        SimulatedUser sim;
        for (const PhoneMethod& m : user.current) {
            PhoneType type;
            if (parsePhoneType(m.phoneType, type) && !sim.methods.count(type)) sim.methods[type] = m;
        }
        sim.defaultMethod = user.defaultMethod;
        return sim;
    }

    // Returns an error when Graph would refuse the write.
    std::string apply(const PlannedWrite& w) {
        const bool exists = methods.count(w.type) != 0;
        switch (w.kind) {
            case WriteKind::Create: {
                if (exists) return "Create of an existing " + phoneTypeName(w.type);
                if (w.type == PhoneType::AlternateMobile && !methods.count(PhoneType::Mobile))
                    return "alternateMobile created without a mobile";
                const PhoneNumberInfo& info = normalized(w.phoneNumber);
                if (!info.isValid || info.phoneNumber != w.phoneNumber) return "unvalidated number written";
                methods[w.type] = method(w.type, w.phoneNumber);
                return {};
            }
            case WriteKind::Patch: {
                if (!exists) return "Patch of a missing " + phoneTypeName(w.type);
                if (w.methodId != methods[w.type].id) return "Patch of the wrong method id";
                const PhoneNumberInfo& info = normalized(w.phoneNumber);
                if (!info.isValid || info.phoneNumber != w.phoneNumber) return "unvalidated number written";
                methods[w.type].phoneNumber = w.phoneNumber;
                return {};
            }
            case WriteKind::Delete: {
                if (!exists) return "Delete of a missing " + phoneTypeName(w.type);
                if (w.methodId != methods[w.type].id) return "Delete of the wrong method id";
                if (w.type == PhoneType::Mobile && methods.count(PhoneType::AlternateMobile))
                    return "mobile deleted while alternateMobile exists";
                const bool isDefault =
                    (w.type == PhoneType::Mobile &&
                     (defaultMethod == "sms" || defaultMethod == "voiceMobile")) ||
                    (w.type == PhoneType::AlternateMobile && defaultMethod == "voiceAlternateMobile") ||
                    (w.type == PhoneType::Office && defaultMethod == "voiceOffice");
                if (isDefault) return "the default method deleted";
                methods.erase(w.type);
                return {};
            }
            case WriteKind::EnableSmsSignIn:
            case WriteKind::DisableSmsSignIn:
                if (w.type != PhoneType::Mobile || !exists) return "SMS sign-in step without a mobile";
                methods[w.type].smsSignInState =
                    w.kind == WriteKind::EnableSmsSignIn ? "ready" : "notEnabled";
                return {};
        }
        return "unknown write";
    }

    std::vector<PhoneMethod> current() const {
        std::vector<PhoneMethod> out;
        for (const auto& [type, m] : methods) out.push_back(m);
        return out;
    }
};

// Every invariant of a plan; returns the violations.
std::vector<std::string> checkPlan(const UserPhoneState& user, const PlanOptions& options, const Plan& plan) {
    std::vector<std::string> errors;
    auto fail = [&](const std::string& what) { errors.push_back(what + " [" + describe(plan) + "]"); };

    // One change per managed type, in the options' order.
    if (plan.changes.size() != options.managed.size()) fail("not one change per managed type");
    for (std::size_t i = 0; i < plan.changes.size() && i < options.managed.size(); ++i) {
        if (plan.changes[i].type != options.managed[i].type) fail("changes out of the options' order");
    }
    std::map<PhoneType, const PhoneMethod*> current;
    for (const PhoneMethod& m : user.current) {
        PhoneType type;
        if (parsePhoneType(m.phoneType, type) && !current.count(type)) current[type] = &m;
    }
    std::map<PhoneType, std::string> desired;
    for (const DesiredPhone& d : user.desired) desired.emplace(d.type, d.value);

    bool anyRemoveWaiting = false;
    for (const PlannedChange& change : plan.changes) {
        const std::string type = phoneTypeName(change.type);
        const PhoneMethod* cur = current.count(change.type) ? current[change.type] : nullptr;
        const std::string source = desired.count(change.type) ? desired[change.type] : std::string();
        const PhoneNumberInfo& info = normalized(source, options.defaultRegion, user.usageLocation);
        std::size_t creates = 0, patches = 0, deletes = 0;
        for (const PlannedWrite& w : plan.writes) {
            if (w.type != change.type) continue;
            creates += w.kind == WriteKind::Create;
            patches += w.kind == WriteKind::Patch;
            deletes += w.kind == WriteKind::Delete;
            if (w.change < 0 || plan.changes[static_cast<std::size_t>(w.change)].type != w.type)
                fail(type + ": write points at the wrong change");
        }
        if (creates + patches + deletes > 1)
            fail(type + ": more than one write of the number (delete-then-add?)");
        if (change.before != (cur ? cur->phoneNumber : std::string()))
            fail(type + ": before is not the current number");
        if (change.source != source) fail(type + ": source is not the raw value");
        if (change.reason.empty()) fail(type + ": no reason");
        // Reasons never carry numbers.
        for (const PhoneType t : kAllTypes) {
            const std::string national = std::string(numbersOf(t).graph).substr(4);
            if (change.reason.find(national.substr(0, 5)) != std::string::npos)
                fail(type + ": reason holds a number");
        }
        const bool masked = cur && isMaskedPhoneNumber(cur->phoneNumber);
        switch (change.action) {
            case PlanAction::Add:
                if (cur) fail(type + ": Add while a number exists");
                if (!info.isValid || change.after != info.phoneNumber)
                    fail(type + ": Add of an unvalidated number");
                if (!plan.needsDefaultMethod && creates != 1) fail(type + ": Add without its Create");
                break;
            case PlanAction::Update:
                if (!cur || masked) fail(type + ": Update without a whole current number");
                if (options.onlySetWhenEmpty) fail(type + ": Update although only empty types are set");
                if (!info.isValid || change.after != info.phoneNumber)
                    fail(type + ": Update to an unvalidated number");
                if (!plan.needsDefaultMethod && patches != 1) fail(type + ": Update without its Patch");
                break;
            case PlanAction::Remove:
                if (!cur) fail(type + ": Remove of nothing");
                if (!options.removeWhenSourceEmpty) fail(type + ": Remove although removal is not enabled");
                if (info.problem != PhoneNumberProblem::Empty)
                    fail(type + ": Remove although the source has a value");
                if (!change.after.empty()) fail(type + ": Remove with an after");
                if (change.needsDefaultMethod) anyRemoveWaiting = true;
                if (user.defaultMethodKnown == change.needsDefaultMethod)
                    fail(type + ": default check flag wrong");
                if (!plan.needsDefaultMethod && deletes != 1) fail(type + ": Remove without its Delete");
                break;
            case PlanAction::NoChange:
            case PlanAction::Skip:
                if (creates + patches + deletes != 0) fail(type + ": writes for NoChange/Skip");
                if (change.after != change.before)
                    fail(type + ": after differs from before without a change");
                break;
        }
        if (change.action == PlanAction::Skip && change.reasonCode == PlanReason::InvalidSource &&
            change.reason.find(info.reason) == std::string::npos)
            fail(type + ": Skip for an invalid source without the normaliser's reason");
        if (!info.isValid && info.problem != PhoneNumberProblem::Empty && change.action != PlanAction::Skip)
            fail(type + ": an invalid source was not skipped");
        if (masked && change.action == PlanAction::NoChange && change.reasonCode == PlanReason::InSync)
            fail(type + ": a masked number compared as whole");
        if (change.smsSignIn != SmsSignInMode::Keep && change.type != PhoneType::Mobile)
            fail(type + ": SMS step");
    }
    if (anyRemoveWaiting != plan.needsDefaultMethod) fail("needsDefaultMethod does not match the changes");
    if (plan.needsDefaultMethod && !plan.writes.empty()) fail("writes while the default method is unknown");
    // No write for an unmanaged type; dependencies point backwards.
    for (std::size_t i = 0; i < plan.writes.size(); ++i) {
        const PlannedWrite& w = plan.writes[i];
        bool managed = false;
        for (const ManagedPhoneType& m : options.managed) managed = managed || m.type == w.type;
        if (!managed) fail("write for an unmanaged type");
        for (int d : w.dependsOn) {
            if (d < 0 || static_cast<std::size_t>(d) >= i) fail("a dependency does not point backwards");
        }
        if (w.type == PhoneType::AlternateMobile && w.kind == WriteKind::Create) {
            bool mobileCreated = false;
            for (int d : w.dependsOn)
                mobileCreated =
                    mobileCreated || (plan.writes[static_cast<std::size_t>(d)].type == PhoneType::Mobile &&
                                      plan.writes[static_cast<std::size_t>(d)].kind == WriteKind::Create);
            bool mobileCreateExists = false;
            for (const PlannedWrite& x : plan.writes)
                mobileCreateExists =
                    mobileCreateExists || (x.type == PhoneType::Mobile && x.kind == WriteKind::Create);
            if (mobileCreateExists != mobileCreated)
                fail("alternateMobile Create does not depend on the mobile Create");
        }
        if (w.type == PhoneType::Mobile && w.kind == WriteKind::Delete) {
            bool alternateDeleteExists = false;
            int alternateDelete = -1;
            for (std::size_t k = 0; k < plan.writes.size(); ++k) {
                if (plan.writes[k].type == PhoneType::AlternateMobile &&
                    plan.writes[k].kind == WriteKind::Delete) {
                    alternateDeleteExists = true;
                    alternateDelete = static_cast<int>(k);
                }
            }
            if (alternateDeleteExists &&
                std::find(w.dependsOn.begin(), w.dependsOn.end(), alternateDelete) == w.dependsOn.end())
                fail("mobile Delete does not depend on the alternateMobile Delete");
        }
    }
    return errors;
}

// Plans, applies the plan to a simulated Graph (checking its constraints), and plans again:
// the second plan must write nothing. Returns the violations.
std::vector<std::string> checkConverges(UserPhoneState user, const PlanOptions& options) {
    Plan plan = planPhoneChanges(user, options);
    std::vector<std::string> errors = checkPlan(user, options, plan);
    if (plan.needsDefaultMethod) {
        // The engine reads the default method and plans again.
        UserPhoneState known = user;
        known.defaultMethodKnown = true;
        known.defaultMethod = "push";
        plan = planPhoneChanges(known, options);
        if (plan.needsDefaultMethod) errors.push_back("still needs the default method once it is known");
        for (std::string& e : checkPlan(known, options, plan)) errors.push_back("(default known) " + e);
        user = known;
    }
    SimulatedUser sim = SimulatedUser::from(user);
    for (const PlannedWrite& w : plan.writes) {
        const std::string error = sim.apply(w);
        if (!error.empty()) errors.push_back("Graph refuses: " + error + " [" + describe(plan) + "]");
    }
    UserPhoneState after = user;
    after.current = sim.current();
    const Plan again = planPhoneChanges(after, options);
    if (!again.writes.empty())
        errors.push_back("a second run writes again: " + describe(again) + " after " + describe(plan));
    return errors;
}

}  // namespace

TEST_CASE("plan: one type on its own, current x desired x options", "[plan]") {
    enum Cur { Absent, Same, Masked };
    enum Des { DesSame, DesOther, DesEmpty, DesBlank, DesInvalid, DesMasked };
    struct Row {
        Cur current;
        Des desired;
        bool remove;
        bool onlyWhenEmpty;
        PlanAction action;
        PlanReason reason;
    };
    // Default options first, then what removal and "only when empty" change.
    const std::vector<Row> rows = {
        {Absent, DesSame, false, false, PlanAction::Add, PlanReason::NotSet},
        {Absent, DesOther, false, false, PlanAction::Add, PlanReason::NotSet},
        {Absent, DesEmpty, false, false, PlanAction::NoChange, PlanReason::NothingToSet},
        {Absent, DesBlank, false, false, PlanAction::NoChange, PlanReason::NothingToSet},
        {Absent, DesInvalid, false, false, PlanAction::Skip, PlanReason::InvalidSource},
        {Absent, DesMasked, false, false, PlanAction::Skip, PlanReason::InvalidSource},
        {Same, DesSame, false, false, PlanAction::NoChange, PlanReason::InSync},
        {Same, DesOther, false, false, PlanAction::Update, PlanReason::Differs},
        {Same, DesEmpty, false, false, PlanAction::NoChange, PlanReason::SourceEmptyKept},
        {Same, DesBlank, false, false, PlanAction::NoChange, PlanReason::SourceEmptyKept},
        {Same, DesInvalid, false, false, PlanAction::Skip, PlanReason::InvalidSource},
        {Same, DesMasked, false, false, PlanAction::Skip, PlanReason::InvalidSource},
        {Masked, DesSame, false, false, PlanAction::Skip, PlanReason::CurrentMasked},
        {Masked, DesOther, false, false, PlanAction::Skip, PlanReason::CurrentMasked},
        {Masked, DesEmpty, false, false, PlanAction::NoChange, PlanReason::SourceEmptyKept},
        {Masked, DesInvalid, false, false, PlanAction::Skip, PlanReason::InvalidSource},
        {Masked, DesMasked, false, false, PlanAction::Skip, PlanReason::InvalidSource},
        // Removal when the source is empty.
        {Absent, DesEmpty, true, false, PlanAction::NoChange, PlanReason::NothingToSet},
        {Same, DesEmpty, true, false, PlanAction::Remove, PlanReason::SourceEmpty},
        {Same, DesBlank, true, false, PlanAction::Remove, PlanReason::SourceEmpty},
        {Masked, DesEmpty, true, false, PlanAction::Remove, PlanReason::SourceEmpty},  // no comparison needed
        {Same, DesInvalid, true, false, PlanAction::Skip,
         PlanReason::InvalidSource},  // an invalid value is no empty one
        {Same, DesMasked, true, false, PlanAction::Skip, PlanReason::InvalidSource},
        {Same, DesOther, true, false, PlanAction::Update, PlanReason::Differs},
        // Only set when empty.
        {Absent, DesSame, false, true, PlanAction::Add, PlanReason::NotSet},
        {Same, DesSame, false, true, PlanAction::NoChange, PlanReason::InSync},
        {Same, DesOther, false, true, PlanAction::NoChange, PlanReason::OnlySetWhenEmpty},
        {Masked, DesSame, false, true, PlanAction::NoChange, PlanReason::OnlySetWhenEmpty},
        {Masked, DesOther, false, true, PlanAction::NoChange, PlanReason::OnlySetWhenEmpty},
        {Same, DesInvalid, false, true, PlanAction::Skip, PlanReason::InvalidSource},
        {Same, DesEmpty, true, true, PlanAction::Remove, PlanReason::SourceEmpty},
        {Absent, DesInvalid, false, true, PlanAction::Skip, PlanReason::InvalidSource},
    };
    for (PhoneType type : kAllTypes) {
        const Numbers n = numbersOf(type);
        for (const Row& row : rows) {
            UserPhoneState user = userIn();
            // alternateMobile needs a mobile: give the user one (unmanaged).
            if (type == PhoneType::AlternateMobile)
                user.current.push_back(method(PhoneType::Mobile, "+46 700000001"));
            if (row.current == Same) user.current.push_back(method(type, n.graph));
            if (row.current == Masked) user.current.push_back(method(type, n.masked));
            const char* values[] = {n.typed, n.other, "", "  \t ", "070-12", "+46 ******21"};
            user.desired = {{type, values[row.desired]}};
            PlanOptions options = manage({type});
            options.removeWhenSourceEmpty = row.remove;
            options.onlySetWhenEmpty = row.onlyWhenEmpty;
            INFO(phoneTypeName(type) << " current=" << row.current << " desired=" << row.desired
                                     << " remove=" << row.remove << " onlyWhenEmpty=" << row.onlyWhenEmpty);
            const Plan plan = planPhoneChanges(user, options);
            REQUIRE(plan.changes.size() == 1);
            const PlannedChange& change = plan.changes[0];
            CHECK(change.type == type);
            CHECK(change.action == row.action);
            CHECK(change.reasonCode == row.reason);
            CHECK(change.source == values[row.desired]);
            const std::string expectedAfter = row.action == PlanAction::Add
                                                  ? (row.desired == DesSame ? n.graph : n.otherGraph)
                                              : row.action == PlanAction::Update ? n.otherGraph
                                              : row.action == PlanAction::Remove ? ""
                                                                                 : change.before;
            CHECK(change.after == expectedAfter);
            CHECK(change.before == (row.current == Same ? n.graph : row.current == Masked ? n.masked : ""));
            CHECK(checkPlan(user, options, plan).empty());
            const std::vector<std::string> errors = checkConverges(user, options);
            CHECK(errors.empty());
            for (const std::string& e : errors) UNSCOPED_INFO(e);
        }
    }
}

TEST_CASE("plan: every combination of managed types, current state, desired value and options", "[plan]") {
    // Per type: current absent / same / masked; desired same / different / empty / invalid (a
    // masked source is one kind of invalid value: see the table above). Unmanaged types vary
    // only their current state. Every option combination; the default method unknown, known
    // and not a phone, or known and each managed type's. Each plan is checked, applied to a
    // simulated Graph that enforces its constraints, and planned again (which must write
    // nothing).
    const std::vector<std::vector<PhoneType>> subsets = {
        {PhoneType::Mobile},
        {PhoneType::AlternateMobile},
        {PhoneType::Office},
        {PhoneType::Mobile, PhoneType::AlternateMobile},
        {PhoneType::Mobile, PhoneType::Office},
        {PhoneType::AlternateMobile, PhoneType::Office},
        {PhoneType::Office, PhoneType::AlternateMobile, PhoneType::Mobile},  // any order of the options
    };
    std::size_t plans = 0;
    std::vector<std::string> failures;
    for (const auto& subset : subsets) {
        auto isManaged = [&](PhoneType t) {
            return std::find(subset.begin(), subset.end(), t) != subset.end();
        };
        std::vector<std::pair<bool, std::string>> defaults = {{false, ""}, {true, "push"}};
        if (isManaged(PhoneType::Mobile)) defaults.push_back({true, "sms"});
        if (isManaged(PhoneType::AlternateMobile)) defaults.push_back({true, "voiceAlternateMobile"});
        if (isManaged(PhoneType::Office)) defaults.push_back({true, "voiceOffice"});
        // office's rules do not interact with the other types' (the two-type subsets vary it
        // fully); with all three managed it takes four representative states.
        const std::vector<int> officeStates = subset.size() == 3
                                                  ? std::vector<int>{0, 1, 6, 7}
                                                  : std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        const int states[3] = {isManaged(PhoneType::Mobile) ? 12 : 3,
                               isManaged(PhoneType::AlternateMobile) ? 12 : 3,
                               isManaged(PhoneType::Office) ? static_cast<int>(officeStates.size()) : 3};
        for (int m = 0; m < states[0]; ++m) {
            for (int a = 0; a < states[1]; ++a) {
                for (int o = 0; o < states[2]; ++o) {
                    UserPhoneState base = userIn();
                    std::ostringstream label;
                    const int picks[3] = {
                        m, a, isManaged(PhoneType::Office) ? officeStates[static_cast<std::size_t>(o)] : o};
                    for (std::size_t t = 0; t < 3; ++t) {
                        const PhoneType type = kAllTypes[t];
                        const Numbers n = numbersOf(type);
                        const int cur = picks[t] % 3;
                        const int des = picks[t] / 3;
                        if (cur == 1)
                            base.current.push_back(method(type, n.graph, t == 0 ? "ready" : "notSupported"));
                        if (cur == 2) base.current.push_back(method(type, n.masked));
                        const char* values[] = {n.typed, n.other, "", "070-12"};
                        if (isManaged(type)) base.desired.push_back({type, values[des]});
                        label << phoneTypeName(type) << "(cur=" << cur << ",des=" << des << ") ";
                    }
                    for (int flags = 0; flags < 4; ++flags) {
                        for (const auto& [known, value] : defaults) {
                            for (SmsSignInMode sms :
                                 {SmsSignInMode::Keep, SmsSignInMode::Enable, SmsSignInMode::Disable}) {
                                if (sms != SmsSignInMode::Keep && !isManaged(PhoneType::Mobile)) continue;
                                // SMS sign-in meets the default method only through removals:
                                // unknown and "not a phone" cover both ways.
                                if (sms != SmsSignInMode::Keep && known && value != "push") continue;
                                PlanOptions options = manage(subset);
                                options.removeWhenSourceEmpty = (flags & 1) != 0;
                                options.onlySetWhenEmpty = (flags & 2) != 0;
                                options.smsSignIn = sms;
                                UserPhoneState user = base;
                                user.defaultMethodKnown = known;
                                user.defaultMethod = value;
                                ++plans;
                                for (const std::string& e : checkConverges(user, options)) {
                                    if (failures.size() < 20) {
                                        failures.push_back(label.str() + "flags=" + std::to_string(flags) +
                                                           " default=" + (known ? value : "?") + " sms=" +
                                                           std::to_string(static_cast<int>(sms)) + ": " + e);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for (const std::string& f : failures) UNSCOPED_INFO(f);
    CHECK(failures.empty());
    CHECK(plans > 20000);
}

TEST_CASE("plan: mobile is added before alternateMobile, which depends on it", "[plan]") {
    UserPhoneState user = userIn();
    user.desired = {{PhoneType::AlternateMobile, "073-111 22 33"}, {PhoneType::Mobile, "070-123 45 67"}};
    // The options list alternateMobile first: the writes still add mobile first.
    const Plan plan = planPhoneChanges(user, manage({PhoneType::AlternateMobile, PhoneType::Mobile}));
    CHECK(describe(plan) == "Create mobile, Create alternateMobile<-0");
    CHECK(plan.writes[0].phoneNumber == "+46 701234567");
    CHECK(plan.writes[1].phoneNumber == "+46 731112233");
    CHECK(plan.writes[0].methodId.empty());
    CHECK(plan.changes[0].type == PhoneType::AlternateMobile);
    CHECK(plan.writes[1].change == 0);
    CHECK(plan.writes[0].change == 1);
}

TEST_CASE("plan: alternateMobile needs a mobile that exists or is added", "[plan]") {
    UserPhoneState user = userIn();
    user.desired = {{PhoneType::AlternateMobile, "073-111 22 33"}};
    SECTION("no mobile, mobile not managed") {
        const Plan plan = planPhoneChanges(user, manage({PhoneType::AlternateMobile}));
        CHECK(plan.changes[0].action == PlanAction::Skip);
        CHECK(plan.changes[0].reasonCode == PlanReason::AlternateNeedsMobile);
        CHECK(plan.changes[0].reason.find("mobile number first") != std::string::npos);
        CHECK(plan.changes[0].desired == "+46 731112233");
        CHECK(plan.changes[0].after.empty());
        CHECK(plan.writes.empty());
    }
    SECTION("an existing mobile that is not managed is enough, and nothing waits for it") {
        user.current = {method(PhoneType::Mobile, "+46 700000001")};
        const Plan plan = planPhoneChanges(user, manage({PhoneType::AlternateMobile}));
        CHECK(describe(plan) == "Create alternateMobile");
    }
    SECTION("a mobile whose source is invalid is not added, so neither is alternateMobile") {
        user.desired.push_back({PhoneType::Mobile, "n/a"});
        const Plan plan = planPhoneChanges(user, manage({PhoneType::Mobile, PhoneType::AlternateMobile}));
        CHECK(changeFor(plan, PhoneType::Mobile).reasonCode == PlanReason::InvalidSource);
        CHECK(changeFor(plan, PhoneType::AlternateMobile).reasonCode == PlanReason::AlternateNeedsMobile);
        CHECK(plan.writes.empty());
    }
    SECTION("a mobile with an empty source is not added") {
        user.desired.push_back({PhoneType::Mobile, ""});
        const Plan plan = planPhoneChanges(user, manage({PhoneType::Mobile, PhoneType::AlternateMobile}));
        CHECK(changeFor(plan, PhoneType::Mobile).reasonCode == PlanReason::NothingToSet);
        CHECK(changeFor(plan, PhoneType::AlternateMobile).reasonCode == PlanReason::AlternateNeedsMobile);
    }
    SECTION("an existing alternateMobile without a mobile (left over) is still updated in place") {
        user.current = {method(PhoneType::AlternateMobile, "+46 739998877")};
        const Plan plan = planPhoneChanges(user, manage({PhoneType::AlternateMobile}));
        CHECK(describe(plan) == "Patch alternateMobile");
    }
}

TEST_CASE("plan: alternateMobile is removed before mobile, which depends on it", "[plan]") {
    UserPhoneState user = userIn();
    user.current = {method(PhoneType::Mobile, "+46 701234567"),
                    method(PhoneType::AlternateMobile, "+46 731112233")};
    user.desired = {{PhoneType::Mobile, ""}, {PhoneType::AlternateMobile, ""}};
    PlanOptions options = manage({PhoneType::Mobile, PhoneType::AlternateMobile});
    options.removeWhenSourceEmpty = true;
    const Plan plan = planPhoneChanges(user, options);
    CHECK(describe(plan) == "Delete alternateMobile, Delete mobile<-0");
    CHECK(plan.writes[0].methodId == phoneMethodId(PhoneType::AlternateMobile));
    CHECK(plan.writes[1].methodId == phoneMethodId(PhoneType::Mobile));
    CHECK(changeFor(plan, PhoneType::Mobile).after.empty());
    CHECK(changeFor(plan, PhoneType::Mobile).before == "+46 701234567");
}

TEST_CASE("plan: mobile is never removed while an alternateMobile stays", "[plan]") {
    UserPhoneState user = userIn();
    user.current = {method(PhoneType::Mobile, "+46 701234567"),
                    method(PhoneType::AlternateMobile, "+46 731112233")};
    user.desired = {{PhoneType::Mobile, ""}};
    PlanOptions options = manage({PhoneType::Mobile});
    options.removeWhenSourceEmpty = true;
    SECTION("alternateMobile not managed") {
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.changes[0].action == PlanAction::Skip);
        CHECK(plan.changes[0].reasonCode == PlanReason::MobileNeededByAlternate);
        CHECK(plan.changes[0].reason.find("Remove the alternate mobile number too") != std::string::npos);
        CHECK(plan.changes[0].after == "+46 701234567");
        CHECK(plan.writes.empty());
    }
    SECTION("alternateMobile managed and kept") {
        options = manage({PhoneType::Mobile, PhoneType::AlternateMobile});
        options.removeWhenSourceEmpty = true;
        user.desired.push_back({PhoneType::AlternateMobile, "073-111 22 33"});
        const Plan plan = planPhoneChanges(user, options);
        CHECK(changeFor(plan, PhoneType::Mobile).reasonCode == PlanReason::MobileNeededByAlternate);
        CHECK(changeFor(plan, PhoneType::AlternateMobile).reasonCode == PlanReason::InSync);
        CHECK(plan.writes.empty());
    }
    SECTION("alternateMobile's removal refused because it is the default method") {
        options = manage({PhoneType::Mobile, PhoneType::AlternateMobile});
        options.removeWhenSourceEmpty = true;
        user.defaultMethod = "voiceAlternateMobile";
        const Plan plan = planPhoneChanges(user, options);
        CHECK(changeFor(plan, PhoneType::AlternateMobile).reasonCode == PlanReason::DefaultMethod);
        CHECK(changeFor(plan, PhoneType::Mobile).reasonCode == PlanReason::MobileNeededByAlternate);
        CHECK(plan.writes.empty());
    }
    SECTION("alternateMobile added in the same plan keeps mobile, which is then not waited for") {
        user.current = {method(PhoneType::Mobile, "+46 701234567")};
        options = manage({PhoneType::Mobile, PhoneType::AlternateMobile});
        options.removeWhenSourceEmpty = true;
        user.desired.push_back({PhoneType::AlternateMobile, "073-111 22 33"});
        const Plan plan = planPhoneChanges(user, options);
        CHECK(changeFor(plan, PhoneType::Mobile).reasonCode == PlanReason::MobileNeededByAlternate);
        CHECK(describe(plan) == "Create alternateMobile");
    }
}

TEST_CASE("plan: the default MFA method is never deleted blindly", "[plan]") {
    UserPhoneState user = userIn();
    user.current = {method(PhoneType::Mobile, "+46 701234567"), method(PhoneType::Office, "+46 812345678")};
    user.desired = {{PhoneType::Mobile, ""}, {PhoneType::Office, ""}};
    PlanOptions options = manage({PhoneType::Mobile, PhoneType::Office});
    options.removeWhenSourceEmpty = true;

    SECTION("unknown default: nothing is written until it is read") {
        user.defaultMethodKnown = false;
        user.defaultMethod.clear();
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.needsDefaultMethod);
        CHECK(plan.writes.empty());
        CHECK(changeFor(plan, PhoneType::Mobile).action == PlanAction::Remove);
        CHECK(changeFor(plan, PhoneType::Mobile).needsDefaultMethod);
        CHECK(changeFor(plan, PhoneType::Mobile).reason.find("default MFA method") != std::string::npos);
    }
    SECTION("unknown default and a removal next to an update: still nothing written") {
        user.defaultMethodKnown = false;
        user.desired = {{PhoneType::Mobile, "070-765 43 21"}, {PhoneType::Office, ""}};
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.needsDefaultMethod);
        CHECK(plan.writes.empty());
        CHECK(changeFor(plan, PhoneType::Mobile).action == PlanAction::Update);
        CHECK_FALSE(changeFor(plan, PhoneType::Mobile).needsDefaultMethod);
    }
    SECTION("unknown default without a removal needs no check") {
        user.defaultMethodKnown = false;
        user.desired = {{PhoneType::Mobile, "070-765 43 21"}, {PhoneType::Office, "08-123 456 78"}};
        const Plan plan = planPhoneChanges(user, options);
        CHECK_FALSE(plan.needsDefaultMethod);
        CHECK(describe(plan) == "Patch mobile");
    }
    SECTION("known default that is no phone method: both go") {
        user.defaultMethod = "oath";
        CHECK(describe(planPhoneChanges(user, options)) == "Delete mobile, Delete office");
    }
    for (const char* mobileDefault : {"sms", "voiceMobile"}) {
        SECTION(std::string("default ") + mobileDefault + ": mobile stays with advice") {
            user.defaultMethod = mobileDefault;
            const Plan plan = planPhoneChanges(user, options);
            const PlannedChange& mobile = changeFor(plan, PhoneType::Mobile);
            CHECK(mobile.action == PlanAction::Skip);
            CHECK(mobile.reasonCode == PlanReason::DefaultMethod);
            CHECK(mobile.reason.find("Change the user's default sign-in method first") != std::string::npos);
            CHECK(mobile.after == mobile.before);
            CHECK(describe(plan) == "Delete office");
        }
    }
    SECTION("the default method's name is read whatever its case") {
        user.defaultMethod = "VoiceMobile";
        CHECK(changeFor(planPhoneChanges(user, options), PhoneType::Mobile).reasonCode ==
              PlanReason::DefaultMethod);
    }
    SECTION("default voiceOffice: office stays") {
        user.defaultMethod = "voiceOffice";
        const Plan plan = planPhoneChanges(user, options);
        CHECK(changeFor(plan, PhoneType::Office).reasonCode == PlanReason::DefaultMethod);
        CHECK(describe(plan) == "Delete mobile");
    }
    SECTION("a default method is updated in place without any check") {
        user.defaultMethod = "sms";
        user.desired = {{PhoneType::Mobile, "070-765 43 21"}, {PhoneType::Office, "08-123 456 78"}};
        CHECK(describe(planPhoneChanges(user, options)) == "Patch mobile");
    }
}

TEST_CASE("plan: a masked current number is never compared as whole", "[plan][masked]") {
    UserPhoneState user = userIn();
    // What Graph shows a delegated Authentication Administrator: the last two digits match the
    // source's, which proves nothing.
    user.current = {method(PhoneType::Mobile, "+46 XXXXXXX67")};
    user.desired = {{PhoneType::Mobile, "070-123 45 67"}};
    const Plan plan = planPhoneChanges(user, PlanOptions{});
    const PlannedChange& change = plan.changes[0];
    CHECK(change.action == PlanAction::Skip);
    CHECK(change.reasonCode == PlanReason::CurrentMasked);
    CHECK(change.reason.find("app-only identity") != std::string::npos);
    CHECK(change.before == "+46 XXXXXXX67");
    CHECK(change.after == "+46 XXXXXXX67");
    CHECK(change.desired == "+46 701234567");
    CHECK(plan.writes.empty());
}

TEST_CASE("plan: an invalid desired number is skipped with the normaliser's reason", "[plan]") {
    UserPhoneState user = userIn("");
    user.current = {method(PhoneType::Mobile, "+46 701234567")};
    user.desired = {{PhoneType::Mobile, "070-765 43 21"}};  // national, and the user has no usage location
    const Plan plan = planPhoneChanges(user, PlanOptions{});
    CHECK(plan.changes[0].action == PlanAction::Skip);
    CHECK(plan.changes[0].reasonCode == PlanReason::InvalidSource);
    CHECK(plan.changes[0].reason.find(normalizePhoneNumber("070-765 43 21").reason) != std::string::npos);
    CHECK(plan.changes[0].desired.empty());
    CHECK(plan.writes.empty());
}

TEST_CASE("plan: the default region wins over the usage location", "[plan]") {
    UserPhoneState user = userIn("US");
    user.desired = {{PhoneType::Mobile, "06 12 34 56 78"}};
    PlanOptions options;
    CHECK(planPhoneChanges(user, options).changes[0].action == PlanAction::Skip);  // not a US number
    options.defaultRegion = "FR";
    const Plan plan = planPhoneChanges(user, options);
    CHECK(describe(plan) == "Create mobile");
    CHECK(plan.writes[0].phoneNumber == "+33 612345678");
}

TEST_CASE("plan: updates are PATCHes in place on the method's own id; types never change", "[plan]") {
    UserPhoneState user = userIn();
    user.current = {PhoneMethod{"custom-id", "+46 707654321", "mobile", "notEnabled"},
                    method(PhoneType::Office, "+46 701234567")};
    user.desired = {{PhoneType::Mobile, "070-123 45 67"}};  // the office's number, wanted as mobile
    const Plan plan = planPhoneChanges(user, PlanOptions{});
    CHECK(describe(plan) == "Patch mobile");
    CHECK(plan.writes[0].methodId == "custom-id");
    CHECK(plan.writes[0].phoneNumber == "+46 701234567");

    // No mobile yet: the office number is left alone and a mobile is added.
    user.current = {method(PhoneType::Office, "+46 701234567")};
    CHECK(describe(planPhoneChanges(user, PlanOptions{})) == "Create mobile");
}

TEST_CASE("plan: numbers are compared once normalised", "[plan]") {
    UserPhoneState user = userIn();
    user.desired = {{PhoneType::Mobile, "+46 (0)70-123 45 67"}};
    // Graph always answers in its own format, but an older write may have stored another shape.
    user.current = {method(PhoneType::Mobile, "+46 70 123 45 67")};
    CHECK(planPhoneChanges(user, PlanOptions{}).changes[0].reasonCode == PlanReason::InSync);
    // A current number that does not normalise (a fictional range) is compared as text.
    user.current = {method(PhoneType::Mobile, "+1 5555551234")};
    CHECK(planPhoneChanges(user, PlanOptions{}).changes[0].reasonCode == PlanReason::Differs);
}

TEST_CASE("plan: SMS sign-in is a step on mobile where asked", "[plan][sms]") {
    UserPhoneState user = userIn();
    user.desired = {{PhoneType::Mobile, "070-123 45 67"}};
    PlanOptions options;
    options.smsSignIn = SmsSignInMode::Enable;
    SECTION("after an add") {
        const Plan plan = planPhoneChanges(user, options);
        CHECK(describe(plan) == "Create mobile, EnableSms mobile<-0");
        CHECK(plan.writes[1].methodId == phoneMethodId(PhoneType::Mobile));
        CHECK(plan.changes[0].smsSignIn == SmsSignInMode::Enable);
    }
    SECTION("after an update, disabling") {
        options.smsSignIn = SmsSignInMode::Disable;
        user.current = {method(PhoneType::Mobile, "+46 707654321", "ready")};
        CHECK(describe(planPhoneChanges(user, options)) == "Patch mobile, DisableSms mobile<-0");
    }
    SECTION("on its own when the number is in sync") {
        user.current = {method(PhoneType::Mobile, "+46 701234567", "notEnabled")};
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.changes[0].action == PlanAction::NoChange);
        CHECK(describe(plan) == "EnableSms mobile");
    }
    SECTION("not when it is already in the wanted state") {
        user.current = {method(PhoneType::Mobile, "+46 701234567", "ready")};
        CHECK(planPhoneChanges(user, options).writes.empty());
        options.smsSignIn = SmsSignInMode::Disable;
        user.current = {method(PhoneType::Mobile, "+46 701234567", "notEnabled")};
        CHECK(planPhoneChanges(user, options).writes.empty());
    }
    SECTION("Keep never touches it") {
        options.smsSignIn = SmsSignInMode::Keep;
        user.current = {method(PhoneType::Mobile, "+46 701234567", "ready")};
        CHECK(planPhoneChanges(user, options).writes.empty());
        user.current.clear();
        CHECK(describe(planPhoneChanges(user, options)) == "Create mobile");
    }
    for (const char* blocked : {"notAllowedByPolicy", "notSupported", "phoneNumberNotUnique"}) {
        SECTION(std::string("not when the user cannot have it: ") + blocked) {
            user.current = {method(PhoneType::Mobile, "+46 701234567", blocked)};
            const Plan plan = planPhoneChanges(user, options);
            CHECK(plan.writes.empty());
            CHECK(plan.changes[0].warning.find("SMS sign-in cannot be enabled") != std::string::npos);
        }
    }
    SECTION("not on a skipped or removed mobile") {
        user.current = {method(PhoneType::Mobile, "+46 XXXXXXX21", "notEnabled")};
        CHECK(planPhoneChanges(user, options).writes.empty());
        user.current = {method(PhoneType::Mobile, "+46 701234567", "ready")};
        user.desired = {{PhoneType::Mobile, ""}};
        options.removeWhenSourceEmpty = true;
        options.smsSignIn = SmsSignInMode::Disable;
        CHECK(describe(planPhoneChanges(user, options)) == "Delete mobile");
    }
}

TEST_CASE("plan: keepNumbers plans only SMS sign-in and never touches a number", "[plan][sms][keep]") {
    UserPhoneState user = userIn();
    // A desired value is ignored: the numbers are not under change.
    user.desired = {{PhoneType::Mobile, "070-765 43 21"}};
    PlanOptions options;
    options.keepNumbers = true;
    options.smsSignIn = SmsSignInMode::Enable;
    SECTION("enable on a mobile that is not enabled") {
        user.current = {method(PhoneType::Mobile, "+46 701234567", "notEnabled")};
        const Plan plan = planPhoneChanges(user, options);
        CHECK(describe(plan) == "EnableSms mobile");
        CHECK(plan.changes[0].action == PlanAction::NoChange);
        CHECK(plan.changes[0].reasonCode == PlanReason::Kept);
        CHECK(plan.changes[0].after == "+46 701234567");
        CHECK(plan.changes[0].smsSignIn == SmsSignInMode::Enable);
    }
    SECTION("enable when already ready writes nothing") {
        user.current = {method(PhoneType::Mobile, "+46 701234567", "ready")};
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.writes.empty());
        CHECK(plan.changes[0].action == PlanAction::NoChange);
        CHECK(plan.changes[0].reason.find("already enabled") != std::string::npos);
    }
    SECTION("enable without a mobile is a Skip, not a silent no-op") {
        user.current = {method(PhoneType::Office, "+46 812345678")};
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.writes.empty());
        CHECK(plan.changes[0].action == PlanAction::Skip);
        CHECK(plan.changes[0].reasonCode == PlanReason::NoMobile);
    }
    for (const char* blocked : {"notAllowedByPolicy", "notSupported", "phoneNumberNotUnique"}) {
        SECTION(std::string("enable where the user cannot have it is a Skip: ") + blocked) {
            user.current = {method(PhoneType::Mobile, "+46 701234567", blocked)};
            const Plan plan = planPhoneChanges(user, options);
            CHECK(plan.writes.empty());
            CHECK(plan.changes[0].action == PlanAction::Skip);
            CHECK(plan.changes[0].reasonCode == PlanReason::SmsSignInNotPossible);
            CHECK(plan.changes[0].warning.empty());
        }
    }
    SECTION("disable on a ready mobile; nothing when it is not enabled or there is none") {
        options.smsSignIn = SmsSignInMode::Disable;
        user.current = {method(PhoneType::Mobile, "+46 701234567", "ready")};
        CHECK(describe(planPhoneChanges(user, options)) == "DisableSms mobile");
        user.current = {method(PhoneType::Mobile, "+46 701234567", "notEnabled")};
        Plan plan = planPhoneChanges(user, options);
        CHECK(plan.writes.empty());
        CHECK(plan.changes[0].action == PlanAction::NoChange);
        user.current.clear();
        plan = planPhoneChanges(user, options);
        CHECK(plan.writes.empty());
        CHECK(plan.changes[0].action == PlanAction::NoChange);
        CHECK(plan.changes[0].reasonCode == PlanReason::NothingToSet);
    }
    SECTION("removal is never planned, whatever the options say") {
        options.removeWhenSourceEmpty = true;
        user.desired = {{PhoneType::Mobile, ""}};
        user.current = {method(PhoneType::Mobile, "+46 701234567", "ready")};
        options.smsSignIn = SmsSignInMode::Keep;
        const Plan plan = planPhoneChanges(user, options);
        CHECK(plan.writes.empty());
        CHECK_FALSE(plan.needsDefaultMethod);
    }
}

TEST_CASE("plan: reason names are stable", "[plan]") {
    CHECK(planReasonName(PlanReason::InSync) == "InSync");
    CHECK(planReasonName(PlanReason::SourceEmpty) == "SourceEmpty");
    CHECK(planReasonName(PlanReason::DefaultMethod) == "DefaultMethod");
    CHECK(planReasonName(PlanReason::MobileNeededByAlternate) == "MobileNeededByAlternate");
    CHECK(planReasonName(PlanReason::InvalidSource) == "InvalidSource");
    CHECK(planReasonName(PlanReason::NoMobile) == "NoMobile");
    CHECK(planReasonName(PlanReason::SmsSignInNotPossible) == "SmsSignInNotPossible");
    CHECK(planReasonName(PlanReason::Kept) == "Kept");
}

TEST_CASE("plan: a fixed-line number set as mobile carries a warning", "[plan]") {
    UserPhoneState user = userIn();
    user.desired = {{PhoneType::Mobile, "08-123 456 78"}, {PhoneType::Office, "08-123 456 78"}};
    const Plan plan = planPhoneChanges(user, manage({PhoneType::Mobile, PhoneType::Office}));
    CHECK(describe(plan) == "Create mobile, Create office");
    CHECK(changeFor(plan, PhoneType::Mobile).desiredLineType == PhoneLineType::FixedLine);
    CHECK(changeFor(plan, PhoneType::Mobile).warning.find("voice calls only") != std::string::npos);
    CHECK(changeFor(plan, PhoneType::Office).warning.empty());
    user.desired = {{PhoneType::Mobile, "070-123 45 67"}};
    CHECK(planPhoneChanges(user, PlanOptions{}).changes[0].warning.empty());
}

TEST_CASE("plan: odd current data and duplicate entries", "[plan]") {
    UserPhoneState user = userIn();
    user.current = {PhoneMethod{"x", "+46 700000000", "fax", ""},  // unknown type: ignored
                    method(PhoneType::Mobile, "+46 701234567"), method(PhoneType::Mobile, "+46 709999999")};
    user.desired = {{PhoneType::Mobile, "070-123 45 67"},
                    {PhoneType::Mobile, "070-765 43 21"},
                    {PhoneType::Office, "08-123 456 78"}};  // office not managed: ignored
    const Plan plan = planPhoneChanges(user, PlanOptions{});
    REQUIRE(plan.changes.size() == 1);
    CHECK(plan.changes[0].reasonCode == PlanReason::InSync);
    CHECK(plan.writes.empty());
    // A managed type without a desired entry counts as an empty source.
    user.desired.clear();
    CHECK(planPhoneChanges(user, PlanOptions{}).changes[0].reasonCode == PlanReason::SourceEmptyKept);
}

TEST_CASE("plan: options that cannot make a plan are refused", "[plan]") {
    UserPhoneState user = userIn();
    PlanOptions none;
    none.managed.clear();
    CHECK_THROWS_AS(planPhoneChanges(user, none), InvalidInputError);
    CHECK_THROWS_WITH(planPhoneChanges(user, manage({PhoneType::Mobile, PhoneType::Mobile})),
                      Catch::Contains("managed twice"));
    PlanOptions region;
    region.defaultRegion = "XX";
    CHECK_THROWS_WITH(validatePlanOptions(region), Catch::Contains("'XX'"));
    PlanOptions sms = manage({PhoneType::Office});
    sms.smsSignIn = SmsSignInMode::Enable;
    CHECK_THROWS_WITH(validatePlanOptions(sms), Catch::Contains("mobile is not a managed phone type"));
    sms.smsSignIn = SmsSignInMode::Keep;
    CHECK_NOTHROW(validatePlanOptions(sms));
    // The defaults: mobile from extensionAttribute15, nothing removed, SMS sign-in kept.
    const PlanOptions defaults;
    REQUIRE(defaults.managed.size() == 1);
    CHECK(defaults.managed[0].type == PhoneType::Mobile);
    CHECK(defaults.managed[0].sourceProperty == "extensionAttribute15");
    CHECK_FALSE(defaults.removeWhenSourceEmpty);
    CHECK_FALSE(defaults.onlySetWhenEmpty);
    CHECK(defaults.smsSignIn == SmsSignInMode::Keep);
    CHECK(planActionName(PlanAction::Remove) == "Remove");
    CHECK(planActionName(PlanAction::NoChange) == "NoChange");
}
