using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

public static class PhoneTypes
{
    public const string Mobile = "mobile", AlternateMobile = "alternateMobile", Office = "office";
    public const string MobileId = "3179e48a-750b-4051-897c-87b9720928f7";
    public const string AlternateMobileId = "b6332ec1-7057-4abe-9331-3d72feddfe41";
    public const string OfficeId = "e37fc753-ff3b-4958-9484-eaa9425c82bc";
    public static readonly string[] All = { Mobile, AlternateMobile, Office };

    public static string? IdOf(string type) => type switch
    {
        Mobile => MobileId, AlternateMobile => AlternateMobileId, Office => OfficeId, _ => null,
    };

    public static string? TypeOfId(string id) => id.ToLowerInvariant() switch
    {
        MobileId => Mobile, AlternateMobileId => AlternateMobile, OfficeId => Office, _ => null,
    };

    /// <summary>Graph's phoneType values are matched case-insensitively on input and returned camelCase.</summary>
    public static string? Canonical(string? t) =>
        t == null ? null : All.FirstOrDefault(x => string.Equals(x, t, StringComparison.OrdinalIgnoreCase));

    /// <summary>userPreferredMethodForSecondaryAuthentication values that point at a phone type.</summary>
    public static string? TypeOfDefaultMethod(string? method) => method switch
    {
        "sms" or "voiceMobile" => Mobile,
        "voiceAlternateMobile" => AlternateMobile,
        "voiceOffice" => Office,
        _ => null,
    };

    public static readonly string[] SignInStates =
        { "notSupported", "notAllowedByPolicy", "notEnabled", "phoneNumberNotUnique", "ready", "notConfigured", "unknownFutureValue" };
}

public static class DirectoryRoles
{
    // Role template ids as they appear in the wids claim.
    public const string GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
    public const string PrivilegedAuthenticationAdministrator = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    public const string AuthenticationAdministrator = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
    public const string GlobalReader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    public const string UserAdministrator = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    public const string DefaultMember = "b79fbf4d-3ef9-4689-8143-76b194e85509";

    public static readonly Dictionary<string, string> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Global Administrator"] = GlobalAdministrator,
        ["Privileged Authentication Administrator"] = PrivilegedAuthenticationAdministrator,
        ["Authentication Administrator"] = AuthenticationAdministrator,
        ["Global Reader"] = GlobalReader,
        ["User Administrator"] = UserAdministrator,
    };

    public static string? Resolve(string nameOrId)
    {
        if (ByName.TryGetValue(nameOrId, out var id)) return id;
        return Guid.TryParse(nameOrId, out var g) ? g.ToString() : null;
    }
}

public sealed class PhoneMethod
{
    public required string Type { get; init; }
    public required string Number { get; set; }
    public string SmsSignInState { get; set; } = "notSupported";
    public string Id => PhoneTypes.IdOf(Type)!;
}

public sealed class User
{
    public Guid Id { get; set; }
    public string UserPrincipalName { get; set; } = "";
    public string? DisplayName { get; set; }
    public string? GivenName { get; set; }
    public string? Surname { get; set; }
    public string? Mail { get; set; }
    public string? JobTitle { get; set; }
    public string? Department { get; set; }
    public string? OfficeLocation { get; set; }
    public string? PreferredLanguage { get; set; }
    public string? MobilePhone { get; set; }
    public List<string> BusinessPhones { get; set; } = new();
    public string? UsageLocation { get; set; }
    public bool AccountEnabled { get; set; } = true;
    public string UserType { get; set; } = "Member";
    public string? OnPremisesImmutableId { get; set; }
    public bool OnPremisesSyncEnabled { get; set; }
    public string?[] ExtensionAttributes { get; } = new string?[15];

    // Sign-in facts.
    public string? Password { get; set; }
    public bool MfaRequired { get; set; }
    public bool MfaRegistrationRequired { get; set; }
    public List<string> DirectoryRoles { get; set; } = new(); // role template ids

    // Authentication methods.
    public Dictionary<string, PhoneMethod> Phones { get; } = new(StringComparer.Ordinal);
    public bool SmsSignInEnabledByPolicy { get; set; } = true;
    public string? PreferredMethod { get; set; } // userPreferredMethodForSecondaryAuthentication
    public bool SystemPreferredEnabled { get; set; }
    /// <summary>Other (non-phone) methods the user has, e.g. "microsoftAuthenticator"; affects nothing but state.</summary>
    public List<string> OtherMethods { get; set; } = new();

