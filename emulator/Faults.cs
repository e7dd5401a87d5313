using System.Globalization;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>Added latency: fixed, uniform, normal or exponential (milliseconds).</summary>
public sealed class LatencySpec
{
    public string Kind { get; init; } = "none";
    public double A { get; init; }
    public double B { get; init; }

    public static LatencySpec None => new();

    public static LatencySpec Parse(string spec)
    {
        var p = spec.Split(':');
        double D(int i) => double.Parse(p[i], NumberStyles.Float, CultureInfo.InvariantCulture);
        try
        {
            return p[0] switch
            {
                "none" => new LatencySpec(),
                "fixed" when p.Length == 2 => new LatencySpec { Kind = "fixed", A = D(1) },
                "uniform" when p.Length == 3 => new LatencySpec { Kind = "uniform", A = D(1), B = D(2) },
                "normal" when p.Length == 3 => new LatencySpec { Kind = "normal", A = D(1), B = D(2) },
                "exp" when p.Length == 2 => new LatencySpec { Kind = "exp", A = D(1) },
                _ => throw new ArgumentException($"bad latency spec '{spec}' (fixed:MS, uniform:MIN:MAX, normal:MEAN:SD, exp:MEAN)"),
            };
        }
        catch (FormatException) { throw new ArgumentException($"bad latency spec '{spec}'"); }
    }

    public double Sample(Rng rng) => Kind switch
    {
        "fixed" => A,
        "uniform" => A + rng.NextDouble() * (B - A),
        "normal" => Math.Max(0, A + B * rng.NextGaussian()),
        "exp" => -A * Math.Log(1.0 - rng.NextDouble()),
        _ => 0,
    };

    public override string ToString() => Kind switch
    {
        "fixed" => $"fixed:{A.ToString(CultureInfo.InvariantCulture)}",
        "uniform" or "normal" => $"{Kind}:{A.ToString(CultureInfo.InvariantCulture)}:{B.ToString(CultureInfo.InvariantCulture)}",
        "exp" => $"exp:{A.ToString(CultureInfo.InvariantCulture)}",
        _ => "none",
    };
}

public sealed class FaultSettings
{
    public LatencySpec Latency { get; set; } = LatencySpec.None;
    public double ErrorRate { get; set; }
    public int[] ErrorStatuses { get; set; } = { 500, 503, 504 };
    public double ResetRate { get; set; }
    public double StallRate { get; set; }
    public int StallMs { get; set; } = 120_000;
    public double ThrottleRate { get; set; }
    public double TokenOutageRate { get; set; }
    public string Scope { get; set; } = "graph";
    /// <summary>Token endpoint answers 503 until this time (outage window).</summary>
    public DateTimeOffset? TokenOutageUntil { get; set; }
    /// <summary>Graph answers 429 to everything until this time (storm window).</summary>
    public DateTimeOffset? StormUntil { get; set; }
    public double StormRetryAfter { get; set; } = 2.5;
    /// <summary>Exact fault plan: the next N Graph requests get these outcomes in order
    /// ("500", "503", "504", "429", "reset", "stall"). Consumed before rates apply.</summary>
    public Queue<string> Script { get; } = new();

    public FaultSettings Clone()
    {
        var c = new FaultSettings
        {
            Latency = Latency, ErrorRate = ErrorRate, ErrorStatuses = ErrorStatuses, ResetRate = ResetRate,
            StallRate = StallRate, StallMs = StallMs, ThrottleRate = ThrottleRate, TokenOutageRate = TokenOutageRate,
            Scope = Scope, TokenOutageUntil = TokenOutageUntil, StormUntil = StormUntil, StormRetryAfter = StormRetryAfter,
        };
        foreach (var s in Script) c.Script.Enqueue(s);
        return c;
    }

