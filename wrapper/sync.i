/* Syncing phone methods: the SyncOperation, its options, input and result types (sync.hpp).
 * Included from mfaphone.i inside its allow-list, before session.hpp (which returns these).
 * Vector members cross only as copies: they are filled and read through the %extend
 * functions below (an element at a time, by value), never as views into a struct. */

%shared_ptr(mfaphone::SyncOperation)
%mfaphone_guarded_shared_ptr(mfaphone::SyncOperation)

%unignore mfaphone::SyncOptions;
%unignore mfaphone::SyncOptions::SyncOptions;
%unignore mfaphone::SyncOptions::~SyncOptions;
%ignore mfaphone::SyncOptions::phoneTypes;
%ignore mfaphone::SyncOptions::sourceProperties;
%rename(Manage) mfaphone::SyncOptions::manage;
%extend mfaphone::SyncOptions {
    // Puts a phone type under management, with the user property its number comes from.
    void manage(const std::string& phoneType, const std::string& sourceProperty) {
        $self->phoneTypes.push_back(phoneType);
        $self->sourceProperties.push_back(sourceProperty);
    }
}
%rename(RemoveWhenSourceEmpty) mfaphone::SyncOptions::removeWhenSourceEmpty;
%rename(OnlySetWhenEmpty) mfaphone::SyncOptions::onlySetWhenEmpty;
%rename(SmsSignIn) mfaphone::SyncOptions::smsSignIn;
%rename(DefaultRegion) mfaphone::SyncOptions::defaultRegion;
%rename(MaxConcurrency) mfaphone::SyncOptions::maxConcurrency;
%rename(PlanOnly) mfaphone::SyncOptions::planOnly;
%rename(ConfirmChanges) mfaphone::SyncOptions::confirmChanges;
%rename(AllUsers) mfaphone::SyncOptions::allUsers;
%rename(Filter) mfaphone::SyncOptions::filter;
%rename(KeepNumbers) mfaphone::SyncOptions::keepNumbers;
%rename(Delta) mfaphone::SyncOptions::delta;
%rename(DeltaLink) mfaphone::SyncOptions::deltaLink;

%unignore mfaphone::SyncInput;
%unignore mfaphone::SyncInput::SyncInput;
%unignore mfaphone::SyncInput::~SyncInput;
%rename(User) mfaphone::SyncInput::user;
%rename(UserId) mfaphone::SyncInput::userId;
%rename(UserPrincipalName) mfaphone::SyncInput::userPrincipalName;
%rename(HasSourceValues) mfaphone::SyncInput::hasSourceValues;
%ignore mfaphone::SyncInput::sourceValues;
%rename(AddSourceValue) mfaphone::SyncInput::addSourceValue;
%extend mfaphone::SyncInput {
    // Appends the source value of the next managed type (and marks the values as given).
    void addSourceValue(const std::string& value) {
        $self->hasSourceValues = true;
        $self->sourceValues.push_back(value);
    }
}
%rename(HasUsageLocation) mfaphone::SyncInput::hasUsageLocation;
%rename(UsageLocation) mfaphone::SyncInput::usageLocation;

%unignore mfaphone::SyncChange;
%unignore mfaphone::SyncChange::SyncChange;
%unignore mfaphone::SyncChange::~SyncChange;
%rename(PhoneType) mfaphone::SyncChange::phoneType;
%rename(Action) mfaphone::SyncChange::action;
%rename(Status) mfaphone::SyncChange::status;
%rename(Before) mfaphone::SyncChange::before;
%rename(After) mfaphone::SyncChange::after;
%rename(Reason) mfaphone::SyncChange::reason;
%rename(ReasonCode) mfaphone::SyncChange::reasonCode;
%rename(Warning) mfaphone::SyncChange::warning;
%rename(SmsSignIn) mfaphone::SyncChange::smsSignIn;
%rename(Writes) mfaphone::SyncChange::writes;
%rename(ErrorKind) mfaphone::SyncChange::errorKind;
%rename(HttpStatus) mfaphone::SyncChange::httpStatus;
%rename(ErrorCode) mfaphone::SyncChange::errorCode;
%rename(RequestId) mfaphone::SyncChange::requestId;
%rename(ErrorMessage) mfaphone::SyncChange::errorMessage;

%unignore mfaphone::SyncUserResult;
%unignore mfaphone::SyncUserResult::SyncUserResult;
%unignore mfaphone::SyncUserResult::~SyncUserResult;
%rename(User) mfaphone::SyncUserResult::user;
%rename(UserId) mfaphone::SyncUserResult::userId;
%rename(UserPrincipalName) mfaphone::SyncUserResult::userPrincipalName;
%ignore mfaphone::SyncUserResult::changes;
%rename(ChangeCount) mfaphone::SyncUserResult::changeCount;
%rename(Change) mfaphone::SyncUserResult::change;
%extend mfaphone::SyncUserResult {
    int changeCount() const { return static_cast<int>($self->changes.size()); }
    // A copy of the change at `index` (0 .. changeCount() - 1).
    mfaphone::SyncChange change(int index) const {
        if (index < 0 || index >= static_cast<int>($self->changes.size()))
            throw mfaphone::InvalidInputError("No change at index " + std::to_string(index) + ".");
        return $self->changes[static_cast<std::size_t>(index)];
    }
}

%unignore mfaphone::SyncTotals;
%unignore mfaphone::SyncTotals::SyncTotals;
%unignore mfaphone::SyncTotals::~SyncTotals;
%rename(Users) mfaphone::SyncTotals::users;
%rename(ExpectedUsers) mfaphone::SyncTotals::expectedUsers;
%rename(Added) mfaphone::SyncTotals::added;
%rename(Updated) mfaphone::SyncTotals::updated;
%rename(Removed) mfaphone::SyncTotals::removed;
%rename(Unchanged) mfaphone::SyncTotals::unchanged;
%rename(SkippedPlans) mfaphone::SyncTotals::skippedPlans;
%rename(Succeeded) mfaphone::SyncTotals::succeeded;
%rename(Failed) mfaphone::SyncTotals::failed;
%rename(Skipped) mfaphone::SyncTotals::skipped;
%rename(WhatIf) mfaphone::SyncTotals::whatIf;
%rename(Writes) mfaphone::SyncTotals::writes;
%rename(Reads) mfaphone::SyncTotals::reads;
%rename(DeltaLink) mfaphone::SyncTotals::deltaLink;
%rename(DeltaFullRound) mfaphone::SyncTotals::deltaFullRound;

%unignore mfaphone::SyncOperation;
%unignore mfaphone::SyncOperation::~SyncOperation;
%rename(Submit) mfaphone::SyncOperation::submit;
%rename(Close) mfaphone::SyncOperation::close;
%rename(NextEvent) mfaphone::SyncOperation::nextEvent;
%rename(Decide) mfaphone::SyncOperation::decide;
%rename(Finished) mfaphone::SyncOperation::finished;
%rename(Cancel) mfaphone::SyncOperation::cancel;
%rename(Stats) mfaphone::SyncOperation::stats;
%rename(Totals) mfaphone::SyncOperation::totals;
%typemap(csinterfaces) mfaphone::SyncOperation "global::System.IDisposable, global::MfaPhone.Commands.IEngineOperation"

%include "mfaphone/sync.hpp"