    public long Version { get; set; }
    public bool Deleted { get; set; }
}

public sealed class AppSecret
{
    public required string Value { get; init; }
    public Guid KeyId { get; init; }
    public DateTimeOffset? Expires { get; init; }
}

public sealed class AppCertificate
{
    public required X509Certificate2 Certificate { get; init; }
    public required string Pem { get; init; }
    public string ThumbprintSha1B64 => Base64Url.Encode(Certificate.GetCertHash(HashAlgorithmName.SHA1));
    public string ThumbprintSha256B64 => Base64Url.Encode(Certificate.GetCertHash(HashAlgorithmName.SHA256));
}

public sealed class App
{
    public required string ClientId { get; init; }
    public Guid ServicePrincipalId { get; set; }
    public string DisplayName { get; set; } = "";
    public List<AppSecret> Secrets { get; } = new();
    public List<AppCertificate> Certificates { get; } = new();
    /// <summary>Application permissions granted (roles claim), e.g. "UserAuthMethod-Phone.ReadWrite.All".</summary>
    public List<string> ApplicationPermissions { get; set; } = new();
    /// <summary>Delegated permissions consented for Graph (scp claim), e.g. "User.Read.All".</summary>
    public List<string> DelegatedPermissions { get; set; } = new();
    public bool PublicClient { get; set; }
    public bool ConditionalAccessBlocked { get; set; }
}

public sealed class ManagedIdentity
{
    public required string ClientId { get; init; }
    public Guid ObjectId { get; set; }
    public string? ResourceId { get; set; }
    public bool SystemAssigned { get; set; }
    public List<string> ApplicationPermissions { get; set; } = new();
}

