using System.Globalization;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>Identity-and-access service limits and Graph's global limit (graph.md): resource units
/// per app per tenant per window, sized by tenant tier, per-request RU costs, write quotas, the
/// per-app limits across tenants, the global request limit and the threshold from which responses
/// carry <c>x-ms-throttle-limit-percentage</c>. Every number is overridable by a flag and by
/// <c>POST /control/throttling</c>; <see cref="Parameters"/> is the single list both use.</summary>
public sealed class ThrottleSettings
{
    public bool Enabled { get; set; } = true;

    // Resource units per app per tenant, by tenant size.
    public double WindowSeconds { get; set; } = 10;
    public int? FixedLimit { get; set; }
    public int LimitSmall { get; set; } = 3500;   // tenants under 50 users
    public int LimitMedium { get; set; } = 5000;  // 50–500 users
    public int LimitLarge { get; set; } = 8000;   // above 500 users
    /// <summary>Smallest user count of the medium tier (under it: small). Default 50.</summary>
    public int TierMediumFrom { get; set; } = 50;
    /// <summary>Largest user count of the medium tier (above it: large). Default 500.</summary>
    public int TierLargeAbove { get; set; } = 500;

    // Resource-unit costs (graph.md): GET /users (list or one) 2, other identity GET 1, writes 1 RU
    // and 1 write; $select −1, $expand +1, $top under 20 −1; never below 1.
    public int CostUsersGet { get; set; } = 2;
    public int CostGet { get; set; } = 1;
    public int CostWrite { get; set; } = 1;
    /// <summary>Units of the write quotas one write uses.</summary>
    public int CostWriteQuota { get; set; } = 1;
    public int CostSelect { get; set; } = -1;
    public int CostExpand { get; set; } = 1;
    public int CostSmallTop { get; set; } = -1;
    /// <summary><c>$top</c> values below this get <see cref="CostSmallTop"/>.</summary>
    public int SmallTopBelow { get; set; } = 20;
    public int CostMinimum { get; set; } = 1;

    // Write quotas.
    public int WriteLimit { get; set; } = 3000;
    public double WriteWindowSeconds { get; set; } = 150;
    public int TenantWriteLimit { get; set; } = 18000;
    public double TenantWriteWindowSeconds { get; set; } = 300;

    /// <summary>Per application across all tenants: 150,000 RU per 20 s and 70,000 writes per 5 min.</summary>
    public int AppLimit { get; set; } = 150_000;
    public double AppWindowSeconds { get; set; } = 20;
    public int AppWriteLimit { get; set; } = 70_000;
    public double AppWriteWindowSeconds { get; set; } = 300;

    /// <summary>Graph's global limit: 130,000 requests (any service, any method) per 10 s per app
    /// across all tenants. Each $batch item is one request.</summary>
    public int GlobalLimit { get; set; } = 130_000;
    public double GlobalWindowSeconds { get; set; } = 10;

    /// <summary>Fraction of a budget used from which successful responses carry
    /// <c>x-ms-throttle-limit-percentage</c>. Default 0.8.</summary>
    public double LimitPercentageThreshold { get; set; } = 0.8;

    /// <summary>One overridable number: its control-API name, its flag, and how to read and write it.</summary>
    public sealed record Parameter(string Json, string Flag, bool Integer, double Min, Func<ThrottleSettings, double> Get, Action<ThrottleSettings, double> Set);

    private static Parameter I(string json, string flag, double min, Func<ThrottleSettings, int> get, Action<ThrottleSettings, int> set) =>
        new(json, flag, true, min, s => get(s), (s, v) => set(s, (int)v));

    private static Parameter D(string json, string flag, double min, Func<ThrottleSettings, double> get, Action<ThrottleSettings, double> set) =>
        new(json, flag, false, min, get, set);

    private const double Positive = double.Epsilon;

