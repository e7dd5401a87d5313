using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Disables SMS sign-in on users' mobile phone method.</para>
    /// <para type="description">Stops sign-in with a code texted to the mobile number; the number stays as an MFA
    /// method. A user without SMS sign-in (or without a mobile number) is left alone.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Disable, "MfaSmsSignIn", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MfaSyncResult))]
    public sealed class DisableMfaSmsSignInCommand : PhoneChangeCommandBase
    {
        /// <summary>The phone method SMS sign-in is on; Graph supports mobile only.</summary>
        [Parameter]
        [ValidateSet("mobile")]
        public string PhoneType { get; set; } = "mobile";

        private protected override string Activity => "Disabling SMS sign-in";

        private protected override string Verb => "Disable SMS sign-in on";

        private protected override void Configure(SyncOptions options)
        {
            options.KeepNumbers = true;
            options.SmsSignIn = "Disable";
        }

        protected override void ProcessRecord() => AddUsers(new[] { "mobile" }, new[] { "" });
    }
}
