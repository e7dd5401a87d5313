using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace MfaPhone.Emulator;

/// <summary>An Entra ID error (AADSTS) in the documented body shape.</summary>
public sealed class AadError(int status, string error, int code, string description, string? suberror = null) : Exception(description)
{
    public int Status { get; } = status;
    public string Error { get; } = error;
    public int Code { get; } = code;
    public string Description { get; } = description;
    public string? Suberror { get; } = suberror;
}

public sealed class DeviceCodeEntry
{
    public required string DeviceCode { get; init; }
    public required string UserCode { get; init; }
    /// <summary>The tenant the code was asked for; for /organizations and /common the signed-in
    /// user's tenant, set at approval.</summary>
    public Guid? TenantId { get; set; }
    /// <summary>Asked for at /organizations or /common: the tenant comes from the account that approves it.</summary>
    public bool MultiTenant { get; init; }
    public required string ClientId { get; init; }
    public required string Scope { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public string State { get; set; } = "pending"; // pending | approved | declined | redeemed
    public Guid? UserId { get; set; }
    public bool SlowDownOnce { get; set; }
}

public sealed class DeviceCodes
{
    private readonly ConcurrentDictionary<string, DeviceCodeEntry> _byDevice = new(StringComparer.Ordinal);
    public void Add(DeviceCodeEntry e) => _byDevice[e.DeviceCode] = e;
    public DeviceCodeEntry? ByDeviceCode(string code) => _byDevice.GetValueOrDefault(code);
    public DeviceCodeEntry? ByUserCode(string code) =>
        _byDevice.Values.FirstOrDefault(e => string.Equals(e.UserCode, code, StringComparison.OrdinalIgnoreCase));
    public IEnumerable<DeviceCodeEntry> All => _byDevice.Values;
    public void Clear() => _byDevice.Clear();
}

/// <summary>Remembers client-assertion jti values until they expire (replay detection).</summary>
public sealed class AssertionReplayCache
{
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);

    /// <summary>False if the jti was already used.</summary>
    public bool TryUse(string clientId, string jti, long exp, long now)
    {
        if (_seen.Count > 10_000)
            foreach (var kv in _seen) if (kv.Value < now) _seen.TryRemove(kv.Key, out _);
        return _seen.TryAdd(clientId + "|" + jti, exp);
    }

    public void Clear() => _seen.Clear();
}

public sealed record RefreshGrant(Guid TenantId, string ClientId, Guid UserId, string Scope);

public sealed class RefreshTokens
{
    private readonly ConcurrentDictionary<string, RefreshGrant> _tokens = new(StringComparer.Ordinal);
    public void Add(string token, RefreshGrant g) => _tokens[token] = g;
    public RefreshGrant? Get(string token) => _tokens.GetValueOrDefault(token);
    public void Clear() => _tokens.Clear();
}

/// <summary>Entra ID: v2 token endpoint (client secret, client certificate, ROPC, device code,
/// refresh token), device authorization, OpenID metadata, JWKS, managed identity and IMDS.</summary>
public static class Entra
{
    public const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    public const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    // ---------- HTTP entry points ----------

    /// <summary>
    /// Runs a POST-only Entra endpoint: records its route, applies faults, and answers any
    /// AadError in Entra's error body shape with a correlation id.
    /// </summary>
    private static async Task HandleAadPost(HttpContext ctx, Emu emu, string route, Func<Task> handle)
    {
        ctx.Items["route"] = route;
        if (await ApplyFaults(ctx, emu)) return;
        var correlation = CorrelationId(ctx, emu);
        try
        {
            if (!HttpMethods.IsPost(ctx.Request.Method))
                throw new AadError(400, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a GET request.");
            await handle();
        }
        catch (AadError e)
        {
            await WriteAadError(ctx, emu, e, correlation);
        }
    }

    public static Task Token(HttpContext ctx, Emu emu, string tenant) =>
        HandleAadPost(ctx, emu, "entra:token", async () =>
        {
            var form = await ReadForm(ctx);
            var result = IssueFromForm(emu, ctx, tenant, form);
            await WriteJson(ctx, 200, result, noStore: true);
        });

    public static Task DeviceCode(HttpContext ctx, Emu emu, string tenant) =>
        HandleAadPost(ctx, emu, "entra:devicecode", async () =>
        {
            var form = await ReadForm(ctx);
            bool multi = IsOrganizationsAuthority(tenant);
            // /organizations and /common: the app is looked up by client id (a multi-tenant app);
            // the tenant is the one of the account that signs in.
            var t = multi ? null : ResolveTenant(emu, tenant);
            var clientId = Required(form, "client_id");
            var app = t != null ? FindApp(t, clientId) : FindAppAnywhere(emu, clientId, tenant);
            var scope = Required(form, "scope");
            var (graphScopes, _, _) = ResolveDelegatedScopes(emu, app, scope);
            _ = graphScopes;
            var userCode = emu.Rng.NextString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 9);
            var deviceCode = "DAQABIQEAAAB" + Base64Url.Encode(emu.Rng.NextBytes(96));
            int expires = emu.Options.DeviceCodeExpiresIn;
            emu.DeviceCodes.Add(new DeviceCodeEntry
            {
                DeviceCode = deviceCode, UserCode = userCode, TenantId = t?.Id, MultiTenant = multi, ClientId = app.ClientId,
                Scope = scope, ExpiresAt = emu.Clock.UtcNow.AddSeconds(expires),
            });
            const string uri = "https://microsoft.com/devicelogin";
            await WriteJson(ctx, 200, new JsonObject
            {
                ["user_code"] = userCode,
                ["device_code"] = deviceCode,
                ["verification_uri"] = uri,
                ["expires_in"] = expires,
                ["interval"] = emu.Options.DeviceCodeInterval,
                ["message"] = $"To sign in, use a web browser to open the page {uri} and enter the code {userCode} to authenticate.",
            }, noStore: true);
        });

