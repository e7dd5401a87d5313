// The sync planner.
#include <catch2/catch.hpp>

#include "mfaphone/internal/plan.hpp"

using namespace mfaphone;

namespace {

PhoneMethod method(PhoneType type, const std::string& number, const std::string& sms = "notEnabled") {
    return PhoneMethod{phoneMethodId(type), number, phoneTypeName(type), sms};
}

}  // namespace

TEST_CASE("plan: first smoke test of add, update and no change on mobile", "[plan]") {
    PlanOptions options;
    UserPhoneState user;
    user.usageLocation = "SE";
    user.desired = {{PhoneType::Mobile, "070-123 45 67"}};
    Plan add = planPhoneChanges(user, options);
    REQUIRE(add.changes.size() == 1);
    CHECK(add.changes[0].action == PlanAction::Add);
    REQUIRE(add.writes.size() == 1);
    CHECK(add.writes[0].kind == WriteKind::Create);
    CHECK(add.writes[0].phoneNumber == "+46 701234567");

    user.current = {method(PhoneType::Mobile, "+46 701234567")};
    CHECK(planPhoneChanges(user, options).changes[0].action == PlanAction::NoChange);
    CHECK(planPhoneChanges(user, options).writes.empty());

    user.current = {method(PhoneType::Mobile, "+46 701234568")};
    Plan update = planPhoneChanges(user, options);
    CHECK(update.changes[0].action == PlanAction::Update);
    REQUIRE(update.writes.size() == 1);
    CHECK(update.writes[0].kind == WriteKind::Patch);
    CHECK(update.writes[0].methodId == phoneMethodId(PhoneType::Mobile));
}
