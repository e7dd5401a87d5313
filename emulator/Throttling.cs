using System.Globalization;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>Identity-and-access service limits (graph.md): resource units per app per tenant per
/// window, sized by tenant tier, plus write quotas. All numbers are overridable.</summary>
public sealed class ThrottleSettings
{
    public bool Enabled { get; set; } = true;
    public double WindowSeconds { get; set; } = 10;
    public int? FixedLimit { get; set; }
    public int LimitSmall { get; set; } = 3500;   // tenants under 50 users
    public int LimitMedium { get; set; } = 5000;  // 50–500 users
    public int LimitLarge { get; set; } = 8000;   // above 500 users
    public int WriteLimit { get; set; } = 3000;
    public double WriteWindowSeconds { get; set; } = 150;
    public int TenantWriteLimit { get; set; } = 18000;
    public double TenantWriteWindowSeconds { get; set; } = 300;
    /// <summary>Per application across all tenants: 150,000 RU per 20 s and 70,000 writes per 5 min.</summary>
    public int AppLimit { get; set; } = 150_000;
    public double AppWindowSeconds { get; set; } = 20;
    public int AppWriteLimit { get; set; } = 70_000;
    public double AppWriteWindowSeconds { get; set; } = 300;

    public int LimitFor(int tenantUsers) =>
        FixedLimit ?? (tenantUsers < 50 ? LimitSmall : tenantUsers <= 500 ? LimitMedium : LimitLarge);

    public JsonObject ToJson() => new()
    {
        ["enabled"] = Enabled,
        ["ruWindowSeconds"] = WindowSeconds,
        ["ruLimit"] = FixedLimit,
        ["ruLimitSmall"] = LimitSmall,
        ["ruLimitMedium"] = LimitMedium,
        ["ruLimitLarge"] = LimitLarge,
        ["writeLimit"] = WriteLimit,
        ["writeWindowSeconds"] = WriteWindowSeconds,
        ["tenantWriteLimit"] = TenantWriteLimit,
        ["tenantWriteWindowSeconds"] = TenantWriteWindowSeconds,
        ["appLimit"] = AppLimit,
        ["appWindowSeconds"] = AppWindowSeconds,
        ["appWriteLimit"] = AppWriteLimit,
        ["appWriteWindowSeconds"] = AppWriteWindowSeconds,
    };

    public ThrottleSettings Clone() => (ThrottleSettings)MemberwiseClone();

    public void CopyFrom(ThrottleSettings o)
    {
        Enabled = o.Enabled; WindowSeconds = o.WindowSeconds; FixedLimit = o.FixedLimit; LimitSmall = o.LimitSmall;
        LimitMedium = o.LimitMedium; LimitLarge = o.LimitLarge; WriteLimit = o.WriteLimit; WriteWindowSeconds = o.WriteWindowSeconds;
        TenantWriteLimit = o.TenantWriteLimit; TenantWriteWindowSeconds = o.TenantWriteWindowSeconds;
        AppLimit = o.AppLimit; AppWindowSeconds = o.AppWindowSeconds; AppWriteLimit = o.AppWriteLimit; AppWriteWindowSeconds = o.AppWriteWindowSeconds;
    }

    public void Apply(JsonNode? n)
    {
        if (n is not JsonObject o) return;
        if (n.Bool("enabled") is bool e) Enabled = e;
        if (n.Num("ruWindowSeconds") is double w) WindowSeconds = w;
        if (o.ContainsKey("ruLimit")) FixedLimit = n.Num("ruLimit") is double l ? (int)l : null;
        if (n.Num("ruLimitSmall") is double s) LimitSmall = (int)s;
        if (n.Num("ruLimitMedium") is double m) LimitMedium = (int)m;
        if (n.Num("ruLimitLarge") is double lg) LimitLarge = (int)lg;
        if (n.Num("writeLimit") is double wl) WriteLimit = (int)wl;
        if (n.Num("writeWindowSeconds") is double ww) WriteWindowSeconds = ww;
        if (n.Num("tenantWriteLimit") is double tw) TenantWriteLimit = (int)tw;
        if (n.Num("tenantWriteWindowSeconds") is double tww) TenantWriteWindowSeconds = tww;
        if (n.Num("appLimit") is double al) AppLimit = (int)al;
        if (n.Num("appWindowSeconds") is double aw) AppWindowSeconds = aw;
        if (n.Num("appWriteLimit") is double awl) AppWriteLimit = (int)awl;
        if (n.Num("appWriteWindowSeconds") is double aww) AppWriteWindowSeconds = aww;
    }
}

public sealed record ThrottleResult(bool Allowed, double RetryAfterSeconds, string? Information, string? Scope, int Cost, double LimitPercentage);