public sealed class Tenant
{
    public Guid Id { get; set; }
    public string DisplayName { get; set; } = "";
    public List<string> Domains { get; } = new();
    public Dictionary<string, App> Apps { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<ManagedIdentity> ManagedIdentities { get; } = new();
    public List<User> Users { get; } = new(); // insertion order = listing order
    public Dictionary<Guid, User> UsersById { get; } = new();
    public Dictionary<string, User> UsersByUpn { get; } = new(StringComparer.OrdinalIgnoreCase);
    public long Version { get; set; }
    /// <summary>Lock guarding everything in this tenant.</summary>
    public object Sync { get; } = new();

    /// <summary>Users not deleted (kept as a count: the throttling tier is looked up per request).</summary>
    public int ActiveUserCount { get; private set; }

    public void AddUser(User u)
    {
        if (UsersById.ContainsKey(u.Id)) throw new SeedException($"duplicate user id {u.Id}");
        if (UsersByUpn.ContainsKey(u.UserPrincipalName)) throw new SeedException($"duplicate userPrincipalName {u.UserPrincipalName}");
        u.Version = ++Version;
        Users.Add(u);
        UsersById[u.Id] = u;
        UsersByUpn[u.UserPrincipalName] = u;
        if (!u.Deleted) ActiveUserCount++;
        InvalidateSmsIndex();
    }

    public void DeleteUser(User u)
    {
        if (u.Deleted) return;
        u.Deleted = true;
        UsersByUpn.Remove(u.UserPrincipalName);
        ActiveUserCount--;
        Touch(u);
    }

    // ---- which numbers are registered for SMS sign-in (mobile, smsSignInState ready) ----

    private Dictionary<string, HashSet<User>>? _smsReady;

    public static string NumberKey(string number)
    {
        int x = number.IndexOf('x');
        if (x >= 0) number = number[..x];
        return new string(number.Where(char.IsDigit).ToArray());
    }

    /// <summary>Forget the index (after bulk or control-API changes); it is rebuilt on next use.</summary>
    public void InvalidateSmsIndex() => _smsReady = null;

    private Dictionary<string, HashSet<User>> SmsIndex()
    {
        if (_smsReady != null) return _smsReady;
        var d = new Dictionary<string, HashSet<User>>(StringComparer.Ordinal);
        foreach (var u in Users)
            if (!u.Deleted && u.Phones.TryGetValue(PhoneTypes.Mobile, out var m) && m.SmsSignInState == "ready")
            {
                var k = NumberKey(m.Number);
                if (!d.TryGetValue(k, out var set)) d[k] = set = new HashSet<User>();
                set.Add(u);
            }
        return _smsReady = d;
    }

    /// <summary>True if a user other than <paramref name="u"/> holds the number for SMS sign-in.</summary>
    public bool SmsNumberHeldByOther(User u, string number) =>
        SmsIndex().TryGetValue(NumberKey(number), out var set) && set.Any(o => o != u && !o.Deleted);

    /// <summary>Call before changing a user's mobile method (keeps the index exact).</summary>
    public void SmsUnindex(User u)
    {
        if (_smsReady == null || !u.Phones.TryGetValue(PhoneTypes.Mobile, out var m)) return;
        if (_smsReady.TryGetValue(NumberKey(m.Number), out var set)) set.Remove(u);
    }

    /// <summary>Call after changing a user's mobile method.</summary>
    public void SmsReindex(User u)
    {
        if (_smsReady == null || u.Deleted || !u.Phones.TryGetValue(PhoneTypes.Mobile, out var m) || m.SmsSignInState != "ready") return;
        var k = NumberKey(m.Number);
        if (!_smsReady.TryGetValue(k, out var set)) _smsReady[k] = set = new HashSet<User>();
        set.Add(u);
    }

    public User? FindUser(string idOrUpn)
    {
        User? u;
        if (Guid.TryParse(idOrUpn, out var g)) UsersById.TryGetValue(g, out u);
        else UsersByUpn.TryGetValue(idOrUpn, out u);
        return u is { Deleted: false } ? u : null;
    }

    public void Touch(User u)
    {
        u.Version = ++Version;
        InvalidateSmsIndex();
    }
}

public sealed class TwilioAccount
{
    public required string AccountSid { get; init; }
    public required string AuthToken { get; set; }
    public Dictionary<string, string> ApiKeys { get; } = new(StringComparer.Ordinal); // SK sid -> secret
    /// <summary>Default webhook URL for inbound SMS (per number overrides in NumberWebhooks).</summary>
    public string? SmsUrl { get; set; }
    public Dictionary<string, string> NumberWebhooks { get; } = new(StringComparer.Ordinal);
}

public sealed class TeamsReceiver
{
    public required string Id { get; init; }
    public string? Sig { get; set; }
}

public sealed class SeedException(string message) : Exception(message);

/// <summary>The whole simulated world: tenants, Twilio accounts, registered receivers.</summary>
public sealed class World
{
    private readonly object _lock = new();
    private Dictionary<Guid, Tenant> _tenants = new();
    private Dictionary<string, Tenant> _byDomain = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, TwilioAccount> TwilioAccounts { get; private set; } = new(StringComparer.Ordinal);
    public Dictionary<string, TeamsReceiver> TeamsReceivers { get; private set; } = new(StringComparer.Ordinal);
    public object TwilioSync { get; } = new();

    public IReadOnlyList<Tenant> Tenants { get { lock (_lock) return _tenants.Values.ToList(); } }

    public Tenant? FindTenant(string idOrDomain)
    {
        lock (_lock)
        {
            if (Guid.TryParse(idOrDomain, out var g)) return _tenants.GetValueOrDefault(g);
            return _byDomain.GetValueOrDefault(idOrDomain);
        }
    }

    public Tenant? FindTenant(Guid id) { lock (_lock) return _tenants.GetValueOrDefault(id); }

    public void Clear()
    {
        lock (_lock)
        {
            _tenants = new();
            _byDomain = new(StringComparer.OrdinalIgnoreCase);
            TwilioAccounts = new(StringComparer.Ordinal);
            TeamsReceivers = new(StringComparer.Ordinal);
        }
    }

    public void PutTenant(Tenant t)
    {
        lock (_lock)
        {
            if (_tenants.TryGetValue(t.Id, out var old))
                foreach (var d in old.Domains) _byDomain.Remove(d);
            foreach (var d in t.Domains)
                if (_byDomain.TryGetValue(d, out var other) && other.Id != t.Id)
                    throw new SeedException($"domain {d} already belongs to tenant {other.Id}");
            _tenants[t.Id] = t;
            foreach (var d in t.Domains) _byDomain[d] = t;
        }
    }

    public bool RemoveTenant(Guid id)
    {
        lock (_lock)
        {
            if (!_tenants.Remove(id, out var t)) return false;
            foreach (var d in t.Domains) _byDomain.Remove(d);
            return true;
        }
    }

