using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

public sealed class TwilioMessage
{
    public required string Sid { get; init; }
    public required string AccountSid { get; init; }
    public required string From { get; init; }
    public required string To { get; init; }
    public string Body { get; set; } = "";
    public string? MessagingServiceSid { get; init; }
    public int NumSegments { get; init; }
    public int NumMedia { get; init; }
    public DateTimeOffset DateCreated { get; init; }
    public DateTimeOffset DateUpdated { get; set; }
    public bool Deleted { get; set; }
}

/// <summary>Twilio: acts as Twilio towards a webhook (signed inbound SMS) and serves the
/// Messages REST resource (fetch, redact, delete, list) behind HTTP Basic auth.</summary>
public sealed class TwilioService
{
    private readonly Emu _emu;
    private readonly ConcurrentDictionary<string, TwilioMessage> _messages = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonObject> _deliveries = new();
    private readonly HttpClient _http;

    private readonly X509Certificate2Collection _extraCas;
    // Why the last TLS handshake with a host failed (Twilio error code), read after the request fails.
    private readonly ConcurrentDictionary<string, int> _tlsFailures = new(StringComparer.OrdinalIgnoreCase);

    public TwilioService(Emu emu)
    {
        _emu = emu;
        _extraCas = LoadCaFiles(emu.Options.TwilioCaFiles);
        var handler = new SocketsHttpHandler
        {
            // Real Twilio validates webhook certificates against public CAs (Mozilla / Java trust
            // stores): the system store here, plus --twilio-ca for a test CA.
            SslOptions = { RemoteCertificateValidationCallback = ValidateServerCertificate },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Reads the PEM CA certificates given with --twilio-ca; <see cref="ArgumentException"/> if a file is unusable.</summary>
    public static X509Certificate2Collection LoadCaFiles(IEnumerable<string> files)
    {
        var all = new X509Certificate2Collection();
        foreach (var f in files)
        {
            var certs = new X509Certificate2Collection();
            try { certs.ImportFromPemFile(f); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ArgumentException($"--twilio-ca {f}: cannot read PEM certificates ({e.GetType().Name})");
            }
            if (certs.Count == 0) throw new ArgumentException($"--twilio-ca {f}: no PEM certificate in the file");
            all.AddRange(certs);
        }
        return all;
    }

    /// <summary>Accepts what the system store accepts, or (with --twilio-ca) a chain to one of the
    /// extra CAs; never a name mismatch. Failures are remembered per host as Twilio's codes:
    /// 11235 domain mismatch, 11236 expired, 11237 no path to a trusted certificate.</summary>
    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        string host = (sender as SslStream)?.TargetHostName ?? "";
        int code = 11237;
        if (certificate != null && (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0)
        {
            using var cert = new X509Certificate2(certificate);
            var now = DateTime.Now;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) code = 11235;
            else if (cert.NotAfter < now || cert.NotBefore > now) code = 11236;
            else if (_extraCas.Count > 0)
            {
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(_extraCas);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain != null)
                    foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                if (custom.Build(cert)) return true;
            }
        }
        _tlsFailures[host] = code;
        return false;
    }

    private static string CertificateError(int code) => code switch
    {
        11235 => "Certificate Invalid - Domain Mismatch",
        11236 => "Certificate Invalid - Certificate Expired",
        _ => "Certificate Invalid - Could not find path to certificate",
    };

    public void Clear()
    {
        _messages.Clear();
        while (_deliveries.TryDequeue(out _)) { }
    }

    public IEnumerable<JsonObject> Deliveries => _deliveries.ToArray();

    // ---------- signature (relay.md) ----------

