// Events: what the engine reports to its caller. Engine threads push them on an EventQueue; the
// caller (the PowerShell pipeline thread) pulls them with Operation::nextEvent and writes them.
#pragma once

#include <string>
#include <vector>

namespace mfaphone {

enum class LogLevel { Debug = 0, Verbose = 1, Information = 2, Warning = 3, None = 4 };

enum class EventKind {
    None = 0,
    Log = 1,       // level, component, message
    Progress = 2,  // activity, message (status), percent, completed, total
    Result = 3,    // target + payload fields of the operation
    Error = 4,     // target + error fields; terminating says whether the whole operation stopped
};

struct PhoneMethod {
    std::string id;
    std::string phoneNumber;
    std::string phoneType;
    std::string smsSignInState;
};

struct Event {
    EventKind kind = EventKind::None;
    LogLevel level = LogLevel::Verbose;
    std::string component;
    std::string message;

    // Progress
    std::string activity;
    int percent = -1;
    long long completed = 0;
    long long total = 0;

    // Result / Error: which input item this event is about, as the caller gave it, and its
    // position in the input (-1 when the event is not about one item).
    std::string target;
    long long index = -1;
    std::vector<PhoneMethod> methods;

    // Error
    int errorKind = 0;  // an mfaphone::ErrorKind value
    int httpStatus = 0;
    std::string errorCode;  // Graph error.code or OAuth error
    std::string requestId;  // Graph request-id or Entra correlation id
    bool terminating = false;
};

}  // namespace mfaphone
