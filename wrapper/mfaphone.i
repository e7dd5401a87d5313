/* The SWIG surface of the native core: an allow-list. Everything is ignored unless a rule
 * below un-ignores it, so nothing reaches C# by accident. */
%module(directors="0") MfaPhoneNative

%define %ignoreall %rename("$ignore", regextarget=1, fullname=1) ".*"; %enddef
%define %unignore %rename("%s") %enddef
%define %unignoreall %rename("%s", regextarget=1, fullname=1) ".*"; %enddef

%{
#include "mfaphone/mfaphone.hpp"
%}

%include "utf8_string.i"
%include <std_vector.i>
%include <std_shared_ptr.i>
%include "exceptions.i"

/* Every generated type is internal to the module assembly: scripts reach the engine only
 * through the cmdlets, never through raw proxies whose lifetime they would have to manage. */
%typemap(csclassmodifiers) SWIGTYPE, SWIGTYPE *, SWIGTYPE &, SWIGTYPE &&, SWIGTYPE [], SWIGTYPE (CLASS::*) "internal class"
%typemap(csclassmodifiers) enum SWIGTYPE "internal enum"
%pragma(csharp) moduleclassmodifiers="internal class"
%pragma(csharp) imclassclassmodifiers="internal class"

%shared_ptr(mfaphone::Operation)
%shared_ptr(mfaphone::Session)
%mfaphone_guarded_shared_ptr(mfaphone::Operation)
%mfaphone_guarded_shared_ptr(mfaphone::Session)

// The vector proxies are generic list classes: typemaps of their element types apply, and
// their csclassmodifiers are the internal ones above.
%template(StringVector) std::vector<std::string>;
%template(ByteVector) std::vector<unsigned char>;

// A PhoneMethodVector's indexer and enumerator hand out owned copies of the elements, never
// views into the vector's storage (which a later Add or the vector's disposal would free).
%typemap(out) const mfaphone::PhoneMethod & %{
  try {
    $result = new $*1_ltype(*$1);
  } catch (...) {
    MfaPhone_SetPendingFromCurrent();
    return $null;
  }
%}
%typemap(csout, excode=SWIGEXCODE) const mfaphone::PhoneMethod & {
    $csclassname ret = new $csclassname($imcall, true);$excode
    return ret;
  }
%template(PhoneMethodVector) std::vector<mfaphone::PhoneMethod>;

// Secrets cross as bytes; wipe() zeroes the native copy before it is released.
%rename(Wipe) std::vector<unsigned char>::wipe;
%extend std::vector<unsigned char> {
    void wipe() { mfaphone::secureZero($self->data(), $self->size()); $self->clear(); }
}

%ignoreall
// Members are exposed under PascalCase names; a %rename also un-ignores its member.
%unignore mfaphone;
%unignore mfaphone::LogLevel;
%unignore mfaphone::LogLevel::Debug;
%unignore mfaphone::LogLevel::Verbose;
%unignore mfaphone::LogLevel::Information;
%unignore mfaphone::LogLevel::Warning;
%unignore mfaphone::LogLevel::None;
%unignore mfaphone::EventKind;
%unignore mfaphone::EventKind::None;
%unignore mfaphone::EventKind::Log;
%unignore mfaphone::EventKind::Result;
%unignore mfaphone::EventKind::Error;
%unignore mfaphone::EventKind::Decision;
%unignore mfaphone::ErrorKind;
%unignore mfaphone::ErrorKind::Internal;
%unignore mfaphone::ErrorKind::InvalidInput;
%unignore mfaphone::ErrorKind::Auth;
%unignore mfaphone::ErrorKind::RequestFailed;
%unignore mfaphone::ErrorKind::Transport;
%unignore mfaphone::ErrorKind::Cancelled;

%unignore mfaphone::Event;
%unignore mfaphone::Event::Event;
%unignore mfaphone::Event::~Event;
%rename(Kind) mfaphone::Event::kind;
%rename(Level) mfaphone::Event::level;
%rename(Component) mfaphone::Event::component;
%rename(Message) mfaphone::Event::message;
%rename(Target) mfaphone::Event::target;
%rename(Index) mfaphone::Event::index;
%rename(ErrorKind) mfaphone::Event::errorKind;
%rename(HttpStatus) mfaphone::Event::httpStatus;
%rename(ErrorCode) mfaphone::Event::errorCode;
%rename(RequestId) mfaphone::Event::requestId;
%rename(Terminating) mfaphone::Event::terminating;

