using System;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Adds or updates one phone method (mobile, alternateMobile or office) of users.</para>
    /// <para type="description">Normalises the number to Graph's format first (an unusable number is an error and
    /// nothing is written), then adds the phone method when the user has none of that type or updates it in place,
    /// through the same planner and engine as Sync-MfaPhone.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "MfaPhone", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MfaSyncResult))]
    public sealed class SetMfaPhoneCommand : PhoneChangeCommandBase
    {
        private string _region = "";

        #region Parameters

        /// <summary>The number, in any common format; national numbers are read in -DefaultRegion or the user's usageLocation.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Number")]
        [AllowEmptyString]
        [AllowNull]
        public string PhoneNumber { get; set; }

        /// <summary>The phone method to set.</summary>
        [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("mobile", "alternateMobile", "office")]
        public string PhoneType { get; set; } = "mobile";

        /// <summary>Region for numbers without a country code (else each user's usageLocation).</summary>
        [Parameter]
        public string DefaultRegion { get; set; }

        #endregion

        private protected override string Activity => "Setting MFA phone numbers";

        private protected override string Verb => "Set";

        private protected override void Configure(SyncOptions options)
        {
            options.DefaultRegion = _region;
        }

        #region Overrides

        protected override void BeginProcessing()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(DefaultRegion)))
            {
                string region = DefaultRegion?.Trim() ?? "";
                if (region.IndexOf('\0') >= 0 || !MfaPhoneNative.IsSupportedRegion(region))
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException(ConvertToMfaPhoneNumberCommand.InvalidRegionMessage(DefaultRegion)),
                        ErrorIds.InvalidRegion, ErrorCategory.InvalidArgument, DefaultRegion));
                }
                _region = region.ToUpperInvariant();
            }
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            string type = Canonical(new[] { PhoneType ?? "mobile" })[0];
            string number = PhoneNumber?.Trim() ?? "";
            if (number.Length == 0)
            {
                AddInputError("No phone number was given for {0}. Give the number to set; to remove a phone method use Remove-MfaPhone.",
                    ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument);
                return;
            }
            if (number.IndexOf('\0') >= 0)
            {
                AddInputError("The phone number given for {0} contains a NUL character (\\0), which no phone number has. Nothing was written.",
                    ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument);
                return;
            }
            // Normalised here first: a number no region can make usable is refused before any request.
            using (PhoneNumberInfo info = MfaPhoneNative.NormalizePhoneNumber(number, _region))
            {
                if (info.IsValid)
                {
                    number = info.PhoneNumber;
                }
                else if (info.Problem != PhoneNumberProblem.NoRegion)
                {
                    AddInputError("The " + type + " number given for {0} is not a usable phone number: " + Escape(info.Reason) +
                                  " Nothing was written.", ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument);
                    return;
                }
                // A national number without -DefaultRegion: the engine reads it in the user's usageLocation.
            }
            AddUsers(new[] { type }, new[] { number });
        }

        #endregion

        private static string Escape(string text) => (text ?? "").Replace("{", "{{").Replace("}", "}}");
    }
}
