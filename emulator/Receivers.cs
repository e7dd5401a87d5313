using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>Teams Workflows and Slack incoming-webhook receivers that record what they get.</summary>
public sealed class Receivers
{
    private readonly Emu _emu;
    private readonly ConcurrentQueue<JsonObject> _teams = new();
    private readonly ConcurrentQueue<JsonObject> _slack = new();
    private readonly ConcurrentQueue<int> _teamsFailures = new();
    private readonly ConcurrentQueue<int> _slackFailures = new();
    private readonly ConcurrentDictionary<string, (double tokens, DateTimeOffset at)> _slackBuckets = new(StringComparer.Ordinal);

    public Receivers(Emu emu) => _emu = emu;

    public void Clear()
    {
        _teams.Clear();
        _slack.Clear();
        _teamsFailures.Clear();
        _slackFailures.Clear();
        _slackBuckets.Clear();
    }

    public JsonArray TeamsPosts => new(_teams.Select(p => (JsonNode)p.DeepClone()).ToArray());
    public JsonArray SlackPosts => new(_slack.Select(p => (JsonNode)p.DeepClone()).ToArray());
    public void ClearTeams() => _teams.Clear();
    public void ClearSlack() => _slack.Clear();

    public void ScriptFailures(JsonNode? n)
    {
        if (n?["teams"] is JsonArray t) foreach (var s in t) _teamsFailures.Enqueue((int)s!.GetValue<double>());
        if (n?["slack"] is JsonArray sl) foreach (var s in sl) _slackFailures.Enqueue((int)s!.GetValue<double>());
    }

