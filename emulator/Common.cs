using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>All randomness of the emulator. With --seed every value is a function of the seed
/// and the order of calls.</summary>
public sealed class Rng
{
    private readonly object _lock = new();
    private Random _random;
    private readonly int? _seed;

    public Rng(int? seed)
    {
        _seed = seed;
        _random = seed is int s ? new Random(s) : new Random();
    }

    public bool Deterministic => _seed != null;

    public void Reset()
    {
        lock (_lock) _random = _seed is int s ? new Random(s) : new Random();
    }

    public double NextDouble() { lock (_lock) return _random.NextDouble(); }
    public int Next(int maxExclusive) { lock (_lock) return _random.Next(maxExclusive); }
    public int Next(int min, int maxExclusive) { lock (_lock) return _random.Next(min, maxExclusive); }

    public Guid NextGuid()
    {
        var b = new byte[16];
        lock (_lock) _random.NextBytes(b);
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4
        b[8] = (byte)((b[8] & 0x3F) | 0x80); // variant
        return new Guid(b);
    }

    public byte[] NextBytes(int n)
    {
        var b = new byte[n];
        lock (_lock) _random.NextBytes(b);
        return b;
    }

    public string NextString(string alphabet, int length)
    {
        var sb = new StringBuilder(length);
        lock (_lock)
            for (int i = 0; i < length; i++) sb.Append(alphabet[_random.Next(alphabet.Length)]);
        return sb.ToString();
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        lock (_lock)
            for (int i = n - 1; i > 0; i--)
            {
                int j = _random.Next(i + 1);
                (p[i], p[j]) = (p[j], p[i]);
            }
        return p;
    }

    /// <summary>Standard normal sample (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1, u2;
        lock (_lock) { u1 = 1.0 - _random.NextDouble(); u2 = _random.NextDouble(); }
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Sin(2.0 * Math.PI * u2);
    }
}

/// <summary>The emulator's clock: real UTC time plus an offset that the control API can only move
/// forward (until <see cref="Reset"/>). <see cref="MonotonicSeconds"/> is the same offset over a
/// monotonic timer, for rates (throttling): the wall clock may step back, that timeline cannot.</summary>
public sealed class Clock
{
    private long _offsetTicks;
    private readonly long _origin = System.Diagnostics.Stopwatch.GetTimestamp();
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref _offsetTicks));
    public long UnixNow => UtcNow.ToUnixTimeSeconds();

    /// <summary>Seconds since the emulator started on a monotonic timer, plus the offset.</summary>
    public double MonotonicSeconds =>
        System.Diagnostics.Stopwatch.GetElapsedTime(_origin).TotalSeconds + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks)).TotalSeconds;

    /// <summary>Moves the clock forward; a negative or non-finite amount is refused.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentException("advanceSeconds must not be negative: the clock only moves forward (POST /control/reset sets it back)");
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    public void Reset() => Interlocked.Exchange(ref _offsetTicks, 0);
}

public static class Json
{
    /// <summary>UTF-8 output without escaping non-ASCII letters (Graph returns "Zoë" as is).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static readonly JsonSerializerOptions Indented = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static string Serialize(JsonNode? node) => node?.ToJsonString(Options) ?? "null";

    public static JsonNode? TryParse(string text)
    {
        try { return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false }); }
        catch (JsonException) { return null; }
    }

    public static string? Str(this JsonNode? node, string name)
    {
        if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var v) || v == null) return null;
        return v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
    }

    public static bool? Bool(this JsonNode? node, string name)
    {
        if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var v) || v == null) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(v.GetValue<string>(), out var b) ? b : null,
            _ => null,
        };
    }

    public static double? Num(this JsonNode? node, string name)
    {
        if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var v) || v == null) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.Number => v.GetValue<double>(),
            JsonValueKind.String => double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null,
            _ => null,
        };
    }

    public static List<string> StrList(this JsonNode? node, string name)
    {
        var list = new List<string>();
        if (node is JsonObject o && o.TryGetPropertyValue(name, out var v) && v is JsonArray a)
            foreach (var item in a)
                if (item != null && item.GetValueKind() == JsonValueKind.String) list.Add(item.GetValue<string>());
        return list;
    }

    public static JsonArray ToJsonArray(this IEnumerable<string> items)
    {
        var a = new JsonArray();
        foreach (var s in items) a.Add(s);
        return a;
    }
}