    /// <summary>The user, across all tenants, whose UPN is given (for /organizations ROPC).</summary>
    public (Tenant, User)? FindUserAnywhere(string upn)
    {
        foreach (var t in Tenants)
            lock (t.Sync)
            {
                var u = t.FindUser(upn);
                if (u != null) return (t, u);
            }
        return null;
    }
}

/// <summary>Reads and writes the seed JSON format documented in README.md.</summary>
public static class Seed
{
    public static List<Tenant> Load(World world, JsonNode root, Rng rng)
    {
        var added = new List<Tenant>();
        JsonArray tenants;
        if (root is JsonObject o && o["tenants"] is JsonArray arr) tenants = arr;
        else if (root is JsonArray a) tenants = a;
        else if (root is JsonObject single && (single["id"] != null || single["users"] != null || single["domains"] != null)) tenants = new JsonArray(root.DeepClone());
        else tenants = new JsonArray();

        foreach (var tn in tenants)
        {
            if (tn is not JsonObject) throw new SeedException("each tenant must be a JSON object");
            var t = ParseTenant(tn, rng);
            world.PutTenant(t);
            added.Add(t);
        }

        if (root is JsonObject ro)
        {
            if (ro["twilio"] is JsonObject tw && tw["accounts"] is JsonArray accts)
                foreach (var an in accts) AddTwilioAccount(world, an);
            else if (ro["twilio"] is JsonArray accts2)
                foreach (var an in accts2) AddTwilioAccount(world, an);
            if (ro["teams"] is JsonArray teams)
                foreach (var r in teams)
                {
                    var id = r.Str("id") ?? throw new SeedException("teams receiver needs id");
                    lock (world.TwilioSync) world.TeamsReceivers[id] = new TeamsReceiver { Id = id, Sig = r.Str("sig") };
                }
        }
        return added;
    }

    public static void AddTwilioAccount(World world, JsonNode? an)
    {
        var sid = an.Str("accountSid") ?? throw new SeedException("twilio account needs accountSid");
        var token = an.Str("authToken") ?? throw new SeedException("twilio account needs authToken");
        var acct = new TwilioAccount { AccountSid = sid, AuthToken = token, SmsUrl = an.Str("smsUrl") };
        if (an?["apiKeys"] is JsonArray keys)
            foreach (var k in keys)
                acct.ApiKeys[k.Str("sid") ?? throw new SeedException("api key needs sid")] = k.Str("secret") ?? throw new SeedException("api key needs secret");
        if (an?["numbers"] is JsonArray nums)
            foreach (var n in nums)
            {
                var num = n.Str("phoneNumber") ?? throw new SeedException("twilio number needs phoneNumber");
                var url = n.Str("smsUrl");
                if (url != null) acct.NumberWebhooks[num] = url;
            }
        lock (world.TwilioSync) world.TwilioAccounts[sid] = acct;
    }

    private static Tenant ParseTenant(JsonNode tn, Rng rng)
    {
        var t = new Tenant
        {
            Id = Guid.TryParse(tn.Str("id"), out var g) ? g : rng.NextGuid(),
            DisplayName = tn.Str("displayName") ?? "Tenant",
        };
        foreach (var d in tn.StrList("domains")) t.Domains.Add(d);
        if (t.Domains.Count == 0) t.Domains.Add($"tenant{t.Id.ToString("N")[..8]}.onmicrosoft.com");

        if (tn["apps"] is JsonArray apps)
            foreach (var an in apps) { var app = ParseApp(an, rng); t.Apps[app.ClientId] = app; }
        if (tn["managedIdentities"] is JsonArray mis)
            foreach (var mn in mis)
                t.ManagedIdentities.Add(new ManagedIdentity
                {
                    ClientId = mn.Str("clientId") ?? rng.NextGuid().ToString(),
                    ObjectId = Guid.TryParse(mn.Str("objectId"), out var og) ? og : rng.NextGuid(),
                    ResourceId = mn.Str("resourceId"),
                    SystemAssigned = mn.Bool("systemAssigned") ?? false,
                    ApplicationPermissions = mn.StrList("applicationPermissions"),
                });
        if (tn["users"] is JsonArray users)
            foreach (var un in users) t.AddUser(ParseUser(un, rng));
        return t;
    }