%unignore mfaphone::ConnectOptions;
%unignore mfaphone::ConnectOptions::ConnectOptions;
%unignore mfaphone::ConnectOptions::~ConnectOptions;
%rename(TenantId) mfaphone::ConnectOptions::tenantId;
%rename(ClientId) mfaphone::ConnectOptions::clientId;
%rename(Cloud) mfaphone::ConnectOptions::cloud;
%rename(AuthorityHost) mfaphone::ConnectOptions::authorityHost;
%rename(GraphEndpoint) mfaphone::ConnectOptions::graphEndpoint;
%rename(CaBundle) mfaphone::ConnectOptions::caBundle;
%rename(TimeoutSeconds) mfaphone::ConnectOptions::timeoutSeconds;
%rename(LogLevel) mfaphone::ConnectOptions::logLevel;

%unignore mfaphone::ContextInfo;
%unignore mfaphone::ContextInfo::ContextInfo;
%unignore mfaphone::ContextInfo::~ContextInfo;
%rename(Connected) mfaphone::ContextInfo::connected;
%rename(TenantId) mfaphone::ContextInfo::tenantId;
%rename(ClientId) mfaphone::ContextInfo::clientId;
%rename(Cloud) mfaphone::ContextInfo::cloud;
%rename(AuthType) mfaphone::ContextInfo::authType;
%rename(AuthorityHost) mfaphone::ContextInfo::authorityHost;
%rename(GraphEndpoint) mfaphone::ContextInfo::graphEndpoint;
%rename(TokenExpiresOn) mfaphone::ContextInfo::tokenExpiresOn;
%ignore mfaphone::ContextInfo::roles;
%rename(Roles) mfaphone::ContextInfo::rolesCopy;
%extend mfaphone::ContextInfo {
    std::vector<std::string> rolesCopy() const { return $self->roles; }
}

%unignore mfaphone::OperationStats;
%unignore mfaphone::OperationStats::OperationStats;
%unignore mfaphone::OperationStats::~OperationStats;
%rename(Submitted) mfaphone::OperationStats::submitted;
%rename(Completed) mfaphone::OperationStats::completed;
%rename(Requests) mfaphone::OperationStats::requests;
%rename(BatchItems) mfaphone::OperationStats::batchItems;
%rename(Throttled) mfaphone::OperationStats::throttled;
%rename(Retried) mfaphone::OperationStats::retried;
%rename(InputCapacity) mfaphone::OperationStats::inputCapacity;
%rename(InputPeak) mfaphone::OperationStats::inputPeak;
%rename(HeldLimit) mfaphone::OperationStats::heldLimit;
%rename(HeldPeak) mfaphone::OperationStats::heldPeak;
%rename(EventPeak) mfaphone::OperationStats::eventPeak;

// Every operation proxy implements IEngineOperation (module/Common): Finished, Cancel, Stats.
%typemap(csinterfaces) mfaphone::Operation "global::System.IDisposable, global::MfaPhone.Commands.IEngineOperation"
%unignore mfaphone::Operation;
%unignore mfaphone::Operation::~Operation;
%rename(NextEvent) mfaphone::Operation::nextEvent;
%rename(Finished) mfaphone::Operation::finished;
%rename(Cancel) mfaphone::Operation::cancel;
%rename(Stats) mfaphone::Operation::stats;

%unignore mfaphone::Session;
%unignore mfaphone::Session::Session;
%unignore mfaphone::Session::~Session;
%rename(Disconnect) mfaphone::Session::disconnect;
%rename(Context) mfaphone::Session::context;
%rename(SetLogLevel) mfaphone::Session::setLogLevel;
%rename(ReadPhoneMethods) mfaphone::Session::readPhoneMethods;
%rename(Sync) mfaphone::Session::sync;
%rename(Version) mfaphone::Session::version;

%include "auth.i"

%include "mfaphone/events.hpp"
%include "mfaphone/operation.hpp"

// Each further area of the facade (phone, sync, relay, ...) keeps its allow-list and its
// %include of the public header in wrapper/<area>.i, included here, inside the allow-list
// (before session.hpp, whose functions return the areas' operations).
%include "methods.i"
%include "sync.i"
%include "phone.i"
%include "webhook.i"
%include "relay.i"

%include "mfaphone/session.hpp"

%unignoreall
