// Events: what the engine reports to its caller. Engine threads queue them on an operation; the
// caller (the PowerShell pipeline thread) pulls them with nextEvent and writes them. An event is
// the envelope (log line, error, or "a result is ready"); the result itself is a type of its
// operation's family (methods.hpp, sync.hpp), handed out next to the event.
#pragma once

#include <string>

namespace mfaphone {

enum class LogLevel { Debug = 0, Verbose = 1, Information = 2, Warning = 3, None = 4 };

enum class EventKind {
    None = 0,
    Log = 1,       // level, component, message
    Result = 2,    // index + target; the family's result object is filled alongside
    Error = 3,     // index + target + error fields; terminating says whether the operation stopped
    Decision = 4,  // index + target; the operation waits for the caller to decide on a plan
};

struct Event {
    EventKind kind = EventKind::None;
    LogLevel level = LogLevel::Verbose;
    std::string component;
    std::string message;

    // Result / Error / Decision: which input item this event is about, as the caller gave it,
    // and its position in the input (the order of submission; -1 when not about one item).
    std::string target;
    long long index = -1;

    // Error
    int errorKind = 0;  // an mfaphone::ErrorKind value
    int httpStatus = 0;
    std::string errorCode;  // Graph error.code or OAuth error
    std::string requestId;  // Graph request-id or Entra correlation id
    bool terminating = false;
};

}  // namespace mfaphone