    public static App ParseApp(JsonNode? an, Rng rng)
    {
        var app = new App
        {
            ClientId = an.Str("clientId") ?? throw new SeedException("app needs clientId"),
            ServicePrincipalId = Guid.TryParse(an.Str("servicePrincipalId"), out var sp) ? sp : rng.NextGuid(),
            DisplayName = an.Str("displayName") ?? "app",
            ApplicationPermissions = an.StrList("applicationPermissions"),
            DelegatedPermissions = an.StrList("delegatedPermissions"),
            PublicClient = an.Bool("publicClient") ?? false,
            ConditionalAccessBlocked = an.Bool("conditionalAccessBlocked") ?? false,
        };
        if (an?["secrets"] is JsonArray secrets)
            foreach (var s in secrets)
            {
                if (s is JsonValue) { app.Secrets.Add(new AppSecret { Value = s.GetValue<string>(), KeyId = rng.NextGuid() }); continue; }
                app.Secrets.Add(new AppSecret
                {
                    Value = s.Str("value") ?? throw new SeedException("secret needs value"),
                    KeyId = Guid.TryParse(s.Str("keyId"), out var k) ? k : rng.NextGuid(),
                    Expires = DateTimeOffset.TryParse(s.Str("expires"), out var e) ? e : null,
                });
            }
        if (an?["certificates"] is JsonArray certs)
            foreach (var c in certs)
            {
                string pem = c is JsonValue ? c.GetValue<string>() : c.Str("pem") ?? throw new SeedException("certificate needs pem");
                app.Certificates.Add(ParseCertificate(pem));
            }
        return app;
    }

    public static AppCertificate ParseCertificate(string pem)
    {
        try
        {
            var cert = X509Certificate2.CreateFromPem(pem);
            return new AppCertificate { Certificate = cert, Pem = cert.ExportCertificatePem() };
        }
        catch (CryptographicException e) { throw new SeedException("certificate is not a PEM X.509 certificate: " + e.Message); }
    }

    public static User ParseUser(JsonNode? un, Rng rng)
    {
        var u = new User
        {
            Id = Guid.TryParse(un.Str("id"), out var g) ? g : rng.NextGuid(),
            UserPrincipalName = un.Str("userPrincipalName") ?? throw new SeedException("user needs userPrincipalName"),
        };
        ApplyUserProperties(u, un);
        return u;
    }

