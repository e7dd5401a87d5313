using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>JSON batching: at most 20 requests, unique ids, relative urls, headers required with a
/// body, dependsOn ordering with 424 for failed dependencies, per-item throttling (429 with its
/// own Retry-After) and responses in any order.</summary>
public static class Batch
{
    public const int MaxRequests = 20;

    private sealed record Item(string Id, string Method, string Url, Dictionary<string, string> Headers, string? Body, List<string> DependsOn);

    public static async Task<GraphResponse> Execute(Emu emu, GraphRequest env, CancellationToken ct)
    {
        if (env.Method != "POST") throw new GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
        Interlocked.Increment(ref emu.Counters.BatchRequests);
        var root = ParseEnvelope(env);
        var items = new List<Item>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var n in root)
        {
            if (n is not JsonObject o) throw Invalid("Each request in a batch must be a JSON object.");
            var id = o.Str("id") ?? throw Invalid("Each request in a batch must have an 'id'.");
            var method = o.Str("method")?.ToUpperInvariant() ?? throw Invalid($"Request '{id}' must have a 'method'.");
            var url = o.Str("url") ?? throw Invalid($"Request '{id}' must have a 'url'.");
            if (!ids.Add(id)) throw Invalid($"Batch request ids must be unique; '{id}' appears more than once.");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (o["headers"] is JsonObject ho)
                foreach (var kv in ho) headers[kv.Key] = kv.Value?.GetValueKind() == JsonValueKind.String ? kv.Value.GetValue<string>() : kv.Value?.ToJsonString() ?? "";
            string? body = null;
            if (o["body"] is JsonNode bn)
            {
                if (!headers.ContainsKey("Content-Type"))
                    throw Invalid($"Request '{id}': a Content-Type header is required when a body is present.");
                body = bn.GetValueKind() == JsonValueKind.String && !headers["Content-Type"].Contains("json", StringComparison.OrdinalIgnoreCase)
                    ? bn.GetValue<string>() : bn.ToJsonString();
            }
            var deps = o.StrList("dependsOn");
            items.Add(new Item(id, method, url, headers, body, deps));
        }
        if (items.Count == 0) throw Invalid("The batch must contain at least one request.");
        if (items.Count > MaxRequests) throw Invalid($"Limit on the number of requests in a batch is {MaxRequests}; this batch has {items.Count}.");
        foreach (var it in items)
            foreach (var d in it.DependsOn)
                if (!ids.Contains(d) || d.Equals(it.Id, StringComparison.OrdinalIgnoreCase))
                    throw Invalid($"Request '{it.Id}' depends on '{d}', which is not a request in this batch.");
        var order = TopologicalOrder(items) ?? throw Invalid("The dependsOn graph of the batch contains a cycle.");
        Interlocked.Add(ref emu.Counters.BatchItems, items.Count);

        var results = new Dictionary<string, (int status, JsonObject response)>(StringComparer.OrdinalIgnoreCase);
        foreach (var it in order)
        {
            ct.ThrowIfCancellationRequested();
            var failedDep = it.DependsOn.FirstOrDefault(d => results[d].status is < 200 or > 299);
            JsonObject r;
            int status;
            if (failedDep != null)
            {
                status = 424;
                r = ItemResponse(it.Id, 424, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json" },
                    ErrorBody(emu, "FailedDependency", $"The request '{it.Id}' depends on '{failedDep}', which failed.", it.Headers));
                emu.Counters.Add(emu.Counters.RequestsByRouteStatus, "graph:batch.item 424");
            }
            else
            {
                var resp = ExecuteItem(emu, env, it);
                status = resp.Status;
                var headers = new Dictionary<string, string>(resp.Headers, StringComparer.OrdinalIgnoreCase);
                if (resp.Body != null) headers["Content-Type"] = Graph.JsonContentType;
                if (resp.Text != null) headers["Content-Type"] = "text/plain";
                headers["Cache-Control"] = "no-cache";
                r = ItemResponse(it.Id, resp.Status, headers, resp.Body ?? (resp.Text != null ? JsonValue.Create(resp.Text) : null));
            }
            results[it.Id] = (status, r);
        }

