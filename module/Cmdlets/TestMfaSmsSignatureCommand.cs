using System.Management.Automation;
using System.Security;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Tells whether an X-Twilio-Signature is valid for a URL, a body and an auth token.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "MfaSmsSignature")]
    [OutputType(typeof(bool))]
    public sealed class TestMfaSmsSignatureCommand : PSCmdlet
    {
        #region Parameters

        /// <summary>The URL exactly as configured in Twilio.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Url { get; set; }

        /// <summary>The raw request body (form text, or JSON when the URL carries bodySHA256).</summary>
        [Parameter(Mandatory = true)]
        [AllowEmptyString]
        public string Body { get; set; }

        /// <summary>The X-Twilio-Signature header's value.</summary>
        [Parameter(Mandatory = true)]
        [AllowEmptyString]
        public string Signature { get; set; }

        /// <summary>The Twilio account's primary auth token.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public SecureString AuthToken { get; set; }

        #endregion

        #region Overrides

        protected override void ProcessRecord()
        {
            try
            {
                NativeLoader.EnsureLoaded();
                using (ByteVector token = SecretBytes.ToNative(AuthToken))
                {
                    try
                    {
                        WriteObject(Relay.ValidateSignature(Url, Body, Signature, token));
                    }
                    finally
                    {
                        token.Wipe();
                    }
                }
            }
            catch (MfaPhoneException e)
            {
                ThrowTerminatingError(EventPump.ToErrorRecord(e, null));
            }
        }

        #endregion
    }
}
