using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Signs in to Microsoft Graph for the MfaPhone cmdlets of this session.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "MfaGraph", DefaultParameterSetName = ClientSecretSet)]
    [OutputType(typeof(MfaGraphContext))]
    public sealed class ConnectMfaGraphCommand : MfaCmdlet
    {
        private const string ClientSecretSet = "ClientSecret";
        private const string ClientSecretCredentialSet = "ClientSecretCredential";

        #region Parameters

        /// <summary>Tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string TenantId { get; set; }

        /// <summary>The application (client) id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
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

        /// <summary>Returns the new context.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        #endregion

        #region Overrides

        protected override void EndProcessing()
        {
            string clientId = ParameterSetName == ClientSecretCredentialSet ? ClientSecretCredential.UserName : ClientId;
            SecureString secret = ParameterSetName == ClientSecretCredentialSet ? ClientSecretCredential.Password : ClientSecret;
            if (string.IsNullOrWhiteSpace(clientId))
            {
                Fail(new MfaPhoneInvalidInputException("The credential's user name must be the application (client) id."));
            }

            string caBundle = string.IsNullOrEmpty(CaBundle) ? "" : ResolveCaBundle(CaBundle);
            using (var options = new ConnectOptions())
            {
                Run(session =>
                    {
                        // Inside Run: a value the engine refuses (a NUL character, for one) is
                        // an InvalidInput error like the engine's own checks.
                        options.TenantId = TenantId;
                        options.ClientId = clientId;
                        options.Cloud = Environment;
                        options.AuthorityHost = AuthorityHost?.OriginalString ?? "";
                        options.GraphEndpoint = GraphEndpoint?.OriginalString ?? "";
                        options.CaBundle = caBundle;
                        options.TimeoutSeconds = TimeoutSec;
                        options.LogLevel = EventPump.LogLevelFor(this);

                        ByteVector bytes = null;
                        try
                        {
                            bytes = SecretBytes.ToNative(secret);
                            return session.ConnectWithClientSecret(options, bytes);
                        }
                        finally
                        {
                            bytes?.Wipe();
                            bytes?.Dispose();
                        }
                    },
                    _ => { },
                    (ev, error) => WriteError(EventPump.ToErrorRecord(error, TenantId)));
            }
            WriteVerbose($"Connected to tenant {TenantId} as application {clientId}.");
            if (PassThru) WriteObject(GetMfaGraphContextCommand.Read(this));
        }

        #endregion

        #region Private

        private string ResolveCaBundle(string path)
        {
            string full = GetUnresolvedProviderPathFromPSPath(path);
            if (!File.Exists(full))
            {
                Fail(new MfaPhoneInvalidInputException($"The CA bundle '{full}' does not exist. Give the path of a PEM file."), path);
            }
            return full;
        }

        #endregion
    }
}