    public static async Task OpenIdConfiguration(HttpContext ctx, Emu emu, string tenant)
    {
        ctx.Items["route"] = "entra:openid-configuration";
        var t = IsMultiTenantAlias(tenant) ? null : emu.World.FindTenant(tenant);
        if (t == null && !IsMultiTenantAlias(tenant))
        {
            await WriteAadError(ctx, emu, TenantNotFound(tenant), CorrelationId(ctx, emu));
            return;
        }
        string b = BaseUrl(ctx);
        string seg = t?.Id.ToString() ?? tenant;
        string issuer = t != null ? $"{Clouds.LoginHost(emu.Options.Cloud)}/{t.Id}/v2.0" : $"{Clouds.LoginHost(emu.Options.Cloud)}/{{tenantid}}/v2.0";
        await WriteJson(ctx, 200, new JsonObject
        {
            ["token_endpoint"] = $"{b}/{seg}/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
            ["jwks_uri"] = $"{b}/{seg}/discovery/v2.0/keys",
            ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
            ["subject_types_supported"] = new JsonArray("pairwise"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
            ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
            ["issuer"] = issuer,
            ["request_uri_parameter_supported"] = false,
            ["userinfo_endpoint"] = $"{b}/oidc/userinfo",
            ["authorization_endpoint"] = $"{b}/{seg}/oauth2/v2.0/authorize",
            ["device_authorization_endpoint"] = $"{b}/{seg}/oauth2/v2.0/devicecode",
            ["http_logout_supported"] = true,
            ["frontchannel_logout_supported"] = true,
            ["end_session_endpoint"] = $"{b}/{seg}/oauth2/v2.0/logout",
            ["claims_supported"] = new JsonArray("sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"),
            ["kerberos_endpoint"] = $"{b}/{seg}/kerberos",
            ["tenant_region_scope"] = "EU",
            ["cloud_instance_name"] = "microsoftonline.com",
            ["cloud_graph_host_name"] = "graph.windows.net",
            ["msgraph_host"] = new Uri(emu.GraphResource).Host,
            ["rbac_url"] = "https://pas.windows.net",
        });
    }

    public static async Task Keys(HttpContext ctx, Emu emu, string tenant)
    {
        ctx.Items["route"] = "entra:keys";
        if (!IsMultiTenantAlias(tenant) && emu.World.FindTenant(tenant) == null)
        {
            await WriteAadError(ctx, emu, TenantNotFound(tenant), CorrelationId(ctx, emu));
            return;
        }
        await WriteJson(ctx, 200, emu.Tokens.Jwks());
    }

    /// <summary>Azure Automation / App Service managed-identity endpoint (IDENTITY_ENDPOINT).</summary>
    public static async Task ManagedIdentity(HttpContext ctx, Emu emu)
    {
        ctx.Items["route"] = "mi:token";
        if (await ApplyFaults(ctx, emu)) return;
        var q = ctx.Request.Query;
        string corr = emu.NewRequestId();
        async Task Fail(int status, string message) =>
            await WriteJson(ctx, status, new JsonObject { ["statusCode"] = status, ["message"] = message, ["correlationId"] = corr });

        var header = ctx.Request.Headers["X-IDENTITY-HEADER"].ToString();
        if (string.IsNullOrEmpty(header)) { await Fail(400, "X-IDENTITY-HEADER is missing from the request."); return; }
        if (!FixedEquals(header, emu.Options.IdentityHeader)) { await Fail(401, "The X-IDENTITY-HEADER value is not valid."); return; }
        var apiVersion = q["api-version"].ToString();
        if (apiVersion != "2019-08-01") { await Fail(400, $"The api-version '{apiVersion}' could not be found. Supported: 2019-08-01."); return; }
        var resource = q["resource"].ToString();
        if (string.IsNullOrEmpty(resource)) { await Fail(400, "The 'resource' parameter is required."); return; }
        var (mi, tenant) = FindManagedIdentity(emu, q["client_id"], q["principal_id"].Count > 0 ? q["principal_id"] : q["object_id"], q["mi_res_id"]);
        if (mi == null || tenant == null) { await Fail(400, "No managed identity found for specified ClientId/ResourceId/PrincipalId."); return; }
        var aud = MiAudience(emu, resource);
        if (aud == null) { await Fail(400, $"AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant.Id}."); return; }
        var (token, lifetime) = IssueManagedIdentityToken(emu, tenant, mi, aud);
        await WriteJson(ctx, 200, new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = (emu.Clock.UnixNow + lifetime).ToString(CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = mi.ClientId,
        }, noStore: true);
    }

    /// <summary>Azure Instance Metadata Service token endpoint (VMs, hybrid workers).</summary>
    public static async Task Imds(HttpContext ctx, Emu emu)
    {
        ctx.Items["route"] = "imds:token";
        if (await ApplyFaults(ctx, emu)) return;
        var q = ctx.Request.Query;
        async Task Fail(int status, string error, string description) =>
            await WriteJson(ctx, status, new JsonObject { ["error"] = error, ["error_description"] = description });

        if (!string.Equals(ctx.Request.Headers["Metadata"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        { await Fail(400, "invalid_request", "Required metadata header not specified"); return; }
        if (ctx.Request.Headers.ContainsKey("X-Forwarded-For"))
        { await Fail(400, "invalid_request", "Request contains X-Forwarded-For header"); return; }
        if (!HttpMethods.IsGet(ctx.Request.Method)) { await Fail(405, "invalid_request", "Only GET is supported"); return; }
        var apiVersion = q["api-version"].ToString();
        if (string.IsNullOrEmpty(apiVersion)) { await Fail(400, "invalid_request", "Required query variable 'api-version' is missing"); return; }
        var resource = q["resource"].ToString();
        if (string.IsNullOrEmpty(resource)) { await Fail(400, "invalid_request", "Required audience parameter not specified"); return; }
        var (mi, tenant) = FindManagedIdentity(emu, q["client_id"], q["object_id"], q["msi_res_id"].Count > 0 ? q["msi_res_id"] : q["mi_res_id"]);
        if (mi == null || tenant == null) { await Fail(400, "invalid_request", "Identity not found"); return; }
        var aud = MiAudience(emu, resource);
        if (aud == null) { await Fail(400, "invalid_resource", $"AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant.Id}."); return; }
        var (token, lifetime) = IssueManagedIdentityToken(emu, tenant, mi, aud);
        long now = emu.Clock.UnixNow;
        await WriteJson(ctx, 200, new JsonObject
        {
            ["access_token"] = token,
            ["refresh_token"] = "",
            ["expires_in"] = lifetime.ToString(CultureInfo.InvariantCulture),
            ["expires_on"] = (now + lifetime).ToString(CultureInfo.InvariantCulture),
            ["not_before"] = (now - 300).ToString(CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = mi.ClientId,
        }, noStore: true);
    }

    // ---------- grants ----------

    private static JsonObject IssueFromForm(Emu emu, HttpContext ctx, string tenantSegment, Dictionary<string, string> form)
    {
        var grant = Required(form, "grant_type");
        if (IsMultiTenantAlias(tenantSegment) && grant == "client_credentials")
            throw new AadError(400, "invalid_request", 90002, $"Tenant '{tenantSegment}' not found. Client credential flows must use a tenant-specific authority, not '{tenantSegment}'.");
        Tenant t;
        if (grant == "password" && tenantSegment.Equals("organizations", StringComparison.OrdinalIgnoreCase))
        {
            var found = emu.World.FindUserAnywhere(Required(form, "username"));
            t = found?.Item1 ?? throw new AadError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.");
        }
        else if (grant == "password" && IsMultiTenantAlias(tenantSegment))
            throw new AadError(400, "invalid_grant", 9001023, $"The grant type isn't supported over the /{tenantSegment} endpoint. Use a tenant-specific endpoint.");
        else if (grant == DeviceCodeGrant && IsOrganizationsAuthority(tenantSegment))
            t = DeviceCodeTenant(emu, form);
        else if (grant == "refresh_token" && IsOrganizationsAuthority(tenantSegment))
        {
            // the refresh token names its account, and so its tenant
            var g = emu.RefreshTokens.Get(Required(form, "refresh_token"));
            t = (g != null ? emu.World.FindTenant(g.TenantId) : null)
                ?? throw new AadError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
        }
        else t = ResolveTenant(emu, tenantSegment);

        emu.Counters.Add(emu.Counters.TokensIssued, "requests:" + grant);
        return grant switch
        {
            "client_credentials" => ClientCredentials(emu, ctx, t, tenantSegment, form),
            "password" => Password(emu, ctx, t, tenantSegment, form),
            DeviceCodeGrant => RedeemDeviceCode(emu, ctx, t, tenantSegment, form),
            "refresh_token" => RedeemRefreshToken(emu, ctx, t, tenantSegment, form),
            _ => throw new AadError(400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{grant}'."),
        };
    }

    private static JsonObject ClientCredentials(Emu emu, HttpContext ctx, Tenant t, string tenantSegment, Dictionary<string, string> form)
    {
        var clientId = Required(form, "client_id");
        var scope = Required(form, "scope");
        var app = FindApp(t, clientId);
        string acr = AuthenticateClient(emu, ctx, t, tenantSegment, app, form, required: true)!;
        if (app.ConditionalAccessBlocked)
            throw new AadError(400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.");
        var aud = ParseDefaultScope(emu, t, scope);
        int lifetime = emu.NextTokenLifetime();
        var payload = BasePayload(emu, t, aud, lifetime);
        payload["app_displayname"] = app.DisplayName;
        payload["appid"] = app.ClientId;
        payload["appidacr"] = acr;
        payload["idp"] = $"https://sts.windows.net/{t.Id}/";
        payload["idtyp"] = "app";
        payload["oid"] = app.ServicePrincipalId.ToString();
        payload["rh"] = "0.emulator.";
        if (app.ApplicationPermissions.Count > 0) payload["roles"] = app.ApplicationPermissions.ToJsonArray();
        payload["sub"] = app.ServicePrincipalId.ToString();
        payload["tid"] = t.Id.ToString();
        payload["uti"] = Base64Url.Encode(emu.Rng.NextBytes(16));
        payload["ver"] = "1.0";
        payload["wids"] = new JsonArray("0997a1d0-0d1d-4acb-b408-d5ca73121e90");
        payload["xms_tcdt"] = 1600000000;
        emu.Counters.Add(emu.Counters.TokensIssued, "client_credentials");
        return new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = emu.Tokens.Sign(payload),
        };
    }

    private static JsonObject Password(Emu emu, HttpContext ctx, Tenant t, string tenantSegment, Dictionary<string, string> form)
    {
        var clientId = Required(form, "client_id");
        var scope = Required(form, "scope");
        var username = Required(form, "username");
        var password = Required(form, "password");
        var app = FindApp(t, clientId);
        AuthenticateClient(emu, ctx, t, tenantSegment, app, form, required: !app.PublicClient);
        User? user;
        lock (t.Sync) user = t.FindUser(username);
        if (user == null || user.Password == null || !FixedEquals(user.Password, password))
            throw new AadError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.");
        if (!user.AccountEnabled)
            throw new AadError(400, "invalid_grant", 50057, "The user account is disabled.");
        if (app.ConditionalAccessBlocked)
            throw new AadError(400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", "message_only");
        if (user.MfaRegistrationRequired)
            throw new AadError(400, "invalid_grant", 50079, "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.", "basic_action");
        if (user.MfaRequired)
            throw new AadError(400, "invalid_grant", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.", "basic_action");
        return IssueDelegated(emu, t, app, user, scope, "pwd");
    }

    private static JsonObject RedeemDeviceCode(Emu emu, HttpContext ctx, Tenant t, string tenantSegment, Dictionary<string, string> form)
    {
        var clientId = Required(form, "client_id");
        var code = Required(form, "device_code");
        var app = FindApp(t, clientId);
        AuthenticateClient(emu, ctx, t, tenantSegment, app, form, required: !app.PublicClient);
        var entry = emu.DeviceCodes.ByDeviceCode(code);
        bool multi = IsOrganizationsAuthority(tenantSegment);
        // A code asked for at one tenant is redeemed there; one asked for at /organizations or
        // /common is redeemed at either (its tenant is the approving account's).
        if (entry == null || entry.MultiTenant != multi || (!multi && entry.TenantId != t.Id)
            || !string.Equals(entry.ClientId, app.ClientId, StringComparison.OrdinalIgnoreCase))
            throw new AadError(400, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.");
        lock (entry)
        {
            if (emu.Clock.UtcNow >= entry.ExpiresAt || entry.State == "redeemed")
                throw new AadError(400, "expired_token", 70019, "Verification code expired.");
            if (entry.SlowDownOnce)
            {
                entry.SlowDownOnce = false;
                throw new AadError(400, "slow_down", 70016, "OAuth 2.0 device flow error. Polling too frequently; slow down.");
            }
            switch (entry.State)
            {
                case "pending":
                    throw new AadError(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
                case "declined":
                    throw new AadError(400, "authorization_declined", 70000, "The user has declined to authorize the application.");
            }
            User? user;
            lock (t.Sync) user = entry.UserId is Guid uid && entry.TenantId == t.Id ? t.UsersById.GetValueOrDefault(uid) : null;
            if (user == null) throw new AadError(400, "invalid_grant", 50034, "The user account does not exist in the directory.");
            entry.State = "redeemed";
            return IssueDelegated(emu, t, app, user, entry.Scope, "pwd mfa");
        }
    }

    private static JsonObject RedeemRefreshToken(Emu emu, HttpContext ctx, Tenant t, string tenantSegment, Dictionary<string, string> form)
    {
        var clientId = Required(form, "client_id");
        var rt = Required(form, "refresh_token");
        var app = FindApp(t, clientId);
        AuthenticateClient(emu, ctx, t, tenantSegment, app, form, required: !app.PublicClient);
        var g = emu.RefreshTokens.Get(rt);
        if (g == null || g.TenantId != t.Id || !string.Equals(g.ClientId, app.ClientId, StringComparison.OrdinalIgnoreCase))
            throw new AadError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
        User? user;
        lock (t.Sync) user = t.UsersById.GetValueOrDefault(g.UserId);
        if (user == null || user.Deleted) throw new AadError(400, "invalid_grant", 50034, "The user account does not exist in the directory.");
        var scope = form.GetValueOrDefault("scope") is { Length: > 0 } s ? s : g.Scope;
        return IssueDelegated(emu, t, app, user, scope, "pwd mfa");
    }

    /// <summary>Delegated (user) token: scp from consented permissions, wids from directory roles.</summary>
    private static JsonObject IssueDelegated(Emu emu, Tenant t, App app, User user, string scope, string amr)
    {
        var (graphScopes, offline, openid) = ResolveDelegatedScopes(emu, app, scope);
        int lifetime = emu.NextTokenLifetime();
        var payload = BasePayload(emu, t, emu.GraphResource, lifetime);
        payload["acr"] = "1";
        payload["amr"] = amr.Split(' ').ToJsonArray();
        payload["app_displayname"] = app.DisplayName;
        payload["appid"] = app.ClientId;
        payload["appidacr"] = app.PublicClient ? "0" : "1";
        if (user.GivenName != null) payload["given_name"] = user.GivenName;
        if (user.Surname != null) payload["family_name"] = user.Surname;
        payload["idtyp"] = "user";
        payload["name"] = user.DisplayName ?? user.UserPrincipalName;
        payload["oid"] = user.Id.ToString();
        payload["platf"] = "3";
        payload["rh"] = "0.emulator.";
        payload["scp"] = string.Join(' ', graphScopes);
        payload["sub"] = Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(user.Id + app.ClientId)));
        payload["tid"] = t.Id.ToString();
        payload["unique_name"] = user.UserPrincipalName;
        payload["upn"] = user.UserPrincipalName;
        payload["uti"] = Base64Url.Encode(emu.Rng.NextBytes(16));
        payload["ver"] = "1.0";
        var wids = new JsonArray();
        foreach (var w in user.DirectoryRoles) wids.Add(w);
        wids.Add(DirectoryRoles.DefaultMember);
        payload["wids"] = wids;
        emu.Counters.Add(emu.Counters.TokensIssued, "delegated");
        var result = new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(' ', graphScopes.Concat(openid ? new[] { "openid", "profile" } : Array.Empty<string>()).Concat(offline ? new[] { "offline_access" } : Array.Empty<string>())),
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = emu.Tokens.Sign(payload),
        };
        if (offline)
        {
            var rt = "1.AQ" + Base64Url.Encode(emu.Rng.NextBytes(120));
            emu.RefreshTokens.Add(rt, new RefreshGrant(t.Id, app.ClientId, user.Id, scope));
            result["refresh_token"] = rt;
        }
        if (openid)
        {
            long now = emu.Clock.UnixNow;
            result["id_token"] = emu.Tokens.Sign(new JsonObject
            {
                ["aud"] = app.ClientId,
                ["iss"] = $"{Clouds.LoginHost(emu.Options.Cloud)}/{t.Id}/v2.0",
                ["iat"] = now - 300,
                ["nbf"] = now - 300,
                ["exp"] = now + 3600,
                ["name"] = user.DisplayName ?? user.UserPrincipalName,
                ["oid"] = user.Id.ToString(),
                ["preferred_username"] = user.UserPrincipalName,
                ["sub"] = payload["sub"]!.GetValue<string>(),
                ["tid"] = t.Id.ToString(),
                ["ver"] = "2.0",
            });
        }
        return result;
    }

    private static (string token, int lifetime) IssueManagedIdentityToken(Emu emu, Tenant t, ManagedIdentity mi, string aud)
    {
        int lifetime = emu.Options.TokenLifetime ?? emu.Rng.Next(82800, 86400); // MI tokens live ~24 h
        var payload = BasePayload(emu, t, aud, lifetime);
        payload["aio"] = Base64Url.Encode(emu.Rng.NextBytes(24));
        payload["app_displayname"] = mi.SystemAssigned ? "automation-account" : "user-assigned-identity";
        payload["appid"] = mi.ClientId;
        payload["appidacr"] = "2";
        payload["idp"] = $"https://sts.windows.net/{t.Id}/";
        payload["idtyp"] = "app";
        payload["oid"] = mi.ObjectId.ToString();
        if (mi.ApplicationPermissions.Count > 0) payload["roles"] = mi.ApplicationPermissions.ToJsonArray();
        payload["sub"] = mi.ObjectId.ToString();
        payload["tid"] = t.Id.ToString();
        payload["uti"] = Base64Url.Encode(emu.Rng.NextBytes(16));
        payload["ver"] = "1.0";
        if (mi.ResourceId != null) payload["xms_mirid"] = mi.ResourceId;
        emu.Counters.Add(emu.Counters.TokensIssued, "managed_identity");
        return (emu.Tokens.Sign(payload), lifetime);
    }

    private static JsonObject BasePayload(Emu emu, Tenant t, string aud, int lifetime)
    {
        long now = emu.Clock.UnixNow;
        return new JsonObject
        {
            ["aud"] = aud,
            ["iss"] = $"https://sts.windows.net/{t.Id}/",
            ["iat"] = now - 300, // Entra back-dates iat/nbf by five minutes
            ["nbf"] = now - 300,
            ["exp"] = now + lifetime,
            ["aio"] = Base64Url.Encode(emu.Rng.NextBytes(24)),
        };
    }

    // ---------- client authentication ----------

    /// <summary>Checks client_secret or client_assertion; returns appidacr ("1" secret, "2" certificate),
    /// null if not required and absent.</summary>
    private static string? AuthenticateClient(Emu emu, HttpContext ctx, Tenant t, string tenantSegment, App app, Dictionary<string, string> form, bool required)
    {
        form.TryGetValue("client_secret", out var secret);
        form.TryGetValue("client_assertion", out var assertion);
        form.TryGetValue("client_assertion_type", out var assertionType);
        // client_secret_basic
        if (secret == null && ctx.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim()));
                int colon = decoded.IndexOf(':');
                if (colon > 0) secret = Uri.UnescapeDataString(decoded[(colon + 1)..]);
            }
            catch (FormatException) { }
        }
        if (!string.IsNullOrEmpty(assertion) || !string.IsNullOrEmpty(assertionType))
        {
            if (assertionType != JwtBearer)
                throw new AadError(400, "invalid_request", 700024, $"The 'client_assertion_type' must be '{JwtBearer}'.");
            if (string.IsNullOrEmpty(assertion))
                throw new AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion'.");
            VerifyAssertion(emu, ctx, t, tenantSegment, app, assertion);
            return "2";
        }
        if (!string.IsNullOrEmpty(secret))
        {
            if (app.PublicClient && app.Secrets.Count == 0)
                throw new AadError(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
            var match = app.Secrets.FirstOrDefault(s => FixedEquals(s.Value, secret));
            if (match == null)
                throw new AadError(401, "invalid_client", 7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app.ClientId}'.");
            if (match.Expires is DateTimeOffset exp && exp <= emu.Clock.UtcNow)
                throw new AadError(401, "invalid_client", 7000222, $"The provided client secret keys for app '{app.ClientId}' are expired. Visit the Azure portal to create new keys for your app.");
            return "1";
        }
        if (required)
            throw new AadError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
        return null;
    }

    private static void VerifyAssertion(Emu emu, HttpContext ctx, Tenant t, string tenantSegment, App app, string assertion)
    {
        var jwt = Jwt.Parse(assertion) ?? throw new AadError(401, "invalid_client", 50027, "JWT token is invalid or malformed.");
        var alg = jwt.Header.Str("alg");
        if (alg is not ("RS256" or "PS256"))
            throw new AadError(401, "invalid_client", 5002738, $"Invalid JWT token. '{alg}' is not a supported signature algorithm.");
        var x5tS256 = jwt.Header.Str("x5t#S256");
        var x5t = jwt.Header.Str("x5t");
        AppCertificate? cert = null;
        if (x5tS256 != null) cert = app.Certificates.FirstOrDefault(c => c.ThumbprintSha256B64 == x5tS256.TrimEnd('='));
        else if (x5t != null) cert = app.Certificates.FirstOrDefault(c => c.ThumbprintSha1B64 == x5t.TrimEnd('='));
        else throw new AadError(401, "invalid_client", 5002723, "Invalid JWT token. No certificate thumbprint specified in token header (x5t#S256 or x5t).");
        var thumb = x5tS256 ?? x5t;
        if (cert == null)
            throw new AadError(401, "invalid_client", 700027, $"Client assertion failed signature validation. Trace ID: see correlation. [Reason - The key was not found., Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app.ClientId}'.]");
        if (!TokenService.VerifyWithCertificate(jwt, cert.Certificate, alg))
            throw new AadError(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value.]");

        var iss = jwt.Payload.Str("iss");
        var sub = jwt.Payload.Str("sub");
        if (!string.Equals(iss, app.ClientId, StringComparison.OrdinalIgnoreCase) || !string.Equals(sub, app.ClientId, StringComparison.OrdinalIgnoreCase))
            throw new AadError(401, "invalid_client", 700021, $"Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .");
        var aud = jwt.Payload.Str("aud");
        if (aud == null || !AcceptableAssertionAudience(emu, ctx, t, aud))
            throw new AadError(401, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer.");
        long now = emu.Clock.UnixNow;
        const int skew = 300;
        var exp = jwt.NumClaim("exp");
        var nbf = jwt.NumClaim("nbf");
        if (exp == null || exp + skew < now || (nbf != null && nbf - skew > now))
            throw new AadError(401, "invalid_client", 700024, $"Client assertion is not within its valid time range. Current time: {emu.Clock.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}, assertion valid from {(nbf != null ? DateTimeOffset.FromUnixTimeSeconds(nbf.Value).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "-")}, expiry time of assertion {DateTimeOffset.FromUnixTimeSeconds(exp ?? 0).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}.");
        var jti = jwt.Payload.Str("jti");
        if (string.IsNullOrEmpty(jti))
            throw new AadError(401, "invalid_client", 700026, "Client assertion is missing the 'jti' claim.");
        if (!emu.Assertions.TryUse(app.ClientId, jti, exp.Value + skew, now))
            throw new AadError(401, "invalid_client", 700020, "The client assertion has already been used (jti replay). A new assertion with a fresh 'jti' is required for each request.");
        if (cert.Certificate.NotAfter.ToUniversalTime() < emu.Clock.UtcNow.UtcDateTime)
            throw new AadError(401, "invalid_client", 700027, "Client assertion failed signature validation. [Reason - The certificate has expired.]");
    }

    private static bool AcceptableAssertionAudience(Emu emu, HttpContext ctx, Tenant t, string aud)
    {
        aud = aud.TrimEnd('/');
        var hosts = new[] { BaseUrl(ctx), Clouds.LoginHost(emu.Options.Cloud) };
        var segments = new List<string> { t.Id.ToString() };
        segments.AddRange(t.Domains);
        foreach (var h in hosts)
            foreach (var s in segments)
            {
                if (string.Equals(aud, $"{h}/{s}/oauth2/v2.0/token", StringComparison.OrdinalIgnoreCase)) return true;
                if (string.Equals(aud, $"{h}/{s}/oauth2/token", StringComparison.OrdinalIgnoreCase)) return true;
                if (string.Equals(aud, $"{h}/{s}/v2.0", StringComparison.OrdinalIgnoreCase)) return true;
                if (string.Equals(aud, $"{h}/{s}", StringComparison.OrdinalIgnoreCase)) return true;
            }
        return false;
    }

    // ---------- scopes ----------

    /// <summary>Client credentials accept exactly "{graph}/.default" (or Graph's app id form).</summary>
    private static string ParseDefaultScope(Emu emu, Tenant t, string scope)
    {
        var parts = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && parts[0].EndsWith("/.default", StringComparison.OrdinalIgnoreCase))
        {
            var resource = parts[0][..^"/.default".Length];
            var aud = GraphAudienceFromResource(emu, resource);
            if (aud != null) return emu.GraphResource;
            if (resource.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || Guid.TryParse(resource, out _))
                throw new AadError(400, "invalid_resource", 500011, $"The resource principal named {resource} was not found in the tenant named {t.DisplayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.");
        }
        throw new AadError(400, "invalid_scope", 70011, $"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.");
    }

    private static string? GraphAudienceFromResource(Emu emu, string resource)
    {
        var r = resource.TrimEnd('/');
        if (string.Equals(r, emu.GraphResource, StringComparison.OrdinalIgnoreCase)) return resource.EndsWith('/') ? emu.GraphResource + "/" : emu.GraphResource;
        if (string.Equals(r, Clouds.GraphAppId, StringComparison.OrdinalIgnoreCase)) return Clouds.GraphAppId;
        return null;
    }

    /// <summary>Other first-party resources a managed identity may ask for (Graph rejects their tokens).</summary>
    private static readonly string[] OtherResources =
        { "https://management.azure.com", "https://management.core.windows.net", "https://vault.azure.net", "https://storage.azure.com" };

    private static string? MiAudience(Emu emu, string resource) =>
        GraphAudienceFromResource(emu, resource)
        ?? (OtherResources.Contains(resource.TrimEnd('/'), StringComparer.OrdinalIgnoreCase) ? resource : null);

    private static readonly HashSet<string> OidcScopes = new(StringComparer.OrdinalIgnoreCase) { "openid", "profile", "email", "offline_access" };

    /// <summary>Delegated scopes → Graph permissions granted (must be consented), plus offline_access/openid flags.</summary>
    private static (List<string> graphScopes, bool offline, bool openid) ResolveDelegatedScopes(Emu emu, App app, string scope)
    {
        var parts = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        bool offline = parts.Any(p => p.Equals("offline_access", StringComparison.OrdinalIgnoreCase));
        bool openid = parts.Any(p => p.Equals("openid", StringComparison.OrdinalIgnoreCase));
        var granted = new List<string>();
        bool any = false;
        foreach (var p in parts)
        {
            if (OidcScopes.Contains(p)) continue;
            any = true;
            string name = p;
            int slash = p.LastIndexOf('/');
            if (slash >= 0)
            {
                var resource = p[..slash];
                if (GraphAudienceFromResource(emu, resource) == null)
                    throw new AadError(400, "invalid_scope", 70011, $"The provided value for the input parameter 'scope' is not valid. The scope {p} is not valid.");
                name = p[(slash + 1)..];
            }
            if (name == ".default")
            {
                granted.AddRange(app.DelegatedPermissions);
                continue;
            }
            var consented = app.DelegatedPermissions.FirstOrDefault(d => d.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (consented == null)
                throw new AadError(400, "invalid_grant", 65001, $"The user or administrator has not consented to use the application with ID '{app.ClientId}' named '{app.DisplayName}'. Send an interactive authorization request for this user and resource.", "consent_required");
            granted.Add(consented);
        }
        if (!any) granted.AddRange(app.DelegatedPermissions);
        return (granted.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), offline, openid);
    }

    // ---------- helpers ----------

    /// <summary>The tenant a device-code redemption at /organizations or /common is for: the
    /// approving account's once approved. While the code is pending (or unknown) there is no
    /// tenant yet, so the app is looked up by client id anywhere and the poll answers from the code's state.</summary>
    private static Tenant DeviceCodeTenant(Emu emu, Dictionary<string, string> form)
    {
        var clientId = Required(form, "client_id");
        var entry = emu.DeviceCodes.ByDeviceCode(Required(form, "device_code"));
        if (entry?.TenantId is Guid tid && emu.World.FindTenant(tid) is { } userTenant)
        {
            lock (userTenant.Sync)
                if (userTenant.Apps.ContainsKey(clientId)) return userTenant;
            // The account's tenant has no service principal for the app.
            throw new AadError(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{userTenant.DisplayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");
        }
        // pending, declined, expired or unknown: any tenant holding the app answers the same way
        foreach (var t in emu.World.Tenants)
            lock (t.Sync)
                if (t.Apps.ContainsKey(clientId)) return t;
        throw AppNotFound(clientId, "organizations");
    }

    /// <summary>A multi-tenant app addressed at /organizations or /common: the first tenant that registers it.</summary>
    private static App FindAppAnywhere(Emu emu, string clientId, string authority)
    {
        foreach (var t in emu.World.Tenants)
            lock (t.Sync)
                if (t.Apps.TryGetValue(clientId, out var app)) return app;
        throw AppNotFound(clientId, authority);
    }

    private static AadError AppNotFound(string clientId, string directory) =>
        new(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");

    /// <summary>/organizations and /common: work or school accounts of any tenant (the emulator
    /// models no personal Microsoft accounts, so /consumers resolves no tenant).</summary>
    private static bool IsOrganizationsAuthority(string t) =>
        t.Equals("common", StringComparison.OrdinalIgnoreCase) || t.Equals("organizations", StringComparison.OrdinalIgnoreCase);

    private static bool IsMultiTenantAlias(string t) =>
        t.Equals("common", StringComparison.OrdinalIgnoreCase) || t.Equals("organizations", StringComparison.OrdinalIgnoreCase) || t.Equals("consumers", StringComparison.OrdinalIgnoreCase);

    private static AadError TenantNotFound(string tenant) =>
        new(400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");

    private static Tenant ResolveTenant(Emu emu, string segment) =>
        emu.World.FindTenant(segment) ?? throw TenantNotFound(segment);

    private static App FindApp(Tenant t, string clientId)
    {
        lock (t.Sync)
            if (t.Apps.TryGetValue(clientId, out var app)) return app;
        throw new AadError(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{t.DisplayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");
    }

    private static string Required(Dictionary<string, string> form, string name) =>
        form.TryGetValue(name, out var v) && v.Length > 0 ? v
            : throw new AadError(400, "invalid_request", 900144, $"The request body must contain the following parameter: '{name}'.");

    private static (ManagedIdentity?, Tenant?) FindManagedIdentity(Emu emu, string? clientId, string? objectId, string? resourceId)
    {
        foreach (var t in emu.World.Tenants)
            lock (t.Sync)
                foreach (var mi in t.ManagedIdentities)
                {
                    bool match =
                        !string.IsNullOrEmpty(clientId) ? string.Equals(mi.ClientId, clientId, StringComparison.OrdinalIgnoreCase)
                        : !string.IsNullOrEmpty(objectId) ? string.Equals(mi.ObjectId.ToString(), objectId, StringComparison.OrdinalIgnoreCase)
                        : !string.IsNullOrEmpty(resourceId) ? string.Equals(mi.ResourceId, resourceId, StringComparison.OrdinalIgnoreCase)
                        : mi.SystemAssigned;
                    if (match) return (mi, t);
                }
        return (null, null);
    }

    public static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    public static string BaseUrl(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";

    private static async Task<Dictionary<string, string>> ReadForm(HttpContext ctx)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!ctx.Request.HasFormContentType) return d;
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        foreach (var kv in form) d[kv.Key] = kv.Value.ToString();
        return d;
    }

    private static string CorrelationId(HttpContext ctx, Emu emu)
    {
        var c = ctx.Request.Headers["client-request-id"].ToString();
        return Guid.TryParse(c, out var g) ? g.ToString() : emu.NewRequestId();
    }

    public static async Task WriteAadError(HttpContext ctx, Emu emu, AadError e, string correlation)
    {
        var trace = emu.NewRequestId();
        var ts = emu.Clock.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["error"] = e.Error,
            ["error_description"] = $"AADSTS{e.Code}: {e.Description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}",
            ["error_codes"] = new JsonArray(e.Code),
            ["timestamp"] = ts,
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
            ["error_uri"] = $"{Clouds.LoginHost(emu.Options.Cloud)}/error?code={e.Code}",
        };
        if (e.Suberror != null) body["suberror"] = e.Suberror;
        ctx.Response.Headers["x-ms-request-id"] = trace;
        await WriteJson(ctx, e.Status, body, noStore: true);
    }

    public static async Task WriteJson(HttpContext ctx, int status, JsonNode body, bool noStore = false)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        if (noStore)
        {
            ctx.Response.Headers.CacheControl = "no-store, no-cache";
            ctx.Response.Headers.Pragma = "no-cache";
        }
        await ctx.Response.WriteAsync(Json.Serialize(body), ctx.RequestAborted);
    }

    /// <summary>Latency and token-endpoint outages (entra scope). True if the response was handled.</summary>
    private static async Task<bool> ApplyFaults(HttpContext ctx, Emu emu)
    {
        var d = emu.Faults.Decide("entra", emu.Clock.UtcNow);
        if (d.LatencyMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(d.LatencyMs), ctx.RequestAborted);
        switch (d.Kind)
        {
            case FaultKind.Reset:
                ctx.Features.Get<IHttpResetFeature>()?.Reset(2);
                ctx.Abort();
                return true;
            case FaultKind.Stall:
                await Task.Delay(d.StallMs, ctx.RequestAborted);
                return false;
            case FaultKind.Error:
                if (d.Status == 503)
                {
                    ctx.Response.Headers.RetryAfter = "1";
                    await WriteAadError(ctx, emu, new AadError(503, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."), CorrelationId(ctx, emu));
                }
                else
                    await WriteAadError(ctx, emu, new AadError(d.Status, "server_error", 90000, "An internal error occurred. Please try again."), CorrelationId(ctx, emu));
                return true;
        }
        return false;
    }
}