    /// <summary>Every number (except the optional <c>ruLimit</c> and the <c>enabled</c> switch).</summary>
    public static readonly IReadOnlyList<Parameter> Parameters = new[]
    {
        D("ruWindowSeconds", "--ru-window", Positive, s => s.WindowSeconds, (s, v) => s.WindowSeconds = v),
        I("ruLimitSmall", "--ru-limit-small", 1, s => s.LimitSmall, (s, v) => s.LimitSmall = v),
        I("ruLimitMedium", "--ru-limit-medium", 1, s => s.LimitMedium, (s, v) => s.LimitMedium = v),
        I("ruLimitLarge", "--ru-limit-large", 1, s => s.LimitLarge, (s, v) => s.LimitLarge = v),
        I("ruTierMediumFrom", "--ru-tier-medium-from", 0, s => s.TierMediumFrom, (s, v) => s.TierMediumFrom = v),
        I("ruTierLargeAbove", "--ru-tier-large-above", 0, s => s.TierLargeAbove, (s, v) => s.TierLargeAbove = v),
        I("costUsersGet", "--cost-users-get", 0, s => s.CostUsersGet, (s, v) => s.CostUsersGet = v),
        I("costGet", "--cost-get", 0, s => s.CostGet, (s, v) => s.CostGet = v),
        I("costWrite", "--cost-write", 0, s => s.CostWrite, (s, v) => s.CostWrite = v),
        I("costWriteQuota", "--cost-write-quota", 0, s => s.CostWriteQuota, (s, v) => s.CostWriteQuota = v),
        I("costSelect", "--cost-select", int.MinValue, s => s.CostSelect, (s, v) => s.CostSelect = v),
        I("costExpand", "--cost-expand", int.MinValue, s => s.CostExpand, (s, v) => s.CostExpand = v),
        I("costSmallTop", "--cost-small-top", int.MinValue, s => s.CostSmallTop, (s, v) => s.CostSmallTop = v),
        I("smallTopBelow", "--small-top-below", 0, s => s.SmallTopBelow, (s, v) => s.SmallTopBelow = v),
        I("costMinimum", "--cost-minimum", 0, s => s.CostMinimum, (s, v) => s.CostMinimum = v),
        I("writeLimit", "--write-limit", 1, s => s.WriteLimit, (s, v) => s.WriteLimit = v),
        D("writeWindowSeconds", "--write-window", Positive, s => s.WriteWindowSeconds, (s, v) => s.WriteWindowSeconds = v),
        I("tenantWriteLimit", "--tenant-write-limit", 1, s => s.TenantWriteLimit, (s, v) => s.TenantWriteLimit = v),
        D("tenantWriteWindowSeconds", "--tenant-write-window", Positive, s => s.TenantWriteWindowSeconds, (s, v) => s.TenantWriteWindowSeconds = v),
        I("appLimit", "--app-ru-limit", 1, s => s.AppLimit, (s, v) => s.AppLimit = v),
        D("appWindowSeconds", "--app-ru-window", Positive, s => s.AppWindowSeconds, (s, v) => s.AppWindowSeconds = v),
        I("appWriteLimit", "--app-write-limit", 1, s => s.AppWriteLimit, (s, v) => s.AppWriteLimit = v),
        D("appWriteWindowSeconds", "--app-write-window", Positive, s => s.AppWriteWindowSeconds, (s, v) => s.AppWriteWindowSeconds = v),
        I("globalLimit", "--global-limit", 1, s => s.GlobalLimit, (s, v) => s.GlobalLimit = v),
        D("globalWindowSeconds", "--global-window", Positive, s => s.GlobalWindowSeconds, (s, v) => s.GlobalWindowSeconds = v),
        D("limitPercentageThreshold", "--limit-percentage-threshold", 0, s => s.LimitPercentageThreshold, (s, v) => s.LimitPercentageThreshold = v),
    };

    /// <summary>The parameter a command-line flag sets, or null.</summary>
    public static Parameter? ForFlag(string flag) => Parameters.FirstOrDefault(p => p.Flag == flag);