/// <summary>Token buckets (Graph's identity limits are "based on a token bucket algorithm"): each
/// budget holds up to its limit and refills continuously at limit / window per second; a request
/// that does not fit is answered 429 with Retry-After = the time until it would fit.</summary>
public sealed class Throttler
{
    private sealed class Bucket
    {
        public double Tokens;
        public DateTimeOffset At;
    }

    private readonly ThrottleSettings _s;
    private readonly object _lock = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ThrottleSettings _initial;

    public Throttler(ThrottleSettings s)
    {
        _s = s;
        _initial = s.Clone();
    }

    public ThrottleSettings Settings => _s;

    /// <summary>Refills every budget.</summary>
    public void ResetBudgets() { lock (_lock) _buckets.Clear(); }

    /// <summary>Refills the budgets and restores the command-line settings.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _buckets.Clear();
            _s.CopyFrom(_initial);
        }
    }

    /// <summary>RU cost of a request (graph.md): GET /users (list or one) 2, other GETs 1,
    /// writes 1; $select −1, $expand +1, $top under 20 −1; never below 1.</summary>
    public static int Cost(string method, bool usersResource, bool hasSelect, bool hasExpand, int? top)
    {
        int cost = method == "GET" ? (usersResource ? 2 : 1) : 1;
        if (hasSelect) cost--;
        if (hasExpand) cost++;
        if (top is int t && t < 20) cost--;
        return Math.Max(1, cost);
    }

    private Bucket Get(string key, double capacity, double period, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(key, out var b) || now < b.At)
        {
            _buckets[key] = b = new Bucket { Tokens = capacity, At = now };
            return b;
        }
        b.Tokens = Math.Min(capacity, b.Tokens + (now - b.At).TotalSeconds * capacity / period);
        b.At = now;
        return b;
    }

    private static double Wait(Bucket b, double need, double capacity, double period) =>
        Math.Max(0.001, (need - b.Tokens) / (capacity / period));

    /// <summary>Charges a request; returns whether it may proceed and the headers' numbers.</summary>
    public ThrottleResult Charge(Tenant tenant, int tenantUsers, string appId, int cost, bool write, DateTimeOffset now)
    {
        if (!_s.Enabled) return new ThrottleResult(true, 0, null, null, cost, 0);
        string scopeBase = $"{appId}/{tenant.Id}";
        lock (_lock)
        {
            double limit = _s.LimitFor(tenantUsers);
            var ru = Get("ru/" + scopeBase, limit, _s.WindowSeconds, now);
            double Used() => (limit - ru.Tokens) / limit;
            if (ru.Tokens < cost)
                return new ThrottleResult(false, Wait(ru, cost, limit, _s.WindowSeconds), "ResourceUnitLimitExceeded",
                    $"Tenant_Application/ReadWrite/{appId}/{tenant.Id}", cost, Used());
            var app = Get("app/" + appId, _s.AppLimit, _s.AppWindowSeconds, now);
            if (app.Tokens < cost)
                return new ThrottleResult(false, Wait(app, cost, _s.AppLimit, _s.AppWindowSeconds), "ResourceUnitLimitExceeded",
                    $"Application/ReadWrite/{appId}/{tenant.Id}", cost, Used());
            if (write)
            {
                var aw = Get("appw/" + appId, _s.AppWriteLimit, _s.AppWriteWindowSeconds, now);
                if (aw.Tokens < 1)
                    return new ThrottleResult(false, Wait(aw, 1, _s.AppWriteLimit, _s.AppWriteWindowSeconds), "WriteLimitExceeded",
                        $"Application/Write/{appId}/{tenant.Id}", cost, Used());
                var wr = Get("w/" + scopeBase, _s.WriteLimit, _s.WriteWindowSeconds, now);
                if (wr.Tokens < 1)
                    return new ThrottleResult(false, Wait(wr, 1, _s.WriteLimit, _s.WriteWindowSeconds), "WriteLimitExceeded",
                        $"Tenant_Application/Write/{appId}/{tenant.Id}", cost, Used());
                var tw = Get("tw/" + tenant.Id, _s.TenantWriteLimit, _s.TenantWriteWindowSeconds, now);
                if (tw.Tokens < 1)
                    return new ThrottleResult(false, Wait(tw, 1, _s.TenantWriteLimit, _s.TenantWriteWindowSeconds), "WriteLimitExceeded",
                        $"Tenant/Write/{appId}/{tenant.Id}", cost, Used());
                wr.Tokens -= 1;
                tw.Tokens -= 1;
                aw.Tokens -= 1;
            }
            ru.Tokens -= cost;
            app.Tokens -= cost;
            return new ThrottleResult(true, 0, null, null, cost, Used());
        }
    }

    public static string FormatSeconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture);
}
