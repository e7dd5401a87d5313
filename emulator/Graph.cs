using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace MfaPhone.Emulator;

public sealed class GraphError(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class GraphRequest
{
    public required string Method { get; init; }
    public required string Version { get; init; }          // "v1.0" | "beta"
    public required string RawPath { get; init; }          // after the version, percent-encoded, starts with '/'
    public required string RawQuery { get; init; }         // without '?'
    public required Dictionary<string, string> Headers { get; init; }
    public string? Body { get; init; }
    public required Caller Caller { get; init; }
    public required string BaseUrl { get; init; }
    public bool InBatch { get; init; }
}

public sealed class GraphResponse
{
    public int Status { get; set; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public JsonNode? Body { get; set; }
    public string? Text { get; set; }
    public string Route { get; set; } = "graph:unknown";
}

/// <summary>Microsoft Graph v1.0 and beta: users, phone authentication methods, sign-in
/// preferences, $batch; token validation and throttling.</summary>
public static partial class Graph
{
    public const string JsonContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

    // ---------------- HTTP entry ----------------

    public static async Task Handle(HttpContext ctx, Emu emu, string version)
    {
        // in flight from arrival (latency and stalls included) to the end of the response
        emu.Counters.EnterGraph();
        try { await HandleInFlight(ctx, emu, version); }
        finally { emu.Counters.LeaveGraph(); }
    }

    private static async Task HandleInFlight(HttpContext ctx, Emu emu, string version)
    {
        string requestId = emu.NewRequestId();
        string clientRequestId = ctx.Request.Headers["client-request-id"].ToString() is { Length: > 0 } c ? c : requestId;
        ctx.Items["route"] = "graph:" + version;

        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (ctx.Request.Path + ctx.Request.QueryString);
        int q = raw.IndexOf('?');
        string rawPath = q >= 0 ? raw[..q] : raw;
        string rawQuery = q >= 0 ? raw[(q + 1)..] : "";
        string prefix = "/" + version;
        rawPath = rawPath.Length > prefix.Length ? rawPath[prefix.Length..] : "/";
        bool isBatch = rawPath.Equals("/$batch", StringComparison.OrdinalIgnoreCase) || rawPath.Equals("/%24batch", StringComparison.OrdinalIgnoreCase);

        var fault = emu.Faults.Decide("graph", emu.Clock.UtcNow, isBatch ? FaultPart.Envelope : FaultPart.Whole);
        if (fault.LatencyMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(fault.LatencyMs), ctx.RequestAborted);
        if (fault.Kind == FaultKind.Reset)
        {
            ctx.Items["route"] = "graph:fault-reset";
            ctx.Features.Get<IHttpResetFeature>()?.Reset(2);
            ctx.Abort();
            return;
        }
        if (fault.Kind == FaultKind.Stall) await Task.Delay(fault.StallMs, ctx.RequestAborted);

        GraphResponse resp;
        Caller? caller = null;
        try
        {
            if (fault.Kind == FaultKind.Error) throw FaultError(fault);
            caller = Authenticate(ctx.Request.Headers.Authorization.ToString(), emu);
            if (fault.Kind == FaultKind.Throttle)
                throw Throttled(fault.RetryAfter, "ResourceUnitLimitExceeded", $"Tenant_Application/ReadWrite/{caller.AppId}/{caller.Tenant.Id}");
            string? body = null;
            if (ctx.Request.ContentLength != 0 && !HttpMethods.IsGet(ctx.Request.Method))
            {
                using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
                body = await reader.ReadToEndAsync(ctx.RequestAborted);
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in ctx.Request.Headers) headers[h.Key] = h.Value.ToString();
            var req = new GraphRequest
            {
                Method = ctx.Request.Method.ToUpperInvariant(), Version = version, RawPath = rawPath, RawQuery = rawQuery,
                Headers = headers, Body = body, Caller = caller, BaseUrl = Entra.BaseUrl(ctx),
            };
            resp = isBatch ? await Batch.Execute(emu, req, ctx.RequestAborted) : Execute(emu, req, requestId, clientRequestId);
        }
        catch (GraphError e)
        {
            resp = ErrorResponse(e, emu, requestId, clientRequestId);
            if (e.Status == 429) NoteThrottled(emu, caller, rawPath);
        }
        ctx.Items["route"] = resp.Route;
        await Write(ctx, resp, requestId, clientRequestId, emu);
    }

    /// <summary>The user a request path addresses (/users/{id|UPN}/…, /users('…')/…, /me/…), or null.</summary>
    public static User? AddressedUser(Caller? caller, string rawPath)
    {
        if (caller == null) return null;
        List<string> segs;
        try { segs = ParsePath(rawPath, out _); }
        catch (UriFormatException) { return null; }
        string? key = segs.Count >= 1 && segs[0].Equals("me", StringComparison.OrdinalIgnoreCase) ? caller.UserId?.ToString()
            : segs.Count >= 2 && segs[0].Equals("users", StringComparison.OrdinalIgnoreCase) ? segs[1] : null;
        if (key == null) return null;
        lock (caller.Tenant.Sync) return caller.Tenant.FindUser(key);
    }

    /// <summary>Counts a 429: in total and for the user the request addressed.</summary>
    public static void NoteThrottled(Emu emu, Caller? caller, string rawPath)
    {
        Interlocked.Increment(ref emu.Counters.Throttled);
        if (AddressedUser(caller, rawPath) is { } u) emu.Counters.Add(emu.Counters.ThrottledByUser, u.UserPrincipalName);
    }

    private static GraphError FaultError(FaultDecision d) => d.Status switch
    {
        503 => new GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
        504 => new GraphError(504, "UnknownError", "The gateway timed out waiting for the backend."),
        502 => new GraphError(502, "UnknownError", "Bad gateway."),
        _ => new GraphError(d.Status, "generalException", "An internal server error occurred."),
    };

    public static GraphError Throttled(double retryAfter, string information, string? scope)
    {
        var e = new GraphError(429, "TooManyRequests", "Too many requests. The request was throttled; retry after the interval in the Retry-After header.");
        e.Headers["Retry-After"] = Throttler.FormatSeconds(retryAfter);
        e.Headers["x-ms-throttle-information"] = information;
        if (scope != null) e.Headers["x-ms-throttle-scope"] = scope;
        return e;
    }

    private static async Task Write(HttpContext ctx, GraphResponse resp, string requestId, string clientRequestId, Emu emu)
    {
        var h = ctx.Response.Headers;
        h["request-id"] = requestId;
        h["client-request-id"] = clientRequestId;
        h["x-ms-ags-diagnostic"] = "{\"ServerInfo\":{\"DataCenter\":\"Emulator\",\"Slice\":\"E\",\"Ring\":\"1\",\"ScaleUnit\":\"000\",\"RoleInstance\":\"mfaphone-emulator\"}}";
        h["Cache-Control"] = "no-cache";
        h["OData-Version"] = "4.0";
        h["Strict-Transport-Security"] = "max-age=31536000";
        h["Date"] = emu.Clock.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        foreach (var kv in resp.Headers) h[kv.Key] = kv.Value;
        ctx.Response.StatusCode = resp.Status;
        if (resp.Body != null)
        {
            ctx.Response.ContentType = JsonContentType;
            await ctx.Response.WriteAsync(Json.Serialize(resp.Body), ctx.RequestAborted);
        }
        else if (resp.Text != null)
        {
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync(resp.Text, ctx.RequestAborted);
        }
    }

    public static GraphResponse ErrorResponse(GraphError e, Emu emu, string requestId, string clientRequestId)
    {
        var r = new GraphResponse
        {
            Status = e.Status,
            Body = new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["code"] = e.Code,
                    ["message"] = e.Message,
                    ["innerError"] = new JsonObject
                    {
                        ["date"] = emu.Clock.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                        ["request-id"] = requestId,
                        ["client-request-id"] = clientRequestId,
                    },
                },
            },
            Route = "graph:error",
        };
        foreach (var kv in e.Headers) r.Headers[kv.Key] = kv.Value;
        if (e.Status == 401)
            r.Headers["WWW-Authenticate"] = $"Bearer realm=\"\", authorization_uri=\"{Clouds.LoginHost(emu.Options.Cloud)}/common/oauth2/authorize\", client_id=\"{Clouds.GraphAppId}\"";
        return r;
    }

    // ---------------- authentication ----------------

    public static Caller Authenticate(string authorization, Emu emu)
    {
        static GraphError Invalid(string msg) => new(401, "InvalidAuthenticationToken", msg);
        if (string.IsNullOrWhiteSpace(authorization)) throw Invalid("Access token is empty.");
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) throw Invalid("Access token is empty.");
        var token = authorization[7..].Trim();
        if (token.Length == 0) throw Invalid("Access token is empty.");
        var jwt = Jwt.Parse(token);
        if (jwt == null) throw Invalid("IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.");
        if (!emu.Tokens.Verify(jwt)) throw Invalid("Access token validation failure.");
        var aud = jwt.Payload.Str("aud")?.TrimEnd('/');
        if (aud == null || !(string.Equals(aud, emu.GraphResource, StringComparison.OrdinalIgnoreCase) || aud == Clouds.GraphAppId))
            throw Invalid("Access token validation failure. Invalid audience.");
        long now = emu.Clock.UnixNow;
        var exp = jwt.NumClaim("exp");
        var nbf = jwt.NumClaim("nbf");
        if (exp == null || exp + emu.Options.ClockSkewSeconds <= now) throw Invalid("Lifetime validation failed, the token is expired.");
        if (nbf != null && nbf - emu.Options.ClockSkewSeconds - 300 > now) throw Invalid("Lifetime validation failed, the token is not yet valid.");
        var tid = jwt.Payload.Str("tid");
        var iss = jwt.Payload.Str("iss");
        Tenant? tenant = Guid.TryParse(tid, out var tg) ? emu.World.FindTenant(tg) : null;
        if (tenant == null || iss == null || !iss.Contains(tg.ToString(), StringComparison.OrdinalIgnoreCase))
            throw Invalid("Access token validation failure. Invalid issuer or tenant.");
        bool appOnly = jwt.Payload["scp"] == null;
        var roles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (jwt.Payload["roles"] is JsonArray ra) foreach (var r in ra) if (r != null) roles.Add(r.GetValue<string>());
        var scopes = new HashSet<string>((jwt.Payload.Str("scp") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);
        var wids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (jwt.Payload["wids"] is JsonArray wa) foreach (var w in wa) if (w != null) wids.Add(w.GetValue<string>());
        var oid = jwt.Payload.Str("oid") ?? "";
        return new Caller
        {
            Tenant = tenant, AppId = jwt.Payload.Str("appid") ?? "", AppOnly = appOnly, Roles = roles, Scopes = scopes,
            Wids = wids, Oid = oid, UserId = !appOnly && Guid.TryParse(oid, out var uid) ? uid : null,
        };
    }

    // ---------------- dispatch ----------------

    private sealed class Ctx
    {
        public required Emu Emu { get; init; }
        public required GraphRequest Req { get; init; }
        public required Dictionary<string, string> Query { get; init; }
        public required List<string> Segments { get; init; } // decoded
        public Tenant Tenant => Req.Caller.Tenant;
        public Caller Caller => Req.Caller;
    }

    /// <summary>Executes one Graph request (also used for $batch items). Throws nothing: errors
    /// become error responses.</summary>
    public static GraphResponse Execute(Emu emu, GraphRequest req, string? requestId = null, string? clientRequestId = null)
    {
        requestId ??= emu.NewRequestId();
        clientRequestId ??= req.Headers.GetValueOrDefault("client-request-id") ?? requestId;
        try
        {
            return Dispatch(emu, req);
        }
        catch (GraphError e)
        {
            if (e.Status == 429) NoteThrottled(emu, req.Caller, req.RawPath);
            return ErrorResponse(e, emu, requestId, clientRequestId);
        }
    }

    private static Dictionary<string, string> ParseQuery(string rawQuery)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string k = Uri.UnescapeDataString((eq >= 0 ? part[..eq] : part).Replace('+', ' '));
            string v = eq >= 0 ? Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' ')) : "";
            if (d.ContainsKey(k)) throw new GraphError(400, "BadRequest", $"Query option '{k}' was specified more than once, but it must be specified at most once.");
            d[k] = v;
        }
        return d;
    }

    /// <summary>Splits the raw path into decoded segments. The parenthesis key form
    /// users('…') is turned into two segments ("users", key).</summary>
    private static List<string> ParsePath(string rawPath, out bool keyQuoted)
    {
        keyQuoted = false;
        var segs = new List<string>();
        foreach (var rawSeg in rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string seg = Uri.UnescapeDataString(rawSeg);
            var m = KeyForm().Match(seg);
            if (m.Success)
            {
                segs.Add(m.Groups[1].Value);
                if (segs.Count == 1) keyQuoted = true;
                segs.Add(m.Groups[2].Value.Replace("''", "'"));
                continue;
            }
            segs.Add(seg);
        }
        return segs;
    }

    [GeneratedRegex(@"^([A-Za-z]+)\('((?:[^']|'')*)'\)$")]
    private static partial Regex KeyForm();

    private static GraphResponse Dispatch(Emu emu, GraphRequest req)
    {
        var segs = ParsePath(req.RawPath, out bool keyQuoted);
        var query = ParseQuery(req.RawQuery);
        var c = new Ctx { Emu = emu, Req = req, Query = query, Segments = segs };
        if (segs.Count == 0) throw new GraphError(400, "BadRequest", "Invalid request: empty path.");

        // /me → /users/{caller}
        if (segs[0].Equals("me", StringComparison.OrdinalIgnoreCase))
        {
            if (req.Caller.AppOnly)
                throw new GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
            segs[0] = "users";
            segs.Insert(1, req.Caller.UserId.ToString()!);
        }
        if (!segs[0].Equals("users", StringComparison.OrdinalIgnoreCase))
            throw new GraphError(400, "BadRequest", $"Resource not found for the segment '{segs[0]}'.");

        if (segs.Count == 1)
        {
            return req.Method switch
            {
                "GET" => Charged(c, "graph:users.list", usersResource: true, write: false, () => Users.List(c.Emu, c.Req, c.Query)),
                _ => throw MethodNotAllowed(),
            };
        }
        string key = segs[1];
        if (segs.Count == 2 && key.Equals("delta", StringComparison.OrdinalIgnoreCase))
            return req.Method == "GET" ? Charged(c, "graph:users.delta", true, false, () => Users.Delta(c.Emu, c.Req, c.Query)) : throw MethodNotAllowed();
        if (segs.Count == 2 && key.Equals("$count", StringComparison.OrdinalIgnoreCase))
            return req.Method == "GET" ? Charged(c, "graph:users.count", true, false, () => Users.Count(c.Emu, c.Req, c.Query)) : throw MethodNotAllowed();
        if (key.StartsWith('$') && !keyQuoted)
            throw new GraphError(400, "BadRequest", $"Resource not found for the segment '{key}'.");

        if (segs.Count == 2)
        {
            return req.Method switch
            {
                "GET" => Charged(c, "graph:users.get", true, false, () => Users.Get(c.Emu, c.Req, c.Query, key)),
                "PATCH" => Charged(c, "graph:users.update", true, true, () => Users.Update(c.Emu, c.Req, key)),
                _ => throw MethodNotAllowed(),
            };
        }
        if (!segs[2].Equals("authentication", StringComparison.OrdinalIgnoreCase))
            throw new GraphError(400, "BadRequest", $"Resource not found for the segment '{segs[2]}'.");
        if (segs.Count == 3)
            throw new GraphError(400, "BadRequest", "Resource not found for the segment 'authentication'.");
        string coll = segs[3];
        if (coll.Equals("signInPreferences", StringComparison.OrdinalIgnoreCase) && segs.Count == 4)
        {
            if (req.Version != "beta") throw new GraphError(400, "BadRequest", "Resource not found for the segment 'signInPreferences'.");
            return req.Method switch
            {
                "GET" => Charged(c, "graph:signInPreferences.get", false, false, () => PhoneMethods.GetSignInPreferences(c.Emu, c.Req, key)),
                "PATCH" => Charged(c, "graph:signInPreferences.update", false, true, () => PhoneMethods.UpdateSignInPreferences(c.Emu, c.Req, key)),
                _ => throw MethodNotAllowed(),
            };
        }
        if (coll.Equals("methods", StringComparison.OrdinalIgnoreCase) && segs.Count == 4)
            return req.Method == "GET" ? Charged(c, "graph:methods.list", false, false, () => PhoneMethods.ListAllMethods(c.Emu, c.Req, key)) : throw MethodNotAllowed();
        if (!coll.Equals("phoneMethods", StringComparison.OrdinalIgnoreCase))
            throw new GraphError(400, "BadRequest", $"Resource not found for the segment '{coll}'.");
        if (segs.Count == 4)
        {
            return req.Method switch
            {
                "GET" => Charged(c, "graph:phoneMethods.list", false, false, () => PhoneMethods.List(c.Emu, c.Req, key)),
                "POST" => Charged(c, "graph:phoneMethods.create", false, true, () => PhoneMethods.Create(c.Emu, c.Req, key)),
                _ => throw MethodNotAllowed(),
            };
        }
        string methodId = segs[4];
        if (segs.Count == 5)
        {
            return req.Method switch
            {
                "GET" => Charged(c, "graph:phoneMethods.get", false, false, () => PhoneMethods.Get(c.Emu, c.Req, key, methodId)),
                "PATCH" or "PUT" => Charged(c, "graph:phoneMethods.update", false, true, () => PhoneMethods.Update(c.Emu, c.Req, key, methodId)),
                "DELETE" => Charged(c, "graph:phoneMethods.delete", false, true, () => PhoneMethods.Delete(c.Emu, c.Req, key, methodId)),
                _ => throw MethodNotAllowed(),
            };
        }
        if (segs.Count == 6 && req.Method == "POST")
        {
            if (segs[5].Equals("enableSmsSignIn", StringComparison.OrdinalIgnoreCase))
                return Charged(c, "graph:phoneMethods.enableSmsSignIn", false, true, () => PhoneMethods.SetSmsSignIn(c.Emu, c.Req, key, methodId, true));
            if (segs[5].Equals("disableSmsSignIn", StringComparison.OrdinalIgnoreCase))
                return Charged(c, "graph:phoneMethods.disableSmsSignIn", false, true, () => PhoneMethods.SetSmsSignIn(c.Emu, c.Req, key, methodId, false));
        }
        if (segs.Count == 6 && (segs[5].Equals("enableSmsSignIn", StringComparison.OrdinalIgnoreCase) || segs[5].Equals("disableSmsSignIn", StringComparison.OrdinalIgnoreCase)))
            throw MethodNotAllowed();
        throw new GraphError(400, "BadRequest", $"Resource not found for the segment '{segs[^1]}'.");
    }

    private static GraphError MethodNotAllowed() =>
        new(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");

    /// <summary>Charges resource units (and a write) before running the handler; 429 when over budget.</summary>
    private static GraphResponse Charged(Ctx c, string route, bool usersResource, bool write, Func<GraphResponse> handler)
    {
        var q = c.Query;
        int? top = q.TryGetValue("$top", out var ts) && int.TryParse(ts, out var tv) ? tv : null;
        int cost = c.Emu.Throttler.Cost(c.Req.Method, usersResource, q.ContainsKey("$select"), q.ContainsKey("$expand"), top);
        int users;
        lock (c.Tenant.Sync) users = c.Tenant.ActiveUserCount;
        var r = c.Emu.Throttler.Charge(c.Tenant, users, c.Caller.AppId, cost, write);
        if (!r.Allowed)
        {
            var e = Throttled(r.RetryAfterSeconds, r.Information!, r.Scope);
            e.Headers["x-ms-resource-unit"] = cost.ToString(CultureInfo.InvariantCulture);
            e.Headers["x-ms-throttle-limit-percentage"] = Math.Min(1.8, Math.Max(r.LimitPercentage, 1.0)).ToString("0.0", CultureInfo.InvariantCulture);
            c.Emu.Counters.Add(c.Emu.Counters.RequestsByRouteStatus, route + " 429");
            throw e;
        }
        c.Emu.Counters.Add(c.Emu.Counters.ResourceUnits, $"{c.Caller.AppId}/{c.Tenant.Id}", cost);
        if (write && c.Segments.Count >= 2)
        {
            // received and not throttled: counted whatever the outcome
            User? target;
            lock (c.Tenant.Sync) target = c.Tenant.FindUser(c.Segments[1]);
            if (target != null) c.Emu.Counters.Add(c.Emu.Counters.WritesByUser, target.UserPrincipalName);
        }
        GraphResponse resp;
        try { resp = handler(); }
        catch (GraphError e)
        {
            e.Headers["x-ms-resource-unit"] = cost.ToString(CultureInfo.InvariantCulture);
            if (c.Req.InBatch) c.Emu.Counters.Add(c.Emu.Counters.RequestsByRouteStatus, route + " " + e.Status.ToString(CultureInfo.InvariantCulture));
            throw;
        }
        resp.Route = route;
        resp.Headers["x-ms-resource-unit"] = cost.ToString(CultureInfo.InvariantCulture);
        if (r.LimitPercentage >= c.Emu.Throttler.Settings.LimitPercentageThreshold && r.LimitPercentage > 0)
            resp.Headers["x-ms-throttle-limit-percentage"] = r.LimitPercentage.ToString("0.0", CultureInfo.InvariantCulture);
        if (c.Req.InBatch) c.Emu.Counters.Add(c.Emu.Counters.RequestsByRouteStatus, route + " " + resp.Status.ToString(CultureInfo.InvariantCulture));
        return resp;
    }

    // ---------------- shared helpers ----------------

    public static JsonObject ParseBody(GraphRequest req)
    {
        if (string.IsNullOrWhiteSpace(req.Body))
            throw new GraphError(400, "BadRequest", "Empty Payload. JSON content expected.");
        if (!req.Headers.TryGetValue("Content-Type", out var contentType) || !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        try
        {
            return JsonNode.Parse(req.Body) as JsonObject
                ?? throw new GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        }
        catch (JsonException)
        {
            throw new GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        }
    }

    /// <summary>The user addressed by id or UPN; 404 Request_ResourceNotFound otherwise. Caller holds no lock.</summary>
    public static User FindUser(Tenant t, string key)
    {
        lock (t.Sync)
        {
            var u = t.FindUser(key);
            if (u != null) return u;
        }
        throw new GraphError(404, "Request_ResourceNotFound", $"Resource '{key}' does not exist or one of its queried reference-property objects are not present.");
    }

    public static string Context(GraphRequest req, string tail) => $"{req.BaseUrl}/{req.Version}/$metadata#{tail}";
}