    /// <summary>Sets a parameter from text (a flag value) or a control-API number; throws
    /// <see cref="ArgumentException"/> for a value out of range or a fraction where a whole number is needed.</summary>
    public void Set(Parameter p, double value, string what)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) throw new ArgumentException($"{what} needs a finite number");
        if (p.Integer && (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue))
            throw new ArgumentException($"{what} needs a whole number");
        if (value < p.Min)
            throw new ArgumentException(p.Min == Positive ? $"{what} must be greater than 0" : $"{what} must be at least {p.Min.ToString(CultureInfo.InvariantCulture)}");
        p.Set(this, value);
    }

    /// <summary>Checks the rules that involve more than one number.</summary>
    public void Validate()
    {
        if (FixedLimit is int f && f < 1) throw new ArgumentException("ruLimit (--ru-limit) must be at least 1");
        if (TierLargeAbove < TierMediumFrom - 1)
            throw new ArgumentException("ruTierLargeAbove (--ru-tier-large-above) must be at least ruTierMediumFrom - 1");
    }

    public int LimitFor(int tenantUsers) =>
        FixedLimit ?? (tenantUsers < TierMediumFrom ? LimitSmall : tenantUsers <= TierLargeAbove ? LimitMedium : LimitLarge);

    /// <summary>RU cost of a request (graph.md, with these settings' numbers).</summary>
    public int Cost(string method, bool usersResource, bool hasSelect, bool hasExpand, int? top)
    {
        long cost = method == "GET" ? (usersResource ? CostUsersGet : CostGet) : CostWrite;
        if (hasSelect) cost += CostSelect;
        if (hasExpand) cost += CostExpand;
        if (top is int t && t < SmallTopBelow) cost += CostSmallTop;
        return (int)Math.Clamp(cost, CostMinimum, int.MaxValue);
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["enabled"] = Enabled, ["ruLimit"] = FixedLimit };
        foreach (var p in Parameters)
            o[p.Json] = p.Integer ? JsonValue.Create((int)p.Get(this)) : JsonValue.Create(p.Get(this));
        return o;
    }

    public ThrottleSettings Clone() => (ThrottleSettings)MemberwiseClone();

    /// <summary>Applies a control-API update (only the fields present change). Throws
    /// <see cref="ArgumentException"/> on a bad value; the caller applies to a clone.</summary>
    public void Apply(JsonNode? n)
    {
        if (n is not JsonObject o) return;
        if (o.ContainsKey("enabled"))
            Enabled = n.Bool("enabled") ?? throw new ArgumentException("enabled must be true or false");
        if (o.ContainsKey("ruLimit"))
        {
            if (o["ruLimit"] == null) FixedLimit = null;
            else
            {
                double l = n.Num("ruLimit") ?? throw new ArgumentException("ruLimit must be a number or null");
                if (l != Math.Floor(l) || l < 1 || l > int.MaxValue) throw new ArgumentException("ruLimit must be a whole number of at least 1");
                FixedLimit = (int)l;
            }
        }
        foreach (var p in Parameters)
        {
            if (!o.ContainsKey(p.Json)) continue;
            double v = n.Num(p.Json) ?? throw new ArgumentException($"{p.Json} must be a number");
            Set(p, v, p.Json);
        }
        Validate();
    }
}

public sealed record ThrottleResult(bool Allowed, double RetryAfterSeconds, string? Information, string? Scope, int Cost, double LimitPercentage);

/// <summary>Token buckets (Graph's identity limits are "based on a token bucket algorithm"): each
/// budget holds up to its limit and refills continuously at limit / window per second; a request
/// that does not fit is answered 429 with Retry-After = the time until it would fit.
/// Time is read under the lock from a monotonic source and never goes back (a reading earlier than
/// the last one counts as the last one), so however many requests race, the tokens a bucket hands
/// out never exceed capacity + rate × elapsed.</summary>
public sealed class Throttler
{
    private sealed class Bucket
    {
        public double Tokens;
        public double At; // seconds on the throttler's timeline
    }

    private readonly object _lock = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ThrottleSettings _initial;
    private readonly Func<double> _seconds;
    private double _last = double.NegativeInfinity;
    private volatile ThrottleSettings _s;

    /// <param name="s">The start-up settings (restored by <see cref="Reset"/>).</param>
    /// <param name="seconds">A monotonic time source in seconds (the emulator clock's
    /// <see cref="Clock.MonotonicSeconds"/>); read only under the throttler's lock.</param>
    public Throttler(ThrottleSettings s, Func<double> seconds)
    {
        s.Validate();
        _initial = s.Clone();
        _s = s.Clone();
        _seconds = seconds;
    }

    /// <summary>The settings in force (replace them with <see cref="Update"/>, never mutate).</summary>
    public ThrottleSettings Settings => _s;

    /// <summary>Applies a control-API update atomically: on a bad value nothing changes.</summary>
    public ThrottleSettings Update(System.Text.Json.Nodes.JsonNode? update)
    {
        lock (_lock)
        {
            var next = _s.Clone();
            next.Apply(update);
            _s = next;
            return next;
        }
    }

    /// <summary>Refills every budget.</summary>
    public void ResetBudgets()
    {
        lock (_lock)
        {
            _buckets.Clear();
            _last = double.NegativeInfinity; // no bucket is left to refill backwards (the clock may have been reset)
        }
    }