    /// <summary>X-Twilio-Signature: base64(HMAC-SHA1(authToken, url + sorted name/value pairs)).</summary>
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var sb = new StringBuilder(url);
        foreach (var g in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            foreach (var v in g.Select(p => p.Value).OrderBy(v => v, StringComparer.Ordinal))
                sb.Append(g.Key).Append(v);
        using var h = new HMACSHA1(Encoding.UTF8.GetBytes(authToken));
        return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static readonly Dictionary<string, (string country, string city, string state, string zip)> Places = new()
    {
        ["1"] = ("US", "SEATTLE", "WA", "98101"),
        ["44"] = ("GB", "", "", ""),
        ["46"] = ("SE", "", "", ""),
        ["49"] = ("DE", "", "", ""),
        ["33"] = ("FR", "", "", ""),
        ["31"] = ("NL", "", "", ""),
        ["47"] = ("NO", "", "", ""),
        ["45"] = ("DK", "", "", ""),
        ["358"] = ("FI", "", "", ""),
        ["61"] = ("AU", "", "", ""),
        ["81"] = ("JP", "", "", ""),
        ["91"] = ("IN", "", "", ""),
    };

    private static (string country, string city, string state, string zip) Place(string number)
    {
        var digits = number.TrimStart('+');
        foreach (var len in new[] { 3, 2, 1 })
            if (digits.Length > len && Places.TryGetValue(digits[..len], out var p)) return p;
        return ("", "", "", "");
    }

    private static bool IsGsm(string s) => s.All(c => c < 128 || "£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà€".Contains(c));

    public static int Segments(string body)
    {
        bool gsm = IsGsm(body);
        int len = gsm ? body.Length : body.Length; // UTF-16 units approximate UCS-2
        int single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
        return len <= single ? 1 : (len + multi - 1) / multi;
    }

    private string NewSid(string prefix) => prefix + Convert.ToHexString(_emu.Rng.NextBytes(16)).ToLowerInvariant();

    /// <summary>POST /control/twilio/send-sms: build, sign and deliver an inbound SMS webhook.</summary>
    public async Task<(int status, JsonObject body)> SendSms(JsonNode? req, CancellationToken ct)
    {
        TwilioAccount? acct;
        var sid = req.Str("accountSid");
        lock (_emu.World.TwilioSync)
            acct = sid != null ? _emu.World.TwilioAccounts.GetValueOrDefault(sid) : _emu.World.TwilioAccounts.Values.FirstOrDefault();
        if (acct == null) return (404, new JsonObject { ["error"] = sid == null ? "no Twilio account is configured" : $"unknown Twilio account {sid}" });
        var from = req.Str("from") ?? "+14155550100";
        var to = req.Str("to");
        if (string.IsNullOrEmpty(to)) return (400, new JsonObject { ["error"] = "'to' is required" });
        var body = req.Str("body") ?? "";
        string? url = req.Str("url");
        lock (_emu.World.TwilioSync) url ??= acct.NumberWebhooks.GetValueOrDefault(to) ?? acct.SmsUrl;
        if (string.IsNullOrEmpty(url)) return (400, new JsonObject { ["error"] = "no webhook url: pass 'url' or configure smsUrl for the account or number" });
        var method = (req.Str("method") ?? "POST").ToUpperInvariant();
        if (method is not ("POST" or "GET")) return (400, new JsonObject { ["error"] = "method must be POST or GET" });

        string messageSid = req.Str("messageSid") ?? NewSid("SM");
        var fromPlace = Place(from);
        var toPlace = Place(to);
        var p = new List<KeyValuePair<string, string>>
        {
            new("ToCountry", toPlace.country), new("ToState", toPlace.state), new("SmsMessageSid", messageSid),
            new("NumMedia", "0"), new("ToCity", toPlace.city), new("FromZip", fromPlace.zip), new("SmsSid", messageSid),
            new("FromState", fromPlace.state), new("SmsStatus", "received"), new("FromCity", fromPlace.city), new("Body", body),
            new("FromCountry", fromPlace.country), new("To", to), new("MessagingServiceSid", req.Str("messagingServiceSid") ?? "MG" + Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(acct.AccountSid)))[..32].ToLowerInvariant()),
            new("ToZip", toPlace.zip), new("NumSegments", Segments(body).ToString(CultureInfo.InvariantCulture)),
            new("MessageSid", messageSid), new("AccountSid", acct.AccountSid), new("From", from), new("ApiVersion", "2010-04-01"),
        };
        var media = req.StrList("mediaUrls");
        if (media.Count > 0)
        {
            var types = req.StrList("mediaContentTypes");
            p.RemoveAll(x => x.Key == "NumMedia");
            p.Add(new("NumMedia", media.Count.ToString(CultureInfo.InvariantCulture)));
            for (int i = 0; i < media.Count; i++)
            {
                p.Add(new($"MediaUrl{i}", media[i]));
                p.Add(new($"MediaContentType{i}", i < types.Count ? types[i] : "image/jpeg"));
            }
        }
        if (req?["rawParams"] is JsonObject raw)
        {
            // exactly these parameters (for signature test vectors); an array value repeats the name
            p.Clear();
            foreach (var kv in raw)
                foreach (var v in ParamValues(kv.Value)) p.Add(new(kv.Key, v));
        }
        if (req?["extra"] is JsonObject extra)
            foreach (var kv in extra)
            {
                p.RemoveAll(x => x.Key == kv.Key);
                foreach (var v in ParamValues(kv.Value)) p.Add(new(kv.Key, v));
            }
        if (req?["params"] is JsonArray pairs)
        {
            // more parameters in order, names may repeat: [["Name","value"], …] or [{"name":…,"value":…}, …]
            foreach (var item in pairs)
            {
                if (item is JsonArray { Count: 2 } a && a[0]?.GetValueKind() == System.Text.Json.JsonValueKind.String)
                    p.Add(new(a[0]!.GetValue<string>(), ParamValues(a[1]).SingleOrDefault() ?? ""));
                else if (item is JsonObject po && po.Str("name") is string pn)
                    p.Add(new(pn, po.Str("value") ?? ""));
                else return (400, new JsonObject { ["error"] = "params must be an array of [name, value] pairs or {\"name\", \"value\"} objects" });
            }
        }

