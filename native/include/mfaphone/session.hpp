// The facade the PowerShell module calls through SWIG: a Session (sign-in state, transport,
// token cache) that starts Operations; each Operation runs on engine threads and queues Events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfaphone/events.hpp"

namespace mfaphone {

struct ConnectOptions {
    std::string tenantId;
    std::string clientId;
    std::string cloud = "Global";  // Global, USGov, USGovDoD, China
    std::string authorityHost;     // overrides the cloud's sign-in host (e.g. an emulator)
    std::string graphEndpoint;     // overrides the cloud's Graph host
    std::string caBundle;          // PEM file of CAs to trust instead of the system store
    int timeoutSeconds = 100;      // per request
    int logLevel = 2;              // a LogLevel value; lower is chattier
};

struct ContextInfo {
    bool connected = false;
    std::string tenantId;
    std::string clientId;
    std::string cloud;
    std::string authType;
    std::string authorityHost;
    std::string graphEndpoint;
    long long tokenExpiresOn = 0;  // unix seconds
    std::vector<std::string> roles;
};

class OperationState;

// A running piece of engine work. Pull its events until nextEvent returns false.
class Operation {
public:
    explicit Operation(std::shared_ptr<OperationState> state);
    ~Operation();
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;

    // Waits up to timeoutMs for the next event. Returns true and fills `event` when one is
    // available; returns false with event.kind == None when the wait timed out, or when the
    // operation finished and every event has been read (then finished() is true).
    bool nextEvent(Event& event, int timeoutMs);
    bool finished() const;
    // Requests cancellation; the engine stops promptly and reports a terminating Cancelled error.
    void cancel();

private:
    std::shared_ptr<OperationState> m_state;
};

class SessionImpl;

class Session {
public:
    Session();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Signs in with a client secret (UTF-8 bytes; wiped after use by the caller and stored in
    // zeroing memory here). Acquires a first token to prove the credential.
    std::shared_ptr<Operation> connectWithClientSecret(const ConnectOptions& options,
                                                       const std::vector<unsigned char>& secret);
    void disconnect();
    ContextInfo context() const;
    // The most detailed LogLevel that later operations report as Log events.
    void setLogLevel(int level);

    // Lists each user's phone methods, up to maxConcurrency requests at a time. One Result
    // event per user (target = the user as given), or one Error event for that user; the caller
    // counts those for progress, across as many operations as it splits its input into.
    std::shared_ptr<Operation> getPhoneMethods(const std::vector<std::string>& users, int maxConcurrency);

    // Version of the native core, for diagnostics.
    static std::string version();

private:
    std::shared_ptr<SessionImpl> m_impl;
};

}  // namespace mfaphone
