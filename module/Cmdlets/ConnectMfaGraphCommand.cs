using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Signs in to Microsoft Graph for the MfaPhone cmdlets of this session.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "MfaGraph", DefaultParameterSetName = ManagedIdentitySet)]
    [OutputType(typeof(GraphSession))]
    public sealed class ConnectMfaGraphCommand : MfaCmdlet
    {
        internal const string ClientSecretSet = "ClientSecret";
        internal const string ClientSecretCredentialSet = "ClientSecretCredential";
        internal const string CertificateSet = "Certificate";
        internal const string ManagedIdentitySet = "ManagedIdentity";
        internal const string AccessTokenSet = "AccessToken";
        internal const string CredentialSet = "Credential";
        internal const string DeviceCodeSet = "DeviceCode";

        #region Parameters

        /// <summary>Tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ClientSecretSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ClientSecretCredentialSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CertificateSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet)]
        [Parameter(Position = 0, ParameterSetName = ManagedIdentitySet)]
        [Parameter(Position = 0, ParameterSetName = AccessTokenSet)]
        [Parameter(Position = 0, ParameterSetName = DeviceCodeSet)]
        [ValidateNotNullOrEmpty]
        public string TenantId { get; set; }

        /// <summary>The application (client) id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        [ValidateNotNullOrEmpty]
        [Alias("ApplicationId", "AppId")]
        public string ClientId { get; set; }

        /// <summary>The client secret's value.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
        [ValidateNotNull]
        public SecureString ClientSecret { get; set; }

        /// <summary>Client id as user name and client secret as password (e.g. from Get-AutomationPSCredential).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretCredentialSet)]
        [ValidateNotNull]
        [Credential]
        public PSCredential ClientSecretCredential { get; set; }

        /// <summary>A PEM (certificate and key) or PFX file.</summary>
        [Parameter(ParameterSetName = CertificateSet)]
        [ValidateNotNullOrEmpty]
        public string CertificatePath { get; set; }

        /// <summary>The password of the PFX or of the encrypted PEM key.</summary>
        [Parameter(ParameterSetName = CertificateSet)]
        [ValidateNotNull]
        public SecureString CertificatePassword { get; set; }

        /// <summary>A certificate with its private key.</summary>
        [Parameter(ParameterSetName = CertificateSet)]
        [ValidateNotNull]
        public X509Certificate2 Certificate { get; set; }

        /// <summary>The thumbprint of a certificate in the CurrentUser or LocalMachine My store.</summary>
        [Parameter(ParameterSetName = CertificateSet)]
        [ValidateNotNullOrEmpty]
        public string CertificateThumbprint { get; set; }

        /// <summary>How the client assertion is signed: PS256 (default) or RS256.</summary>
        [Parameter(ParameterSetName = CertificateSet)]
        [ValidateSet("PS256", "RS256")]
        public string SignatureAlgorithm { get; set; } = "PS256";

        /// <summary>Signs in with the managed identity of the Automation account, App Service or VM.</summary>
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        public SwitchParameter Identity { get; set; }

        /// <summary>A user-assigned managed identity, by client id.</summary>
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        [ValidateNotNullOrEmpty]
        public string ManagedIdentityClientId { get; set; }

        /// <summary>A user-assigned managed identity, by object (principal) id.</summary>
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        [ValidateNotNullOrEmpty]
        public string ManagedIdentityObjectId { get; set; }

        /// <summary>A user-assigned managed identity, by Azure resource id.</summary>
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        [ValidateNotNullOrEmpty]
        public string ManagedIdentityResourceId { get; set; }

        /// <summary>A Microsoft Graph access token obtained elsewhere.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
        [ValidateNotNull]
        public SecureString AccessToken { get; set; }

        /// <summary>A user's name and password (resource-owner password flow; legacy).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [ValidateNotNull]
        [Credential]
        public PSCredential Credential { get; set; }

        /// <summary>Signs in interactively: enter a code on another device.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        public SwitchParameter UseDeviceCode { get; set; }

        /// <summary>The national cloud.</summary>
        [Parameter]
        [ValidateSet("Global", "USGov", "USGovDoD", "China")]
        public string Environment { get; set; } = "Global";

        /// <summary>Overrides the sign-in host (for example a local emulator).</summary>
        [Parameter]
        public Uri AuthorityHost { get; set; }

        /// <summary>Overrides the Graph host (for example a local emulator).</summary>
        [Parameter]
        public Uri GraphEndpoint { get; set; }

        /// <summary>A PEM file of certificate authorities to trust instead of the system store.</summary>
        [Parameter]
        public string CaBundle { get; set; }

        /// <summary>Per-request timeout in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 100;

        /// <summary>Returns the session, for -Session of other cmdlets.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        #endregion

        #region Overrides

        protected override void EndProcessing()
        {
            string set = ParameterSetName;
            if (set == ManagedIdentitySet && !Identity && !InAzureAutomation())
            {
                Fail(new MfaPhoneInvalidInputException(
                    "No credential was given. Give -ClientId with -ClientSecret, -CertificatePath, -CertificateThumbprint or -Certificate; " +
                    "-Identity for a managed identity; -AccessToken; -Credential; or -UseDeviceCode."));
            }
            if (set == ManagedIdentitySet && !Identity)
            {
                WriteVerbose("Azure Automation detected (AZUREPS_HOST_ENVIRONMENT or IDENTITY_ENDPOINT) and no credential given: signing in with the managed identity.");
            }
            if (set == CertificateSet)
            {
                int given = (CertificatePath != null ? 1 : 0) + (Certificate != null ? 1 : 0) + (CertificateThumbprint != null ? 1 : 0);
                if (given != 1)
                {
                    Fail(new MfaPhoneInvalidInputException("Give exactly one of -CertificatePath, -Certificate or -CertificateThumbprint."));
                }
            }
            if (set == CredentialSet)
            {
                WriteWarning("The password flow (resource-owner password credentials) is legacy: it fails for accounts that need MFA, " +
                             "federated and passwordless accounts, and Microsoft advises against it. Sign in app-only instead: " +
                             "-Identity (managed identity) in Azure Automation, or an app registration with -CertificateThumbprint or -ClientSecret.");
            }

            string caBundle = string.IsNullOrEmpty(CaBundle) ? "" : ResolveCaBundle(CaBundle);
            string certificatePath = CertificatePath == null ? "" : ResolveFile(CertificatePath, "certificate file");
            X509Certificate2 certificate = Certificate ?? (CertificateThumbprint != null ? FindByThumbprint(CertificateThumbprint) : null);

            Session native;
            try
            {
                native = MfaSession.CreateForSignIn();
            }
            catch (MfaPhoneException e)
            {
                // The native library could not be loaded (missing, or a dependency missing).
                Fail(e);
                throw;  // not reached: Fail always throws
            }
            bool signedIn = false;
            try
            {
                using (var options = new ConnectOptions())
                using (var credential = new CredentialOptions())
                {
                    Run(_ =>
                        {
                            // Inside Run: a value the engine refuses (a NUL character, for one) is
                            // an InvalidInput error like the engine's own checks.
                            options.TenantId = TenantId ?? "";
                            options.ClientId = ClientIdFor(set) ?? "";
                            options.Cloud = Environment;
                            options.AuthorityHost = AuthorityHost?.OriginalString ?? "";
                            options.GraphEndpoint = GraphEndpoint?.OriginalString ?? "";
                            options.CaBundle = caBundle;
                            options.TimeoutSeconds = TimeoutSec;
                            options.LogLevel = EventPump.LogLevelFor(this);
                            credential.Kind = KindFor(set);
                            credential.CertificatePath = certificatePath;
                            credential.SignatureAlgorithm = SignatureAlgorithm;
                            credential.UserName = set == CredentialSet ? Credential.UserName ?? "" : "";
                            credential.ManagedIdentityClientId = ManagedIdentityClientId ?? "";
                            credential.ManagedIdentityObjectId = ManagedIdentityObjectId ?? "";
                            credential.ManagedIdentityResourceId = ManagedIdentityResourceId ?? "";
                            // PowerShell's $env: changes live in .NET's copy of the environment:
                            // hand the engine what this process's scripts see.
                            string identityEndpoint = System.Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT") ?? "";
                            string identityHeader = System.Environment.GetEnvironmentVariable("IDENTITY_HEADER") ?? "";
                            string imds = System.Environment.GetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST") ?? "";
                            if (set == ManagedIdentitySet)
                            {
                                credential.IdentityEndpoint = identityEndpoint;
                                credential.ImdsEndpoint = identityEndpoint.Length == 0 && imds.Length == 0 ? "http://169.254.169.254" : imds;
                            }

                            ByteVector secret = null, password = null;
                            try
                            {
                                if (certificate != null)
                                {
                                    secret = CertificateKeyBytes.ToNative(certificate);
                                    using (var der = new ByteVector(certificate.RawData)) credential.SetCertificateDer(der);
                                }
                                else
                                {
                                    SecureString s = SecretFor(set);
                                    secret = s == null ? new ByteVector() : SecretBytes.ToNative(s);
                                }
                                if (set == ManagedIdentitySet && identityEndpoint.Length > 0 && identityHeader.Length > 0)
                                    password = IdentityHeaderBytes(identityHeader);
                                else
                                    password = CertificatePassword == null || CertificatePassword.Length == 0
                                        ? new ByteVector()
                                        : SecretBytes.ToNative(CertificatePassword);
                                native.SetLogLevel(EventPump.LogLevelFor(this));
                                return native.Connect(options, credential, secret, password);
                            }
                            finally
                            {
                                secret?.Wipe();
                                secret?.Dispose();
                                password?.Wipe();
                                password?.Dispose();
                            }
                        },
                        _ => { },
                        (ev, error) => WriteError(EventPump.ToErrorRecord(error, TenantId)));
                }
                MfaGraphContext context = GetMfaGraphContextCommand.ReadContext(native);
                if (context == null)
                {
                    Fail(new MfaPhoneException("The sign-in ended without a session.", ErrorIds.InternalError));
                }
                MfaSession.MakeCurrent(native, PassThru);
                signedIn = true;
                WriteVerbose($"Connected to tenant {context.TenantId} ({context.AuthType}{(string.IsNullOrEmpty(context.ClientId) ? "" : ", client " + context.ClientId)}).");
                if (!context.HasPhoneMethodPermission)
                {
                    WriteWarning("The token carries none of the phone-method permissions (UserAuthMethod-Phone.Read.All, UserAuthMethod-Phone.ReadWrite.All, " +
                                 "UserAuthenticationMethod.Read.All, UserAuthenticationMethod.ReadWrite.All): phone-method calls will fail with 403. " +
                                 (context.AuthType == "ManagedIdentity"
                                     ? "Assign the app role to the managed identity with New-MgServicePrincipalAppRoleAssignment (see Get-Help Connect-MfaGraph -Full)."
                                     : context.Delegated
                                         ? "Consent the delegated permission for the app and sign in as an Authentication Administrator."
                                         : "Add the application permission to the app registration and grant admin consent."));
                }
                if (PassThru) WriteObject(new GraphSession(native, context));
            }
            finally
            {
                if (!signedIn)
                {
                    // A failed sign-in leaves this runspace signed out, like a new one.
                    try { native.Disconnect(); } catch (MfaPhoneException) { }
                    native.Dispose();
                    MfaSession.DisconnectCurrent();
                }
            }
        }

        #endregion

        #region Private

        internal static bool InAzureAutomation() =>
            !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AZUREPS_HOST_ENVIRONMENT")) ||
            !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"));

        private string ClientIdFor(string set)
        {
            if (set == ClientSecretCredentialSet)
            {
                string id = ClientSecretCredential.UserName;
                if (string.IsNullOrWhiteSpace(id))
                {
                    Fail(new MfaPhoneInvalidInputException("The credential's user name must be the application (client) id."));
                }
                return id;
            }
            return ClientId;
        }

        private static CredentialKind KindFor(string set)
        {
            switch (set)
            {
                case ClientSecretSet:
                case ClientSecretCredentialSet: return CredentialKind.ClientSecret;
                case CertificateSet: return CredentialKind.Certificate;
                case AccessTokenSet: return CredentialKind.AccessToken;
                case CredentialSet: return CredentialKind.Password;
                case DeviceCodeSet: return CredentialKind.DeviceCode;
                default: return CredentialKind.ManagedIdentity;
            }
        }

        // The header is already a managed string in the environment; only its native copy is ours to wipe.
        private static ByteVector IdentityHeaderBytes(string header)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(header);
            try
            {
                var vector = new ByteVector(bytes.Length);
                foreach (byte b in bytes) vector.Add(b);
                return vector;
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        private SecureString SecretFor(string set)
        {
            switch (set)
            {
                case ClientSecretSet: return ClientSecret;
                case ClientSecretCredentialSet: return ClientSecretCredential.Password;
                case AccessTokenSet: return AccessToken;
                case CredentialSet: return Credential.Password;
                default: return null;
            }
        }

        private X509Certificate2 FindByThumbprint(string thumbprint)
        {
            string wanted = thumbprint.Replace(" ", "").Replace(":", "");
            foreach (StoreLocation location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using (var store = new X509Store(StoreName.My, location))
                    {
                        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                        X509Certificate2Collection found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, false);
                        if (found.Count > 0) return found[0];
                    }
                }
                catch (CryptographicException)
                {
                    // The store does not exist on this machine (LocalMachine\My on Linux): look on.
                }
            }
            Fail(new MfaPhoneInvalidInputException(
                $"No certificate with thumbprint {wanted} was found in the CurrentUser or LocalMachine My store. Import it there (with its private key), or give -CertificatePath."),
                thumbprint);
            return null;
        }

        private string ResolveCaBundle(string path)
        {
            string full = GetUnresolvedProviderPathFromPSPath(path);
            if (!File.Exists(full))
            {
                Fail(new MfaPhoneInvalidInputException($"The CA bundle '{full}' does not exist. Give the path of a PEM file."), path);
            }
            return full;
        }

        private string ResolveFile(string path, string what)
        {
            string full = GetUnresolvedProviderPathFromPSPath(path);
            if (!File.Exists(full))
            {
                Fail(new MfaPhoneInvalidInputException($"The {what} '{full}' does not exist. Give the path of a PEM or PFX file."), path);
            }
            return full;
        }

        #endregion
    }
}
