using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>/users: get by id or UPN, list with $select/$top/$filter/$count and nextLink paging, delta.</summary>
public static class Users
{
    private static readonly string[] DefaultProperties =
        { "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id" };

    private static readonly string[] AllProperties =
    {
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "jobTitle", "department", "officeLocation",
        "preferredLanguage", "mobilePhone", "businessPhones", "usageLocation", "accountEnabled", "userType",
        "onPremisesImmutableId", "onPremisesSyncEnabled", "onPremisesExtensionAttributes",
        "city", "country", "companyName", "employeeId", "postalCode", "state", "streetAddress", "faxNumber",
        "otherMails", "proxyAddresses", "identities", "createdDateTime", "ageGroup", "employeeType",
    };

    private static readonly string[] ReadPermissions = { "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All" };
    private static readonly string[] DelegatedReadPermissions = { "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "User.ReadBasic.All" };

    private static void RequireRead(Caller c, User? target)
    {
        if (c.AppOnly ? c.HasAny(ReadPermissions) : c.HasAny(DelegatedReadPermissions)) return;
        if (!c.AppOnly && target != null && c.UserId == target.Id && c.HasAny("User.Read", "User.ReadWrite")) return;
        throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }

    public static List<string> ParseSelect(Dictionary<string, string> q)
    {
        if (!q.TryGetValue("$select", out var sel) || string.IsNullOrWhiteSpace(sel)) return DefaultProperties.ToList();
        var result = new List<string>();
        foreach (var raw in sel.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = AllProperties.FirstOrDefault(a => a.Equals(raw, StringComparison.OrdinalIgnoreCase))
                ?? throw new GraphError(400, "BadRequest", $"Could not find a property named '{raw}' on type 'microsoft.graph.user'.");
            if (!result.Contains(p)) result.Add(p);
        }
        return result;
    }

    public static JsonObject Project(User u, List<string> props)
    {
        var o = new JsonObject();
        foreach (var p in props)
            o[p] = p switch
            {
                "id" => u.Id.ToString(),
                "userPrincipalName" => u.UserPrincipalName,
                "displayName" => u.DisplayName,
                "givenName" => u.GivenName,
                "surname" => u.Surname,
                "mail" => u.Mail,
                "jobTitle" => u.JobTitle,
                "department" => u.Department,
                "officeLocation" => u.OfficeLocation,
                "preferredLanguage" => u.PreferredLanguage,
                "mobilePhone" => u.MobilePhone,
                "businessPhones" => u.BusinessPhones.ToJsonArray(),
                "usageLocation" => u.UsageLocation,
                "accountEnabled" => u.AccountEnabled,
                "userType" => u.UserType,
                "onPremisesImmutableId" => u.OnPremisesImmutableId,
                "onPremisesSyncEnabled" => u.OnPremisesSyncEnabled ? true : null,
                "onPremisesExtensionAttributes" => ExtensionAttributes(u),
                "otherMails" or "proxyAddresses" => new JsonArray(),
                "identities" => new JsonArray(new JsonObject
                {
                    ["signInType"] = "userPrincipalName",
                    ["issuer"] = u.UserPrincipalName.Contains('@') ? u.UserPrincipalName[(u.UserPrincipalName.LastIndexOf('@') + 1)..] : "",
                    ["issuerAssignedId"] = u.UserPrincipalName,
                }),
                _ => null,
            };
        return o;
    }

    private static JsonObject ExtensionAttributes(User u)
    {
        var ext = new JsonObject();
        for (int i = 0; i < 15; i++) ext[$"extensionAttribute{i + 1}"] = u.ExtensionAttributes[i];
        return ext;
    }

    private static string SelectContext(GraphRequest req, Dictionary<string, string> q, List<string> props, string set) =>
        q.ContainsKey("$select") ? Graph.Context(req, $"{set}({string.Join(',', props)})") : Graph.Context(req, set);

    public static GraphResponse Get(Emu emu, GraphRequest req, Dictionary<string, string> q, string key)
    {
        var u = Graph.FindUser(req.Caller.Tenant, key);
        RequireRead(req.Caller, u);
        var props = ParseSelect(q);
        var expand = ParseExpand(q);
        JsonObject body;
        lock (req.Caller.Tenant.Sync) body = Project(u, props);
        Expand(body, expand);
        var result = new JsonObject { ["@odata.context"] = SelectContext(req, q, props, "users") + "/$entity" };
        foreach (var kv in body) result[kv.Key] = kv.Value?.DeepClone();
        return new GraphResponse { Status = 200, Body = result };
    }

    // ---------- $expand ----------

    /// <summary>Navigation properties of a user that $expand accepts. The emulator models no
    /// relationships: a user has no manager (the property stays absent, as in Graph) and the
    /// collections are empty.</summary>
    private static readonly string[] NavigationProperties =
    {
        "manager", "directReports", "memberOf", "transitiveMemberOf", "ownedObjects", "registeredDevices",
        "ownedDevices", "createdObjects", "appRoleAssignments", "oauth2PermissionGrants", "extensions",
    };

    public static List<string> ParseExpand(Dictionary<string, string> q)
    {
        var result = new List<string>();
        if (!q.TryGetValue("$expand", out var ex) || string.IsNullOrWhiteSpace(ex)) return result;
        int depth = 0, start = 0;
        var names = new List<string>();
        for (int i = 0; i <= ex.Length; i++)
        {
            if (i == ex.Length || (ex[i] == ',' && depth == 0))
            {
                var item = ex[start..i];
                int paren = item.IndexOf('(');
                names.Add((paren >= 0 ? item[..paren] : item).Trim());
                start = i + 1;
            }
            else if (ex[i] == '(') depth++;
            else if (ex[i] == ')') depth--;
        }
        foreach (var n in names)
        {
            var p = NavigationProperties.FirstOrDefault(a => a.Equals(n, StringComparison.OrdinalIgnoreCase))
                ?? throw new GraphError(400, "BadRequest", $"Could not find a property named '{n}' on type 'microsoft.graph.user'.");
            if (!result.Contains(p)) result.Add(p);
        }
        return result;
    }

    private static void Expand(JsonObject o, List<string> expand)
    {
        foreach (var p in expand)
            if (p != "manager") o[p] = new JsonArray();
    }

    // ---------- list ----------

    private static bool Eventual(GraphRequest req) =>
        req.Headers.TryGetValue("ConsistencyLevel", out var v) && v.Trim().Equals("eventual", StringComparison.OrdinalIgnoreCase);

    private static bool CountTrue(Dictionary<string, string> q) =>
        q.TryGetValue("$count", out var c) && c.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The query's $filter, checked against the advanced-query rules: an advanced filter
    /// needs <c>ConsistencyLevel: eventual</c> and <c>$count=true</c>.</summary>
    private static Filter.Node? ParseFilter(Dictionary<string, string> q, bool advancedParameters)
    {
        if (!q.TryGetValue("$filter", out var fs) || string.IsNullOrWhiteSpace(fs)) return null;
        var filter = Filter.Parse(fs);
        if (filter.Advanced is { } why && !advancedParameters) throw why.Error();
        return filter;
    }

    /// <summary>$search: only with <c>ConsistencyLevel: eventual</c>.</summary>
    private static Search.Node? ParseSearch(GraphRequest req, Dictionary<string, string> q)
    {
        if (!q.TryGetValue("$search", out var ss)) return null;
        if (!Eventual(req)) throw Search.MissingConsistencyLevel();
        return Search.Parse(ss);
    }

    public static GraphResponse List(Emu emu, GraphRequest req, Dictionary<string, string> q)
    {
        RequireRead(req.Caller, null);
        if (q.ContainsKey("$skip")) throw new GraphError(400, "Request_BadRequest", "'$skip' is not supported by the service.");
        bool eventual = Eventual(req);
        // Without ConsistencyLevel: eventual, Graph silently ignores $count=true (no @odata.count).
        bool count = eventual && CountTrue(q);
        bool advanced = eventual && count;
        var search = ParseSearch(req, q);
        var filter = ParseFilter(q, advanced);
        string? orderBy = null;
        bool orderDesc = false;
        if (q.TryGetValue("$orderby", out var ob))
        {
            var parts = ob.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts.Length > 2 || (parts.Length == 2 && !parts[1].Equals("asc", StringComparison.OrdinalIgnoreCase) && !parts[1].Equals("desc", StringComparison.OrdinalIgnoreCase)))
                throw new GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
            orderBy = parts[0].Equals("displayName", StringComparison.OrdinalIgnoreCase) ? "displayName"
                : parts[0].Equals("userPrincipalName", StringComparison.OrdinalIgnoreCase) ? "userPrincipalName"
                // createdDateTime sorts only in advanced queries (seed order stands for creation order)
                : parts[0].Equals("createdDateTime", StringComparison.OrdinalIgnoreCase) && advanced ? "createdDateTime"
                : throw new GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
            orderDesc = parts.Length > 1 && parts[1].Equals("desc", StringComparison.OrdinalIgnoreCase);
        }
        var props = ParseSelect(q);
        var expand = ParseExpand(q);
        if (expand.Count > 0 && (advanced || search != null))
            throw new GraphError(400, "Request_UnsupportedQuery", "$expand is not supported in advanced queries (ConsistencyLevel: eventual with $count or $search).");
        int top = 100;
        if (q.TryGetValue("$top", out var ts))
        {
            if (!int.TryParse(ts, NumberStyles.Integer, CultureInfo.InvariantCulture, out top) || top < 1 || top > 999)
                throw new GraphError(400, "Request_UnsupportedQuery", $"Invalid page size specified: '{ts}'. Must be between 1 and 999 inclusive.");
        }
        if (orderBy != null && filter != null && !advanced)
            throw new GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
        int offset = 0;
        if (q.TryGetValue("$skiptoken", out var tok))
        {
            offset = DecodeSkipToken(tok, "users") ?? throw new GraphError(400, "Request_BadRequest", "The specified page token value has expired and can no longer be included in your request.");
        }
        var t = req.Caller.Tenant;
        var page = new JsonArray();
        int next = -1;
        int total = 0;
        lock (t.Sync)
        {
            IReadOnlyList<User> source = t.Users;
            if (orderBy is "displayName" or "userPrincipalName")
            {
                Func<User, string> key = orderBy == "displayName" ? u => u.DisplayName ?? "" : u => u.UserPrincipalName;
                source = (orderDesc ? t.Users.OrderByDescending(key, StringComparer.OrdinalIgnoreCase) : t.Users.OrderBy(key, StringComparer.OrdinalIgnoreCase)).ToList();
            }
            else if (orderBy == "createdDateTime" && orderDesc) source = Enumerable.Reverse(t.Users).ToList();
            for (int i = count ? 0 : offset; i < source.Count; i++)
            {
                var u = source[i];
                if (u.Deleted || (filter != null && !filter.Eval(u)) || (search != null && !search.Eval(u))) continue;
                total++;
                if (i < offset) continue;
                if (page.Count < top)
                {
                    var o = Project(u, props);
                    Expand(o, expand);
                    page.Add(o);
                }
                else if (next < 0)
                {
                    next = i;
                    if (!count) break; // the rest is only needed for @odata.count
                }
            }
        }
        var body = new JsonObject { ["@odata.context"] = SelectContext(req, q, props, "users") };
        if (count) body["@odata.count"] = total;
        if (next >= 0) body["@odata.nextLink"] = NextLink(req, "users", q, EncodeSkipToken(next, "users"));
        body["value"] = page;
        return new GraphResponse { Status = 200, Body = body };
    }

