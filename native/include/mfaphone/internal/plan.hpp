// The sync planner: one user's desired phone numbers + their current phone methods -> the
// changes to make and the Graph writes that make them, in order. Pure: no I/O, no clock, no
// shared state; the same input always gives the same plan.
//
// Rules (Graph's, see the phone method constraints):
// - One change per managed type: Add (POST), Update (PATCH in place), Remove (DELETE),
//   NoChange or Skip, with the number before and after in Graph's format and a reason.
// - Never a delete-then-add, never a change of a method's type; unmanaged types are untouched.
// - Nothing unvalidated is written: a desired number that does not normalise is a Skip with the
//   normaliser's reason.
// - A masked current number is never compared: when the decision needs the comparison, Skip
//   (read with an app-only identity to see full numbers).
// - alternateMobile needs a mobile: it is added only when a mobile exists and stays, or is added
//   by the same plan (its write then depends on the mobile's).
// - Removals: alternateMobile before mobile. mobile is never removed while an alternateMobile
//   stays (Skip with advice).
// - The user's default MFA method is never deleted blindly: when the default is unknown and a
//   removal is due, the plan writes nothing and Plan::needsDefaultMethod asks the caller to read
//   it (beta signInPreferences) and plan again; when it is known to be that method, Skip.
//   ("sms" and "voiceMobile" are the mobile method, "voiceAlternateMobile" the alternateMobile
//   one, "voiceOffice" the office one.)
// - SMS sign-in (mobile only, when mobile is managed): Enable or Disable adds a step after the
//   mobile's write, or on its own when the number does not change.
#pragma once

#include <string>
#include <vector>

#include "mfaphone/methods.hpp"
#include "mfaphone/phone.hpp"