        var responses = new JsonArray();
        var list = items.Select(i => results[i.Id].response).ToList();
        IEnumerable<int> idx = emu.Options.BatchOrder switch
        {
            "request" => Enumerable.Range(0, list.Count),
            "reverse" => Enumerable.Range(0, list.Count).Reverse(),
            _ => emu.Rng.Permutation(list.Count),
        };
        foreach (var i in idx) responses.Add(list[i]);
        await Task.CompletedTask;
        return new GraphResponse { Status = 200, Body = new JsonObject { ["responses"] = responses }, Route = "graph:batch" };
    }

    private static JsonArray ParseEnvelope(GraphRequest env)
    {
        if (string.IsNullOrWhiteSpace(env.Body)) throw Invalid("Empty batch payload.");
        JsonNode? root;
        try { root = JsonNode.Parse(env.Body); }
        catch (JsonException) { throw Invalid("Invalid batch payload format: the body is not valid JSON."); }
        if (root is not JsonObject o || o["requests"] is not JsonArray reqs)
            throw Invalid("Invalid batch payload format: a 'requests' array is required.");
        return reqs;
    }

    private static GraphError Invalid(string msg) => new(400, "BadRequest", msg);

    private static List<Item>? TopologicalOrder(List<Item> items)
    {
        var byId = items.ToDictionary(i => i.Id, StringComparer.OrdinalIgnoreCase);
        var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var order = new List<Item>();
        bool Visit(Item i)
        {
            if (state.TryGetValue(i.Id, out var s)) return s == 2;
            state[i.Id] = 1;
            foreach (var d in i.DependsOn) if (!Visit(byId[d])) return false;
            state[i.Id] = 2;
            order.Add(i);
            return true;
        }
        foreach (var i in items) if (!Visit(i)) return null;
        return order;
    }

    private static GraphResponse ExecuteItem(Emu emu, GraphRequest env, Item it)
    {
        string requestId = emu.NewRequestId();
        string clientRequestId = it.Headers.GetValueOrDefault("client-request-id") ?? requestId;
        if (it.Url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || it.Url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return Graph.ErrorResponse(new GraphError(400, "BadRequest", "Batch request urls must be relative, for example '/users'."), emu, requestId, clientRequestId);
        string url = it.Url.StartsWith('/') ? it.Url : "/" + it.Url;
        if (url.StartsWith("/v1.0/", StringComparison.OrdinalIgnoreCase) || url.StartsWith("/beta/", StringComparison.OrdinalIgnoreCase))
            return Graph.ErrorResponse(new GraphError(400, "BadRequest", "Batch request urls are relative to the version; do not repeat /v1.0 or /beta."), emu, requestId, clientRequestId);

        var fault = emu.Faults.Decide("graph", emu.Clock.UtcNow, FaultPart.Item);
        if (fault.Kind == FaultKind.Throttle)
        {
            int qm = url.IndexOf('?');
            Graph.NoteThrottled(emu, env.Caller, qm >= 0 ? url[..qm] : url);
            emu.Counters.Add(emu.Counters.RequestsByRouteStatus, "graph:batch.item 429");
            return Graph.ErrorResponse(Graph.Throttled(fault.RetryAfter, "ResourceUnitLimitExceeded", $"Tenant_Application/ReadWrite/{env.Caller.AppId}/{env.Caller.Tenant.Id}"), emu, requestId, clientRequestId);
        }
        if (fault.Kind == FaultKind.Error)
        {
            emu.Counters.Add(emu.Counters.RequestsByRouteStatus, "graph:batch.item " + fault.Status.ToString(CultureInfo.InvariantCulture));
            var code = fault.Status == 503 ? "serviceNotAvailable" : fault.Status == 504 ? "UnknownError" : "generalException";
            return Graph.ErrorResponse(new GraphError(fault.Status, code, "The service encountered a transient error."), emu, requestId, clientRequestId);
        }

        int q = url.IndexOf('?');
        var req = new GraphRequest
        {
            Method = it.Method,
            Version = env.Version,
            RawPath = q >= 0 ? url[..q] : url,
            RawQuery = q >= 0 ? url[(q + 1)..] : "",
            Headers = it.Headers,
            Body = it.Body,
            Caller = env.Caller,
            BaseUrl = env.BaseUrl,
            InBatch = true,
        };
        return Graph.Execute(emu, req, requestId, clientRequestId);
    }

    private static JsonObject ItemResponse(string id, int status, Dictionary<string, string> headers, JsonNode? body)
    {
        var h = new JsonObject();
        foreach (var kv in headers) h[kv.Key] = kv.Value;
        var o = new JsonObject { ["id"] = id, ["status"] = status, ["headers"] = h };
        if (body != null) o["body"] = body;
        return o;
    }

    private static JsonObject ErrorBody(Emu emu, string code, string message, Dictionary<string, string> headers)
    {
        var rid = emu.NewRequestId();
        return new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = emu.Clock.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = rid,
                    ["client-request-id"] = headers.GetValueOrDefault("client-request-id") ?? rid,
                },
            },
        };
    }
}
