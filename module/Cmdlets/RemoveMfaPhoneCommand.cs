using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes phone methods (mobile, alternateMobile, office) from users.</para>
    /// <para type="description">Removes the named phone types through the same planner and engine as Sync-MfaPhone:
    /// alternateMobile before mobile, never the user's default MFA method (read from signInPreferences first), never
    /// a mobile number while an alternateMobile number stays.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "MfaPhone", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(MfaSyncResult))]
    public sealed class RemoveMfaPhoneCommand : PhoneChangeCommandBase
    {
        #region Parameters

        /// <summary>The phone methods to remove.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("mobile", "alternateMobile", "office")]
        public string[] PhoneType { get; set; }

        #endregion

        private protected override string Activity => "Removing MFA phone numbers";

        private protected override string Verb => "Remove";

        private protected override void Configure(SyncOptions options)
        {
            options.RemoveWhenSourceEmpty = true;
        }

        protected override void ProcessRecord()
        {
            string[] types = Canonical(PhoneType);
            AddUsers(types, new string[types.Length]);
        }
    }
}