    public static GraphResponse Count(Emu emu, GraphRequest req, Dictionary<string, string> q)
    {
        RequireRead(req.Caller, null);
        if (!Eventual(req)) throw new GraphError(400, "Request_BadRequest", "$count is not currently supported.");
        // The $count segment with ConsistencyLevel is itself an advanced query.
        var search = ParseSearch(req, q);
        var filter = ParseFilter(q, advancedParameters: true);
        var t = req.Caller.Tenant;
        int n;
        lock (t.Sync) n = t.Users.Count(u => !u.Deleted && (filter == null || filter.Eval(u)) && (search == null || search.Eval(u)));
        return new GraphResponse { Status = 200, Text = n.ToString(CultureInfo.InvariantCulture) };
    }

    private static string NextLink(GraphRequest req, string path, Dictionary<string, string> q, string skipToken)
    {
        var sb = new StringBuilder($"{req.BaseUrl}/{req.Version}/{path}?");
        foreach (var kv in q)
        {
            if (kv.Key.Equals("$skiptoken", StringComparison.OrdinalIgnoreCase) || kv.Key.Equals("$deltatoken", StringComparison.OrdinalIgnoreCase)) continue;
            sb.Append(Uri.EscapeDataString(kv.Key).Replace("%24", "$")).Append('=').Append(Uri.EscapeDataString(kv.Value)).Append('&');
        }
        sb.Append("$skiptoken=").Append(skipToken);
        return sb.ToString();
    }

