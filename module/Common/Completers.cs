using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using System.Text;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Tab completion for the values admins type most: phone types, regions, clouds and source
    /// properties. Attach one to a parameter with
    /// <c>[ArgumentCompleter(typeof(RegionCompleter))]</c>; parameters of this module named
    /// PhoneType, Environment, DefaultRegion, Region or SourceProperty that have no completer of
    /// their own get the matching one when the module is imported (<see cref="Completers.Register"/>).
    /// </summary>
    public abstract class MfaCompleter : IArgumentCompleter
    {
        /// <summary>A value offered for completion: what is inserted, what the menu shows, the tooltip.</summary>
        protected sealed class Choice
        {
            public Choice(string value, string listItem, string toolTip, params string[] alsoMatches)
            {
                Value = value;
                ListItem = listItem;
                ToolTip = toolTip;
                AlsoMatches = alsoMatches;
            }

            public string Value { get; }
            public string ListItem { get; }
            public string ToolTip { get; }
            public string[] AlsoMatches { get; }
        }

        /// <summary>The values in the order they are offered.</summary>
        protected abstract IReadOnlyList<Choice> Choices { get; }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string word = wordToComplete ?? "";
            char quote = word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word[0] : '\0';
            string prefix = Fold(quote == '\0' ? word : word.Substring(1).TrimEnd(quote));

            // Values that start with what was typed come first, then those whose other names
            // (a country's name, for one) start with it or contain it.
            var byValue = Choices.Where(c => Fold(c.Value).StartsWith(prefix, StringComparison.Ordinal));
            var byName = Choices.Where(c => c.AlsoMatches.Any(m => Fold(m).StartsWith(prefix, StringComparison.Ordinal)));
            var byWord = prefix.Length < 2 ? Enumerable.Empty<Choice>()
                : Choices.Where(c => c.AlsoMatches.Any(m => Fold(m).Contains(prefix)));
            foreach (Choice c in byValue.Concat(byName).Concat(byWord).Distinct())
            {
                string text = quote != '\0' ? quote + c.Value + quote : c.Value;
                yield return new CompletionResult(text, c.ListItem, CompletionResultType.ParameterValue, c.ToolTip);
            }
        }

        /// <summary>Case and accents folded, so "cote" finds Côte d'Ivoire and "SE" finds "se".</summary>
        private static string Fold(string s)
        {
            var sb = new StringBuilder(s.Length);
            foreach (char ch in s.Normalize(NormalizationForm.FormD))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark) sb.Append(char.ToLowerInvariant(ch));
            }
            return sb.ToString();
        }
    }

    /// <summary>mobile, alternateMobile, office.</summary>
    public sealed class PhoneTypeCompleter : MfaCompleter
    {
        private static readonly Choice[] s_choices =
        {
            new Choice("mobile", "mobile", "mobile: text messages and calls; the phone most users sign in with."),
            new Choice("alternateMobile", "alternateMobile", "alternateMobile: calls only; needs a mobile phone first."),
            new Choice("office", "office", "office: calls only; may carry an extension (+1 4255550123x42)."),
        };

        protected override IReadOnlyList<Choice> Choices => s_choices;
    }

    /// <summary>The national clouds: Global, USGov, USGovDoD, China.</summary>
    public sealed class EnvironmentCompleter : MfaCompleter
    {
        private static readonly Choice[] s_choices =
        {
            new Choice("Global", "Global", "Global: login.microsoftonline.com, graph.microsoft.com"),
            new Choice("USGov", "USGov", "USGov (GCC High): login.microsoftonline.us, graph.microsoft.us"),
            new Choice("USGovDoD", "USGovDoD", "USGovDoD: login.microsoftonline.us, dod-graph.microsoft.us"),
            new Choice("China", "China", "China (21Vianet): login.chinacloudapi.cn, microsoftgraph.chinacloudapi.cn"),
        };

        protected override IReadOnlyList<Choice> Choices => s_choices;
    }

    /// <summary>
    /// User properties a desired MFA number is read from: extensionAttribute1 to 15 (synced from
    /// the on-premises directory) and the phone properties of an Entra ID user.
    /// </summary>
    public sealed class SourcePropertyCompleter : MfaCompleter
    {
        private static readonly Choice[] s_choices = Enumerable.Range(1, 15)
            .Select(i => new Choice("extensionAttribute" + i, "extensionAttribute" + i,
                $"onPremisesExtensionAttributes.extensionAttribute{i}: synced from the on-premises directory."))
            .Concat(new[]
            {
                new Choice("mobilePhone", "mobilePhone", "mobilePhone: the user's mobile number in the Entra ID profile."),
                new Choice("businessPhones", "businessPhones", "businessPhones: the user's office numbers in the Entra ID profile (the first is used)."),
                new Choice("faxNumber", "faxNumber", "faxNumber: the user's fax number in the Entra ID profile."),
            })
            .ToArray();

        protected override IReadOnlyList<Choice> Choices => s_choices;
    }

    /// <summary>
    /// Regions (ISO 3166-1 alpha-2 codes) that have phone numbers, with their English names and
    /// country calling codes: "SE", listed as "SE  Sweden (+46)". Typing a name finds its code.
    /// </summary>
    public sealed class RegionCompleter : MfaCompleter
    {
        private struct Region
        {
            public Region(string code, int callingCode, string name)
            {
                Code = code;
                CallingCode = callingCode;
                Name = name;
            }

            public readonly string Code;
            public readonly int CallingCode;
            public readonly string Name;
        }

        // Every region libphonenumber has numbering data for, with ICU's English region names.
        private static readonly Region[] s_regions =
        {
            new Region("AC", 247, "Ascension Island"),
            new Region("AD", 376, "Andorra"),
            new Region("AE", 971, "United Arab Emirates"),
            new Region("AF", 93, "Afghanistan"),
            new Region("AG", 1, "Antigua & Barbuda"),
            new Region("AI", 1, "Anguilla"),
            new Region("AL", 355, "Albania"),
            new Region("AM", 374, "Armenia"),
            new Region("AO", 244, "Angola"),
            new Region("AR", 54, "Argentina"),
            new Region("AS", 1, "American Samoa"),
            new Region("AT", 43, "Austria"),
            new Region("AU", 61, "Australia"),
            new Region("AW", 297, "Aruba"),
            new Region("AX", 358, "Åland Islands"),
            new Region("AZ", 994, "Azerbaijan"),
            new Region("BA", 387, "Bosnia & Herzegovina"),
            new Region("BB", 1, "Barbados"),
            new Region("BD", 880, "Bangladesh"),
            new Region("BE", 32, "Belgium"),
            new Region("BF", 226, "Burkina Faso"),
            new Region("BG", 359, "Bulgaria"),
            new Region("BH", 973, "Bahrain"),
            new Region("BI", 257, "Burundi"),
            new Region("BJ", 229, "Benin"),
            new Region("BL", 590, "St. Barthélemy"),
            new Region("BM", 1, "Bermuda"),
            new Region("BN", 673, "Brunei"),
            new Region("BO", 591, "Bolivia"),
            new Region("BQ", 599, "Caribbean Netherlands"),
            new Region("BR", 55, "Brazil"),
            new Region("BS", 1, "Bahamas"),
            new Region("BT", 975, "Bhutan"),
            new Region("BW", 267, "Botswana"),
            new Region("BY", 375, "Belarus"),
            new Region("BZ", 501, "Belize"),
            new Region("CA", 1, "Canada"),
            new Region("CC", 61, "Cocos (Keeling) Islands"),
            new Region("CD", 243, "Congo - Kinshasa"),
            new Region("CF", 236, "Central African Republic"),
            new Region("CG", 242, "Congo - Brazzaville"),
            new Region("CH", 41, "Switzerland"),
            new Region("CI", 225, "Côte d’Ivoire"),
            new Region("CK", 682, "Cook Islands"),
            new Region("CL", 56, "Chile"),
            new Region("CM", 237, "Cameroon"),
            new Region("CN", 86, "China"),
            new Region("CO", 57, "Colombia"),
            new Region("CR", 506, "Costa Rica"),
            new Region("CU", 53, "Cuba"),
            new Region("CV", 238, "Cape Verde"),
            new Region("CW", 599, "Curaçao"),
            new Region("CX", 61, "Christmas Island"),
            new Region("CY", 357, "Cyprus"),
            new Region("CZ", 420, "Czechia"),
            new Region("DE", 49, "Germany"),
            new Region("DJ", 253, "Djibouti"),
            new Region("DK", 45, "Denmark"),
            new Region("DM", 1, "Dominica"),
            new Region("DO", 1, "Dominican Republic"),
            new Region("DZ", 213, "Algeria"),
            new Region("EC", 593, "Ecuador"),
            new Region("EE", 372, "Estonia"),
            new Region("EG", 20, "Egypt"),
            new Region("EH", 212, "Western Sahara"),
            new Region("ER", 291, "Eritrea"),
            new Region("ES", 34, "Spain"),
            new Region("ET", 251, "Ethiopia"),
            new Region("FI", 358, "Finland"),
            new Region("FJ", 679, "Fiji"),
            new Region("FK", 500, "Falkland Islands"),
            new Region("FM", 691, "Micronesia"),
            new Region("FO", 298, "Faroe Islands"),
            new Region("FR", 33, "France"),
            new Region("GA", 241, "Gabon"),
            new Region("GB", 44, "United Kingdom"),
            new Region("GD", 1, "Grenada"),
            new Region("GE", 995, "Georgia"),
            new Region("GF", 594, "French Guiana"),
            new Region("GG", 44, "Guernsey"),
            new Region("GH", 233, "Ghana"),
            new Region("GI", 350, "Gibraltar"),
            new Region("GL", 299, "Greenland"),
            new Region("GM", 220, "Gambia"),
            new Region("GN", 224, "Guinea"),
            new Region("GP", 590, "Guadeloupe"),
            new Region("GQ", 240, "Equatorial Guinea"),
            new Region("GR", 30, "Greece"),
            new Region("GT", 502, "Guatemala"),
            new Region("GU", 1, "Guam"),
            new Region("GW", 245, "Guinea-Bissau"),
            new Region("GY", 592, "Guyana"),
            new Region("HK", 852, "Hong Kong SAR China"),
            new Region("HN", 504, "Honduras"),
            new Region("HR", 385, "Croatia"),
            new Region("HT", 509, "Haiti"),
            new Region("HU", 36, "Hungary"),
            new Region("ID", 62, "Indonesia"),
            new Region("IE", 353, "Ireland"),
            new Region("IL", 972, "Israel"),
            new Region("IM", 44, "Isle of Man"),
            new Region("IN", 91, "India"),
            new Region("IO", 246, "British Indian Ocean Territory"),
            new Region("IQ", 964, "Iraq"),
            new Region("IR", 98, "Iran"),
            new Region("IS", 354, "Iceland"),
            new Region("IT", 39, "Italy"),
            new Region("JE", 44, "Jersey"),
            new Region("JM", 1, "Jamaica"),
            new Region("JO", 962, "Jordan"),
            new Region("JP", 81, "Japan"),
            new Region("KE", 254, "Kenya"),
            new Region("KG", 996, "Kyrgyzstan"),
            new Region("KH", 855, "Cambodia"),
            new Region("KI", 686, "Kiribati"),
            new Region("KM", 269, "Comoros"),
            new Region("KN", 1, "St. Kitts & Nevis"),
            new Region("KP", 850, "North Korea"),
            new Region("KR", 82, "South Korea"),
            new Region("KW", 965, "Kuwait"),
            new Region("KY", 1, "Cayman Islands"),
            new Region("KZ", 7, "Kazakhstan"),
            new Region("LA", 856, "Laos"),
            new Region("LB", 961, "Lebanon"),
            new Region("LC", 1, "St. Lucia"),
            new Region("LI", 423, "Liechtenstein"),
            new Region("LK", 94, "Sri Lanka"),
            new Region("LR", 231, "Liberia"),
            new Region("LS", 266, "Lesotho"),
            new Region("LT", 370, "Lithuania"),
            new Region("LU", 352, "Luxembourg"),
            new Region("LV", 371, "Latvia"),
            new Region("LY", 218, "Libya"),
            new Region("MA", 212, "Morocco"),
            new Region("MC", 377, "Monaco"),
            new Region("MD", 373, "Moldova"),
            new Region("ME", 382, "Montenegro"),
            new Region("MF", 590, "St. Martin"),
            new Region("MG", 261, "Madagascar"),
            new Region("MH", 692, "Marshall Islands"),
            new Region("MK", 389, "North Macedonia"),
            new Region("ML", 223, "Mali"),
            new Region("MM", 95, "Myanmar (Burma)"),
            new Region("MN", 976, "Mongolia"),
            new Region("MO", 853, "Macao SAR China"),
            new Region("MP", 1, "Northern Mariana Islands"),
            new Region("MQ", 596, "Martinique"),
            new Region("MR", 222, "Mauritania"),
            new Region("MS", 1, "Montserrat"),
            new Region("MT", 356, "Malta"),
            new Region("MU", 230, "Mauritius"),
            new Region("MV", 960, "Maldives"),
            new Region("MW", 265, "Malawi"),
            new Region("MX", 52, "Mexico"),
            new Region("MY", 60, "Malaysia"),
            new Region("MZ", 258, "Mozambique"),
            new Region("NA", 264, "Namibia"),
            new Region("NC", 687, "New Caledonia"),
            new Region("NE", 227, "Niger"),
            new Region("NF", 672, "Norfolk Island"),
            new Region("NG", 234, "Nigeria"),
            new Region("NI", 505, "Nicaragua"),
            new Region("NL", 31, "Netherlands"),
            new Region("NO", 47, "Norway"),
            new Region("NP", 977, "Nepal"),
            new Region("NR", 674, "Nauru"),
            new Region("NU", 683, "Niue"),
            new Region("NZ", 64, "New Zealand"),
            new Region("OM", 968, "Oman"),
            new Region("PA", 507, "Panama"),
            new Region("PE", 51, "Peru"),
            new Region("PF", 689, "French Polynesia"),
            new Region("PG", 675, "Papua New Guinea"),
            new Region("PH", 63, "Philippines"),
            new Region("PK", 92, "Pakistan"),
            new Region("PL", 48, "Poland"),
            new Region("PM", 508, "St. Pierre & Miquelon"),
            new Region("PR", 1, "Puerto Rico"),
            new Region("PS", 970, "Palestinian Territories"),
            new Region("PT", 351, "Portugal"),
            new Region("PW", 680, "Palau"),
            new Region("PY", 595, "Paraguay"),
            new Region("QA", 974, "Qatar"),
            new Region("RE", 262, "Réunion"),
            new Region("RO", 40, "Romania"),
            new Region("RS", 381, "Serbia"),
            new Region("RU", 7, "Russia"),
            new Region("RW", 250, "Rwanda"),
            new Region("SA", 966, "Saudi Arabia"),
            new Region("SB", 677, "Solomon Islands"),
            new Region("SC", 248, "Seychelles"),
            new Region("SD", 249, "Sudan"),
            new Region("SE", 46, "Sweden"),
            new Region("SG", 65, "Singapore"),
            new Region("SH", 290, "St. Helena"),
            new Region("SI", 386, "Slovenia"),
            new Region("SJ", 47, "Svalbard & Jan Mayen"),
            new Region("SK", 421, "Slovakia"),
            new Region("SL", 232, "Sierra Leone"),
            new Region("SM", 378, "San Marino"),
            new Region("SN", 221, "Senegal"),
            new Region("SO", 252, "Somalia"),
            new Region("SR", 597, "Suriname"),
            new Region("SS", 211, "South Sudan"),
            new Region("ST", 239, "São Tomé & Príncipe"),
            new Region("SV", 503, "El Salvador"),
            new Region("SX", 1, "Sint Maarten"),
            new Region("SY", 963, "Syria"),
            new Region("SZ", 268, "Eswatini"),
            new Region("TA", 290, "Tristan da Cunha"),
            new Region("TC", 1, "Turks & Caicos Islands"),
            new Region("TD", 235, "Chad"),
            new Region("TG", 228, "Togo"),
            new Region("TH", 66, "Thailand"),
            new Region("TJ", 992, "Tajikistan"),
            new Region("TK", 690, "Tokelau"),
            new Region("TL", 670, "Timor-Leste"),
            new Region("TM", 993, "Turkmenistan"),
            new Region("TN", 216, "Tunisia"),
            new Region("TO", 676, "Tonga"),
            new Region("TR", 90, "Turkey"),
            new Region("TT", 1, "Trinidad & Tobago"),
            new Region("TV", 688, "Tuvalu"),
            new Region("TW", 886, "Taiwan"),
            new Region("TZ", 255, "Tanzania"),
            new Region("UA", 380, "Ukraine"),
            new Region("UG", 256, "Uganda"),
            new Region("US", 1, "United States"),
            new Region("UY", 598, "Uruguay"),
            new Region("UZ", 998, "Uzbekistan"),
            new Region("VA", 39, "Vatican City"),
            new Region("VC", 1, "St. Vincent & Grenadines"),
            new Region("VE", 58, "Venezuela"),
            new Region("VG", 1, "British Virgin Islands"),
            new Region("VI", 1, "U.S. Virgin Islands"),
            new Region("VN", 84, "Vietnam"),
            new Region("VU", 678, "Vanuatu"),
            new Region("WF", 681, "Wallis & Futuna"),
            new Region("WS", 685, "Samoa"),
            new Region("XK", 383, "Kosovo"),
            new Region("YE", 967, "Yemen"),
            new Region("YT", 262, "Mayotte"),
            new Region("ZA", 27, "South Africa"),
            new Region("ZM", 260, "Zambia"),
            new Region("ZW", 263, "Zimbabwe"),
        };

        private static readonly Choice[] s_choices = s_regions
            .Select(r => new Choice(r.Code, $"{r.Code}  {r.Name} (+{r.CallingCode})", $"{r.Name}: country calling code +{r.CallingCode}", r.Name))
            .ToArray();

        protected override IReadOnlyList<Choice> Choices => s_choices;

        /// <summary>The region codes offered (tests and scripts).</summary>
        public static IEnumerable<string> Codes => s_regions.Select(r => r.Code);
    }

    /// <summary>Gives this module's parameters their completers by name when the module is imported.</summary>
    internal static class Completers
    {
        internal static readonly IReadOnlyDictionary<string, Type> ByParameterName = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
        {
            ["PhoneType"] = typeof(PhoneTypeCompleter),
            ["Environment"] = typeof(EnvironmentCompleter),
            ["DefaultRegion"] = typeof(RegionCompleter),
            ["Region"] = typeof(RegionCompleter),
            ["SourceProperty"] = typeof(SourcePropertyCompleter),
        };

        /// <summary>
        /// Registers a completer for each cmdlet parameter (of this assembly, or of
        /// <paramref name="cmdletTypes"/>) whose name is in <see cref="ByParameterName"/> and that
        /// has neither an [ArgumentCompleter] nor a [ValidateSet] of its own (PowerShell completes
        /// a ValidateSet's values itself, ahead of any registered completer), in the runspace
        /// importing the module. Completion is a comfort: a failure here never fails the import.
        /// </summary>
        internal static void Register(IEnumerable<Type> cmdletTypes = null)
        {
            var targets = new Dictionary<(string Parameter, Type Completer), List<string>>();
            foreach (Type type in cmdletTypes ?? typeof(Completers).Assembly.GetTypes())
            {
                var cmdlet = type.GetCustomAttribute<CmdletAttribute>();
                if (cmdlet == null || type.IsAbstract) continue;
                foreach (PropertyInfo p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (p.GetCustomAttributes<ParameterAttribute>().Any() && p.GetCustomAttribute<ArgumentCompleterAttribute>() == null &&
                        p.GetCustomAttribute<ValidateSetAttribute>() == null && ByParameterName.TryGetValue(p.Name, out Type completer))
                    {
                        var key = (p.Name, completer);
                        if (!targets.TryGetValue(key, out List<string> commands)) targets[key] = commands = new List<string>();
                        commands.Add(cmdlet.VerbName + "-" + cmdlet.NounName);
                    }
                }
            }
            if (targets.Count == 0) return;
            try
            {
                using (var ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    foreach (var target in targets)
                    {
                        var script = ScriptBlock.Create(
                            "param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)\n" +
                            $"[{target.Key.Completer.FullName}]::new().CompleteArgument($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)");
                        ps.AddCommand("Register-ArgumentCompleter")
                          .AddParameter("CommandName", target.Value.ToArray())
                          .AddParameter("ParameterName", target.Key.Parameter)
                          .AddParameter("ScriptBlock", script)
                          .AddStatement();
                    }
                    ps.Invoke();
                }
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is RuntimeException || e is InvalidOperationException)
            {
                // No runspace to register in (a host loading the assembly on its own): no completion.
            }
        }
    }
}
