using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>Deterministic synthetic tenants (POST /control/generate): numbers in
/// extensionAttribute15 in mixed national and international formats from 15 countries, some
/// empty, some invalid; phone methods matching, differing or missing; SMS sign-in conflicts;
/// phones as default method; B2B guests, apostrophes, '$' and non-ASCII UPNs.</summary>
public static class Generator
{
    private sealed record Country(string Region, string Cc, Func<Random, string> Nsn, Func<string, Random, string>[] Formats);

    private static string D(Random r, int n)
    {
        var sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.Append((char)('0' + r.Next(10)));
        return sb.ToString();
    }

    private static string Group(string s, params int[] sizes)
    {
        var parts = new List<string>();
        int pos = 0;
        foreach (var sz in sizes) { if (pos >= s.Length) break; parts.Add(s.Substring(pos, Math.Min(sz, s.Length - pos))); pos += sz; }
        if (pos < s.Length) parts.Add(s[pos..]);
        return string.Join(' ', parts);
    }

    private static readonly Country[] Countries =
    {
        new("US", "1", r => "2065550" + D(r, 3), new Func<string, Random, string>[]
        {
            (n, _) => $"+1 {n[..3]}-{n[3..6]}-{n[6..]}", (n, _) => $"({n[..3]}) {n[3..6]}-{n[6..]}", (n, _) => $"{n[..3]}.{n[3..6]}.{n[6..]}", (n, _) => "+1" + n,
        }),
        new("GB", "44", r => "7700900" + D(r, 3), new Func<string, Random, string>[]
        {
            (n, _) => "0" + Group(n, 4, 6), (n, _) => "+44 " + Group(n, 4, 6), (n, _) => "+44 (0)" + Group(n, 4, 6),
        }),
        new("SE", "46", r => "70" + D(r, 7), new Func<string, Random, string>[]
        {
            (n, _) => $"0{n[..2]}-{n[2..5]} {n[5..7]} {n[7..]}", (n, _) => $"+46 {n[..2]} {n[2..5]} {n[5..7]} {n[7..]}", (n, _) => "0046" + n,
        }),
        new("DE", "49", r => "151" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => $"0{n[..3]} {n[3..]}", (n, _) => $"+49 {n[..3]} {n[3..]}", (n, _) => $"0049 {n[..3]} {n[3..]}",
        }),
        new("FR", "33", r => "6" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => "0" + Group(n, 1, 2, 2, 2, 2), (n, _) => "+33 " + Group(n, 1, 2, 2, 2, 2),
        }),
        new("NL", "31", r => "6" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => $"0{n[..1]}-{n[1..]}", (n, _) => $"+31 {n[..1]} {n[1..]}",
        }),
        new("NO", "47", r => "4" + D(r, 7), new Func<string, Random, string>[]
        {
            (n, _) => Group(n, 3, 2, 3), (n, _) => "+47 " + Group(n, 3, 2, 3),
        }),
        new("DK", "45", r => "2" + D(r, 7), new Func<string, Random, string>[]
        {
            (n, _) => Group(n, 2, 2, 2, 2), (n, _) => "+45" + n,
        }),
        new("FI", "358", r => "40" + D(r, 7), new Func<string, Random, string>[]
        {
            (n, _) => $"0{n[..2]} {n[2..]}", (n, _) => $"+358 {n[..2]} {n[2..]}",
        }),
        new("AU", "61", r => "4" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => "0" + Group(n, 3, 3, 3), (n, _) => "+61 " + Group(n, 3, 3, 3),
        }),
        new("JP", "81", r => "90" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => $"0{n[..2]}-{n[2..6]}-{n[6..]}", (n, _) => $"+81 {n[..2]}-{n[2..6]}-{n[6..]}",
        }),
        new("IN", "91", r => "9" + D(r, 9), new Func<string, Random, string>[]
        {
            (n, _) => $"{n[..5]} {n[5..]}", (n, _) => $"+91 {n[..5]} {n[5..]}", (n, _) => "0" + n,
        }),
        new("BR", "55", r => "119" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => $"({n[..2]}) {n[2..7]}-{n[7..]}", (n, _) => $"+55 {n[..2]} {n[2..7]}-{n[7..]}",
        }),
        new("CH", "41", r => "79" + D(r, 7), new Func<string, Random, string>[]
        {
            (n, _) => $"0{n[..2]} {n[2..5]} {n[5..7]} {n[7..]}", (n, _) => $"+41 {n[..2]} {n[2..5]} {n[5..7]} {n[7..]}",
        }),
        new("ES", "34", r => "6" + D(r, 8), new Func<string, Random, string>[]
        {
            (n, _) => Group(n, 3, 2, 2, 2), (n, _) => "+34 " + Group(n, 3, 2, 2, 2),
        }),
    };

    private static readonly string[] Invalid = { "12", "n/a", "555-CALL-NOW", "+999 1", "0000", "+46 70", "call reception", "++46701234567x" };

    private static readonly (string first, string last)[] Names =
    {
        ("Zoë", "Ångström"), ("José", "Álvarez"), ("Søren", "Kierkegård"), ("Jürgen", "Müller"), ("Françoise", "Dupont"),
        ("Åsa", "Öberg"), ("Łukasz", "Żółć"), ("Siobhán", "O'Brien"), ("Anna", "Svensson"), ("John", "Smith"),
        ("Maria", "Garcia"), ("Wei", "Zhang"), ("Aiko", "Tanaka"), ("Priya", "Sharma"), ("Lars", "Nilsson"),
        ("Emma", "Johnson"), ("Noah", "Williams"), ("Olivia", "Brown"), ("Liam", "Jones"), ("Mette", "Hansen"),
    };

    private static string Ascii(string s)
    {
        var norm = s.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder();
        foreach (var c in norm)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            sb.Append(c switch { 'ø' => 'o', 'Ø' => 'O', 'ł' => 'l', 'Ł' => 'L', 'æ' => 'a', 'ß' => 's', _ => c });
        }
        return sb.ToString();
    }

    public static JsonObject Generate(Emu emu, JsonNode? req)
    {
        int count = (int)(req.Num("users") ?? 100);
        if (count is < 0 or > 200_000) throw new ArgumentException("users must be between 0 and 200000");
        int seed = (int)(req.Num("seed") ?? emu.Options.Seed ?? 1);
        var r = new Random(seed);
        Guid NextGuid()
        {
            var b = new byte[16];
            r.NextBytes(b);
            b[7] = (byte)((b[7] & 0x0F) | 0x40);
            b[8] = (byte)((b[8] & 0x3F) | 0x80);
            return new Guid(b);
        }

        Tenant? t = req.Str("tenant") is string existing ? emu.World.FindTenant(existing) : null;
        bool created = t == null;
        if (t == null)
        {
            var domain = req.Str("domain") ?? $"gen{seed}.onmicrosoft.com";
            t = new Tenant { Id = Guid.TryParse(req.Str("tenantId"), out var tid) ? tid : NextGuid(), DisplayName = req.Str("displayName") ?? $"Generated {seed}" };
            t.Domains.Add(domain);
            var appId = req.Str("clientId") ?? NextGuid().ToString();
            var secret = req.Str("clientSecret") ?? "gen-secret-" + seed.ToString(CultureInfo.InvariantCulture);
            var app = new App
            {
                ClientId = appId, ServicePrincipalId = NextGuid(), DisplayName = "MfaPhone sync (generated)",
                ApplicationPermissions = new() { "User.Read.All", "UserAuthenticationMethod.ReadWrite.All" },
                DelegatedPermissions = new() { "User.Read.All", "UserAuthenticationMethod.ReadWrite.All" },
                PublicClient = true,
            };
            app.Secrets.Add(new AppSecret { Value = secret, KeyId = NextGuid() });
            t.Apps[appId] = app;
        }
        string dom = t.Domains[0];
        var stats = new Dictionary<string, int>();
        void Stat(string k) => stats[k] = stats.GetValueOrDefault(k) + 1;
        var desired = new List<(User u, string graph)>();

        lock (t.Sync)
        {
            int start = t.Users.Count;
            for (int i = 0; i < count; i++)
            {
                var (first, last) = Names[r.Next(Names.Length)];
                int n = start + i + 1;
                string local = $"{Ascii(first).ToLowerInvariant()}.{Ascii(last).ToLowerInvariant().Replace("'", "")}{n:D5}";
                string upn;
                int kind = r.Next(100);
                if (kind < 3) { upn = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{n:D5}@{dom}"; Stat("nonAsciiUpn"); }
                else if (kind < 5) { upn = $"{local}_fabrikam.com#EXT#@{dom}"; Stat("guest"); }
                else if (kind < 6) { upn = $"${local}@{dom}"; Stat("dollarUpn"); }
                else if (kind < 8) { upn = $"{Ascii(first).ToLowerInvariant()}.o'{local}@{dom}"; Stat("apostropheUpn"); }
                else upn = $"{local}@{dom}";
                var u = new User
                {
                    Id = NextGuid(), UserPrincipalName = upn, DisplayName = $"{first} {last}", GivenName = first, Surname = last,
                    Mail = upn.Contains('#') ? null : upn, UserType = upn.Contains("#EXT#") ? "Guest" : "Member",
                    OnPremisesSyncEnabled = r.Next(100) < 70, SmsSignInEnabledByPolicy = r.Next(100) < 30,
                };
                if (u.OnPremisesSyncEnabled) u.OnPremisesImmutableId = Convert.ToBase64String(u.Id.ToByteArray());
                var c = Countries[r.Next(Countries.Length)];
                u.UsageLocation = r.Next(100) < 85 ? c.Region : null;
                int roll = r.Next(100);
                string? graphNumber = null;
                if (roll < 8) { u.ExtensionAttributes[14] = null; Stat("ext15Empty"); }
                else if (roll < 13) { u.ExtensionAttributes[14] = Invalid[r.Next(Invalid.Length)]; Stat("ext15Invalid"); }
                else
                {
                    var nsn = c.Nsn(r);
                    graphNumber = $"+{c.Cc} {nsn}";
                    var fmt = c.Formats[r.Next(c.Formats.Length)];
                    u.ExtensionAttributes[14] = fmt(nsn, r);
                    Stat(u.ExtensionAttributes[14]!.StartsWith('+') || u.ExtensionAttributes[14]!.StartsWith("00", StringComparison.Ordinal) ? "ext15International" : "ext15National");
                }
                int m = r.Next(100);
                if (m < 35 && graphNumber != null)
                {
                    u.Phones[PhoneTypes.Mobile] = new PhoneMethod { Type = PhoneTypes.Mobile, Number = graphNumber, SmsSignInState = u.SmsSignInEnabledByPolicy ? "ready" : "notAllowedByPolicy" };
                    Stat("mobileMatching");
                }
                else if (m < 60)
                {
                    var oc = Countries[r.Next(Countries.Length)];
                    u.Phones[PhoneTypes.Mobile] = new PhoneMethod { Type = PhoneTypes.Mobile, Number = $"+{oc.Cc} {oc.Nsn(r)}", SmsSignInState = u.SmsSignInEnabledByPolicy ? "ready" : "notAllowedByPolicy" };
                    Stat("mobileDiffering");
                }
                else Stat("mobileMissing");
                if (u.Phones.ContainsKey(PhoneTypes.Mobile) && r.Next(100) < 10)
                {
                    var oc = Countries[r.Next(Countries.Length)];
                    u.Phones[PhoneTypes.AlternateMobile] = new PhoneMethod { Type = PhoneTypes.AlternateMobile, Number = $"+{oc.Cc} {oc.Nsn(r)}", SmsSignInState = "notSupported" };
                    Stat("alternateMobile");
                }
                if (r.Next(100) < 8)
                {
                    u.Phones[PhoneTypes.Office] = new PhoneMethod { Type = PhoneTypes.Office, Number = $"+1 2065550{D(r, 3)}x{D(r, 3)}", SmsSignInState = "notSupported" };
                    Stat("office");
                }
                if (u.Phones.ContainsKey(PhoneTypes.Mobile) && r.Next(100) < 12)
                {
                    u.PreferredMethod = r.Next(2) == 0 ? "sms" : "voiceMobile";
                    Stat("phoneIsDefault");
                }
                else if (r.Next(100) < 40) { u.OtherMethods.Add("microsoftAuthenticator"); u.PreferredMethod = "push"; }
                t.AddUser(u);
                if (graphNumber != null) desired.Add((u, graphNumber));
            }
            // SMS sign-in conflicts: another in-scope user already holds this user's desired number for SMS sign-in.
            int conflicts = Math.Max(count >= 20 ? 1 : 0, count * 3 / 100);
            for (int k = 0; k < conflicts && desired.Count > 1; k++)
            {
                var (victim, number) = desired[r.Next(desired.Count)];
                var holder = t.Users[start + r.Next(count)];
                if (holder == victim || holder.Phones.ContainsKey(PhoneTypes.AlternateMobile)) continue;
                if (holder.Phones.TryGetValue(PhoneTypes.Mobile, out var existingMobile) && SameDigits(existingMobile.Number, number)) continue;
                holder.SmsSignInEnabledByPolicy = true;
                holder.Phones[PhoneTypes.Mobile] = new PhoneMethod { Type = PhoneTypes.Mobile, Number = number, SmsSignInState = "ready" };
                victim.SmsSignInEnabledByPolicy = true;
                if (victim.Phones.TryGetValue(PhoneTypes.Mobile, out var vm) && SameDigits(vm.Number, number)) victim.Phones.Remove(PhoneTypes.Mobile);
                if (!victim.Phones.ContainsKey(PhoneTypes.Mobile)) victim.Phones.Remove(PhoneTypes.AlternateMobile);
                if (PhoneTypes.TypeOfDefaultMethod(victim.PreferredMethod) is string dt && !victim.Phones.ContainsKey(dt)) victim.PreferredMethod = null;
                Stat("smsSignInConflict");
            }
        }
        if (created) emu.World.PutTenant(t);
        var app0 = t.Apps.Values.First();
        return new JsonObject
        {
            ["tenantId"] = t.Id.ToString(),
            ["domain"] = dom,
            ["users"] = t.ActiveUserCount,
            ["generated"] = count,
            ["clientId"] = app0.ClientId,
            ["clientSecret"] = created ? app0.Secrets[0].Value : null,
            ["stats"] = new JsonObject(stats.OrderBy(k => k.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
    }

    private static bool SameDigits(string a, string b) =>
        new string(a.Where(char.IsDigit).ToArray()) == new string(b.Where(char.IsDigit).ToArray());
}
