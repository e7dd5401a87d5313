using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MfaPhone.Emulator;

/// <summary>Phone authentication methods with every constraint in graph.md, plus the beta
/// signInPreferences resource and the combined /authentication/methods list.</summary>
public static partial class PhoneMethods
{
    private static readonly string[] AppRead = { "UserAuthMethod-Phone.Read.All", "UserAuthMethod-Phone.ReadWrite.All", "UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All" };
    private static readonly string[] AppWrite = { "UserAuthMethod-Phone.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All" };
    private static readonly string[] SelfRead = { "UserAuthMethod-Phone.Read", "UserAuthMethod-Phone.ReadWrite", "UserAuthenticationMethod.Read", "UserAuthenticationMethod.ReadWrite" };
    private static readonly string[] SelfWrite = { "UserAuthMethod-Phone.ReadWrite", "UserAuthenticationMethod.ReadWrite" }; // read own only
    private static readonly string[] AdminReadRoles = { DirectoryRoles.GlobalAdministrator, DirectoryRoles.PrivilegedAuthenticationAdministrator, DirectoryRoles.AuthenticationAdministrator, DirectoryRoles.GlobalReader };
    private static readonly string[] AdminWriteRoles = { DirectoryRoles.GlobalAdministrator, DirectoryRoles.PrivilegedAuthenticationAdministrator, DirectoryRoles.AuthenticationAdministrator };

    private static GraphError Denied() => new(403, "Authorization_RequestDenied", "Request Authorization failed");

    /// <summary>Checks the caller may read/write the target's phone methods. Returns true when
    /// the caller must see masked numbers (delegated Authentication Administrator).</summary>
    private static bool Authorize(Caller c, User target, bool write, bool phoneSpecificAllowed = true)
    {
        string[] appPerms = write ? AppWrite : AppRead;
        if (!phoneSpecificAllowed) appPerms = appPerms.Where(p => !p.StartsWith("UserAuthMethod-Phone", StringComparison.Ordinal)).ToArray();
        if (c.AppOnly)
        {
            if (!c.HasAny(appPerms)) throw Denied();
            return false;
        }
        bool self = c.UserId == target.Id;
        // Users may read, but not change, their own phone methods through Graph ("self-service
        // operations aren't supported").
        if (self && write) throw Denied();
        if (self && (c.HasAny(SelfRead) || c.HasAny(SelfWrite) || c.HasAny(appPerms))) return false;
        if (!c.HasAny(appPerms)) throw Denied();
        if (!c.HasRole(write ? AdminWriteRoles : AdminReadRoles)) throw Denied();
        bool privileged = c.HasRole(DirectoryRoles.GlobalAdministrator, DirectoryRoles.PrivilegedAuthenticationAdministrator);
        // An Authentication Administrator may not manage the methods of administrators.
        if (write && !privileged && target.DirectoryRoles.Count > 0) throw Denied();
        return !privileged;
    }

    /// <summary>What an Authentication Administrator sees: country code kept, all but the
    /// last two digits of the number replaced by X.</summary>
    public static string Mask(string number)
    {
        int space = number.IndexOf(' ');
        if (space < 0) return new string('X', Math.Max(0, number.Length - 2)) + number[Math.Max(0, number.Length - 2)..];
        string cc = number[..space];
        string rest = number[(space + 1)..];
        string ext = "";
        int x = rest.IndexOf('x');
        if (x >= 0) { ext = "x" + new string('X', rest.Length - x - 1); rest = rest[..x]; }
        return cc + " " + new string('X', Math.Max(0, rest.Length - 2)) + rest[Math.Max(0, rest.Length - 2)..] + ext;
    }

    private static JsonObject ToJson(PhoneMethod p, bool masked) => new()
    {
        ["id"] = p.Id,
        ["phoneNumber"] = masked ? Mask(p.Number) : p.Number,
        ["phoneType"] = p.Type,
        ["smsSignInState"] = p.SmsSignInState,
    };

    private static string Key(string key) => Uri.EscapeDataString(key);