public static class Base64Url
{
    public static string Encode(byte[] data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Encode(string s) => Encode(Encoding.UTF8.GetBytes(s));

    public static byte[]? Decode(string s)
    {
        string t = s.Replace('-', '+').Replace('_', '/');
        switch (t.Length % 4)
        {
            case 2: t += "=="; break;
            case 3: t += "="; break;
            case 1: return null;
        }
        try { return Convert.FromBase64String(t); }
        catch (FormatException) { return null; }
    }
}

/// <summary>Counters exposed at GET /control/counters.</summary>
public sealed class Counters
{
    public readonly ConcurrentDictionary<string, long> RequestsByRouteStatus = new();
    public readonly ConcurrentDictionary<string, long> ResourceUnits = new();
    /// <summary>Writes (POST/PATCH/PUT/DELETE) addressed to a user that Graph received and did not
    /// throttle, whatever their outcome, per UPN; $batch items count one each.</summary>
    public readonly ConcurrentDictionary<string, long> WritesByUser = new();
    /// <summary>Writes that changed the user (2xx, or 409 phoneNumberNotUnique with the write applied), per UPN.</summary>
    public readonly ConcurrentDictionary<string, long> AppliedWritesByUser = new();
    /// <summary>429s (budgets and injected) of requests addressed to a user, per UPN.</summary>
    public readonly ConcurrentDictionary<string, long> ThrottledByUser = new();
    public readonly ConcurrentDictionary<string, long> TokensIssued = new();
    public readonly ConcurrentDictionary<string, long> Faults = new();
    public long Throttled;
    public long Requests;
    public long InFlight;
    public long PeakInFlight;
    public long GraphInFlight;
    public long PeakGraphInFlight;
    public long BatchRequests;
    public long BatchItems;

    public void Add(ConcurrentDictionary<string, long> d, string key, long by = 1) => d.AddOrUpdate(key, by, (_, v) => v + by);

    private static void Raise(ref long inFlight, ref long peak)
    {
        long now = Interlocked.Increment(ref inFlight);
        long p;
        while (now > (p = Interlocked.Read(ref peak)))
            if (Interlocked.CompareExchange(ref peak, now, p) == p) break;
    }

    /// <summary>A request to a service (every path but /control/) starts.</summary>
    public void Enter()
    {
        Interlocked.Increment(ref Requests);
        Raise(ref InFlight, ref PeakInFlight);
    }

    public void Leave() => Interlocked.Decrement(ref InFlight);

    /// <summary>A Graph request (a $batch envelope is one) starts.</summary>
    public void EnterGraph() => Raise(ref GraphInFlight, ref PeakGraphInFlight);

    public void LeaveGraph() => Interlocked.Decrement(ref GraphInFlight);

    public void Reset()
    {
        RequestsByRouteStatus.Clear();
        ResourceUnits.Clear();
        WritesByUser.Clear();
        AppliedWritesByUser.Clear();
        ThrottledByUser.Clear();
        TokensIssued.Clear();
        Faults.Clear();
        Interlocked.Exchange(ref Throttled, 0);
        Interlocked.Exchange(ref Requests, 0);
        Interlocked.Exchange(ref PeakInFlight, Interlocked.Read(ref InFlight));
        Interlocked.Exchange(ref PeakGraphInFlight, Interlocked.Read(ref GraphInFlight));
        Interlocked.Exchange(ref BatchRequests, 0);
        Interlocked.Exchange(ref BatchItems, 0);
    }

    public JsonObject ToJson()
    {
        static JsonObject Dict(ConcurrentDictionary<string, long> d)
        {
            var o = new JsonObject();
            foreach (var kv in d.OrderBy(k => k.Key, StringComparer.Ordinal)) o[kv.Key] = kv.Value;
            return o;
        }
        var byRoute = new JsonObject();
        foreach (var kv in RequestsByRouteStatus.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            int sep = kv.Key.LastIndexOf(' ');
            string route = kv.Key[..sep], status = kv.Key[(sep + 1)..];
            if (byRoute[route] is not JsonObject r) byRoute[route] = r = new JsonObject();
            r[status] = kv.Value;
        }
        return new JsonObject
        {
            ["requests"] = Interlocked.Read(ref Requests),
            ["inFlight"] = Interlocked.Read(ref InFlight),
            ["peakConcurrency"] = Interlocked.Read(ref PeakInFlight),
            ["graphInFlight"] = Interlocked.Read(ref GraphInFlight),
            ["peakGraphConcurrency"] = Interlocked.Read(ref PeakGraphInFlight),
            ["throttled"] = Interlocked.Read(ref Throttled),
            ["throttledByUser"] = Dict(ThrottledByUser),
            ["batchRequests"] = Interlocked.Read(ref BatchRequests),
            ["batchItems"] = Interlocked.Read(ref BatchItems),
            ["byRoute"] = byRoute,
            ["resourceUnits"] = Dict(ResourceUnits),
            ["writesByUser"] = Dict(WritesByUser),
            ["appliedWritesByUser"] = Dict(AppliedWritesByUser),
            ["tokensIssued"] = Dict(TokensIssued),
            ["faults"] = Dict(Faults),
        };
    }
}
