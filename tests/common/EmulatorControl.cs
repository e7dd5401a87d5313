using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MfaPhone.Testing;

/// <summary>
/// Thin client for the emulator's control API (<c>/control/...</c>, documented in emulator/README.md).
/// Every method throws <see cref="HttpRequestException"/> with the response body when the emulator
/// answers with a non-success status.
/// </summary>
public sealed class EmulatorControl : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a control client for an emulator listening at <paramref name="baseUrl"/>.</summary>
    public EmulatorControl(Uri baseUrl)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary><c>POST /control/reset</c>: back to the start-up seed (or empty) with counters,
    /// budgets, faults, clock and recorded posts cleared.</summary>
    public Task ResetAsync(bool empty = false) => PostAsync("/control/reset", empty ? new JsonObject { ["empty"] = true } : null);

    /// <summary><c>POST /control/tenants</c>: add or replace tenants from seed JSON (the --tenant format).</summary>
    public Task<JsonNode?> SeedAsync(string seedJson) => SendAsync(HttpMethod.Post, "/control/tenants", seedJson);

    /// <summary><c>POST /control/tenants</c> with a JSON node.</summary>
    public Task<JsonNode?> SeedAsync(JsonNode seed) => SendAsync(HttpMethod.Post, "/control/tenants", seed.ToJsonString());

    /// <summary><c>GET /control/state</c>: the whole state in seed format (secrets omitted unless asked).</summary>
    public async Task<JsonNode> GetStateAsync(string? tenant = null, bool includeSecrets = false)
    {
        var q = new List<string>();
        if (tenant != null) q.Add("tenant=" + Uri.EscapeDataString(tenant));
        if (includeSecrets) q.Add("includeSecrets=true");
        return (await SendAsync(HttpMethod.Get, "/control/state" + (q.Count > 0 ? "?" + string.Join('&', q) : ""), null))!;
    }

    /// <summary><c>GET /control/tenants/{tenant}/users/{user}</c>: one user with full phone numbers.</summary>
    public async Task<JsonNode> GetUserAsync(string tenant, string user) =>
        (await SendAsync(HttpMethod.Get, $"/control/tenants/{Uri.EscapeDataString(tenant)}/users/{Uri.EscapeDataString(user)}", null))!;

    /// <summary><c>GET /control/counters</c>: requests by route and status, RU used, 429s, writes per user, peak concurrency.</summary>
    public async Task<JsonNode> GetCountersAsync() => (await SendAsync(HttpMethod.Get, "/control/counters", null))!;

    /// <summary><c>POST /control/generate</c>: a deterministic synthetic tenant with <paramref name="users"/> users.
    /// The answer holds tenantId, domain, clientId, clientSecret and stats.</summary>
    public async Task<JsonNode> GenerateAsync(int users, int seed = 1, string? domain = null)
    {
        var body = new JsonObject { ["users"] = users, ["seed"] = seed };
        if (domain != null) body["domain"] = domain;
        return (await PostAsync("/control/generate", body))!;
    }

    /// <summary><c>POST /control/faults</c>: latency, error/reset/stall/429 rates, outage windows, scripts (partial update).</summary>
    public Task<JsonNode?> SetFaultsAsync(object settings) => PostAsync("/control/faults", settings);

    /// <summary><c>POST /control/throttling</c>: RU/write limits and windows (partial update).</summary>
    public Task<JsonNode?> SetThrottlingAsync(object settings) => PostAsync("/control/throttling", settings);

    /// <summary><c>POST /control/clock</c>: moves the emulator's clock forward.</summary>
    public Task<JsonNode?> AdvanceClockAsync(double seconds) => PostAsync("/control/clock", new JsonObject { ["advanceSeconds"] = seconds });

    /// <summary><c>POST /control/devicecode/approve</c> for a user code (null = the latest pending one).</summary>
    public Task<JsonNode?> ApproveDeviceCodeAsync(string? userCode, string userPrincipalName) =>
        PostAsync("/control/devicecode/approve", new JsonObject { ["userCode"] = userCode, ["userPrincipalName"] = userPrincipalName });

    /// <summary><c>POST /control/devicecode/deny</c> for a user code (null = the latest pending one).</summary>
    public Task<JsonNode?> DenyDeviceCodeAsync(string? userCode) =>
        PostAsync("/control/devicecode/deny", new JsonObject { ["userCode"] = userCode });

    /// <summary><c>POST /control/twilio/send-sms</c>: the emulator acts as Twilio and POSTs a signed
    /// inbound-SMS webhook; returns the delivery record (messageSid, status, signature, errorCode).</summary>
    public async Task<JsonNode> SendSmsAsync(object request) => (await PostAsync("/control/twilio/send-sms", request))!;

    /// <summary><c>GET /control/teams/posts</c>: what the Teams Workflows receiver recorded.</summary>
    public async Task<JsonArray> GetTeamsPostsAsync() => (JsonArray)(await SendAsync(HttpMethod.Get, "/control/teams/posts", null))!["posts"]!;

    /// <summary><c>GET /control/slack/posts</c>: what the Slack receiver recorded.</summary>
    public async Task<JsonArray> GetSlackPostsAsync() => (JsonArray)(await SendAsync(HttpMethod.Get, "/control/slack/posts", null))!["posts"]!;

    /// <summary><c>POST /control/tokens</c>: mints an access token directly (tenant, clientId, roles or
    /// userPrincipalName + scopes + wids, lifetime in seconds; negative for an expired token).</summary>
    public async Task<string> MintTokenAsync(object request) =>
        (await PostAsync("/control/tokens", request))!["access_token"]!.GetValue<string>();

    /// <summary>POSTs JSON (a JsonNode, a string or any serialisable object) to a control path.</summary>
    public Task<JsonNode?> PostAsync(string path, object? body) =>
        SendAsync(HttpMethod.Post, path, body switch
        {
            null => null,
            string s => s,
            JsonNode n => n.ToJsonString(),
            _ => JsonSerializer.Serialize(body),
        });

    /// <summary>Sends a request to the control API and parses the JSON answer (null for 204).</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, string? json)
    {
        using var req = new HttpRequestMessage(method, path);
        if (json != null) req.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var resp = await _http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        if (!resp.IsSuccessStatusCode)
            throw new HttpRequestException($"{method} {path} -> {(int)resp.StatusCode}: {text}", null, resp.StatusCode);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _http.Dispose();
}
