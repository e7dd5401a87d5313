using System.Globalization;

namespace MfaPhone
{
    /// <summary>
    /// One check of Test-MfaPhoneSetup (PSTypeName MfaPhone.SetupCheck): what was checked, whether
    /// it passed, what was found and, when something is missing, what to run to fix it.
    /// </summary>
    public sealed class MfaSetupCheck : MfaOutputObject
    {
        public const string PSTypeName = "MfaPhone.SetupCheck";

        public MfaSetupCheck() : base(PSTypeName) { }

        /// <summary>Connection, SignIn, Cloud, ReadPermission, WritePermission, UserReadPermission, DefaultMethodRead, MaskedNumbers, TestRead.</summary>
        public string Check { get; set; }
        /// <summary>Pass, Warning, Fail or Skipped.</summary>
        public string Status { get; set; }
        /// <summary>What was found.</summary>
        public string Detail { get; set; }
        /// <summary>What is missing and the command that grants it; empty when nothing is to be done.</summary>
        public string Remedy { get; set; }
        /// <summary>The permissions or roles the check looked for (least privileged first).</summary>
        public string[] Needed { get; set; }
        /// <summary>The ones of those the sign-in has.</summary>
        public string[] Present { get; set; }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0}: {1} {2}", Check, Status, Detail);
    }
}
