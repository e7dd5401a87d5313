// Syncing users' MFA phone methods with the numbers their directory holds: the options, the
// input per user, the result types of that family and the streaming operation that reads,
// plans and applies (or only plans) the changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfaphone/events.hpp"
#include "mfaphone/operation.hpp"

namespace mfaphone {

struct SyncOptions {
    // The phone types under management ("mobile", "alternateMobile", "office") and, at the same
    // position, the user property each one's desired number comes from ("extensionAttribute15",
    // "mobilePhone", ...). Empty: mobile from extensionAttribute15.
    std::vector<std::string> phoneTypes;
    std::vector<std::string> sourceProperties;
    bool removeWhenSourceEmpty = false;
    bool onlySetWhenEmpty = false;
    std::string smsSignIn = "Keep";  // Keep, Enable or Disable
    // Region for source numbers in national format; empty: each user's usageLocation.
    std::string defaultRegion;
    int maxConcurrency = 8;  // $batch requests in flight for this operation at most
    // Plan only: read and plan every user, write nothing (each change's status is WhatIf).
    bool planOnly = false;
    // Wait for the caller's decision (Decision event, then decide()) before applying a user's
    // changes.
    bool confirmChanges = false;
    // The users come from the tenant instead of the input: every user (allUsers) or those
    // matching `filter` (an OData $filter on users; sent as an advanced query).
    bool allUsers = false;
    std::string filter;
    // The numbers are not under change (the inputs' values are ignored): only SMS sign-in is set
    // as smsSignIn says, on the mobile number the user has. A user without a mobile number, or
    // one SMS sign-in cannot be enabled for, gets a Skip change.
    bool keepNumbers = false;
    // The users come from Graph's change tracking (users/delta): every user when deltaLink is
    // empty (a full round), else only those changed since the run that handed out deltaLink.
    // SyncTotals::deltaLink then holds the link for the next run.
    bool delta = false;
    std::string deltaLink;
};

// One user to sync, as the caller has it.
struct SyncInput {
    std::string user;               // object id or user principal name (required)
    std::string userId;             // the object id, when the caller knows it
    std::string userPrincipalName;  // when the caller knows it
    // The desired numbers came with the input (a CSV column, an AD attribute): one value per
    // managed type, in the order of SyncOptions::phoneTypes ("" = the source has no number).
    // Otherwise they are read from Graph.
    bool hasSourceValues = false;
    std::vector<std::string> sourceValues;
    // The user's usageLocation, when the caller knows it (else read from Graph when a national
    // number needs a region and there is no default region).
    bool hasUsageLocation = false;
    std::string usageLocation;
};

// The outcome for one user and managed phone type.
struct SyncChange {
    std::string phoneType;  // mobile, alternateMobile, office
    std::string action;     // Add, Update, Remove, NoChange, Skip
    // Succeeded, Failed, Skipped or WhatIf; empty in a Decision event (not decided yet).
    std::string status;
    std::string before;  // the number before, as Graph returned it (possibly masked); empty when none
    std::string after;   // the number after (for a failed change: what it was to be)
    std::string reason;  // what and why, in words; never a whole number
    // Why, as a stable name (InSync, NothingToSet, SourceEmptyKept, OnlySetWhenEmpty, Kept,
    // NotSet, Differs, SourceEmpty, InvalidSource, CurrentMasked, AlternateNeedsMobile,
    // MobileNeededByAlternate, DefaultMethod, NoMobile, SmsSignInNotPossible); empty for a user
    // that could not be read.
    std::string reasonCode;
    std::string warning;    // advice that did not stop the change (empty when none)
    std::string smsSignIn;  // mobile: Enable or Disable when the change also sets SMS sign-in; else empty
    bool writes = false;    // applying the change writes to Graph (ShouldProcess is asked for it)
    // When status is Failed: the error (an mfaphone::ErrorKind value, HTTP status, Graph code,
    // request id and message).
    int errorKind = 0;
    int httpStatus = 0;
    std::string errorCode;
    std::string requestId;
    std::string errorMessage;
};

// One user's outcome (a Result event of a SyncOperation), or the plan awaiting a decision (a
// Decision event).
struct SyncUserResult {
    std::string user;  // as submitted (or as listed, in tenant mode)
    std::string userId;
    std::string userPrincipalName;
    std::vector<SyncChange> changes;  // one per managed type, in the order of SyncOptions::phoneTypes
};

// What a sync operation did, for its summary.
struct SyncTotals {
    long long users = 0;           // users with a final result
    long long expectedUsers = -1;  // tenant mode: users the list reported ($count); -1 unknown
    long long added = 0, updated = 0, removed = 0, unchanged = 0, skippedPlans = 0;  // by action
    long long succeeded = 0, failed = 0, skipped = 0, whatIf = 0;                    // by status
    long long writes = 0;  // write requests sent (POST, PATCH, DELETE), retries included
    long long reads = 0;   // read requests sent
    // Delta mode: the link the next run resumes from. Handed out only once the round has been
    // read to its end and every change ended applied or not needed (none failed, was declined,
    // cancelled or only planned); empty otherwise, so a run that fails leaves the state as it was.
    std::string deltaLink;
    // Delta mode: this run read every user (no link given, or the one given had expired).
    bool deltaFullRound = false;
};

class SyncEngine;

// Syncs the users submitted to it (or, in tenant mode, listed from Graph) through $batch on the
// session's executor. Submit from one thread; events carry the submission (or listing) index.
class SyncOperation {
public:
    SyncOperation(std::shared_ptr<OperationState> state, std::shared_ptr<SyncEngine> engine);
    ~SyncOperation();
    SyncOperation(const SyncOperation&) = delete;
    SyncOperation& operator=(const SyncOperation&) = delete;

    // Queues one user; like PhoneMethodsOperation::submit. Throws InvalidInputError for a user
    // without an id, source values that do not match the managed types, or in tenant mode.
    bool submit(const SyncInput& input, int timeoutMs);
    void close();
    // For a Result event, `result` holds the user's final outcome; for a Decision event, the
    // plan waiting for decide().
    bool nextEvent(Event& event, SyncUserResult& result, int timeoutMs);
    // Answers a Decision event: one of "Apply", "Decline" or "WhatIf" per change of the plan
    // (changes without writes are not asked about; any value will do for them).
    void decide(long long index, const std::vector<std::string>& decisions);
    bool finished() const;
    void cancel();
    OperationStats stats() const;
    SyncTotals totals() const;

private:
    std::shared_ptr<OperationState> m_state;
    std::shared_ptr<SyncEngine> m_engine;
};

}  // namespace mfaphone
