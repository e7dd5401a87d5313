using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Converts phone numbers to the format Microsoft Graph takes for phone authentication methods.</para>
    /// <para type="description">Reads each number (national or international format, with separators and
    /// extensions) and returns Graph's "+{country code} {number}[x{extension}]" form, the number's region and line
    /// type, or why it is not a valid number. Needs no sign-in. An invalid number is a result with IsValid $false,
    /// not an error.</para>
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "MfaPhoneNumber")]
    [OutputType(typeof(MfaPhoneNumberInfo))]
    public sealed class ConvertToMfaPhoneNumberCommand : MfaCmdlet
    {
        #region Parameters

        /// <summary>The numbers to read.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] PhoneNumber { get; set; }

        /// <summary>ISO 3166-1 alpha-2 region for numbers written without a country code.</summary>
        [Parameter(Position = 1)]
        [AllowNull]
        [AllowEmptyString]
        public string DefaultRegion { get; set; }

        #endregion

        #region Overrides

        protected override void BeginProcessing()
        {
            try
            {
                NativeLoader.EnsureLoaded();
            }
            catch (MfaPhoneException e)
            {
                Fail(e);
            }
            // Given, the region must be one: a typo would otherwise reject every national number.
            if (MyInvocation.BoundParameters.ContainsKey(nameof(DefaultRegion)))
            {
                string region = DefaultRegion?.Trim() ?? "";
                if (region.IndexOf('\0') >= 0 || !MfaPhoneNative.IsSupportedRegion(region))
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException(InvalidRegionMessage(DefaultRegion)),
                        ErrorIds.InvalidRegion, ErrorCategory.InvalidArgument, DefaultRegion));
                }
                _region = region.ToUpperInvariant();
            }
        }

        protected override void ProcessRecord()
        {
            foreach (string input in PhoneNumber ?? new string[] { null })
            {
                WriteObject(Convert(input, _region));
            }
        }

        #endregion

        #region Private

        private string _region = "";

        /// <summary>One input as an output object; invalid input is a result, never an error.</summary>
        private static PSObject Convert(string input, string region)
        {
            MfaPhoneNumberInfo result;
            if (input != null && input.IndexOf('\0') >= 0)
            {
                // Native code would cut the text at the NUL and read a different number.
                result = new MfaPhoneNumberInfo
                {
                    Input = input,
                    PhoneNumber = "",
                    Region = "",
                    IsValid = false,
                    Reason = "The value contains a NUL character (\\0), which no phone number has.",
                    LineType = "unknown",
                    NationalNumber = "",
                    Extension = "",
                };
            }
            else
            {
                using (PhoneNumberInfo info = MfaPhoneNative.NormalizePhoneNumber(input ?? "", region))
                {
                    result = new MfaPhoneNumberInfo
                    {
                        Input = input,
                        PhoneNumber = info.PhoneNumber,
                        Region = info.Region,
                        IsValid = info.IsValid,
                        Reason = info.Reason,
                        LineType = MfaPhoneNative.PhoneLineTypeName(info.LineType),
                        CountryCode = info.IsValid ? info.CountryCode : (int?)null,
                        NationalNumber = info.NationalNumber,
                        Extension = info.Extension,
                    };
                }
            }
            var output = new PSObject(result);
            output.TypeNames.Insert(0, MfaPhoneNumberInfo.TypeName);
            return output;
        }

        private static string InvalidRegionMessage(string given)
        {
            string shown = (given ?? "").Replace("\0", "\\0");
            string suggestion = Suggest(given);
            return $"-DefaultRegion '{shown}' is not a region code MfaPhone can read phone numbers in. Give the two-letter " +
                   "ISO 3166-1 alpha-2 code of the country, such as US, GB, DE or SE (the same codes as a user's " +
                   "usageLocation in Entra ID)." +
                   (suggestion != null ? $" Did you mean '{suggestion}'?" : "") +
                   " Look codes up at https://www.iso.org/obp/ui/#search/code/ or list them with " +
                   "Get-Help ConvertTo-MfaPhoneNumber -Parameter DefaultRegion.";
        }

        /// <summary>The two-letter code for a country name or three-letter code ("Sweden", "SWE", "UK"); null when none.</summary>
        private static string Suggest(string given)
        {
            string text = given?.Trim();
            if (string.IsNullOrEmpty(text)) return null;
            if (string.Equals(text, "UK", StringComparison.OrdinalIgnoreCase)) return "GB";
            try
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (CultureInfo culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
                {
                    RegionInfo region;
                    try
                    {
                        region = new RegionInfo(culture.Name);
                    }
                    catch (ArgumentException)
                    {
                        continue;
                    }
                    if (!seen.Add(region.TwoLetterISORegionName)) continue;
                    if (string.Equals(text, region.ThreeLetterISORegionName, StringComparison.OrdinalIgnoreCase) ||
                        string.Equals(text, region.EnglishName, StringComparison.OrdinalIgnoreCase) ||
                        string.Equals(text, region.NativeName, StringComparison.OrdinalIgnoreCase))
                    {
                        return MfaPhoneNative.IsSupportedRegion(region.TwoLetterISORegionName) ? region.TwoLetterISORegionName : null;
                    }
                }
            }
            catch (Exception e) when (e is CultureNotFoundException || e is PlatformNotSupportedException)
            {
                // No culture data (globalization-invariant mode): no suggestion.
            }
            return null;
        }

        #endregion
    }
}
