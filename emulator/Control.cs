using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>The control API under /control/: seed, generate, inspect, reset, knobs. Documented in README.md.</summary>
public static class Control
{
    public static void Map(WebApplication app, Emu emu)
    {
        var g = app.MapGroup("/control");
        g.AddEndpointFilter(async (fc, next) =>
        {
            fc.HttpContext.Items["route"] = "control:" + (fc.HttpContext.GetEndpoint()?.DisplayName ?? "?");
            try { return await next(fc); }
            catch (Exception e) when (e is SeedException or ArgumentException or JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                return Results.Json(new JsonObject { ["error"] = e.Message }, statusCode: 400);
            }
        });

        g.MapPost("/reset", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx);
            emu.Reset(reseed: body.Bool("empty") != true);
            return Ok(new JsonObject { ["reset"] = true, ["tenants"] = emu.World.Tenants.Count });
        }).WithDisplayName("reset");

        g.MapPost("/tenants", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx) ?? throw new SeedException("seed JSON body required");
            var added = Seed.Load(emu.World, body, emu.Rng);
            var arr = new JsonArray();
            foreach (var t in added) arr.Add(new JsonObject { ["id"] = t.Id.ToString(), ["domains"] = t.Domains.ToJsonArray(), ["users"] = t.Users.Count });
            return Json(201, new JsonObject { ["tenants"] = arr });
        }).WithDisplayName("tenants.create");

        g.MapDelete("/tenants/{tenant}", (string tenant) =>
        {
            var t = emu.World.FindTenant(tenant);
            return t != null && emu.World.RemoveTenant(t.Id) ? Results.NoContent() : NotFound($"tenant {tenant}");
        }).WithDisplayName("tenants.delete");

        g.MapGet("/state", (HttpContext ctx) =>
        {
            bool secrets = ctx.Request.Query["includeSecrets"] == "true";
            Guid? only = null;
            if (ctx.Request.Query["tenant"].ToString() is { Length: > 0 } ts)
                only = emu.World.FindTenant(ts)?.Id ?? throw new KeyNotFoundException($"unknown tenant {ts}");
            var dump = Seed.Dump(emu.World, secrets, only);
            dump["twilioMessages"] = emu.Twilio.DumpMessages();
            dump["clock"] = new JsonObject { ["now"] = emu.Clock.UtcNow.ToString("o"), ["offsetSeconds"] = emu.Clock.Offset.TotalSeconds };
            return Ok(dump);
        }).WithDisplayName("state");

        g.MapGet("/counters", () => Ok(emu.Counters.ToJson())).WithDisplayName("counters");
        g.MapPost("/counters/reset", () => { emu.Counters.Reset(); return Ok(emu.Counters.ToJson()); }).WithDisplayName("counters.reset");

        g.MapPost("/generate", async (HttpContext ctx) => { var body = await ReadJson(ctx); return Json(201, Generator.Generate(emu, body)); }).WithDisplayName("generate");

        // ---- apps, certificates, permissions ----
        g.MapPost("/tenants/{tenant}/apps", async (HttpContext ctx, string tenant) =>
        {
            var t = Tenant(emu, tenant);
            var app = Seed.ParseApp(await ReadJson(ctx), emu.Rng);
            lock (t.Sync) t.Apps[app.ClientId] = app;
            return Json(201, new JsonObject { ["clientId"] = app.ClientId, ["servicePrincipalId"] = app.ServicePrincipalId.ToString() });
        }).WithDisplayName("apps.create");

        g.MapPatch("/tenants/{tenant}/apps/{clientId}", async (HttpContext ctx, string tenant, string clientId) =>
        {
            var t = Tenant(emu, tenant);
            var body = await ReadJson(ctx);
            lock (t.Sync)
            {
                if (!t.Apps.TryGetValue(clientId, out var app)) return NotFound($"app {clientId}");
                if (body?["applicationPermissions"] is JsonArray) app.ApplicationPermissions = body.StrList("applicationPermissions");
                if (body?["delegatedPermissions"] is JsonArray) app.DelegatedPermissions = body.StrList("delegatedPermissions");
                if (body.Bool("publicClient") is bool pc) app.PublicClient = pc;
                if (body.Bool("conditionalAccessBlocked") is bool ca) app.ConditionalAccessBlocked = ca;
                if (body?["secrets"] is JsonArray)
                {
                    var parsed = Seed.ParseApp(new JsonObject { ["clientId"] = clientId, ["secrets"] = body["secrets"]!.DeepClone() }, emu.Rng);
                    app.Secrets.Clear();
                    app.Secrets.AddRange(parsed.Secrets);
                }
                return Ok(Seed.DumpTenant(t, false)["apps"]!.AsArray().First(a => a.Str("clientId") == app.ClientId)!.DeepClone());
            }
        }).WithDisplayName("apps.update");

        g.MapPost("/tenants/{tenant}/apps/{clientId}/certificates", async (HttpContext ctx, string tenant, string clientId) =>
        {
            var t = Tenant(emu, tenant);
            var body = await ReadJson(ctx);
            var cert = Seed.ParseCertificate(body.Str("pem") ?? throw new SeedException("pem required"));
            lock (t.Sync)
            {
                if (!t.Apps.TryGetValue(clientId, out var app)) return NotFound($"app {clientId}");
                app.Certificates.Add(cert);
            }
            return Json(201, new JsonObject { ["x5t"] = cert.ThumbprintSha1B64, ["x5t#S256"] = cert.ThumbprintSha256B64 });
        }).WithDisplayName("apps.certificates.add");

        g.MapPost("/tenants/{tenant}/managedIdentities", async (HttpContext ctx, string tenant) =>
        {
            var t = Tenant(emu, tenant);
            var mn = await ReadJson(ctx);
            var mi = new ManagedIdentity
            {
                ClientId = mn.Str("clientId") ?? emu.Rng.NextGuid().ToString(),
                ObjectId = Guid.TryParse(mn.Str("objectId"), out var og) ? og : emu.Rng.NextGuid(),
                ResourceId = mn.Str("resourceId"),
                SystemAssigned = mn.Bool("systemAssigned") ?? false,
                ApplicationPermissions = mn.StrList("applicationPermissions"),
            };
            lock (t.Sync) t.ManagedIdentities.Add(mi);
            return Json(201, new JsonObject { ["clientId"] = mi.ClientId, ["objectId"] = mi.ObjectId.ToString() });
        }).WithDisplayName("managedIdentities.create");

        // ---- users (simulating directory changes, e.g. AD sync) ----
        g.MapPost("/tenants/{tenant}/users", async (HttpContext ctx, string tenant) =>
        {
            var t = Tenant(emu, tenant);
            var u = Seed.ParseUser(await ReadJson(ctx), emu.Rng);
            lock (t.Sync) t.AddUser(u);
            return Json(201, Seed.DumpUser(u, false));
        }).WithDisplayName("users.create");

        g.MapGet("/tenants/{tenant}/users/{user}", (string tenant, string user) =>
        {
            var t = Tenant(emu, tenant);
            lock (t.Sync)
            {
                var u = t.FindUser(user);
                return u == null ? NotFound($"user {user}") : Ok(Seed.DumpUser(u, false));
            }
        }).WithDisplayName("users.get");

        g.MapPatch("/tenants/{tenant}/users/{user}", async (HttpContext ctx, string tenant, string user) =>
        {
            var t = Tenant(emu, tenant);
            var body = await ReadJson(ctx);
            lock (t.Sync)
            {
                var u = t.FindUser(user);
                if (u == null) return NotFound($"user {user}");
                Seed.ApplyUserProperties(u, body);
                t.Touch(u);
                return Ok(Seed.DumpUser(u, false));
            }
        }).WithDisplayName("users.update");

        g.MapDelete("/tenants/{tenant}/users/{user}", (string tenant, string user) =>
        {
            var t = Tenant(emu, tenant);
            lock (t.Sync)
            {
                var u = t.FindUser(user);
                if (u == null) return NotFound($"user {user}");
                t.DeleteUser(u);
                return Results.NoContent();
            }
        }).WithDisplayName("users.delete");

        // ---- tokens minted directly (for tests of expiry, roles, tenants) ----
        g.MapPost("/tokens", async (HttpContext ctx) => { var body = await ReadJson(ctx); return Ok(MintToken(emu, body)); }).WithDisplayName("tokens.mint");

        // ---- device code ----
        g.MapGet("/devicecodes", () =>
        {
            var a = new JsonArray();
            foreach (var d in emu.DeviceCodes.All)
                a.Add(new JsonObject { ["userCode"] = d.UserCode, ["clientId"] = d.ClientId, ["tenantId"] = d.TenantId?.ToString(), ["multiTenant"] = d.MultiTenant, ["state"] = d.State, ["scope"] = d.Scope });
            return Ok(new JsonObject { ["deviceCodes"] = a });
        }).WithDisplayName("devicecodes");

        g.MapPost("/devicecode/{action}", async (HttpContext ctx, string action) =>
        {
            var body = await ReadJson(ctx);
            var userCode = body.Str("userCode");
            var entry = userCode != null ? emu.DeviceCodes.ByUserCode(userCode) : emu.DeviceCodes.All.LastOrDefault(d => d.State == "pending");
            if (entry == null) return NotFound($"device code {userCode ?? "(latest pending)"}");
            lock (entry)
            {
                switch (action)
                {
                    case "approve":
                        var upn = body.Str("userPrincipalName") ?? throw new ArgumentException("userPrincipalName required");
                        User? u;
                        if (entry.MultiTenant)
                        {
                            // /organizations or /common: any work account signs in; its tenant is the token's
                            var found = emu.World.FindUserAnywhere(upn);
                            if (found == null) return NotFound($"user {upn}");
                            entry.TenantId = found.Value.Item1.Id;
                            u = found.Value.Item2;
                        }
                        else
                        {
                            var t = emu.World.FindTenant(entry.TenantId!.Value) ?? throw new KeyNotFoundException("tenant gone");
                            lock (t.Sync) u = t.FindUser(upn);
                            if (u == null) return NotFound($"user {upn}");
                        }
                        entry.UserId = u.Id;
                        entry.State = "approved";
                        break;
                    case "deny": entry.State = "declined"; break;
                    case "slow-down": entry.SlowDownOnce = true; break;
                    case "expire": entry.State = "redeemed"; break;
                    default: return NotFound($"action {action} (approve, deny, slow-down, expire)");
                }
                return Ok(new JsonObject { ["userCode"] = entry.UserCode, ["state"] = entry.State });
            }
        }).WithDisplayName("devicecode.action");

        // ---- throttling, faults, clock ----
        g.MapGet("/throttling", () => Ok(emu.Throttler.Settings.ToJson())).WithDisplayName("throttling.get");
        g.MapPost("/throttling", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx);
            var settings = emu.Throttler.Update(body);
            if (body.Bool("resetBudgets") == true) emu.Throttler.ResetBudgets();
            return Ok(settings.ToJson());
        }).WithDisplayName("throttling.set");
        g.MapGet("/faults", () => Ok(emu.Faults.ToJson())).WithDisplayName("faults.get");
        g.MapPost("/faults", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx);
            if (body.Bool("reset") == true) emu.Faults.Reset();
            emu.Faults.Apply(body, emu.Clock);
            return Ok(emu.Faults.ToJson());
        }).WithDisplayName("faults.set");
        g.MapGet("/clock", () => Ok(new JsonObject { ["now"] = emu.Clock.UtcNow.ToString("o"), ["offsetSeconds"] = emu.Clock.Offset.TotalSeconds })).WithDisplayName("clock.get");
        g.MapPost("/clock", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx);
            double by = body.Num("advanceSeconds") ?? 0;
            if (double.IsNaN(by) || double.IsInfinity(by) || by > TimeSpan.MaxValue.TotalSeconds / 4)
                throw new ArgumentException("advanceSeconds must be a finite number of seconds");
            emu.Clock.Advance(TimeSpan.FromSeconds(by));
            return Ok(new JsonObject { ["now"] = emu.Clock.UtcNow.ToString("o"), ["offsetSeconds"] = emu.Clock.Offset.TotalSeconds });
        }).WithDisplayName("clock.advance");

        // ---- Twilio ----
        g.MapPost("/twilio/accounts", async (HttpContext ctx) =>
        {
            Seed.AddTwilioAccount(emu.World, await ReadJson(ctx));
            return Json(201, new JsonObject { ["ok"] = true });
        }).WithDisplayName("twilio.accounts.create");
        g.MapPost("/twilio/send-sms", async (HttpContext ctx) =>
        {
            var (status, body) = await emu.Twilio.SendSms(await ReadJson(ctx), ctx.RequestAborted);
            return Json(status, body);
        }).WithDisplayName("twilio.send-sms");
        g.MapGet("/twilio/messages", () => Ok(new JsonObject { ["messages"] = emu.Twilio.DumpMessages() })).WithDisplayName("twilio.messages");
        g.MapGet("/twilio/deliveries", () => Ok(new JsonObject { ["deliveries"] = new JsonArray(emu.Twilio.Deliveries.Select(d => (JsonNode)d).ToArray()) })).WithDisplayName("twilio.deliveries");

        // ---- Teams / Slack ----
        g.MapGet("/teams/posts", () => Ok(new JsonObject { ["posts"] = emu.Receivers.TeamsPosts })).WithDisplayName("teams.posts");
        g.MapDelete("/teams/posts", () => { emu.Receivers.ClearTeams(); return Results.NoContent(); }).WithDisplayName("teams.posts.clear");
        g.MapPost("/teams/receivers", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx);
            var id = body.Str("id") ?? throw new ArgumentException("id required");
            lock (emu.World.TwilioSync) emu.World.TeamsReceivers[id] = new TeamsReceiver { Id = id, Sig = body.Str("sig") };
            return Json(201, new JsonObject { ["id"] = id });
        }).WithDisplayName("teams.receivers.create");
        g.MapGet("/slack/posts", () => Ok(new JsonObject { ["posts"] = emu.Receivers.SlackPosts })).WithDisplayName("slack.posts");
        g.MapDelete("/slack/posts", () => { emu.Receivers.ClearSlack(); return Results.NoContent(); }).WithDisplayName("slack.posts.clear");
        g.MapPost("/receivers/failures", async (HttpContext ctx) =>
        {
            emu.Receivers.ScriptFailures(await ReadJson(ctx));
            return Ok(new JsonObject { ["ok"] = true });
        }).WithDisplayName("receivers.failures");
    }

    private static JsonObject MintToken(Emu emu, JsonNode? b)
    {
        var t = emu.World.FindTenant(b.Str("tenant") ?? throw new ArgumentException("tenant required")) ?? throw new KeyNotFoundException("unknown tenant");
        long now = emu.Clock.UnixNow;
        int lifetime = (int)(b.Num("lifetime") ?? 3600);
        var payload = new JsonObject
        {
            ["aud"] = b.Str("aud") ?? emu.GraphResource,
            ["iss"] = $"https://sts.windows.net/{t.Id}/",
            ["iat"] = now - 300,
            ["nbf"] = now - 300,
            ["exp"] = now + lifetime,
            ["appid"] = b.Str("clientId") ?? t.Apps.Keys.FirstOrDefault() ?? Guid.Empty.ToString(),
            ["tid"] = b.Str("tid") ?? t.Id.ToString(),
            ["ver"] = "1.0",
        };
        var upn = b.Str("userPrincipalName");
        if (upn != null)
        {
            User u;
            lock (t.Sync) u = t.FindUser(upn) ?? throw new KeyNotFoundException($"unknown user {upn}");
            payload["idtyp"] = "user";
            payload["oid"] = u.Id.ToString();
            payload["upn"] = u.UserPrincipalName;
            payload["scp"] = string.Join(' ', b.StrList("scopes"));
            var wids = new JsonArray();
            foreach (var w in b?["wids"] is JsonArray ? b.StrList("wids").Select(x => DirectoryRoles.Resolve(x) ?? x) : u.DirectoryRoles) wids.Add(w);
            payload["wids"] = wids;
        }
        else
        {
            payload["idtyp"] = "app";
            payload["oid"] = Guid.Empty.ToString();
            var roles = b.StrList("roles");
            if (roles.Count > 0) payload["roles"] = roles.ToJsonArray();
        }
        return new JsonObject { ["access_token"] = emu.Tokens.Sign(payload), ["expires_on"] = now + lifetime };
    }

    private static Tenant Tenant(Emu emu, string idOrDomain) =>
        emu.World.FindTenant(idOrDomain) ?? throw new KeyNotFoundException($"unknown tenant {idOrDomain}");

    private static async Task<JsonNode?> ReadJson(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    private static IResult Ok(JsonNode? body) => Json(200, body);

    private static IResult Json(int status, JsonNode? body) =>
        Results.Text(Json_(body), "application/json; charset=utf-8", statusCode: status);

    private static string Json_(JsonNode? n) => n?.ToJsonString(MfaPhone.Emulator.Json.Indented) ?? "null";

    private static IResult NotFound(string what) => Json(404, new JsonObject { ["error"] = $"not found: {what}" });
}