    public JsonObject ToJson() => new()
    {
        ["latency"] = Latency.ToString(),
        ["errorRate"] = ErrorRate,
        ["errorStatuses"] = new JsonArray(ErrorStatuses.Select(s => (JsonNode)s).ToArray()),
        ["resetRate"] = ResetRate,
        ["stallRate"] = StallRate,
        ["stallMs"] = StallMs,
        ["throttleRate"] = ThrottleRate,
        ["tokenOutageRate"] = TokenOutageRate,
        ["scope"] = Scope,
        ["tokenOutageUntil"] = TokenOutageUntil?.ToString("o"),
        ["stormUntil"] = StormUntil?.ToString("o"),
        ["stormRetryAfter"] = StormRetryAfter,
        ["script"] = Script.ToJsonArray(),
    };
}

public enum FaultKind { None, Error, Reset, Stall, Throttle }

public sealed record FaultDecision(FaultKind Kind, int Status = 0, double RetryAfter = 0, double LatencyMs = 0, int StallMs = 0);

/// <summary>Which part of a request a decision is for: a whole request, a $batch envelope
/// (latency, resets, stalls) or one $batch item (scripted outcomes, 429s, 5xx).</summary>
public enum FaultPart { Whole, Envelope, Item }

/// <summary>Decides latency and faults per request. Decisions draw from the seeded Rng, so a
/// sequential client sees the same faults on every run with the same --seed.</summary>
public sealed class FaultInjector
{
    private readonly object _lock = new();
    private readonly FaultSettings _initial;
    private FaultSettings _s;
    private readonly Rng _rng;
    private readonly Counters _counters;

    public FaultInjector(FaultSettings initial, Rng rng, Counters counters)
    {
        _initial = initial.Clone();
        _s = initial;
        _rng = rng;
        _counters = counters;
    }

    public void Reset() { lock (_lock) _s = _initial.Clone(); }

    public JsonObject ToJson() { lock (_lock) return _s.ToJson(); }

    /// <summary>Applies a control-API update (partial: only fields present change).</summary>
    public void Apply(JsonNode? n, Clock clock)
    {
        if (n is not JsonObject o) return;
        lock (_lock)
        {
            if (n.Str("latency") is string lat) _s.Latency = LatencySpec.Parse(lat.Contains(':') || lat == "none" ? lat : "fixed:" + lat);
            if (n.Num("errorRate") is double er) _s.ErrorRate = er;
            if (o["errorStatuses"] is JsonArray es) _s.ErrorStatuses = es.Select(x => (int)x!.GetValue<double>()).ToArray();
            if (n.Num("resetRate") is double rr) _s.ResetRate = rr;
            if (n.Num("stallRate") is double sr) _s.StallRate = sr;
            if (n.Num("stallMs") is double sm) _s.StallMs = (int)sm;
            if (n.Num("throttleRate") is double tr) _s.ThrottleRate = tr;
            if (n.Num("tokenOutageRate") is double tor) _s.TokenOutageRate = tor;
            if (n.Str("scope") is string sc)
                _s.Scope = sc is "graph" or "entra" or "all" ? sc : throw new ArgumentException("scope must be graph, entra or all");
            if (n.Num("tokenOutageSeconds") is double tos) _s.TokenOutageUntil = tos > 0 ? clock.UtcNow.AddSeconds(tos) : null;
            if (n.Num("stormSeconds") is double ss) _s.StormUntil = ss > 0 ? clock.UtcNow.AddSeconds(ss) : null;
            if (n.Num("stormRetryAfter") is double sra) _s.StormRetryAfter = sra;
            if (o["script"] is JsonArray script)
            {
                _s.Script.Clear();
                foreach (var s in script)
                {
                    var v = s?.GetValue<string>() ?? "";
                    if (v is not ("500" or "502" or "503" or "504" or "429" or "reset" or "stall" or "ok"))
                        throw new ArgumentException($"unknown script step '{v}'");
                    _s.Script.Enqueue(v);
                }
            }
        }
    }

    private bool InScope(string area) => _s.Scope == "all" || _s.Scope == area;

