// The credentials a session signs in with, one class per file in native/src/auth/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfaphone/internal/auth.hpp"

namespace mfaphone {

// Builds application/x-www-form-urlencoded bodies directly in zeroing storage: no temporary
// string ever holds an encoded secret.
class SecretForm {
public:
    SecretForm& add(std::string_view name, std::string_view value);
    SecretForm& add(std::string_view name, const SecretString& value) {
        return add(name, std::string_view(value.data(), value.size()));
    }
    SecretString take() { return std::move(m_body); }

private:
    SecretString m_body;
};

// POSTs a form to an Entra token endpoint and parses the answer (token or AuthError).
AccessToken postTokenRequest(Transport& transport, const std::string& url, SecretString body,
                             const Context& context);

// The v2 token endpoint of a cloud and tenant.
std::string tokenEndpointUrl(const CloudEndpoints& cloud, const std::string& tenantId);

// client_credentials with a client secret.
class ClientSecretCredential : public TokenCredential {
public:
    ClientSecretCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud, std::string tenantId,
                           std::string clientId, SecretString secret, Logger logger);
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "ClientSecret"; }
    void wipe() noexcept override { m_secret.wipe(); }
    std::string tokenEndpoint() const;

private:
    std::shared_ptr<Transport> m_transport;
    CloudEndpoints m_cloud;
    std::string m_tenantId;
    std::string m_clientId;
    SecretString m_secret;
    Logger m_logger;
};

enum class AssertionAlgorithm { PS256, RS256 };
AssertionAlgorithm parseAssertionAlgorithm(const std::string& name);

// A certificate and its RSA private key, parsed by the platform's crypto backend from memory
// (never from a temporary file). Opaque: the backend's types stay in its .cpp.
class CertificateKey {
public:
    // `data`: a PEM bundle (key and certificate, the key optionally encrypted with `password`),
    // a PKCS#12/PFX (with `password`), or a DER private key (PKCS#8 or PKCS#1) when
    // `certificateDer` holds the DER certificate. Throws InvalidInputError that says what is wrong.
    static std::shared_ptr<CertificateKey> load(const SecretString& data, const SecretString& password,
                                                const std::vector<unsigned char>& certificateDer = {});
    // Reads a PEM or PFX file into zeroing memory and loads it.
    static std::shared_ptr<CertificateKey> loadFile(const std::string& path, const SecretString& password);
    ~CertificateKey();

    std::string thumbprintSha1() const;    // base64url SHA-1 of the DER certificate (x5t)
    std::string thumbprintSha256() const;  // base64url SHA-256 of the DER certificate (x5t#S256)
    // Signs `data` (RSASSA-PSS SHA-256 salt 32, or RSASSA-PKCS1-v1_5 SHA-256); raw signature.
    std::string sign(std::string_view data, AssertionAlgorithm algorithm) const;
    void wipe() noexcept;

    struct Impl;

private:
    explicit CertificateKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// client_credentials with a signed JWT client assertion.
class ClientCertificateCredential : public TokenCredential {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    ClientCertificateCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud,
                                std::string tenantId, std::string clientId,
                                std::shared_ptr<CertificateKey> key, AssertionAlgorithm algorithm,
                                Logger logger, Clock clock = {});
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "Certificate"; }
    void wipe() noexcept override;
    // The signed assertion for one request (a fresh jti each time).
    SecretString assertion() const;

private:
    std::shared_ptr<Transport> m_transport;
    CloudEndpoints m_cloud;
    std::string m_tenantId;
    std::string m_clientId;
    std::shared_ptr<CertificateKey> m_key;
    AssertionAlgorithm m_algorithm;
    Logger m_logger;
    Clock m_clock;
};

struct ManagedIdentityOptions {
    // App Service / Azure Automation: IDENTITY_ENDPOINT and IDENTITY_HEADER. Empty: IMDS.
    std::string identityEndpoint;
    SecretString identityHeader;
    // IMDS base URL (http://169.254.169.254 unless overridden).
    std::string imdsEndpoint = "http://169.254.169.254";
    // At most one: a user-assigned identity.
    std::string clientId;
    std::string objectId;
    std::string resourceId;
    std::string resource = "https://graph.microsoft.com";
};
// From the process environment: IDENTITY_ENDPOINT + IDENTITY_HEADER, else IMDS (its address
// overridable with AZURE_POD_IDENTITY_AUTHORITY_HOST).
ManagedIdentityOptions managedIdentityFromEnvironment();

class ManagedIdentityCredential : public TokenCredential {
public:
    ManagedIdentityCredential(std::shared_ptr<Transport> transport, ManagedIdentityOptions options,
                              Logger logger);
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "ManagedIdentity"; }
    void wipe() noexcept override { m_options.identityHeader.wipe(); }
    std::string requestUrl() const;
    bool usesIdentityEndpoint() const { return !m_options.identityEndpoint.empty(); }

private:
    std::shared_ptr<Transport> m_transport;
    ManagedIdentityOptions m_options;
    Logger m_logger;
};

// A token obtained elsewhere; its expiry comes from its `exp` claim.
class AccessTokenCredential : public TokenCredential {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    explicit AccessTokenCredential(SecretString token, Clock clock = {});
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "AccessToken"; }
    void wipe() noexcept override { m_token.wipe(); }

private:
    SecretString m_token;
    std::chrono::system_clock::time_point m_expiresOn;
    Clock m_clock;
};

// Resource-owner password credentials (legacy; refused by Entra for accounts that need MFA).
class PasswordCredential : public TokenCredential {
public:
    PasswordCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud, std::string tenantId,
                       std::string clientId, std::string userName, SecretString password, Logger logger);
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "Password"; }
    void wipe() noexcept override { m_password.wipe(); }

private:
    std::shared_ptr<Transport> m_transport;
    CloudEndpoints m_cloud;
    std::string m_tenantId;
    std::string m_clientId;
    std::string m_userName;
    SecretString m_password;
    Logger m_logger;
};

// Device code: the sign-in message goes to the logger at Warning level (the caller shows it);
// polls honour `interval` and `slow_down`; later tokens come from the refresh token.
class DeviceCodeCredential : public TokenCredential {
public:
    // Waits between polls; returns early (CancelledError) on cancellation. Injectable for tests.
    using Sleeper = std::function<void(std::chrono::seconds, const Context&)>;
    DeviceCodeCredential(std::shared_ptr<Transport> transport, CloudEndpoints cloud, std::string tenantId,
                         std::string clientId, Logger logger, Sleeper sleeper = {});
    AccessToken requestToken(const Context& context) override;
    std::string kind() const override { return "DeviceCode"; }
    void wipe() noexcept override;

private:
    AccessToken signIn(const Context& context);
    std::shared_ptr<Transport> m_transport;
    CloudEndpoints m_cloud;
    std::string m_tenantId;
    std::string m_clientId;
    Logger m_logger;
    Sleeper m_sleep;
    std::mutex m_mutex;
    SecretString m_refreshToken;
};

}  // namespace mfaphone