    public static GraphResponse List(Emu emu, GraphRequest req, string key)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        bool masked = Authorize(req.Caller, u, write: false);
        var value = new JsonArray();
        lock (t.Sync)
            foreach (var type in PhoneTypes.All)
                if (u.Phones.TryGetValue(type, out var p)) value.Add(ToJson(p, masked));
        return new GraphResponse
        {
            Status = 200,
            Body = new JsonObject
            {
                ["@odata.context"] = Graph.Context(req, $"users('{Key(key)}')/authentication/phoneMethods"),
                ["value"] = value,
            },
        };
    }

    private static string TypeOfMethodId(string methodId) =>
        PhoneTypes.TypeOfId(methodId) ?? throw NotFound(methodId);

    private static GraphError NotFound(string methodId) =>
        new(404, "itemNotFound", $"The phone method '{methodId}' was not found for this user.");

    public static GraphResponse Get(Emu emu, GraphRequest req, string key, string methodId)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        bool masked = Authorize(req.Caller, u, write: false);
        var type = TypeOfMethodId(methodId);
        JsonObject o;
        lock (t.Sync)
        {
            if (!u.Phones.TryGetValue(type, out var p)) throw NotFound(methodId);
            o = ToJson(p, masked);
        }
        var body = new JsonObject { ["@odata.context"] = Graph.Context(req, $"users('{Key(key)}')/authentication/phoneMethods/$entity") };
        foreach (var kv in o) body[kv.Key] = kv.Value?.DeepClone();
        return new GraphResponse { Status = 200, Body = body };
    }

    [GeneratedRegex(@"^\+([1-9][0-9]{0,2}) ([0-9]{4,14})(?:x([0-9]{1,10}))?$")]
    private static partial Regex NumberFormat();

    /// <summary>Graph's number format: "+{country code} {number}[x{extension}]".</summary>
    public static bool ValidNumber(string n)
    {
        var m = NumberFormat().Match(n);
        return m.Success && m.Groups[1].Length + m.Groups[2].Length <= 15;
    }

    private static (string? number, string? type) ReadBody(GraphRequest req, bool create)
    {
        var body = Graph.ParseBody(req);
        if (body.ContainsKey("smsSignInState"))
            throw new GraphError(400, "badRequest", "The property 'smsSignInState' is read-only and cannot be set.");
        foreach (var kv in body)
            if (kv.Key is not ("phoneNumber" or "phoneType" or "id" or "@odata.type"))
                throw new GraphError(400, "badRequest", $"The property '{kv.Key}' does not exist on type 'microsoft.graph.phoneAuthenticationMethod'.");
        string? number = null, type = null;
        if (body["phoneNumber"] is JsonNode pn)
            number = pn.GetValueKind() == JsonValueKind.String ? pn.GetValue<string>() : throw new GraphError(400, "badRequest", "phoneNumber must be a string.");
        if (body["phoneType"] is JsonNode pt)
        {
            var raw = pt.GetValueKind() == JsonValueKind.String ? pt.GetValue<string>() : null;
            type = PhoneTypes.Canonical(raw) ?? throw new GraphError(400, "badRequest", $"Invalid value '{raw ?? pt.ToJsonString()}' for phoneType. Valid values: mobile, alternateMobile, office.");
        }
        if (create && number == null) throw new GraphError(400, "badRequest", "The phoneNumber property is required.");
        if (create && type == null) throw new GraphError(400, "badRequest", "The phoneType property is required.");
        if (!create && number == null) throw new GraphError(400, "badRequest", "The phoneNumber property is required.");
        if (number != null && !ValidNumber(number))
            throw new GraphError(400, "badRequest", "Invalid phone number format. Phone numbers must be in the format \"+{country code} {number}x{extension}\", with extension optional.");
        return (number, type);
    }

    /// <summary>Registers a (new) mobile number for SMS sign-in when the user is in scope. Returns
    /// false if another user holds it (the MFA number stays written).</summary>
    private static bool RegisterSmsSignIn(Tenant t, User u, PhoneMethod p)
    {
        if (p.Type != PhoneTypes.Mobile) { p.SmsSignInState = "notSupported"; return true; }
        if (!u.SmsSignInEnabledByPolicy) { p.SmsSignInState = "notAllowedByPolicy"; return true; }
        bool taken = t.SmsNumberHeldByOther(u, p.Number);
        p.SmsSignInState = taken ? "phoneNumberNotUnique" : "ready";
        return !taken;
    }

    private static GraphError NotUnique() =>
        new(409, "phoneNumberNotUnique", "The phone number is already registered for SMS sign-in by another user. The phone number was saved as an authentication method, but SMS sign-in could not be enabled for it.");

    public static GraphResponse Create(Emu emu, GraphRequest req, string key)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        Authorize(req.Caller, u, write: true);
        var (number, type) = ReadBody(req, create: true);
        PhoneMethod p;
        bool unique;
        lock (t.Sync)
        {
            if (u.Phones.ContainsKey(type!))
                throw new GraphError(400, "badRequest", $"A phone method of type '{type}' already exists for this user. A user can have only one phone of each type; update it instead.");
            if (type == PhoneTypes.AlternateMobile && !u.Phones.ContainsKey(PhoneTypes.Mobile))
                throw new GraphError(400, "badRequest", "An alternateMobile phone can only be added when the user has a mobile phone.");
            p = new PhoneMethod { Type = type!, Number = number! };
            unique = RegisterSmsSignIn(t, u, p);
            t.SmsUnindex(u);
            u.Phones[type!] = p;
            t.SmsReindex(u);
        }
        emu.Counters.Add(emu.Counters.AppliedWritesByUser, u.UserPrincipalName);
        if (!unique) throw NotUnique();
        var body = new JsonObject { ["@odata.context"] = Graph.Context(req, $"users('{Key(key)}')/authentication/phoneMethods/$entity") };
        foreach (var kv in ToJson(p, false)) body[kv.Key] = kv.Value?.DeepClone();
        var resp = new GraphResponse { Status = 201, Body = body };
        resp.Headers["Location"] = $"{req.BaseUrl}/{req.Version}/users/{u.Id}/authentication/phoneMethods/{p.Id}";
        return resp;
    }

    public static GraphResponse Update(Emu emu, GraphRequest req, string key, string methodId)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        Authorize(req.Caller, u, write: true);
        var type = TypeOfMethodId(methodId);
        var (number, bodyType) = ReadBody(req, create: false);
        bool unique = true;
        lock (t.Sync)
        {
            if (!u.Phones.TryGetValue(type, out var p)) throw NotFound(methodId);
            if (bodyType != null && bodyType != type)
                throw new GraphError(400, "badRequest", $"The phoneType of an existing phone method cannot be changed (from '{type}' to '{bodyType}'). Add a method of the new type and delete the old one.");
            bool changed = !string.Equals(p.Number, number, StringComparison.Ordinal);
            t.SmsUnindex(u);
            p.Number = number!;
            if (changed && type == PhoneTypes.Mobile) unique = RegisterSmsSignIn(t, u, p);
            t.SmsReindex(u);
        }
        emu.Counters.Add(emu.Counters.AppliedWritesByUser, u.UserPrincipalName);
        if (!unique) throw NotUnique();
        return new GraphResponse { Status = 204 };
    }

    public static GraphResponse Delete(Emu emu, GraphRequest req, string key, string methodId)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        Authorize(req.Caller, u, write: true);
        var type = TypeOfMethodId(methodId);
        lock (t.Sync)
        {
            if (!u.Phones.ContainsKey(type)) throw NotFound(methodId);
            if (!u.SystemPreferredEnabled && PhoneTypes.TypeOfDefaultMethod(u.PreferredMethod) == type)
                throw new GraphError(400, "badRequest", $"The phone method '{methodId}' matches the user's current default authentication method, and cannot be deleted until the default authentication method is changed.");
            if (type == PhoneTypes.Mobile && u.Phones.ContainsKey(PhoneTypes.AlternateMobile))
                throw new GraphError(400, "badRequest", "The mobile phone cannot be deleted while an alternateMobile phone exists. Delete the alternateMobile phone first, or update the mobile number instead.");
            t.SmsUnindex(u);
            u.Phones.Remove(type);
            t.SmsReindex(u);
        }
        emu.Counters.Add(emu.Counters.AppliedWritesByUser, u.UserPrincipalName);
        return new GraphResponse { Status = 204 };
    }

    public static GraphResponse SetSmsSignIn(Emu emu, GraphRequest req, string key, string methodId, bool enable)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        Authorize(req.Caller, u, write: true);
        var type = TypeOfMethodId(methodId);
        bool unique = true;
        lock (t.Sync)
        {
            if (!u.Phones.TryGetValue(type, out var p)) throw NotFound(methodId);
            if (type != PhoneTypes.Mobile)
                throw new GraphError(400, "badRequest", "SMS sign-in can only be enabled or disabled for a phone method of type mobile.");
            if (enable && !u.SmsSignInEnabledByPolicy)
                throw new GraphError(400, "badRequest", "The user is not enabled for SMS sign-in by the authentication methods policy.");
            t.SmsUnindex(u);
            if (enable)
            {
                if (p.SmsSignInState != "ready") unique = RegisterSmsSignIn(t, u, p);
            }
            else p.SmsSignInState = u.SmsSignInEnabledByPolicy ? "notEnabled" : "notAllowedByPolicy";
            t.SmsReindex(u);
        }
        emu.Counters.Add(emu.Counters.AppliedWritesByUser, u.UserPrincipalName);
        if (!unique) throw NotUnique();
        return new GraphResponse { Status = 204 };
    }

    // ---------- beta signInPreferences ----------

    private static readonly string[] PreferredValues = { "push", "oath", "voiceMobile", "voiceAlternateMobile", "voiceOffice", "sms" };

    private static string? SystemPreferred(User u) =>
        u.OtherMethods.Contains("fido2") ? "fido2"
        : u.OtherMethods.Contains("microsoftAuthenticator") ? "push"
        : u.OtherMethods.Contains("softwareOath") ? "oath"
        : u.Phones.ContainsKey(PhoneTypes.Mobile) ? "sms"
        : null;

    public static GraphResponse GetSignInPreferences(Emu emu, GraphRequest req, string key)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        Authorize(req.Caller, u, write: false, phoneSpecificAllowed: false);
        JsonObject body;
        lock (t.Sync)
            body = new JsonObject
            {
                ["@odata.context"] = Graph.Context(req, $"users('{Key(key)}')/authentication/signInPreferences"),
                ["isSystemPreferredAuthenticationMethodEnabled"] = u.SystemPreferredEnabled,
                ["userPreferredMethodForSecondaryAuthentication"] = u.PreferredMethod,
                ["systemPreferredAuthenticationMethod"] = u.SystemPreferredEnabled ? SystemPreferred(u) : null,
            };
        return new GraphResponse { Status = 200, Body = body };
    }

    public static GraphResponse UpdateSignInPreferences(Emu emu, GraphRequest req, string key)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        Authorize(req.Caller, u, write: true, phoneSpecificAllowed: false);
        var body = Graph.ParseBody(req);
        lock (t.Sync)
        {
            if (body.ContainsKey("userPreferredMethodForSecondaryAuthentication"))
            {
                var v = body.Str("userPreferredMethodForSecondaryAuthentication");
                if (v == null || !PreferredValues.Contains(v))
                    throw new GraphError(400, "badRequest", $"Invalid value '{v}' for userPreferredMethodForSecondaryAuthentication.");
                var phoneType = PhoneTypes.TypeOfDefaultMethod(v);
                bool registered = phoneType != null ? u.Phones.ContainsKey(phoneType)
                    : v == "push" ? u.OtherMethods.Contains("microsoftAuthenticator")
                    : u.OtherMethods.Contains("softwareOath") || u.OtherMethods.Contains("microsoftAuthenticator");
                if (!registered)
                    throw new GraphError(400, "badRequest", $"The user has no registered method that supports '{v}'.");
                if (v == "sms" && u.Phones.TryGetValue(PhoneTypes.Mobile, out _) is false)
                    throw new GraphError(400, "badRequest", "The user has no mobile phone for 'sms'.");
                u.PreferredMethod = v;
            }
            if (body.Bool("isSystemPreferredAuthenticationMethodEnabled") is bool sp) u.SystemPreferredEnabled = sp;
        }
        emu.Counters.Add(emu.Counters.AppliedWritesByUser, u.UserPrincipalName);
        return new GraphResponse { Status = 204 };
    }

    // ---------- /authentication/methods ----------

    public static GraphResponse ListAllMethods(Emu emu, GraphRequest req, string key)
    {
        var t = req.Caller.Tenant;
        var u = Graph.FindUser(t, key);
        bool masked = Authorize(req.Caller, u, write: false, phoneSpecificAllowed: false);
        var value = new JsonArray
        {
            new JsonObject
            {
                ["@odata.type"] = "#microsoft.graph.passwordAuthenticationMethod",
                ["id"] = "28c10230-6103-485e-b985-444c60001490",
                ["password"] = null,
                ["createdDateTime"] = null,
            },
        };
        lock (t.Sync)
            foreach (var type in PhoneTypes.All)
                if (u.Phones.TryGetValue(type, out var p))
                {
                    var o = new JsonObject { ["@odata.type"] = "#microsoft.graph.phoneAuthenticationMethod" };
                    foreach (var kv in ToJson(p, masked)) o[kv.Key] = kv.Value?.DeepClone();
                    value.Add(o);
                }
        return new GraphResponse
        {
            Status = 200,
            Body = new JsonObject
            {
                ["@odata.context"] = Graph.Context(req, $"users('{Key(key)}')/authentication/methods"),
                ["value"] = value,
            },
        };
    }
}
