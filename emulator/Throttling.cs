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

public sealed class Throttler
{
    private sealed class Window
    {
        public DateTimeOffset Start;
        public double Used;
    }

    private readonly ThrottleSettings _s;
    private readonly object _lock = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);

    private readonly ThrottleSettings _initial;

    public Throttler(ThrottleSettings s)
    {
        _s = s;
        _initial = s.Clone();
    }

    public ThrottleSettings Settings => _s;

    /// <summary>Clears the budgets (windows) only.</summary>
    public void ResetBudgets() { lock (_lock) _windows.Clear(); }

    /// <summary>Clears the budgets and restores the command-line settings.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _windows.Clear();
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

    private Window Get(string key, DateTimeOffset now, double windowSeconds)
    {
        if (!_windows.TryGetValue(key, out var w) || now >= w.Start.AddSeconds(windowSeconds) || now < w.Start)
            _windows[key] = w = new Window { Start = now, Used = 0 };
        return w;
    }

    /// <summary>Charges a request; returns whether it may proceed and the headers' numbers.</summary>
    public ThrottleResult Charge(Tenant tenant, int tenantUsers, string appId, int cost, bool write, DateTimeOffset now)
    {
        if (!_s.Enabled) return new ThrottleResult(true, 0, null, null, cost, 0);
        string scopeBase = $"{appId}/{tenant.Id}";
        lock (_lock)
        {
            int limit = _s.LimitFor(tenantUsers);
            var ru = Get("ru/" + scopeBase, now, _s.WindowSeconds);
            if (ru.Used + cost > limit)
            {
                double retry = (ru.Start.AddSeconds(_s.WindowSeconds) - now).TotalSeconds;
                return new ThrottleResult(false, Math.Max(0.001, retry), "ResourceUnitLimitExceeded",
                    $"Tenant_Application/ReadWrite/{appId}/{tenant.Id}", cost, ru.Used / limit);
            }
            var app = Get("app/" + appId, now, _s.AppWindowSeconds);
            if (app.Used + cost > _s.AppLimit)
            {
                double retry = (app.Start.AddSeconds(_s.AppWindowSeconds) - now).TotalSeconds;
                return new ThrottleResult(false, Math.Max(0.001, retry), "ResourceUnitLimitExceeded",
                    $"Application/ReadWrite/{appId}/{tenant.Id}", cost, ru.Used / limit);
            }
            if (write)
            {
                var aw = Get("appw/" + appId, now, _s.AppWriteWindowSeconds);
                if (aw.Used + 1 > _s.AppWriteLimit)
                {
                    double retry = (aw.Start.AddSeconds(_s.AppWriteWindowSeconds) - now).TotalSeconds;
                    return new ThrottleResult(false, Math.Max(0.001, retry), "WriteLimitExceeded",
                        $"Application/Write/{appId}/{tenant.Id}", cost, ru.Used / limit);
                }
                var wr = Get("w/" + scopeBase, now, _s.WriteWindowSeconds);
                var tw = Get("tw/" + tenant.Id, now, _s.TenantWriteWindowSeconds);
                if (wr.Used + 1 > _s.WriteLimit)
                {
                    double retry = (wr.Start.AddSeconds(_s.WriteWindowSeconds) - now).TotalSeconds;
                    return new ThrottleResult(false, Math.Max(0.001, retry), "WriteLimitExceeded",
                        $"Tenant_Application/Write/{appId}/{tenant.Id}", cost, ru.Used / limit);
                }
                if (tw.Used + 1 > _s.TenantWriteLimit)
                {
                    double retry = (tw.Start.AddSeconds(_s.TenantWriteWindowSeconds) - now).TotalSeconds;
                    return new ThrottleResult(false, Math.Max(0.001, retry), "WriteLimitExceeded",
                        $"Tenant/Write/{appId}/{tenant.Id}", cost, ru.Used / limit);
                }
                wr.Used += 1;
                tw.Used += 1;
                aw.Used += 1;
            }
            ru.Used += cost;
            app.Used += cost;
            return new ThrottleResult(true, 0, null, null, cost, ru.Used / limit);
        }
    }

    public static string FormatSeconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture);
}
