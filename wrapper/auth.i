/* Sign-in surface: credential kinds and options, and the context's sign-in details. Included
 * from mfaphone.i inside the allow-list, before session.hpp is parsed. */
%unignore mfaphone::CredentialKind;
%unignore mfaphone::CredentialKind::ClientSecret;
%unignore mfaphone::CredentialKind::Certificate;
%unignore mfaphone::CredentialKind::ManagedIdentity;
%unignore mfaphone::CredentialKind::AccessToken;
%unignore mfaphone::CredentialKind::Password;
%unignore mfaphone::CredentialKind::DeviceCode;

%unignore mfaphone::CredentialOptions;
%unignore mfaphone::CredentialOptions::CredentialOptions;
%unignore mfaphone::CredentialOptions::~CredentialOptions;
%rename(Kind) mfaphone::CredentialOptions::kind;
%rename(CertificatePath) mfaphone::CredentialOptions::certificatePath;
%rename(SignatureAlgorithm) mfaphone::CredentialOptions::signatureAlgorithm;
%rename(UserName) mfaphone::CredentialOptions::userName;
%rename(ManagedIdentityClientId) mfaphone::CredentialOptions::managedIdentityClientId;
%rename(ManagedIdentityObjectId) mfaphone::CredentialOptions::managedIdentityObjectId;
%rename(ManagedIdentityResourceId) mfaphone::CredentialOptions::managedIdentityResourceId;
%rename(IdentityEndpoint) mfaphone::CredentialOptions::identityEndpoint;
%rename(ImdsEndpoint) mfaphone::CredentialOptions::imdsEndpoint;
// The certificate is set as a copy (never a view into the struct).
%ignore mfaphone::CredentialOptions::certificateDer;
%rename(SetCertificateDer) mfaphone::CredentialOptions::setCertificateDer;
%extend mfaphone::CredentialOptions {
    void setCertificateDer(const std::vector<unsigned char>& der) { $self->certificateDer = der; }
}

%ignore mfaphone::ContextInfo::scopes;
%rename(Scopes) mfaphone::ContextInfo::scopesCopy;
%extend mfaphone::ContextInfo {
    std::vector<std::string> scopesCopy() const { return $self->scopes; }
}
%ignore mfaphone::ContextInfo::directoryRoles;
%rename(DirectoryRoles) mfaphone::ContextInfo::directoryRolesCopy;
%extend mfaphone::ContextInfo {
    std::vector<std::string> directoryRolesCopy() const { return $self->directoryRoles; }
}
%rename(Account) mfaphone::ContextInfo::account;
%rename(Delegated) mfaphone::ContextInfo::delegated;
%rename(NumbersMasked) mfaphone::ContextInfo::numbersMasked;
%rename(PhonePermission) mfaphone::ContextInfo::phonePermission;
%rename(CacheKey) mfaphone::ContextInfo::cacheKey;

%rename(Connect) mfaphone::Session::connect;