    /// <summary>Applies seed/control properties present in <paramref name="un"/> to a user.</summary>
    public static void ApplyUserProperties(User u, JsonNode? un)
    {
        if (un is not JsonObject o) return;
        if (o.ContainsKey("displayName")) u.DisplayName = un.Str("displayName");
        if (o.ContainsKey("givenName")) u.GivenName = un.Str("givenName");
        if (o.ContainsKey("surname")) u.Surname = un.Str("surname");
        if (o.ContainsKey("mail")) u.Mail = un.Str("mail");
        if (o.ContainsKey("jobTitle")) u.JobTitle = un.Str("jobTitle");
        if (o.ContainsKey("department")) u.Department = un.Str("department");
        if (o.ContainsKey("officeLocation")) u.OfficeLocation = un.Str("officeLocation");
        if (o.ContainsKey("preferredLanguage")) u.PreferredLanguage = un.Str("preferredLanguage");
        if (o.ContainsKey("mobilePhone")) u.MobilePhone = un.Str("mobilePhone");
        if (o.ContainsKey("businessPhones")) u.BusinessPhones = un.StrList("businessPhones");
        if (o.ContainsKey("usageLocation")) u.UsageLocation = un.Str("usageLocation");
        if (o.ContainsKey("accountEnabled")) u.AccountEnabled = un.Bool("accountEnabled") ?? true;
        if (o.ContainsKey("userType")) u.UserType = un.Str("userType") ?? "Member";
        if (o.ContainsKey("onPremisesImmutableId")) u.OnPremisesImmutableId = un.Str("onPremisesImmutableId");
        if (o.ContainsKey("onPremisesSyncEnabled")) u.OnPremisesSyncEnabled = un.Bool("onPremisesSyncEnabled") ?? false;
        if (o["onPremisesExtensionAttributes"] is JsonObject ext)
            foreach (var kv in ext)
                if (kv.Key.StartsWith("extensionAttribute", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(kv.Key["extensionAttribute".Length..], out int n) && n is >= 1 and <= 15)
                    u.ExtensionAttributes[n - 1] = kv.Value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? kv.Value.GetValue<string>() : kv.Value?.ToJsonString();
        if (o.ContainsKey("password")) u.Password = un.Str("password");
        if (o.ContainsKey("mfaRequired")) u.MfaRequired = un.Bool("mfaRequired") ?? false;
        if (o.ContainsKey("mfaRegistrationRequired")) u.MfaRegistrationRequired = un.Bool("mfaRegistrationRequired") ?? false;
        if (o.ContainsKey("directoryRoles"))
            u.DirectoryRoles = un.StrList("directoryRoles").Select(r => DirectoryRoles.Resolve(r) ?? throw new SeedException($"unknown directory role '{r}'")).ToList();
        if (o.ContainsKey("smsSignInEnabledByPolicy")) u.SmsSignInEnabledByPolicy = un.Bool("smsSignInEnabledByPolicy") ?? true;
        if (o.ContainsKey("preferredMethod")) u.PreferredMethod = un.Str("preferredMethod");
        if (o.ContainsKey("systemPreferredAuthenticationMethodEnabled")) u.SystemPreferredEnabled = un.Bool("systemPreferredAuthenticationMethodEnabled") ?? false;
        if (o.ContainsKey("otherMethods")) u.OtherMethods = un.StrList("otherMethods");
        if (o["phoneMethods"] is JsonArray phones)
        {
            u.Phones.Clear();
            foreach (var p in phones)
            {
                var type = PhoneTypes.Canonical(p.Str("phoneType")) ?? throw new SeedException($"phone method of {u.UserPrincipalName}: phoneType must be mobile, alternateMobile or office");
                var number = p.Str("phoneNumber") ?? throw new SeedException($"phone method of {u.UserPrincipalName}: phoneNumber missing");
                var state = p.Str("smsSignInState") ?? (type == PhoneTypes.Mobile ? (u.SmsSignInEnabledByPolicy ? "notEnabled" : "notAllowedByPolicy") : "notSupported");
                if (!PhoneTypes.SignInStates.Contains(state)) throw new SeedException($"unknown smsSignInState '{state}'");
                u.Phones[type] = new PhoneMethod { Type = type, Number = number, SmsSignInState = state };
            }
        }
    }

    // ---- dump (same format as the seed; secrets only on request) ----

    public static JsonObject Dump(World world, bool includeSecrets, Guid? onlyTenant = null)
    {
        var tenants = new JsonArray();
        foreach (var t in world.Tenants.OrderBy(t => t.Id))
        {
            if (onlyTenant != null && t.Id != onlyTenant) continue;
            lock (t.Sync) tenants.Add(DumpTenant(t, includeSecrets));
        }
        var accounts = new JsonArray();
        var teams = new JsonArray();
        lock (world.TwilioSync)
        {
            foreach (var a in world.TwilioAccounts.Values.OrderBy(a => a.AccountSid, StringComparer.Ordinal))
            {
                var keys = new JsonArray();
                foreach (var k in a.ApiKeys) keys.Add(new JsonObject { ["sid"] = k.Key, ["secret"] = includeSecrets ? k.Value : null });
                var nums = new JsonArray();
                foreach (var n in a.NumberWebhooks) nums.Add(new JsonObject { ["phoneNumber"] = n.Key, ["smsUrl"] = n.Value });
                accounts.Add(new JsonObject
                {
                    ["accountSid"] = a.AccountSid,
                    ["authToken"] = includeSecrets ? a.AuthToken : null,
                    ["smsUrl"] = a.SmsUrl,
                    ["apiKeys"] = keys,
                    ["numbers"] = nums,
                });
            }
            foreach (var r in world.TeamsReceivers.Values)
                teams.Add(new JsonObject { ["id"] = r.Id, ["sig"] = includeSecrets ? r.Sig : null });
        }
        return new JsonObject { ["tenants"] = tenants, ["twilio"] = new JsonObject { ["accounts"] = accounts }, ["teams"] = teams };
    }

    public static JsonObject DumpTenant(Tenant t, bool includeSecrets)
    {
        var apps = new JsonArray();
        foreach (var a in t.Apps.Values.OrderBy(a => a.ClientId, StringComparer.Ordinal))
        {
            var secrets = new JsonArray();
            foreach (var s in a.Secrets)
                secrets.Add(new JsonObject
                {
                    ["keyId"] = s.KeyId.ToString(),
                    ["value"] = includeSecrets ? s.Value : null,
                    ["hint"] = s.Value.Length >= 3 ? s.Value[..3] : "",
                    ["expires"] = s.Expires?.ToString("o"),
                });
            var certs = new JsonArray();
            foreach (var c in a.Certificates)
                certs.Add(new JsonObject { ["pem"] = c.Pem, ["x5t"] = c.ThumbprintSha1B64, ["x5t#S256"] = c.ThumbprintSha256B64 });
            apps.Add(new JsonObject
            {
                ["clientId"] = a.ClientId,
                ["servicePrincipalId"] = a.ServicePrincipalId.ToString(),
                ["displayName"] = a.DisplayName,
                ["secrets"] = secrets,
                ["certificates"] = certs,
                ["applicationPermissions"] = a.ApplicationPermissions.ToJsonArray(),
                ["delegatedPermissions"] = a.DelegatedPermissions.ToJsonArray(),
                ["publicClient"] = a.PublicClient,
                ["conditionalAccessBlocked"] = a.ConditionalAccessBlocked,
            });
        }
        var mis = new JsonArray();
        foreach (var m in t.ManagedIdentities)
            mis.Add(new JsonObject
            {
                ["clientId"] = m.ClientId,
                ["objectId"] = m.ObjectId.ToString(),
                ["resourceId"] = m.ResourceId,
                ["systemAssigned"] = m.SystemAssigned,
                ["applicationPermissions"] = m.ApplicationPermissions.ToJsonArray(),
            });
        var users = new JsonArray();
        foreach (var u in t.Users.Where(u => !u.Deleted)) users.Add(DumpUser(u, includeSecrets));
        return new JsonObject
        {
            ["id"] = t.Id.ToString(),
            ["displayName"] = t.DisplayName,
            ["domains"] = t.Domains.ToJsonArray(),
            ["apps"] = apps,
            ["managedIdentities"] = mis,
            ["users"] = users,
        };
    }

    public static JsonObject DumpUser(User u, bool includeSecrets)
    {
        var ext = new JsonObject();
        for (int i = 0; i < 15; i++) ext[$"extensionAttribute{i + 1}"] = u.ExtensionAttributes[i];
        var phones = new JsonArray();
        foreach (var type in PhoneTypes.All)
            if (u.Phones.TryGetValue(type, out var p))
                phones.Add(new JsonObject { ["id"] = p.Id, ["phoneType"] = p.Type, ["phoneNumber"] = p.Number, ["smsSignInState"] = p.SmsSignInState });
        return new JsonObject
        {
            ["id"] = u.Id.ToString(),
            ["userPrincipalName"] = u.UserPrincipalName,
            ["displayName"] = u.DisplayName,
            ["givenName"] = u.GivenName,
            ["surname"] = u.Surname,
            ["mail"] = u.Mail,
            ["jobTitle"] = u.JobTitle,
            ["department"] = u.Department,
            ["officeLocation"] = u.OfficeLocation,
            ["preferredLanguage"] = u.PreferredLanguage,
            ["mobilePhone"] = u.MobilePhone,
            ["businessPhones"] = u.BusinessPhones.ToJsonArray(),
            ["usageLocation"] = u.UsageLocation,
            ["accountEnabled"] = u.AccountEnabled,
            ["userType"] = u.UserType,
            ["onPremisesImmutableId"] = u.OnPremisesImmutableId,
            ["onPremisesSyncEnabled"] = u.OnPremisesSyncEnabled,
            ["onPremisesExtensionAttributes"] = ext,
            ["password"] = includeSecrets ? u.Password : null,
            ["mfaRequired"] = u.MfaRequired,
            ["mfaRegistrationRequired"] = u.MfaRegistrationRequired,
            ["directoryRoles"] = u.DirectoryRoles.ToJsonArray(),
            ["smsSignInEnabledByPolicy"] = u.SmsSignInEnabledByPolicy,
            ["preferredMethod"] = u.PreferredMethod,
            ["systemPreferredAuthenticationMethodEnabled"] = u.SystemPreferredEnabled,
            ["otherMethods"] = u.OtherMethods.ToJsonArray(),
            ["phoneMethods"] = phones,
        };
    }
}