    /// <summary>Refills the budgets and restores the command-line settings.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _buckets.Clear();
            _last = double.NegativeInfinity;
            _s = _initial.Clone();
        }
    }

    /// <summary>The throttler's time: the source's reading, never less than the last one. Caller holds the lock.</summary>
    private double Now()
    {
        double t = _seconds();
        if (t > _last) _last = t;
        return _last;
    }

    /// <summary>RU cost of a request with the settings in force (graph.md defaults: GET /users, list
    /// or one, 2; other GETs 1; writes 1; $select −1, $expand +1, $top under 20 −1; never below 1).</summary>
    public int Cost(string method, bool usersResource, bool hasSelect, bool hasExpand, int? top) =>
        _s.Cost(method, usersResource, hasSelect, hasExpand, top);

    /// <summary>The bucket, refilled up to <paramref name="now"/>. A new bucket starts full. Caller holds the lock.</summary>
    private Bucket Get(string key, double capacity, double period, double now)
    {
        if (!_buckets.TryGetValue(key, out var b))
        {
            _buckets[key] = b = new Bucket { Tokens = capacity, At = now };
            return b;
        }
        double elapsed = now - b.At;
        if (elapsed > 0)
        {
            b.Tokens = Math.Min(capacity, b.Tokens + elapsed * capacity / period);
            b.At = now;
        }
        else if (b.Tokens > capacity) b.Tokens = capacity; // a lowered limit takes effect at once
        return b;
    }

    private static double Wait(Bucket b, double need, double capacity, double period) =>
        Math.Max(0.001, (need - b.Tokens) / (capacity / period));

    private static double Used(Bucket b, double capacity) => (capacity - b.Tokens) / capacity;

    /// <summary>Charges a request; returns whether it may proceed and the headers' numbers. The
    /// global request limit (per app across tenants) is checked first, then the RU budgets, then
    /// (for writes) the write quotas; nothing is charged unless every budget has room.</summary>
    public ThrottleResult Charge(Tenant tenant, int tenantUsers, string appId, int cost, bool write)
    {
        var s = _s;
        if (!s.Enabled) return new ThrottleResult(true, 0, null, null, cost, 0);
        string scopeBase = $"{appId}/{tenant.Id}";
        lock (_lock)
        {
            s = _s;
            if (!s.Enabled) return new ThrottleResult(true, 0, null, null, cost, 0);
            double now = Now();
            var global = Get("g/" + appId, s.GlobalLimit, s.GlobalWindowSeconds, now);
            if (global.Tokens < 1)
                return new ThrottleResult(false, Wait(global, 1, s.GlobalLimit, s.GlobalWindowSeconds), "RequestLimitExceeded",
                    $"Global/ReadWrite/{scopeBase}", cost, Used(global, s.GlobalLimit));
            double limit = s.LimitFor(tenantUsers);
            var ru = Get("ru/" + scopeBase, limit, s.WindowSeconds, now);
            if (ru.Tokens < cost)
                return new ThrottleResult(false, Wait(ru, cost, limit, s.WindowSeconds), "ResourceUnitLimitExceeded",
                    $"Tenant_Application/ReadWrite/{scopeBase}", cost, Used(ru, limit));
            var app = Get("app/" + appId, s.AppLimit, s.AppWindowSeconds, now);
            if (app.Tokens < cost)
                return new ThrottleResult(false, Wait(app, cost, s.AppLimit, s.AppWindowSeconds), "ResourceUnitLimitExceeded",
                    $"Application/ReadWrite/{scopeBase}", cost, Used(app, s.AppLimit));
            if (write)
            {
                double units = s.CostWriteQuota;
                var aw = Get("appw/" + appId, s.AppWriteLimit, s.AppWriteWindowSeconds, now);
                if (aw.Tokens < units)
                    return new ThrottleResult(false, Wait(aw, units, s.AppWriteLimit, s.AppWriteWindowSeconds), "WriteLimitExceeded",
                        $"Application/Write/{scopeBase}", cost, Used(aw, s.AppWriteLimit));
                var wr = Get("w/" + scopeBase, s.WriteLimit, s.WriteWindowSeconds, now);
                if (wr.Tokens < units)
                    return new ThrottleResult(false, Wait(wr, units, s.WriteLimit, s.WriteWindowSeconds), "WriteLimitExceeded",
                        $"Tenant_Application/Write/{scopeBase}", cost, Used(wr, s.WriteLimit));
                var tw = Get("tw/" + tenant.Id, s.TenantWriteLimit, s.TenantWriteWindowSeconds, now);
                if (tw.Tokens < units)
                    return new ThrottleResult(false, Wait(tw, units, s.TenantWriteLimit, s.TenantWriteWindowSeconds), "WriteLimitExceeded",
                        $"Tenant/Write/{scopeBase}", cost, Used(tw, s.TenantWriteLimit));
                wr.Tokens -= units;
                tw.Tokens -= units;
                aw.Tokens -= units;
            }
            global.Tokens -= 1;
            ru.Tokens -= cost;
            app.Tokens -= cost;
            double used = Math.Max(Used(ru, limit), Math.Max(Used(app, s.AppLimit), Used(global, s.GlobalLimit)));
            return new ThrottleResult(true, 0, null, null, cost, used);
        }
    }

    public static string FormatSeconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture);
}
