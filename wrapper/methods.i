/* Reading phone methods: the PhoneMethodsOperation and its result types (methods.hpp).
 * Included from mfaphone.i inside its allow-list, before session.hpp (which returns these). */

%shared_ptr(mfaphone::PhoneMethodsOperation)
%mfaphone_guarded_shared_ptr(mfaphone::PhoneMethodsOperation)

// PhoneMethodVector (std::vector<PhoneMethod>, owned copies of its elements) is instantiated in
// mfaphone.i, before its allow-list starts.

%unignore mfaphone::PhoneMethod;
%unignore mfaphone::PhoneMethod::PhoneMethod;
%unignore mfaphone::PhoneMethod::~PhoneMethod;
%rename(Id) mfaphone::PhoneMethod::id;
%rename(PhoneNumber) mfaphone::PhoneMethod::phoneNumber;
%rename(PhoneType) mfaphone::PhoneMethod::phoneType;
%rename(SmsSignInState) mfaphone::PhoneMethod::smsSignInState;

%unignore mfaphone::PhoneMethodsResult;
%unignore mfaphone::PhoneMethodsResult::PhoneMethodsResult;
%unignore mfaphone::PhoneMethodsResult::~PhoneMethodsResult;
%rename(User) mfaphone::PhoneMethodsResult::user;
%rename(UserId) mfaphone::PhoneMethodsResult::userId;
%rename(UserPrincipalName) mfaphone::PhoneMethodsResult::userPrincipalName;
%rename(UserRead) mfaphone::PhoneMethodsResult::userRead;
// Read as a copy (Methods()), never as a view into the struct that the next event overwrites.
%ignore mfaphone::PhoneMethodsResult::methods;
%rename(Methods) mfaphone::PhoneMethodsResult::methodsCopy;
%extend mfaphone::PhoneMethodsResult {
    std::vector<mfaphone::PhoneMethod> methodsCopy() const { return $self->methods; }
}

%unignore mfaphone::ReadOptions;
%unignore mfaphone::ReadOptions::ReadOptions;
%unignore mfaphone::ReadOptions::~ReadOptions;
%rename(MaxConcurrency) mfaphone::ReadOptions::maxConcurrency;
%rename(ReadUsers) mfaphone::ReadOptions::readUsers;

%unignore mfaphone::PhoneMethodsOperation;
%unignore mfaphone::PhoneMethodsOperation::~PhoneMethodsOperation;
%rename(Submit) mfaphone::PhoneMethodsOperation::submit;
%rename(Close) mfaphone::PhoneMethodsOperation::close;
%rename(NextEvent) mfaphone::PhoneMethodsOperation::nextEvent;
%rename(Finished) mfaphone::PhoneMethodsOperation::finished;
%rename(Cancel) mfaphone::PhoneMethodsOperation::cancel;
%rename(Stats) mfaphone::PhoneMethodsOperation::stats;
%typemap(csinterfaces) mfaphone::PhoneMethodsOperation "global::System.IDisposable, global::MfaPhone.Commands.IEngineOperation"

%include "mfaphone/methods.hpp"
