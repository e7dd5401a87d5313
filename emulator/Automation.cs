using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>
/// A stand-in for Azure Automation's webhook endpoint (automation-webhooks): a POST to a
/// webhook's URL (its token in the query) queues a job and answers 202 <c>{"JobIds":["…"]}</c>;
/// the job holds the <c>$WebhookData</c> the runbook would receive (WebhookName, RequestHeader,
/// RequestBody). Nothing runs the runbook: the demo and tests read the queued jobs through
/// <c>/control/automation/jobs</c> and run it themselves.
/// </summary>
public sealed class AutomationService
{
    /// <summary>Largest request body a webhook takes here (larger: 413).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private readonly Emu _emu;
    private readonly ConcurrentDictionary<string, string> _webhooks = new(StringComparer.Ordinal);  // token -> name
    private readonly ConcurrentQueue<JsonObject> _jobs = new();

    public AutomationService(Emu emu) => _emu = emu;

    public void Clear()
    {
        _webhooks.Clear();
        _jobs.Clear();
    }

    public static void Map(WebApplication app, Emu emu)
    {
        var svc = emu.Automation;
        app.MapPost("/automation/webhooks", (Delegate)(Func<HttpContext, Task<IResult>>)svc.Receive).WithDisplayName("automation.webhook");

        var g = app.MapGroup("/control/automation");
        g.AddEndpointFilter(async (fc, next) =>
        {
            fc.HttpContext.Items["route"] = "control:" + (fc.HttpContext.GetEndpoint()?.DisplayName ?? "?");
            return await next(fc);
        });
        // {"name": "mfa-sync", "token": "…" (optional)} → 201 {"name", "url"}; the URL carries the token.
        g.MapPost("/webhooks", async (HttpContext ctx) =>
        {
            var body = await ReadJson(ctx);
            string name = body.Str("name") ?? "webhook";
            string token = body.Str("token") ?? Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            foreach (var kv in svc._webhooks.Where(kv => kv.Value == name).ToList()) svc._webhooks.TryRemove(kv.Key, out _);
            svc._webhooks[token] = name;
            string url = $"{ctx.Request.Scheme}://{ctx.Request.Host}/automation/webhooks?token={Uri.EscapeDataString(token)}";
            return Json(201, new JsonObject { ["name"] = name, ["url"] = url });
        }).WithDisplayName("automation.webhooks.create");
        g.MapGet("/jobs", () => Json(200, new JsonObject { ["jobs"] = new JsonArray(svc._jobs.Select(j => (JsonNode)j.DeepClone()).ToArray()) }))
            .WithDisplayName("automation.jobs.list");
        g.MapDelete("/jobs", () => { svc._jobs.Clear(); return Results.NoContent(); }).WithDisplayName("automation.jobs.clear");
        // Change a managed identity's Graph application permissions (an app role granted or revoked).
        g.MapPatch("/tenants/{tenant}/managedIdentities/{clientId}", async (HttpContext ctx, string tenant, string clientId) =>
        {
            var t = emu.World.FindTenant(tenant);
            if (t == null) return Json(404, new JsonObject { ["error"] = $"not found: tenant {tenant}" });
            var body = await ReadJson(ctx);
            lock (t.Sync)
            {
                var mi = t.ManagedIdentities.FirstOrDefault(m => m.ClientId.Equals(clientId, StringComparison.OrdinalIgnoreCase));
                if (mi == null) return Json(404, new JsonObject { ["error"] = $"not found: managed identity {clientId}" });
                if (body?["applicationPermissions"] is JsonArray) mi.ApplicationPermissions = body.StrList("applicationPermissions");
            }
            return Results.NoContent();
        }).WithDisplayName("managedIdentities.update");
    }

    private async Task<IResult> Receive(HttpContext ctx)
    {
        ctx.Items["route"] = "automation:webhook";
        string? token = ctx.Request.Query["token"];
        if (string.IsNullOrEmpty(token) || !_webhooks.TryGetValue(token, out var name))
            return Json(404, new JsonObject { ["Message"] = "The webhook is not found or has expired." });
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        if (buffer.Length > MaxBodyBytes)
            return Json(413, new JsonObject { ["Message"] = "The request body is too large." });
        var header = new JsonObject();
        foreach (var h in ctx.Request.Headers) header[h.Key] = h.Value.ToString();
        string id = _emu.Rng.NextGuid().ToString();
        var data = new JsonObject
        {
            ["WebhookName"] = name,
            ["RequestBody"] = Encoding.UTF8.GetString(buffer.ToArray()),
            ["RequestHeader"] = header,
        };
        // What a PowerShell 7 runtime passes the runbook: the WebhookData object as JSON text.
        _jobs.Enqueue(new JsonObject { ["id"] = id, ["webhookName"] = name, ["webhookData"] = data.ToJsonString(MfaPhone.Emulator.Json.Options) });
        return Json(202, new JsonObject { ["JobIds"] = new JsonArray(id) });
    }

    private static async Task<JsonNode?> ReadJson(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    private static IResult Json(int status, JsonNode? body) =>
        Results.Text(body?.ToJsonString() ?? "null", "application/json; charset=utf-8", statusCode: status);
}
