// Managed identity: the App Service / Azure Automation endpoint (IDENTITY_ENDPOINT with the
// X-IDENTITY-HEADER secret) or the instance metadata service (IMDS) of VMs and hybrid workers.
#include <cstdlib>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/credentials.hpp"
#include "mfaphone/internal/pipeline.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

}  // namespace

ManagedIdentityOptions managedIdentityFromEnvironment() {
    ManagedIdentityOptions options;
    options.identityEndpoint = env("IDENTITY_ENDPOINT");
    if (!options.identityEndpoint.empty()) {
        const char* header = std::getenv("IDENTITY_HEADER");
        if (header) options.identityHeader = SecretString(header, std::char_traits<char>::length(header));
    }
    std::string imds = env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
    if (!imds.empty()) options.imdsEndpoint = trimTrailingSlash(imds);
    return options;
}

ManagedIdentityCredential::ManagedIdentityCredential(std::shared_ptr<Transport> transport,
                                                     ManagedIdentityOptions options, Logger logger)
    : m_transport(std::move(transport)), m_options(std::move(options)), m_logger(std::move(logger)) {
    int selectors = !m_options.clientId.empty() + !m_options.objectId.empty() + !m_options.resourceId.empty();
    if (selectors > 1)
        throw InvalidInputError(
            "Give at most one of the managed identity's client id, object id or resource id.");
    if (usesIdentityEndpoint()) {
        checkSecretEndpoint(m_options.identityEndpoint, "IDENTITY_ENDPOINT");
        if (m_options.identityHeader.empty())
            throw InvalidInputError(
                "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not; the managed identity endpoint needs "
                "both. "
                "Check the environment of the Automation account or App Service.");
    } else {
        checkSecretEndpoint(m_options.imdsEndpoint, "The instance metadata endpoint", true);
    }
    // The managed identity pipeline sends the secret header (App Service / Automation only) and
    // Metadata: true with every request, and retries what is safe to retry.
    m_transport = makeManagedIdentityPipeline(
        std::move(m_transport), usesIdentityEndpoint() ? "X-IDENTITY-HEADER" : "",
        usesIdentityEndpoint() ? m_options.identityHeader : SecretString(), m_logger);
}

std::string ManagedIdentityCredential::requestUrl() const {
    std::string resource = percentEncode(m_options.resource);
    std::string url;
    if (usesIdentityEndpoint()) {
        url = m_options.identityEndpoint +
              (m_options.identityEndpoint.find('?') == std::string::npos ? "?" : "&") +
              "api-version=2019-08-01&resource=" + resource;
        if (!m_options.clientId.empty()) url += "&client_id=" + percentEncode(m_options.clientId);
        if (!m_options.objectId.empty()) url += "&object_id=" + percentEncode(m_options.objectId);
        if (!m_options.resourceId.empty()) url += "&mi_res_id=" + percentEncode(m_options.resourceId);
    } else {
        url = m_options.imdsEndpoint +
              "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + resource;
        if (!m_options.clientId.empty()) url += "&client_id=" + percentEncode(m_options.clientId);
        if (!m_options.objectId.empty()) url += "&object_id=" + percentEncode(m_options.objectId);
        if (!m_options.resourceId.empty()) url += "&msi_res_id=" + percentEncode(m_options.resourceId);
    }
    return url;
}

AccessToken ManagedIdentityCredential::requestToken(const Context& context) {
    HttpRequest request;
    request.method = "GET";
    request.url = requestUrl();
    request.headers = {{"Accept", "application/json"}};
    if (usesIdentityEndpoint() && m_options.identityHeader.empty())
        throw AuthError("The managed identity header was wiped; sign in again.", "signed_out");
    std::string who =
        !m_options.clientId.empty()     ? "user-assigned identity (client id " + m_options.clientId + ")"
        : !m_options.objectId.empty()   ? "user-assigned identity (object id " + m_options.objectId + ")"
        : !m_options.resourceId.empty() ? "user-assigned identity (" + m_options.resourceId + ")"
                                        : std::string("system-assigned identity");
    m_logger.log(
        LogLevel::Verbose, "auth",
        "requesting a token for the " + who + " from " +
            (usesIdentityEndpoint() ? "the managed identity endpoint" : "the instance metadata service"));
    HttpResponse response = m_transport->send(request, context);
    if (response.status != 200) {
        try {
            parseTokenResponse(response, std::chrono::system_clock::now());
        } catch (const AuthError& e) {
            std::string message = std::string("The managed identity could not get a token: ") + e.what();
            if (response.status == 400 && who != "system-assigned identity")
                message +=
                    " Check that the " + who + " is assigned to this Automation account, App Service or VM.";
            throw AuthError(message, e.error().empty() ? "managed_identity" : e.error(), e.aadsts(),
                            e.correlationId(), response.status);
        }
    }
    return parseTokenResponse(response, std::chrono::system_clock::now());
}

}  // namespace mfaphone