    private static string EncodeSkipToken(long value, string kind) =>
        "RFNwdAIAAQAAA" + Base64Url.Encode(Encoding.UTF8.GetBytes($"{kind}:{value}:emu"));

    private static int? DecodeSkipToken(string token, string kind)
    {
        if (!token.StartsWith("RFNwdAIAAQAAA", StringComparison.Ordinal)) return null;
        var bytes = Base64Url.Decode(token["RFNwdAIAAQAAA".Length..]);
        if (bytes == null) return null;
        var parts = Encoding.UTF8.GetString(bytes).Split(':');
        if (parts.Length != 3 || parts[0] != kind || parts[2] != "emu") return null;
        return int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    // ---------- delta ----------

    /// <summary>How long a delta link stays usable (identity resources: 7 days).</summary>
    public static readonly TimeSpan DeltaLinkLifetime = TimeSpan.FromDays(7);

    /// <summary>The state a delta token or page token carries: the round (changes after
    /// <c>Since</c>, up to <c>Snapshot</c>), where the page goes on, when it was issued and the
    /// initial request's query options ($select, $filter), which later requests need not repeat.</summary>
    private sealed record DeltaState(long Since, long Snapshot, int Offset, long Issued, string? Select, string? Filter);

    /// <summary>GET /users/delta: full initial round (paged by nextLink), then a deltaLink that
    /// returns users changed (or removed) since. Links carry only a state token, as Graph's do:
    /// <c>…/users/delta?$skiptoken=…</c> and <c>…/users/delta?$deltatoken=…</c>; the query options
    /// of the initial request travel inside it.</summary>
    public static GraphResponse Delta(Emu emu, GraphRequest req, Dictionary<string, string> q)
    {
        RequireRead(req.Caller, null);
        if (q.ContainsKey("$skip")) throw new GraphError(400, "Request_BadRequest", "'$skip' is not supported by the service.");
        DeltaState? state = null;
        bool latest = false;
        if (q.TryGetValue("$skiptoken", out var st))
        {
            state = DecodeDelta(st) ?? throw new GraphError(400, "Request_BadRequest", "The page token is invalid or has expired.");
        }
        else if (q.TryGetValue("$deltatoken", out var dt))
        {
            if (dt.Equals("latest", StringComparison.OrdinalIgnoreCase)) latest = true;
            else
            {
                state = DecodeDelta(dt) ?? throw new GraphError(400, "Request_BadRequest", "The delta token is invalid. Start a new round of change tracking.");
                if (emu.Clock.UnixNow - state.Issued > (long)DeltaLinkLifetime.TotalSeconds)
                    throw new GraphError(400, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.");
            }
        }
        // The round's query options: the initial request's, from the token when there is one.
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (state != null)
        {
            if (state.Select != null) options["$select"] = state.Select;
            if (state.Filter != null) options["$filter"] = state.Filter;
        }
        else
        {
            // users/delta: $filter only as a scoping filter on object ids (id eq '…' or …, at most 50);
            // no $orderby, $expand or $search.
            if (q.ContainsKey("$orderby")) throw new GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
            if (q.ContainsKey("$expand")) throw new GraphError(400, "Request_UnsupportedQuery", "$expand is not supported by delta queries on users.");
            if (q.ContainsKey("$search")) throw new GraphError(400, "Request_UnsupportedQuery", "$search is not supported by delta queries on users.");
            foreach (var key in new[] { "$select", "$filter" })
                if (q.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v)) options[key] = v;
        }
        HashSet<string>? scope = null;
        if (options.TryGetValue("$filter", out var fs))
        {
            var ids = Filter.ScopingIds(Filter.Parse(fs));
            if (ids == null) throw new GraphError(400, "Request_UnsupportedQuery", "Filter not supported.");
            if (ids.Count > 50) throw new GraphError(400, "Request_UnsupportedQuery", "Filter not supported: at most 50 objects can be tracked by one delta query.");
            scope = new HashSet<string>(ids, StringComparer.OrdinalIgnoreCase);
        }
        var props = ParseSelect(options);
        if (!props.Contains("id")) props.Insert(0, "id");
        options.TryGetValue("$select", out var select);
        options.TryGetValue("$filter", out var filter);
        int pageSize = 100;
        if (req.Headers.TryGetValue("Prefer", out var prefer))
            foreach (var p in prefer.Split(',', StringSplitOptions.TrimEntries))
                if (p.StartsWith("odata.maxpagesize=", StringComparison.OrdinalIgnoreCase) && int.TryParse(p["odata.maxpagesize=".Length..], out var mps))
                    pageSize = Math.Clamp(mps, 1, 999);
        var t = req.Caller.Tenant;
        long now = emu.Clock.UnixNow;
        string context = Graph.Context(req, "users(" + string.Join(',', props) + ")");
        long snapshot;
        lock (t.Sync) snapshot = t.Version;
        if (latest)
        {
            return new GraphResponse
            {
                Status = 200,
                Body = new JsonObject
                {
                    ["@odata.context"] = context,
                    ["@odata.deltaLink"] = DeltaUrl(req, "$deltatoken", new DeltaState(snapshot, snapshot, 0, now, select, filter)),
                    ["value"] = new JsonArray(),
                },
            };
        }
        long since = 0;
        int offset = 0;
        if (state != null && q.ContainsKey("$skiptoken"))
        {
            since = state.Since;
            snapshot = state.Snapshot;
            offset = state.Offset;
        }
        else if (state != null)
        {
            since = state.Since;
        }
        var value = new JsonArray();
        int next = -1;
        lock (t.Sync)
        {
            for (int i = offset; i < t.Users.Count; i++)
            {
                var u = t.Users[i];
                if (scope != null && !scope.Contains(u.Id.ToString())) continue;
                bool changed = u.Version > since && (u.Version <= snapshot || since > 0);
                if (!changed) continue;
                if (since == 0 && u.Deleted) continue;
                if (value.Count >= pageSize) { next = i; break; }
                if (u.Deleted)
                    value.Add(new JsonObject { ["@odata.type"] = "#microsoft.graph.user", ["id"] = u.Id.ToString(), ["@removed"] = new JsonObject { ["reason"] = "changed" } });
                else value.Add(Project(u, props));
            }
        }
        var body = new JsonObject { ["@odata.context"] = context };
        if (next >= 0) body["@odata.nextLink"] = DeltaUrl(req, "$skiptoken", new DeltaState(since, snapshot, next, now, select, filter));
        else body["@odata.deltaLink"] = DeltaUrl(req, "$deltatoken", new DeltaState(snapshot, snapshot, 0, now, select, filter));
        body["value"] = value;
        return new GraphResponse { Status = 200, Body = body };
    }

    private static string DeltaUrl(GraphRequest req, string tokenName, DeltaState state) =>
        $"{req.BaseUrl}/{req.Version}/users/delta?{tokenName}={EncodeDelta(state)}";

    private static string EncodeDelta(DeltaState s)
    {
        var o = new JsonObject { ["k"] = "delta", ["s"] = s.Since, ["n"] = s.Snapshot, ["o"] = s.Offset, ["t"] = s.Issued };
        if (s.Select != null) o["sel"] = s.Select;
        if (s.Filter != null) o["f"] = s.Filter;
        return Base64Url.Encode(Encoding.UTF8.GetBytes(o.ToJsonString()));
    }

    private static DeltaState? DecodeDelta(string token)
    {
        var b = Base64Url.Decode(token);
        if (b == null) return null;
        try
        {
            if (JsonNode.Parse(b) is not JsonObject o || (string?)o["k"] != "delta") return null;
            return new DeltaState((long)o["s"]!, (long)o["n"]!, (int)o["o"]!, (long)o["t"]!, (string?)o["sel"], (string?)o["f"]);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return null;
        }
    }

    // ---------- update (cloud-only properties) ----------

    public static GraphResponse Update(Emu emu, GraphRequest req, string key)
    {
        var c = req.Caller;
        if (!(c.AppOnly ? c.HasAny("User.ReadWrite.All", "Directory.ReadWrite.All") : c.HasAny("User.ReadWrite.All", "Directory.ReadWrite.All")))
            throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
        var u = Graph.FindUser(c.Tenant, key);
        var body = Graph.ParseBody(req);
        var allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "displayName", "givenName", "surname", "mail", "jobTitle", "department", "officeLocation", "preferredLanguage",
            "mobilePhone", "businessPhones", "usageLocation", "accountEnabled", "onPremisesExtensionAttributes",
        };
        foreach (var kv in body)
            if (!allowed.Contains(kv.Key))
                throw new GraphError(400, "Request_BadRequest", $"Property '{kv.Key}' is read-only or does not exist on type 'microsoft.graph.user'.");
        lock (c.Tenant.Sync)
        {
            if (u.OnPremisesSyncEnabled && body.ContainsKey("onPremisesExtensionAttributes"))
                throw new GraphError(400, "Request_BadRequest", "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.");
            Seed.ApplyUserProperties(u, body);
            c.Tenant.Touch(u);
        }
        emu.Counters.Add(emu.Counters.AppliedWritesByUser, u.UserPrincipalName);
        return new GraphResponse { Status = 204 };
    }
}
