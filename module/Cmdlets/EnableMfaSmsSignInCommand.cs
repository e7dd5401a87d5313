using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Enables SMS sign-in on users' mobile phone method.</para>
    /// <para type="description">Enables sign-in with a code texted to the mobile number, for users the SMS sign-in
    /// policy includes. The number is not changed; a user already enabled is left alone.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Enable, "MfaSmsSignIn", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MfaSyncResult))]
    public sealed class EnableMfaSmsSignInCommand : PhoneChangeCommandBase
    {
        /// <summary>The phone method SMS sign-in is on; Graph supports mobile only.</summary>
        [Parameter]
        [ValidateSet("mobile")]
        public string PhoneType { get; set; } = "mobile";

        private protected override string Activity => "Enabling SMS sign-in";

        private protected override string Verb => "Enable SMS sign-in on";

        private protected override void Configure(SyncOptions options)
        {
            options.KeepNumbers = true;
            options.SmsSignIn = "Enable";
        }

        protected override void ProcessRecord() => AddUsers(new[] { "mobile" }, new[] { "" });
    }
}