        // A JSON body (Twilio's JSON webhooks): the URL gets bodySHA256 = hex SHA-256 of the raw
        // body and the signature covers that URL alone.
        string? jsonBody = null;
        if (req?["jsonBody"] is JsonNode jb)
        {
            if (method != "POST") return (400, new JsonObject { ["error"] = "jsonBody needs method POST" });
            jsonBody = jb.GetValueKind() == System.Text.Json.JsonValueKind.String ? jb.GetValue<string>() : Json.Serialize(jb);
        }

        var now = _emu.Clock.UtcNow;
        if (!_messages.ContainsKey(messageSid))
            _messages[messageSid] = new TwilioMessage
            {
                Sid = messageSid, AccountSid = acct.AccountSid, From = from, To = to, Body = body, NumSegments = Segments(body), NumMedia = media.Count,
                MessagingServiceSid = p.FirstOrDefault(x => x.Key == "MessagingServiceSid").Value, DateCreated = now, DateUpdated = now,
            };

        // The URL Twilio signs is the configured one (a public URL behind a proxy may differ from where it is sent).
        string signUrl = req.Str("signatureUrl") ?? url;
        string target = url;
        string fragment = "";
        int hash = signUrl.IndexOf('#'); // connection overrides (#rc=..) are not part of the signed URL
        if (hash >= 0) signUrl = signUrl[..hash];
        hash = target.IndexOf('#');
        if (hash >= 0) { fragment = target[(hash + 1)..]; target = target[..hash]; }
        // user:pass@ in the URL: Twilio answers an HTTP authentication challenge with them (Basic or
        // Digest); they are never sent unasked. The signed URL keeps them, as configured, unless
        // signCredentials is false.
        var (credentials, bareTarget) = SplitUserInfo(target);
        target = bareTarget;
        if (req.Bool("signCredentials") == false) signUrl = SplitUserInfo(signUrl).url;
        string? bodyHash = null;
        if (jsonBody != null)
        {
            bodyHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(jsonBody))).ToLowerInvariant();
            signUrl += (signUrl.Contains('?') ? "&" : "?") + "bodySHA256=" + bodyHash;
            target += (target.Contains('?') ? "&" : "?") + "bodySHA256=" + bodyHash;
        }
        var overrides = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(fragment);
        int retries = overrides.TryGetValue("rc", out var rcv) && int.TryParse(rcv, out var rc) ? Math.Clamp(rc, 0, 5) : 0;
        var policy = overrides.TryGetValue("rp", out var rpv) ? rpv.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries) : new[] { "ct" };
        int readTimeoutMs = overrides.TryGetValue("rt", out var rtv) && int.TryParse(rtv, out var rt) ? rt : _emu.Options.TwilioTimeoutSeconds * 1000;
        bool RetryOn(string kind) => policy.Contains("all") || policy.Contains(kind);

        string signature;
        string? form = null;
        string sendUrl = target;
        if (jsonBody != null)
            signature = Sign(acct.AuthToken, signUrl, Array.Empty<KeyValuePair<string, string>>());
        else if (method == "POST")
        {
            signature = Sign(acct.AuthToken, signUrl, p);
            form = string.Join('&', p.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
        }
        else
        {
            var qs = string.Join('&', p.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
            string sep = signUrl.Contains('?') ? "&" : "?";
            signature = Sign(acct.AuthToken, signUrl + sep + qs, Array.Empty<KeyValuePair<string, string>>());
            sendUrl = target + (target.Contains('?') ? "&" : "?") + qs;
        }
        if (req.Bool("tamper") == true) signature = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(signature)));
        string idempotency = req.Str("idempotencyToken") ?? _emu.Rng.NextGuid().ToString();

        var result = new JsonObject
        {
            ["messageSid"] = messageSid,
            ["url"] = credentials == null ? target : WithMaskedUserInfo(target, credentials.Value.user),
            ["method"] = method,
            ["signature"] = signature,
            ["idempotencyToken"] = idempotency,
        };
        if (bodyHash != null) result["bodySHA256"] = bodyHash;
        var attempts = new JsonArray();
        var sw = Stopwatch.StartNew();
        HttpRequestMessage NewMessage(string? authorization)
        {
            var msg = new HttpRequestMessage(method == "POST" ? HttpMethod.Post : HttpMethod.Get, sendUrl);
            if (jsonBody != null)
            {
                msg.Content = new StringContent(jsonBody, Encoding.UTF8);
                msg.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }
            else if (form != null)
            {
                msg.Content = new StringContent(form, Encoding.UTF8);
                msg.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            }
            msg.Headers.TryAddWithoutValidation("X-Twilio-Signature", signature);
            msg.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", idempotency);
            msg.Headers.TryAddWithoutValidation("User-Agent", "TwilioProxy/1.1");
            msg.Headers.TryAddWithoutValidation("Accept", "*/*");
            if (authorization != null) msg.Headers.TryAddWithoutValidation("Authorization", authorization);
            return msg;
        }
        for (int attempt = 0; ; attempt++)
        {
            var msg = NewMessage(null);
            var a = new JsonObject();
            string? failure = null;
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(readTimeoutMs);
                var resp = await _http.SendAsync(msg, cts.Token);
                if (resp.StatusCode == System.Net.HttpStatusCode.Unauthorized && credentials is { } cred
                    && Authorization(resp.Headers.WwwAuthenticate, cred, msg.Method.Method, new Uri(sendUrl).PathAndQuery) is { } auth)
                {
                    // answer the challenge once, with the URL's credentials
                    a["challenged"] = auth.scheme;
                    resp.Dispose();
                    msg.Dispose();
                    msg = NewMessage(auth.header);
                    resp = await _http.SendAsync(msg, cts.Token);
                }
                using var _resp = resp;
                var text = await resp.Content.ReadAsStringAsync(cts.Token);
                var ctype = resp.Content.Headers.ContentType?.MediaType;
                int status = (int)resp.StatusCode;
                a["status"] = status;
                a["responseContentType"] = resp.Content.Headers.ContentType?.ToString();
                a["responseBody"] = text.Length > 4096 ? text[..4096] : text;
                if (status is < 200 or > 299) { a["errorCode"] = 11200; a["error"] = "HTTP retrieval failure"; failure = status >= 500 ? "5xx" : "4xx"; }
                else if (text.Length == 0 || ctype == null) { a["errorCode"] = 12300; a["error"] = "Invalid Content-Type"; }
                else if (!(ctype.Contains("xml") || ctype.StartsWith("text/", StringComparison.Ordinal))) { a["errorCode"] = 12300; a["error"] = "Invalid Content-Type"; }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                a["status"] = null;
                a["errorCode"] = 11205;
                a["error"] = "HTTP connection failure: timed out waiting for the webhook";
                failure = "rt";
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError && e.InnerException is AuthenticationException)
            {
                int code = _tlsFailures.TryRemove(new Uri(sendUrl).Host, out var c) ? c : 11237;
                a["status"] = null;
                a["errorCode"] = code;
                a["error"] = CertificateError(code);
                failure = "ct";
            }
            catch (HttpRequestException e)
            {
                a["status"] = null;
                a["errorCode"] = 11205;
                a["error"] = "HTTP connection failure: " + e.Message;
                failure = "ct";
            }
            finally { msg.Dispose(); }
            attempts.Add(a);
            if (failure == null || attempt >= retries || !RetryOn(failure)) break;
        }
        var last = (JsonObject)attempts[^1]!;
        foreach (var kv in last) result[kv.Key] = kv.Value?.DeepClone();
        result["attempts"] = attempts;
        result["durationMs"] = sw.ElapsedMilliseconds;
        _deliveries.Enqueue((JsonObject)result.DeepClone());
        return (200, result);
    }

    // ---------- HTTP authentication of webhook targets ----------

    /// <summary>Splits user:pass@ off a URL (the credentials percent-decoded); the URL otherwise unchanged.</summary>
    public static ((string user, string password)? credentials, string url) SplitUserInfo(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return (null, url);
        int start = scheme + 3;
        int end = url.IndexOfAny(new[] { '/', '?', '#' }, start);
        if (end < 0) end = url.Length;
        int at = url.LastIndexOf('@', end - 1, end - start);
        if (at < 0) return (null, url);
        var info = url[start..at];
        int colon = info.IndexOf(':');
        string user = Uri.UnescapeDataString(colon >= 0 ? info[..colon] : info);
        string password = colon >= 0 ? Uri.UnescapeDataString(info[(colon + 1)..]) : "";
        return ((user, password), url[..start] + url[(at + 1)..]);
    }

    private static string WithMaskedUserInfo(string bareUrl, string user)
    {
        int start = bareUrl.IndexOf("://", StringComparison.Ordinal) + 3;
        return bareUrl[..start] + Uri.EscapeDataString(user) + ":***@" + bareUrl[start..];
    }

    /// <summary>The Authorization header answering a Basic or Digest (MD5, qop auth or none)
    /// challenge, or null when no challenge is one the emulator answers.</summary>
    private (string scheme, string header)? Authorization(HttpHeaderValueCollection<AuthenticationHeaderValue> challenges, (string user, string password) cred, string method, string uri)
    {
        foreach (var c in challenges)
        {
            if (c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
                return ("basic", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(cred.user + ":" + cred.password)));
            if (c.Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase) && c.Parameter != null)
            {
                var d = DigestParameters(c.Parameter);
                if (!d.TryGetValue("realm", out var realm) || !d.TryGetValue("nonce", out var nonce)) continue;
                if (d.TryGetValue("algorithm", out var alg) && !alg.Equals("MD5", StringComparison.OrdinalIgnoreCase)) continue;
                static string Md5(string x) => Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(x))).ToLowerInvariant();
                string ha1 = Md5($"{cred.user}:{realm}:{cred.password}");
                string ha2 = Md5($"{method}:{uri}");
                var sb = new StringBuilder($"Digest username=\"{cred.user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=MD5");
                bool qopAuth = d.TryGetValue("qop", out var qop) && qop.Split(',').Any(q => q.Trim() == "auth");
                if (qopAuth)
                {
                    string cnonce = Convert.ToHexString(_emu.Rng.NextBytes(8)).ToLowerInvariant();
                    const string nc = "00000001";
                    sb.Append($", qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{Md5($"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")}\"");
                }
                else sb.Append($", response=\"{Md5($"{ha1}:{nonce}:{ha2}")}\"");
                if (d.TryGetValue("opaque", out var opaque)) sb.Append($", opaque=\"{opaque}\"");
                return ("digest", sb.ToString());
            }
        }
        return null;
    }

    private static Dictionary<string, string> DigestParameters(string s)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == ',')) i++;
            int eq = s.IndexOf('=', i);
            if (eq < 0) break;
            string key = s[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < s.Length && s[i] == '"')
            {
                int close = s.IndexOf('"', i + 1);
                if (close < 0) close = s.Length;
                value = s[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                int comma = s.IndexOf(',', i);
                if (comma < 0) comma = s.Length;
                value = s[i..comma].Trim();
                i = comma;
            }
            d[key] = value;
        }
        return d;
    }

    private static IEnumerable<string> ParamValues(JsonNode? v) => v switch
    {
        null => new[] { "" },
        JsonArray a => a.Select(x => x == null ? "" : x.GetValueKind() == System.Text.Json.JsonValueKind.String ? x.GetValue<string>() : x.ToJsonString()),
        _ => new[] { v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString() },
    };

    // ---------- REST ----------

    private static JsonObject Error(int code, string message, int status) => new()
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    };

    private async Task WriteError(HttpContext ctx, int code, string message, int status)
    {
        if (status == 401) ctx.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
        await Entra.WriteJson(ctx, status, Error(code, message, status));
    }

    private bool Authenticated(HttpContext ctx, string accountSid)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim())); }
        catch (FormatException) { return false; }
        int colon = decoded.IndexOf(':');
        if (colon <= 0) return false;
        string user = decoded[..colon], pass = decoded[(colon + 1)..];
        lock (_emu.World.TwilioSync)
        {
            if (!_emu.World.TwilioAccounts.TryGetValue(accountSid, out var acct)) return false;
            if (user == acct.AccountSid) return Entra.FixedEquals(pass, acct.AuthToken);
            return acct.ApiKeys.TryGetValue(user, out var secret) && Entra.FixedEquals(pass, secret);
        }
    }

    private static string Rfc2822(DateTimeOffset d) => d.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    private static JsonObject ToJson(TwilioMessage m) => new()
    {
        ["account_sid"] = m.AccountSid,
        ["api_version"] = "2010-04-01",
        ["body"] = m.Body,
        ["date_created"] = Rfc2822(m.DateCreated),
        ["date_sent"] = Rfc2822(m.DateCreated),
        ["date_updated"] = Rfc2822(m.DateUpdated),
        ["direction"] = "inbound",
        ["error_code"] = null,
        ["error_message"] = null,
        ["from"] = m.From,
        ["messaging_service_sid"] = m.MessagingServiceSid,
        ["num_media"] = m.NumMedia.ToString(CultureInfo.InvariantCulture),
        ["num_segments"] = m.NumSegments.ToString(CultureInfo.InvariantCulture),
        ["price"] = null,
        ["price_unit"] = "USD",
        ["sid"] = m.Sid,
        ["status"] = "received",
        ["subresource_uris"] = new JsonObject
        {
            ["media"] = $"/2010-04-01/Accounts/{m.AccountSid}/Messages/{m.Sid}/Media.json",
            ["feedback"] = $"/2010-04-01/Accounts/{m.AccountSid}/Messages/{m.Sid}/Feedback.json",
        },
        ["to"] = m.To,
        ["uri"] = $"/2010-04-01/Accounts/{m.AccountSid}/Messages/{m.Sid}.json",
    };

    /// <summary>/2010-04-01/Accounts/{AccountSid}/Messages.json and /Messages/{Sid}.json</summary>
    public async Task HandleRest(HttpContext ctx, string accountSid, string? resource)
    {
        ctx.Items["route"] = resource == null ? "twilio:messages.list" : "twilio:messages.instance";
        if (!Authenticated(ctx, accountSid))
        {
            await WriteError(ctx, 20003, "Authenticate", 401);
            return;
        }
        if (resource == null)
        {
            if (!HttpMethods.IsGet(ctx.Request.Method)) { await WriteError(ctx, 20004, "Method not allowed", 405); return; }
            var list = new JsonArray();
            foreach (var m in _messages.Values.Where(m => m.AccountSid == accountSid && !m.Deleted).OrderByDescending(m => m.DateCreated))
                list.Add(ToJson(m));
            await Entra.WriteJson(ctx, 200, new JsonObject
            {
                ["messages"] = list,
                ["end"] = Math.Max(0, list.Count - 1),
                ["first_page_uri"] = $"/2010-04-01/Accounts/{accountSid}/Messages.json?PageSize=50&Page=0",
                ["next_page_uri"] = null,
                ["page"] = 0,
                ["page_size"] = 50,
                ["previous_page_uri"] = null,
                ["start"] = 0,
                ["uri"] = $"/2010-04-01/Accounts/{accountSid}/Messages.json?PageSize=50&Page=0",
            });
            return;
        }
        string sid = resource.EndsWith(".json", StringComparison.Ordinal) ? resource[..^5] : resource;
        if (!_messages.TryGetValue(sid, out var msg) || msg.Deleted || msg.AccountSid != accountSid)
        {
            await WriteError(ctx, 20404, $"The requested resource /2010-04-01/Accounts/{accountSid}/Messages/{sid}.json was not found", 404);
            return;
        }
        switch (ctx.Request.Method)
        {
            case "GET":
                await Entra.WriteJson(ctx, 200, ToJson(msg));
                return;
            case "POST":
                var form = ctx.Request.HasFormContentType ? await ctx.Request.ReadFormAsync(ctx.RequestAborted) : null;
                if (form == null || !form.TryGetValue("Body", out var b))
                {
                    await WriteError(ctx, 21619, "A text message body or media urls must be specified.", 400);
                    return;
                }
                if (b.ToString().Length != 0)
                {
                    await WriteError(ctx, 20009, "Message body can only be updated to an empty string (redaction).", 400);
                    return;
                }
                msg.Body = "";
                msg.DateUpdated = _emu.Clock.UtcNow;
                await Entra.WriteJson(ctx, 200, ToJson(msg));
                return;
            case "DELETE":
                msg.Deleted = true;
                ctx.Response.StatusCode = 204;
                return;
            default:
                await WriteError(ctx, 20004, "Method not allowed", 405);
                return;
        }
    }

    public JsonArray DumpMessages()
    {
        var a = new JsonArray();
        foreach (var m in _messages.Values.OrderBy(m => m.DateCreated))
        {
            var o = ToJson(m);
            o["deleted"] = m.Deleted;
            a.Add(o);
        }
        return a;
    }
}
