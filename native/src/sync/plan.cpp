// The sync planner (see internal/plan.hpp for the rules).
#include "mfaphone/internal/plan.hpp"

#include <array>
#include <cctype>

#include "mfaphone/errors.hpp"

namespace mfaphone {
namespace {

constexpr std::array<PhoneType, 3> kTypes{PhoneType::Mobile, PhoneType::AlternateMobile, PhoneType::Office};

std::size_t slot(PhoneType type) { return static_cast<std::size_t>(type); }

bool blank(const std::string& s) {
    for (char c : s) {
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

// The phone type a default MFA method value stands for; false for non-phone methods.
bool defaultMethodType(const std::string& value, PhoneType& type) {
    std::string method;
    for (char c : value) {
        if (!std::isspace(static_cast<unsigned char>(c)))
            method.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (method == "sms" || method == "voicemobile") {
        type = PhoneType::Mobile;
    } else if (method == "voicealternatemobile") {
        type = PhoneType::AlternateMobile;
    } else if (method == "voiceoffice") {
        type = PhoneType::Office;
    } else {
        return false;
    }
    return true;
}

// Whether a current (unmasked) number is the desired one: equal as text, or equal once read.
bool sameNumber(const std::string& current, const std::string& desired) {
    if (current == desired) return true;
    const PhoneNumberInfo info = normalizePhoneNumber(current);
    return info.isValid && info.phoneNumber == desired;
}

const char* typeWords(PhoneType type) {
    switch (type) {
        case PhoneType::Mobile:
            return "mobile number";
        case PhoneType::AlternateMobile:
            return "alternate mobile number";
        case PhoneType::Office:
            return "office number";
    }
    return "number";
}

void set(PlannedChange& change, PlanAction action, PlanReason code, std::string reason) {
    change.action = action;
    change.reasonCode = code;
    change.reason = std::move(reason);
}

// Whether a type has a number once the plan is applied (a tentative removal counts as gone).
bool existsAfter(const PlannedChange* change, bool existsNow) {
    if (!change) return existsNow;
    switch (change->action) {
        case PlanAction::Add:
            return true;
        case PlanAction::Remove:
            return false;
        default:
            return existsNow;
    }
}

void plannedSkipForDefault(PlannedChange& change) {
    set(change, PlanAction::Skip, PlanReason::DefaultMethod,
        "The source has no number, but the " + std::string(typeWords(change.type)) +
            " is the user's default MFA method, which Graph does not delete. Change the user's default "
            "sign-in method first, then run again.");
    change.after = change.before;
    change.needsDefaultMethod = false;
}

}  // namespace

std::string planActionName(PlanAction action) {
    switch (action) {
        case PlanAction::NoChange:
            return "NoChange";
        case PlanAction::Add:
            return "Add";
        case PlanAction::Update:
            return "Update";
        case PlanAction::Remove:
            return "Remove";
        case PlanAction::Skip:
            return "Skip";
    }
    return "NoChange";
}

std::string planReasonName(PlanReason reason) {
    switch (reason) {
        case PlanReason::InSync:
            return "InSync";
        case PlanReason::NothingToSet:
            return "NothingToSet";
        case PlanReason::SourceEmptyKept:
            return "SourceEmptyKept";
        case PlanReason::OnlySetWhenEmpty:
            return "OnlySetWhenEmpty";
        case PlanReason::Kept:
            return "Kept";
        case PlanReason::NotSet:
            return "NotSet";
        case PlanReason::Differs:
            return "Differs";
        case PlanReason::SourceEmpty:
            return "SourceEmpty";
        case PlanReason::InvalidSource:
            return "InvalidSource";
        case PlanReason::CurrentMasked:
            return "CurrentMasked";
        case PlanReason::AlternateNeedsMobile:
            return "AlternateNeedsMobile";
        case PlanReason::MobileNeededByAlternate:
            return "MobileNeededByAlternate";
        case PlanReason::DefaultMethod:
            return "DefaultMethod";
        case PlanReason::NoMobile:
            return "NoMobile";
        case PlanReason::SmsSignInNotPossible:
            return "SmsSignInNotPossible";
    }
    return "InSync";
}

void validatePlanOptions(const PlanOptions& options) {
    if (options.managed.empty()) {
        throw InvalidInputError(
            "No phone type is managed: name at least one of mobile, alternateMobile, office.");
    }
    std::array<bool, 3> seen{};
    bool mobile = false;
    for (const ManagedPhoneType& managed : options.managed) {
        const std::size_t i = slot(managed.type);
        if (i >= seen.size())
            throw InvalidInputError("A managed phone type is not mobile, alternateMobile or office.");
        if (seen[i]) {
            throw InvalidInputError("The phone type " + phoneTypeName(managed.type) +
                                    " is managed twice: give each type one source.");
        }
        seen[i] = true;
        if (managed.type == PhoneType::Mobile) mobile = true;
    }
    if (!options.defaultRegion.empty() && !isSupportedRegion(options.defaultRegion)) {
        throw InvalidInputError(
            "The default region '" + options.defaultRegion +
            "' is not a region code with a phone numbering plan. Use a two-letter ISO 3166-1 "
            "alpha-2 country code such as US, GB, DE or SE.");
    }
    if (options.smsSignIn != SmsSignInMode::Keep && !mobile) {
        throw InvalidInputError(
            "SMS sign-in is set on the mobile number, but mobile is not a managed phone type. Manage mobile "
            "too, or "
            "keep SMS sign-in as it is.");
    }
}

Plan planPhoneChanges(const UserPhoneState& user, const PlanOptions& options) {
    validatePlanOptions(options);

    // Current methods by type (first of each type; unknown types ignored).
    std::array<const PhoneMethod*, 3> current{};
    for (const PhoneMethod& method : user.current) {
        PhoneType type;
        if (parsePhoneType(method.phoneType, type) && !current[slot(type)]) current[slot(type)] = &method;
    }
    // Desired values by type (first of each type).
    std::array<const DesiredPhone*, 3> desired{};
    for (const DesiredPhone& d : user.desired) {
        if (slot(d.type) < desired.size() && !desired[slot(d.type)]) desired[slot(d.type)] = &d;
    }

    Plan plan;
    plan.changes.reserve(options.managed.size());
    std::array<int, 3> index{-1, -1, -1};

    // 1. Each type on its own.
    for (const ManagedPhoneType& managed : options.managed) {
        const PhoneType type = managed.type;
        const PhoneMethod* cur = current[slot(type)];
        PlannedChange change;
        change.type = type;
        change.source = desired[slot(type)] ? desired[slot(type)]->value : std::string();
        change.before = cur ? cur->phoneNumber : std::string();
        change.after = change.before;
        const std::string what = typeWords(type);

        if (options.keepNumbers) {
            change.source.clear();
            if (cur) {
                set(change, PlanAction::NoChange, PlanReason::Kept, "The " + what + " stays as it is.");
            } else {
                set(change, PlanAction::NoChange, PlanReason::NothingToSet, "No " + what + " is set.");
            }
        } else if (blank(change.source)) {
            if (!cur) {
                set(change, PlanAction::NoChange, PlanReason::NothingToSet,
                    "The source has no number and no " + what + " is set.");
            } else if (!options.removeWhenSourceEmpty) {
                set(change, PlanAction::NoChange, PlanReason::SourceEmptyKept,
                    "The source has no number; the " + what + " stays because removal is not enabled.");
            } else {
                set(change, PlanAction::Remove, PlanReason::SourceEmpty,
                    "The source has no number; the " + what + " is removed.");
                change.after.clear();
            }
        } else {
            const PhoneNumberInfo info =
                normalizePhoneNumber(change.source, options.defaultRegion, user.usageLocation);
            if (!info.isValid) {
                set(change, PlanAction::Skip, PlanReason::InvalidSource,
                    "The source value is not a usable phone number: " + info.reason);
            } else {
                change.desired = info.phoneNumber;
                change.desiredLineType = info.lineType;
                const bool masked = cur && isMaskedPhoneNumber(cur->phoneNumber);
                if (!cur) {
                    set(change, PlanAction::Add, PlanReason::NotSet,
                        "No " + what + " is set; the source's number is added.");
                    change.after = info.phoneNumber;
                } else if (!masked && sameNumber(cur->phoneNumber, info.phoneNumber)) {
                    set(change, PlanAction::NoChange, PlanReason::InSync,
                        "The " + what + " is already the source's.");
                } else if (options.onlySetWhenEmpty) {
                    set(change, PlanAction::NoChange, PlanReason::OnlySetWhenEmpty,
                        "A " + what + " is already set, and only phone types without a number are filled.");
                } else if (masked) {
                    set(change, PlanAction::Skip, PlanReason::CurrentMasked,
                        "The current " + what +
                            " is masked (Graph shows a delegated administrator only its last digits), so it "
                            "cannot "
                            "be compared with the source. Sign in with an app-only identity (application "
                            "permission) to see full numbers.");
                } else {
                    set(change, PlanAction::Update, PlanReason::Differs,
                        "The " + what + " differs from the source's; it is updated in place.");
                    change.after = info.phoneNumber;
                }
                if (type == PhoneType::Mobile && info.lineType == PhoneLineType::FixedLine &&
                    (change.action == PlanAction::Add || change.action == PlanAction::Update ||
                     change.reasonCode == PlanReason::InSync)) {
                    change.warning =
                        "The number is a fixed-line number: as the mobile method it can take voice calls "
                        "only, no "
                        "text messages.";
                }
            }
        }
        index[slot(type)] = static_cast<int>(plan.changes.size());
        plan.changes.push_back(std::move(change));
    }

    auto changeOf = [&](PhoneType type) -> PlannedChange* {
        const int i = index[slot(type)];
        return i < 0 ? nullptr : &plan.changes[static_cast<std::size_t>(i)];
    };

    // 2. The default MFA method is never deleted.
    for (PlannedChange& change : plan.changes) {
        if (change.action != PlanAction::Remove) continue;
        if (!user.defaultMethodKnown) {
            change.needsDefaultMethod = true;
            change.reason += " (Once the user's default MFA method is known not to be this one.)";
            continue;
        }
        PhoneType defaultType;
        if (defaultMethodType(user.defaultMethod, defaultType) && defaultType == change.type) {
            plannedSkipForDefault(change);
        }
    }

    // 3. mobile stays while an alternateMobile stays.
    PlannedChange* mobile = changeOf(PhoneType::Mobile);
    PlannedChange* alternate = changeOf(PhoneType::AlternateMobile);
    const bool alternateAfter = existsAfter(alternate, current[slot(PhoneType::AlternateMobile)] != nullptr);
    if (mobile && mobile->action == PlanAction::Remove && alternateAfter) {
        set(*mobile, PlanAction::Skip, PlanReason::MobileNeededByAlternate,
            "The source has no number, but the mobile number cannot be removed while the user keeps an "
            "alternate "
            "mobile number. Remove the alternate mobile number too (manage it with an empty source), or set "
            "a new "
            "mobile number instead.");
        mobile->after = mobile->before;
        mobile->needsDefaultMethod = false;
    }

    // 4. alternateMobile needs a mobile that exists or is added.
    const bool mobileAfter = existsAfter(mobile, current[slot(PhoneType::Mobile)] != nullptr);
    if (alternate && alternate->action == PlanAction::Add && !mobileAfter) {
        set(*alternate, PlanAction::Skip, PlanReason::AlternateNeedsMobile,
            "An alternate mobile number needs a mobile number, and the user has none (nor does this sync add "
            "one). "
            "Set the user's mobile number first.");
        alternate->after = alternate->before;
    }

    for (const PlannedChange& change : plan.changes) {
        if (change.needsDefaultMethod) plan.needsDefaultMethod = true;
    }

    // 5. SMS sign-in on the mobile number.
    if (mobile && options.smsSignIn != SmsSignInMode::Keep && options.keepNumbers) {
        // Only SMS sign-in is asked for: what cannot be done is a Skip, not a warning.
        const PhoneMethod* cur = current[slot(PhoneType::Mobile)];
        const std::string state = cur ? cur->smsSignInState : std::string();
        if (options.smsSignIn == SmsSignInMode::Enable) {
            if (!cur) {
                set(*mobile, PlanAction::Skip, PlanReason::NoMobile,
                    "The user has no mobile number, so SMS sign-in cannot be enabled. Set a mobile number "
                    "first.");
            } else if (state == "notSupported" || state == "notAllowedByPolicy") {
                set(*mobile, PlanAction::Skip, PlanReason::SmsSignInNotPossible,
                    "SMS sign-in cannot be enabled for this user (" + state +
                        "): the SMS sign-in policy (authentication methods policy, Text message) does not "
                        "include them.");
            } else if (state == "phoneNumberNotUnique") {
                set(*mobile, PlanAction::Skip, PlanReason::SmsSignInNotPossible,
                    "SMS sign-in cannot be enabled: another user holds this mobile number for SMS sign-in.");
            } else if (state == "ready") {
                mobile->reason = "SMS sign-in is already enabled on the mobile number.";
            } else {
                mobile->smsSignIn = SmsSignInMode::Enable;  // the engine adds the outcome to the reason
            }
        } else if (!cur) {
            mobile->reason = "The user has no mobile number, so SMS sign-in is off.";
        } else if (state == "ready") {
            mobile->smsSignIn = SmsSignInMode::Disable;
        } else {
            mobile->reason = "SMS sign-in is not enabled on the mobile number (" +
                             (state.empty() ? std::string("state unknown") : state) + ").";
        }
    } else if (mobile && options.smsSignIn != SmsSignInMode::Keep) {
        const PhoneMethod* cur = current[slot(PhoneType::Mobile)];
        const std::string state = cur ? cur->smsSignInState : std::string();
        const bool enable = options.smsSignIn == SmsSignInMode::Enable;
        const bool numberWritten = mobile->action == PlanAction::Add || mobile->action == PlanAction::Update;
        const bool staysUnchanged = mobile->action == PlanAction::NoChange && cur;
        if (numberWritten && mobile->action == PlanAction::Update && enable &&
            (state == "notSupported" || state == "notAllowedByPolicy")) {
            mobile->warning += std::string(mobile->warning.empty() ? "" : " ") +
                               "SMS sign-in cannot be enabled for this user (" + state +
                               "): the SMS sign-in policy does not include them.";
        } else if (numberWritten) {
            // Graph may register a new number for SMS sign-in by itself: state the wanted end.
            mobile->smsSignIn = options.smsSignIn;
        } else if (staysUnchanged) {
            if (enable) {
                if (state == "notSupported" || state == "notAllowedByPolicy") {
                    mobile->warning += std::string(mobile->warning.empty() ? "" : " ") +
                                       "SMS sign-in cannot be enabled for this user (" + state +
                                       "): the SMS sign-in policy does not include them.";
                } else if (state == "phoneNumberNotUnique") {
                    mobile->warning +=
                        std::string(mobile->warning.empty() ? "" : " ") +
                        "SMS sign-in cannot be enabled: another user holds this number for SMS "
                        "sign-in.";
                } else if (state != "ready") {
                    mobile->smsSignIn = SmsSignInMode::Enable;
                }
            } else if (state == "ready") {
                mobile->smsSignIn = SmsSignInMode::Disable;
            }
        }
    }

    // 6. The writes, in dependency order. None while a removal waits for the default method.
    if (plan.needsDefaultMethod) return plan;
    auto addWrite = [&](WriteKind kind, const PlannedChange& change, std::vector<int> dependsOn) {
        PlannedWrite write;
        write.kind = kind;
        write.type = change.type;
        const PhoneMethod* cur = current[slot(change.type)];
        if (kind != WriteKind::Create) {
            write.methodId = cur && !cur->id.empty() ? cur->id : phoneMethodId(change.type);
        }
        if (kind == WriteKind::Create || kind == WriteKind::Patch) write.phoneNumber = change.desired;
        write.dependsOn = std::move(dependsOn);
        write.change = index[slot(change.type)];
        plan.writes.push_back(std::move(write));
        return static_cast<int>(plan.writes.size()) - 1;
    };

    // Removals first: alternateMobile before mobile.
    int alternateDelete = -1;
    if (alternate && alternate->action == PlanAction::Remove) {
        alternateDelete = addWrite(WriteKind::Delete, *alternate, {});
    }
    if (mobile && mobile->action == PlanAction::Remove) {
        addWrite(WriteKind::Delete, *mobile,
                 alternateDelete >= 0 ? std::vector<int>{alternateDelete} : std::vector<int>{});
    }
    if (PlannedChange* office = changeOf(PhoneType::Office); office && office->action == PlanAction::Remove) {
        addWrite(WriteKind::Delete, *office, {});
    }
    // Then adds and updates: mobile before alternateMobile.
    int mobileWrite = -1;
    for (PhoneType type : kTypes) {
        PlannedChange* change = changeOf(type);
        if (!change) continue;
        std::vector<int> dependsOn;
        if (type == PhoneType::AlternateMobile && change->action == PlanAction::Add && mobile &&
            mobile->action == PlanAction::Add) {
            dependsOn.push_back(mobileWrite);
        }
        if (change->action == PlanAction::Add) {
            const int w = addWrite(WriteKind::Create, *change, std::move(dependsOn));
            if (type == PhoneType::Mobile) mobileWrite = w;
        } else if (change->action == PlanAction::Update) {
            const int w = addWrite(WriteKind::Patch, *change, std::move(dependsOn));
            if (type == PhoneType::Mobile) mobileWrite = w;
        }
        if (type == PhoneType::Mobile && change->smsSignIn != SmsSignInMode::Keep) {
            addWrite(change->smsSignIn == SmsSignInMode::Enable ? WriteKind::EnableSmsSignIn
                                                                : WriteKind::DisableSmsSignIn,
                     *change, mobileWrite >= 0 ? std::vector<int>{mobileWrite} : std::vector<int>{});
        }
    }
    return plan;
}

}  // namespace mfaphone