    private static async Task<byte[]> ReadBody(HttpContext ctx, int limit)
    {
        using var ms = new MemoryStream();
        var buf = new byte[8192];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(buf, ctx.RequestAborted)) > 0)
        {
            ms.Write(buf, 0, n);
            if (ms.Length > limit + 1) break; // enough to know it is too large
        }
        return ms.ToArray();
    }

    /// <summary>POST /teams/workflows/{id}...?sig=… — answers 202 with an empty body once accepted.</summary>
    public async Task Teams(HttpContext ctx, string path)
    {
        ctx.Items["route"] = "teams:workflows";
        string id = path.Split('/', 2)[0];
        string? sig = ctx.Request.Query["sig"];
        async Task Fail(int status, string code, string message) =>
            await Entra.WriteJson(ctx, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

        if (!HttpMethods.IsPost(ctx.Request.Method)) { await Fail(405, "MethodNotAllowed", "The trigger accepts POST only."); return; }
        if (string.IsNullOrEmpty(sig)) { await Fail(401, "DirectApiAuthorizationRequired", "The request must be authenticated with a SAS signature (sig) in the URL."); return; }
        TeamsReceiver? registered;
        lock (_emu.World.TwilioSync) registered = _emu.World.TeamsReceivers.GetValueOrDefault(id);
        if (registered?.Sig != null && !Entra.FixedEquals(registered.Sig, sig)) { await Fail(401, "DirectApiInvalidAuthorizationSignature", "The provided SAS signature is not valid."); return; }
        var bytes = await ReadBody(ctx, _emu.Options.TeamsMaxBytes);
        if (bytes.Length > _emu.Options.TeamsMaxBytes)
        {
            await Fail(413, "RequestEntityTooLarge", $"The request body is larger than the limit of {_emu.Options.TeamsMaxBytes} bytes.");
            return;
        }
        if (_teamsFailures.TryDequeue(out int forced))
        {
            if (forced == 429) ctx.Response.Headers.RetryAfter = "1";
            await Fail(forced, forced == 429 ? "TooManyRequests" : "ServiceUnavailable", "Injected failure.");
            return;
        }
        JsonNode? body;
        try { body = JsonNode.Parse(bytes); }
        catch (JsonException)
        {
            await Fail(400, "InvalidRequestContent", "The request content is not valid JSON and could not be deserialized.");
            return;
        }
        var problems = ValidateTeamsEnvelope(body);
        var runId = "08584" + _emu.Rng.NextString("0123456789", 15) + "CU" + _emu.Rng.NextString("0123456789", 2);
        _teams.Enqueue(new JsonObject
        {
            ["id"] = id,
            ["receivedAt"] = _emu.Clock.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["bytes"] = bytes.Length,
            ["contentType"] = ctx.Request.ContentType,
            ["valid"] = problems.Count == 0,
            ["problems"] = problems.ToJsonArray(),
            ["flowRunId"] = runId,
            ["body"] = body,
        });
        ctx.Response.Headers["x-ms-workflow-run-id"] = runId;
        ctx.Response.Headers["x-ms-correlation-id"] = _emu.NewRequestId();
        ctx.Response.StatusCode = 202; // queued: the flow may still fail later
    }

    /// <summary>Problems that make the Teams flow fail after it answered 202.</summary>
    public static List<string> ValidateTeamsEnvelope(JsonNode? body)
    {
        var p = new List<string>();
        if (body is not JsonObject o) { p.Add("body is not a JSON object"); return p; }
        if (o.Str("type") != "message") p.Add("type must be \"message\"");
        if (o["attachments"] is not JsonArray atts || atts.Count == 0) { p.Add("attachments must be a non-empty array"); return p; }
        for (int i = 0; i < atts.Count; i++)
        {
            var a = atts[i];
            if (a.Str("contentType") != "application/vnd.microsoft.card.adaptive") p.Add($"attachments[{i}].contentType must be application/vnd.microsoft.card.adaptive");
            var c = a?["content"];
            if (c is not JsonObject) { p.Add($"attachments[{i}].content must be an object"); continue; }
            if (c.Str("type") != "AdaptiveCard") p.Add($"attachments[{i}].content.type must be AdaptiveCard");
            if (c.Str("version") is not string v || !Version.TryParse(v, out var ver) || ver > new Version(1, 5)) p.Add($"attachments[{i}].content.version must be 1.5 or lower");
            if (c["body"] is not JsonArray) p.Add($"attachments[{i}].content.body must be an array");
        }
        return p;
    }

    /// <summary>POST /slack/services/{…}: answers 200 "ok"; rate-limited to about one per second.</summary>
    public async Task Slack(HttpContext ctx, string path)
    {
        ctx.Items["route"] = "slack:webhook";
        async Task Text(int status, string text)
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync(text, ctx.RequestAborted);
        }
        if (!HttpMethods.IsPost(ctx.Request.Method)) { await Text(405, "invalid_method"); return; }
        // token bucket per webhook
        var now = _emu.Clock.UtcNow;
        bool limited = false;
        _slackBuckets.AddOrUpdate(path,
            _ => (_emu.Options.SlackBurst - 1, now),
            (_, b) =>
            {
                double tokens = Math.Min(_emu.Options.SlackBurst, b.tokens + (now - b.at).TotalSeconds * _emu.Options.SlackRatePerSecond);
                if (tokens < 1) { limited = true; return (tokens, now); }
                return (tokens - 1, now);
            });
        if (limited)
        {
            ctx.Response.Headers.RetryAfter = "1";
            await Text(429, "rate_limited");
            return;
        }
        var bytes = await ReadBody(ctx, _emu.Options.SlackMaxBytes);
        if (bytes.Length > _emu.Options.SlackMaxBytes) { await Text(413, "request_too_large"); return; }
        if (_slackFailures.TryDequeue(out int forced)) { await Text(forced, forced == 429 ? "rate_limited" : "service_unavailable"); return; }
        string raw = Encoding.UTF8.GetString(bytes);
        if (ctx.Request.HasFormContentType)
        {
            var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(raw);
            raw = form.TryGetValue("payload", out var pl) ? pl.ToString() : "";
        }
        JsonNode? body;
        try { body = JsonNode.Parse(raw); }
        catch (JsonException) { await Text(400, "invalid_payload"); return; }
        if (body is not JsonObject o) { await Text(400, "invalid_payload"); return; }
        bool hasText = o.Str("text") is { Length: > 0 };
        bool hasBlocks = o["blocks"] is JsonArray { Count: > 0 };
        if (!hasText && !hasBlocks && o["attachments"] is not JsonArray { Count: > 0 }) { await Text(400, "no_text"); return; }
        if (o["blocks"] is JsonNode blocks && blocks is not JsonArray) { await Text(400, "invalid_blocks"); return; }
        _slack.Enqueue(new JsonObject
        {
            ["path"] = path,
            ["receivedAt"] = now.ToString("o", CultureInfo.InvariantCulture),
            ["bytes"] = bytes.Length,
            ["body"] = body,
        });
        await Text(200, "ok");
    }
}