namespace mfaphone {

// What the plan does with one phone type.
enum class PlanAction { NoChange = 0, Add = 1, Update = 2, Remove = 3, Skip = 4 };

// "NoChange", "Add", "Update", "Remove", "Skip".
std::string planActionName(PlanAction action);

// What to do about SMS sign-in on the mobile number.
enum class SmsSignInMode { Keep = 0, Enable = 1, Disable = 2 };

// Why a change is what it is; `PlannedChange::reason` says it in words.
enum class PlanReason {
    // NoChange
    InSync = 0,            // the current number equals the desired one
    NothingToSet = 1,      // no number in the source and none set
    SourceEmptyKept = 2,   // no number in the source; the set one stays (removal not enabled)
    OnlySetWhenEmpty = 3,  // a number is set and only empty types are filled
    Kept = 4,              // numbers are not under change (PlanOptions::keepNumbers): the number stays
    // Add / Update / Remove
    NotSet = 10,       // Add: none set
    Differs = 11,      // Update: the set number differs
    SourceEmpty = 12,  // Remove: no number in the source and removal is enabled
    // Skip
    InvalidSource = 20,            // the source value is not a usable number (normaliser's reason)
    CurrentMasked = 21,            // the current number is masked, so it cannot be compared
    AlternateNeedsMobile = 22,     // alternateMobile without a mobile that exists or is added
    MobileNeededByAlternate = 23,  // mobile cannot go while an alternateMobile stays
    DefaultMethod = 24,            // the method is the user's default MFA method: Graph refuses to delete it
    NoMobile = 25,  // keepNumbers: SMS sign-in is to be enabled, but the user has no mobile number
    SmsSignInNotPossible = 26,  // keepNumbers: SMS sign-in cannot be enabled (policy, number held by another)
};

// The reason's name ("InSync", "NotSet", "DefaultMethod", ...): stable, for callers that branch on it.
std::string planReasonName(PlanReason reason);

// The Graph calls a plan makes.
enum class WriteKind {
    Create = 0,            // POST /users/{u}/authentication/phoneMethods {phoneNumber, phoneType}
    Patch = 1,             // PATCH .../phoneMethods/{methodId} {phoneNumber, phoneType}
    Delete = 2,            // DELETE .../phoneMethods/{methodId}
    EnableSmsSignIn = 3,   // POST .../phoneMethods/{mobile id}/enableSmsSignIn
    DisableSmsSignIn = 4,  // POST .../phoneMethods/{mobile id}/disableSmsSignIn
};

// A phone type under management and the source property its desired number comes from.
struct ManagedPhoneType {
    PhoneType type = PhoneType::Mobile;
    std::string sourceProperty = "extensionAttribute15";
};

struct PlanOptions {
    // The types under management, each from its source property. Types not listed are never
    // touched. Default: mobile from extensionAttribute15.
    std::vector<ManagedPhoneType> managed{ManagedPhoneType{}};
    // Remove a set number when the source has none (otherwise it stays).
    bool removeWhenSourceEmpty = false;
    // Only fill types that have no number; never change a set one (removal is governed by
    // removeWhenSourceEmpty alone).
    bool onlySetWhenEmpty = false;
    SmsSignInMode smsSignIn = SmsSignInMode::Keep;
    // Region for national-format source values; wins over the user's usageLocation. Empty: use
    // the usageLocation.
    std::string defaultRegion;
    // The numbers are not under change: every managed type keeps its number (NoChange, Kept) and
    // only the SMS sign-in step is planned. Enabling SMS sign-in on a user without a mobile
    // number, or one the policy or another user's registration excludes, is a Skip
    // (NoMobile, SmsSignInNotPossible) instead of a warning. Desired values are ignored.
    bool keepNumbers = false;
};

// Throws InvalidInputError when the options cannot make a plan: no managed type, a type listed
// twice, a default region with no numbering plan, SMS sign-in Enable/Disable while mobile is
// not managed. (The source property is the caller's business; the planner does not read it.)
void validatePlanOptions(const PlanOptions& options);

// One managed type's desired number, as read from its source (raw, not yet normalised).
struct DesiredPhone {
    PhoneType type = PhoneType::Mobile;
    std::string value;  // empty or whitespace only: the source has no number
};

// Everything the planner knows about one user.
struct UserPhoneState {
    // Per managed type; a managed type without an entry counts as "the source has no number".
    std::vector<DesiredPhone> desired;
    std::string usageLocation;  // ISO 3166-1 alpha-2, may be empty
    // The user's phone methods as Graph lists them (numbers possibly masked). Entries with an
    // unknown phoneType are ignored; of two entries of one type the first counts.
    std::vector<PhoneMethod> current;
    // The user's default MFA method (beta signInPreferences
    // userPreferredMethodForSecondaryAuthentication: "sms", "voiceMobile",
    // "voiceAlternateMobile", "voiceOffice", "push", "oath", "none", ...), when it was read.
    bool defaultMethodKnown = false;
    std::string defaultMethod;
};

// The plan for one managed type.
struct PlannedChange {
    PhoneType type = PhoneType::Mobile;
    PlanAction action = PlanAction::NoChange;
    PlanReason reasonCode = PlanReason::InSync;
    std::string reason;   // what and why, in words; never contains a number
    std::string source;   // the raw source value
    std::string before;   // the current number as Graph returned it (possibly masked); empty when none
    std::string after;    // the number after the plan, in Graph's format: the desired one for Add/Update,
                          // the current one for NoChange and Skip, empty for Remove
    std::string desired;  // the normalised desired number, when the source holds a valid one
    PhoneLineType desiredLineType = PhoneLineType::Unknown;
    // Advice for the admin that does not stop the change (a fixed-line number set as mobile
    // only takes voice calls). Empty when none.
    std::string warning;
    // Remove only: the default MFA method is unknown; nothing is written (Plan::writes is
    // empty) until the caller plans again with the default method known.
    bool needsDefaultMethod = false;
    // mobile only: the SMS sign-in step planned for this type (Keep when none).
    SmsSignInMode smsSignIn = SmsSignInMode::Keep;
};

// One Graph call. `dependsOn` lists indexes into Plan::writes that must succeed first (in a
// JSON batch: dependsOn on their ids; sequentially: run in index order and stop the dependents
// when one fails).
struct PlannedWrite {
    WriteKind kind = WriteKind::Create;
    PhoneType type = PhoneType::Mobile;
    std::string methodId;  // the method to PATCH, DELETE or enable/disable SMS sign-in on; empty for Create
    std::string phoneNumber;  // Create and Patch: the validated number in Graph's format
    std::vector<int> dependsOn;
    int change = -1;  // index into Plan::changes of the change this write belongs to
};

struct Plan {
    std::vector<PlannedChange> changes;  // one per managed type, in the order of PlanOptions::managed
    std::vector<PlannedWrite> writes;    // in an order that respects every dependency
    // A removal waits for the user's default MFA method: read it (beta signInPreferences) and
    // plan again. When true, `writes` is empty: nothing may be written from this plan, so no
    // write is made twice when the second plan repeats it. `changes` shows what is intended.
    bool needsDefaultMethod = false;
};

// Plans one user. Throws InvalidInputError only for invalid options (see validatePlanOptions);
// never for the user's data.
Plan planPhoneChanges(const UserPhoneState& user, const PlanOptions& options);

}  // namespace mfaphone
