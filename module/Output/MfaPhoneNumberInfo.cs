namespace MfaPhone
{
    /// <summary>
    /// One phone number read by ConvertTo-MfaPhoneNumber (PSTypeName MfaPhone.PhoneNumberInfo):
    /// the input, Graph's format of it when it is valid, or why it is not.
    /// </summary>
    public sealed class MfaPhoneNumberInfo
    {
        /// <summary>The PSTypeName of these objects (their format view selects on it).</summary>
        public const string TypeName = "MfaPhone.PhoneNumberInfo";

        /// <summary>The input exactly as given.</summary>
        public string Input { get; set; }
        /// <summary>The number in Graph's format ("+46 701234567", "+1 4255550123x42"); empty when invalid.</summary>
        public string PhoneNumber { get; set; }
        /// <summary>ISO 3166-1 alpha-2 region of the number ("SE"; "001" for non-geographic numbers); empty when invalid.</summary>
        public string Region { get; set; }
        /// <summary>Whether the input is a valid phone number that Graph accepts.</summary>
        public bool IsValid { get; set; }
        /// <summary>Why the input is not valid, and what to do; empty when valid.</summary>
        public string Reason { get; set; }
        /// <summary>mobile, fixedLine, fixedLineOrMobile, tollFree, voip, ... ("unknown" when invalid).</summary>
        public string LineType { get; set; }
        /// <summary>The country calling code (46); null when invalid.</summary>
        public int? CountryCode { get; set; }
        /// <summary>The national significant number ("701234567"); empty when invalid.</summary>
        public string NationalNumber { get; set; }
        /// <summary>The extension digits; empty when none.</summary>
        public string Extension { get; set; }

        public override string ToString() => IsValid ? PhoneNumber : Input;
    }
}
