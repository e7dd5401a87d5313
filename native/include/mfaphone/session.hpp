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

// How a session signs in.
enum class CredentialKind {
    ClientSecret = 0,  // secret: the client secret
    Certificate = 1,   // secret: PEM or PFX bytes, or a DER key (certificateDer set); password: its password
    ManagedIdentity = 2,  // password: IDENTITY_HEADER when identityEndpoint is given
    AccessToken = 3,      // secret: the access token
    Password = 4,         // secret: the user's password (resource-owner password flow)
    DeviceCode = 5,       // no secret: the user signs in on another device
};

struct CredentialOptions {
    CredentialKind kind = CredentialKind::ClientSecret;
    std::string certificatePath;  // Certificate: a PEM or PFX file read here (never copied elsewhere)
    std::string signatureAlgorithm = "PS256";  // Certificate: PS256 or RS256
    std::string userName;                      // Password
    std::string managedIdentityClientId;       // ManagedIdentity: a user-assigned identity, by one of these
    std::string managedIdentityObjectId;
    std::string managedIdentityResourceId;
    // ManagedIdentity: the environment as the caller sees it (a managed runtime keeps its own
    // copy of the environment). IDENTITY_ENDPOINT (its IDENTITY_HEADER goes in `password`), and
    // the IMDS address (AZURE_POD_IDENTITY_AUTHORITY_HOST). Both empty: read from the process.
    std::string identityEndpoint;
    std::string imdsEndpoint;
    std::vector<unsigned char> certificateDer;  // Certificate: the DER certificate that goes with a DER key
};

struct ContextInfo {
    bool connected = false;
    std::string tenantId;
    std::string clientId;
    std::string cloud;
    std::string authType;
    std::string authorityHost;
    std::string graphEndpoint;
    long long tokenExpiresOn = 0;     // unix seconds
    std::vector<std::string> roles;   // application permissions (roles claim)
    std::vector<std::string> scopes;  // delegated permissions (scp claim)
    // Directory role template ids of a delegated token (wids claim), e.g. Authentication
    // Administrator c4e39bd9-1100-46d3-8c65-fb160da0071f.
    std::vector<std::string> directoryRoles;
    std::string account;  // the signed-in user (delegated) or the app/identity's object id
    bool delegated = false;
    bool numbersMasked = false;    // Graph masks phone numbers for this caller
    bool phonePermission = false;  // the token carries a phone-method permission
    std::string cacheKey;          // cloud|tenant|client|scope of the token cache
};

class SessionImpl;

class Session {
public:
    Session();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Signs in and acquires a first token to prove the credential. `secret` and `password` are
    // UTF-8 (or binary key) bytes the caller wipes after the call; here they live in zeroing
    // memory until disconnect. A failed sign-in leaves the session disconnected.
    std::shared_ptr<Operation> connect(const ConnectOptions& options, const CredentialOptions& credential,
                                       const std::vector<unsigned char>& secret,
                                       const std::vector<unsigned char>& password);
    // Signs out: wipes the credential, the cached tokens and the connections.
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
    friend struct SessionTestAccess;  // native tests only
    std::shared_ptr<SessionImpl> m_impl;
};

}  // namespace mfaphone
