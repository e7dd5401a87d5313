// The facade the PowerShell module calls through SWIG: a Session (sign-in state, transport,
// token cache, the executor its operations share) that starts Operations; each Operation runs
// on the session's engine threads and queues Events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfaphone/events.hpp"
#include "mfaphone/methods.hpp"
#include "mfaphone/operation.hpp"
#include "mfaphone/sync.hpp"

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

    // Starts reading phone methods: submit users to the operation, then close it. One Result
    // event per user (target = the user as given), or one non-terminating Error event for that
    // user. Runs on the session's executor, through $batch.
    std::shared_ptr<PhoneMethodsOperation> readPhoneMethods(const ReadOptions& options);

    // Starts a sync (or, with planOnly, a comparison): submit users and close, or, in tenant
    // mode, only close. One Result event per user with a SyncUserResult. Throws InvalidInputError
    // for options that cannot work (an unknown phone type, a bad source property, ...).
    std::shared_ptr<SyncOperation> sync(const SyncOptions& options);

    // Version of the native core, for diagnostics.
    static std::string version();

private:
    std::shared_ptr<SessionImpl> m_impl;
};

}  // namespace mfaphone