    /// <summary>Decides the fate of one request in <paramref name="area"/> ("graph" or "entra").</summary>
    public FaultDecision Decide(string area, DateTimeOffset now, FaultPart part = FaultPart.Whole)
    {
        lock (_lock)
        {
            double latency = part == FaultPart.Item ? 0 : _s.Latency.Sample(_rng);
            if (part == FaultPart.Envelope)
            {
                if (InScope(area) && _s.ResetRate > 0 && _rng.NextDouble() < _s.ResetRate)
                {
                    _counters.Add(_counters.Faults, "reset");
                    return new FaultDecision(FaultKind.Reset, 0, 0, latency);
                }
                if (InScope(area) && _s.StallRate > 0 && _rng.NextDouble() < _s.StallRate)
                {
                    _counters.Add(_counters.Faults, "stall");
                    return new FaultDecision(FaultKind.Stall, 0, 0, latency, _s.StallMs);
                }
                return new FaultDecision(FaultKind.None, 0, 0, latency);
            }
            if (area == "graph" && _s.StormUntil is DateTimeOffset su && now < su)
            {
                _counters.Add(_counters.Faults, "storm429");
                return new FaultDecision(FaultKind.Throttle, 429, _s.StormRetryAfter, latency);
            }
            if (area == "graph" && _s.Script.Count > 0)
            {
                var step = _s.Script.Dequeue();
                if (part == FaultPart.Item && step is "reset" or "stall") step = "ok";
                _counters.Add(_counters.Faults, "script:" + step);
                return step switch
                {
                    "reset" => new FaultDecision(FaultKind.Reset, 0, 0, latency),
                    "stall" => new FaultDecision(FaultKind.Stall, 0, 0, latency, _s.StallMs),
                    "429" => new FaultDecision(FaultKind.Throttle, 429, _s.StormRetryAfter, latency),
                    "ok" => new FaultDecision(FaultKind.None, 0, 0, latency),
                    _ => new FaultDecision(FaultKind.Error, int.Parse(step, CultureInfo.InvariantCulture), 0, latency),
                };
            }
            if (area == "entra")
            {
                if (_s.TokenOutageUntil is DateTimeOffset tu && now < tu)
                {
                    _counters.Add(_counters.Faults, "tokenOutage");
                    return new FaultDecision(FaultKind.Error, 503, 0, latency);
                }
                if (_s.TokenOutageRate > 0 && _rng.NextDouble() < _s.TokenOutageRate)
                {
                    _counters.Add(_counters.Faults, "tokenOutage");
                    return new FaultDecision(FaultKind.Error, 503, 0, latency);
                }
            }
            if (area == "graph" && _s.ThrottleRate > 0 && _rng.NextDouble() < _s.ThrottleRate)
            {
                _counters.Add(_counters.Faults, "random429");
                return new FaultDecision(FaultKind.Throttle, 429, Math.Round(0.5 + _rng.NextDouble() * 2.5, 3), latency);
            }
            if (InScope(area))
            {
                if (part == FaultPart.Whole && _s.ResetRate > 0 && _rng.NextDouble() < _s.ResetRate)
                {
                    _counters.Add(_counters.Faults, "reset");
                    return new FaultDecision(FaultKind.Reset, 0, 0, latency);
                }
                if (part == FaultPart.Whole && _s.StallRate > 0 && _rng.NextDouble() < _s.StallRate)
                {
                    _counters.Add(_counters.Faults, "stall");
                    return new FaultDecision(FaultKind.Stall, 0, 0, latency, _s.StallMs);
                }
                if (_s.ErrorRate > 0 && _rng.NextDouble() < _s.ErrorRate && _s.ErrorStatuses.Length > 0)
                {
                    int status = _s.ErrorStatuses[_rng.Next(_s.ErrorStatuses.Length)];
                    _counters.Add(_counters.Faults, "error" + status.ToString(CultureInfo.InvariantCulture));
                    return new FaultDecision(FaultKind.Error, status, 0, latency);
                }
            }
            return new FaultDecision(FaultKind.None, 0, 0, latency);
        }
    }
}
