using System.Globalization;

namespace MfaPhone.Emulator;

/// <summary>Command-line options. Every flag is documented in <see cref="HelpText"/> and README.md.</summary>
public sealed class EmulatorOptions
{
    public int Port { get; set; }
    public int? HttpsPort { get; set; }
    public string? TlsCert { get; set; }
    public string? TlsKey { get; set; }
    public List<string> TenantFiles { get; } = new();
    public int? Seed { get; set; }
    /// <summary>Fixed access-token lifetime in seconds; null = random 3600–5399 s like Entra ID.</summary>
    public int? TokenLifetime { get; set; }
    public string IdentityHeader { get; set; } = "emulator-identity-header";
    public string Cloud { get; set; } = "Global";
    public int ClockSkewSeconds { get; set; }
    public bool LogRequests { get; set; }
    public int Http2MaxStreams { get; set; } = 100;
    public string BatchOrder { get; set; } = "shuffle";
    public int DeviceCodeInterval { get; set; } = 5;
    public int DeviceCodeExpiresIn { get; set; } = 900;

    // Throttling (graph.md "identity and access service limits"); null = documented default.
    public ThrottleSettings Throttle { get; } = new();
    // Latency and faults.
    public FaultSettings Faults { get; } = new();

    public int TeamsMaxBytes { get; set; } = 28 * 1024;
    public int SlackMaxBytes { get; set; } = 40 * 1024;
    public double SlackRatePerSecond { get; set; } = 1.0;
    public int SlackBurst { get; set; } = 10;
    public int TwilioTimeoutSeconds { get; set; } = 15;
    /// <summary>PEM files of extra CA certificates the Twilio emulator trusts for HTTPS webhook
    /// targets (on top of the system store); empty = system store only, as real Twilio.</summary>
    public List<string> TwilioCaFiles { get; } = new();
    /// <summary>PEM RSA private key to sign tokens with; null = a fresh key per start.</summary>
    public string? SigningKeyFile { get; set; }

    public bool ShowHelp { get; private set; }

    public const string HelpText = """
Usage: mfaphone-emulator [options]

A local stand-in for Entra ID (token, device code, managed identity, IMDS, OpenID
metadata), Microsoft Graph (users, phone methods, $batch, throttling), Twilio
(signed inbound webhooks, Messages REST) and Teams Workflows / Slack receivers.
Everything listens on 127.0.0.1; services are told apart by path.

Serving
  --port N                  HTTP port on 127.0.0.1 (0 = pick a free port). Default 0.
  --https-port N            Also serve HTTPS on this port (0 = free port). Needs --tls-cert/--tls-key.
  --tls-cert FILE           PEM server certificate (see gen-test-certs.sh).
  --tls-key FILE            PEM private key of the server certificate.
  --h2-max-streams N        HTTP/2 concurrent streams per connection. Default 100.
  --log-requests            Log "METHOD path status ms" to stderr (no query strings,
                            headers or bodies, so no secrets).

State
  --tenant FILE             Seed from a JSON file (repeatable; a file may hold several
                            tenants). Format: README.md. /control/reset restores these.
  --seed N                  Make all randomness deterministic (ids, token lifetimes,
                            faults, latency, batch order, generated tenants). The token-
                            signing key is not covered: see --signing-key.

Entra ID
  --signing-key FILE        PEM RSA private key (2048 bits or more) that signs access tokens;
                            its JWKS entry (kid, x5t, certificate) is derived from it, so
                            keys, signatures and tokens repeat across runs. Without it a
                            fresh key is made on every start. gen-test-certs.sh writes one
                            (signing.key).
  --token-lifetime SECONDS  Access-token lifetime (default: random 3600-5399 s, as Entra).
  --clock-skew SECONDS      Tolerance when Graph checks token expiry. Default 0.
  --identity-header VALUE   Value required in X-IDENTITY-HEADER at /msi/token.
                            Default "emulator-identity-header".
  --cloud NAME              Global | USGov | USGovDoD | China: which Graph resource id
                            tokens are issued for and accepted. Default Global.
  --device-code-interval S  Polling interval returned by /devicecode. Default 5.
  --device-code-expires S   Device code lifetime. Default 900.

Graph
  --batch-order MODE        Order of $batch responses: shuffle | reverse | request. Default shuffle.

Throttling (documented defaults; each number is also settable with POST /control/throttling,
under the name in brackets; /control/reset restores the values given here)
  --ru-window SECONDS       RU window per app per tenant. Default 10. [ruWindowSeconds]
  --ru-limit N              Force one RU limit for every tenant size (default: by tier). [ruLimit]
  --ru-limit-small N        RU limit of small tenants. Default 3500. [ruLimitSmall]
  --ru-limit-medium N       RU limit of medium tenants. Default 5000. [ruLimitMedium]
  --ru-limit-large N        RU limit of large tenants. Default 8000. [ruLimitLarge]
  --ru-tier-medium-from N   Users from which a tenant is medium (fewer: small). Default 50.
                            [ruTierMediumFrom]
  --ru-tier-large-above N   Users above which a tenant is large. Default 500. [ruTierLargeAbove]
  --cost-users-get N        RU of GET /users (list, one user, delta, $count). Default 2. [costUsersGet]
  --cost-get N              RU of any other GET. Default 1. [costGet]
  --cost-write N            RU of a POST/PATCH/PUT/DELETE. Default 1. [costWrite]
  --cost-write-quota N      Write-quota units one write uses. Default 1. [costWriteQuota]
  --cost-select N           Added to the cost with $select. Default -1. [costSelect]
  --cost-expand N           Added with $expand. Default 1. [costExpand]
  --cost-small-top N        Added when $top is below --small-top-below. Default -1. [costSmallTop]
  --small-top-below N       Default 20. [smallTopBelow]
  --cost-minimum N          A request never costs less. Default 1. [costMinimum]
  --write-limit N           Writes per app per tenant per write window. Default 3000. [writeLimit]
  --write-window SECONDS    Default 150. [writeWindowSeconds]
  --tenant-write-limit N    Writes per tenant across apps per window. Default 18000. [tenantWriteLimit]
  --tenant-write-window S   Default 300. [tenantWriteWindowSeconds]
  --app-ru-limit N          RU per app across all tenants per app window. Default 150000. [appLimit]
  --app-ru-window S         Default 20. [appWindowSeconds]
  --app-write-limit N       Writes per app across all tenants per window. Default 70000. [appWriteLimit]
  --app-write-window S      Default 300. [appWriteWindowSeconds]
  --global-limit N          Graph's global limit: requests per app across all tenants (any
                            method; each $batch item counts). Default 130000. [globalLimit]
  --global-window S         Default 10. [globalWindowSeconds]
  --limit-percentage-threshold F
                            Fraction of a budget used from which responses carry
                            x-ms-throttle-limit-percentage. Default 0.8. [limitPercentageThreshold]
  --no-throttling           Disable every budget above. [enabled]

Latency and faults (each also settable with POST /control/faults)
  --latency MS              Fixed added latency for Graph and token requests.
  --latency-dist SPEC       uniform:MIN:MAX | normal:MEAN:SD | exp:MEAN (milliseconds).
  --fault-rate R            Fraction (0..1) of Graph requests answered 500/503/504.
  --fault-statuses LIST     Statuses used by --fault-rate. Default 500,503,504.
  --reset-rate R            Fraction of Graph requests whose connection is reset.
  --stall-rate R            Fraction of Graph requests that stall for --stall-ms first.
  --stall-ms MS             Stall length. Default 120000.
  --throttle-rate R         Fraction of Graph requests answered 429 (a "429 storm").
  --token-outage-rate R     Fraction of token-endpoint requests answered 503.
  --token-outage SECONDS    Token endpoint answers 503 for the first SECONDS after start
                            (an outage window; POST /control/faults tokenOutageSeconds).
  --storm SECONDS           Graph answers every request 429 for the first SECONDS after start
                            (a 429 storm; POST /control/faults stormSeconds).
  --storm-retry-after S     Retry-After of storm and scripted 429s. Default 2.5.
  --fault-scope SCOPE       graph | entra | all: where --fault-rate/--reset-rate/--stall-rate
                            apply. Default graph.

Teams / Slack / Twilio
  --teams-max-bytes N       Workflows payload limit. Default 28672.
  --slack-max-bytes N       Slack payload limit. Default 40960.
  --slack-rate R            Slack messages per second per webhook. Default 1.
  --slack-burst N           Slack burst allowance. Default 10.
  --twilio-timeout S        How long the Twilio emulator waits for a webhook answer. Default 15.
  --twilio-ca FILE          Also trust the CA certificates in this PEM file (repeatable) when
                            the Twilio emulator posts to an HTTPS webhook, e.g. the test CA
                            build/tls/ca.pem. Without it only the system store is trusted, as
                            by real Twilio: an untrusted or mismatched certificate is a
                            connection failure (11205).

  --help                    Show this text.

On start it prints one line per listener, "mfaphone-emulator listening on URL",
then "mfaphone-emulator ready". SIGTERM / SIGINT stop it cleanly.
""";

    public static EmulatorOptions Parse(string[] args)
    {
        var o = new EmulatorOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? inlineValue = null;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='))
            {
                int eq = a.IndexOf('=');
                inlineValue = a[(eq + 1)..];
                a = a[..eq];
            }
            string Next()
            {
                if (inlineValue != null) return inlineValue;
                if (i + 1 >= args.Length) throw new ArgumentException($"option {a} needs a value");
                return args[++i];
            }
            int NextInt() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v : throw new ArgumentException($"option {a} needs an integer");
            double NextDouble() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v : throw new ArgumentException($"option {a} needs a number");
            double NextRate()
            {
                double r = NextDouble();
                if (r < 0 || r > 1) throw new ArgumentException($"option {a} needs a rate between 0 and 1");
                return r;
            }

            switch (a)
            {
                case "--help": case "-h": case "-?": o.ShowHelp = true; break;
                case "--port": o.Port = NextInt(); break;
                case "--https-port": o.HttpsPort = NextInt(); break;
                case "--tls-cert": o.TlsCert = Next(); break;
                case "--tls-key": o.TlsKey = Next(); break;
                case "--h2-max-streams": o.Http2MaxStreams = NextInt(); break;
                case "--log-requests": o.LogRequests = true; break;
                case "--tenant": o.TenantFiles.Add(Next()); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--token-lifetime":
                    o.TokenLifetime = NextInt();
                    if (o.TokenLifetime < 1) throw new ArgumentException("--token-lifetime must be >= 1");
                    break;
                case "--clock-skew": o.ClockSkewSeconds = NextInt(); break;
                case "--identity-header": o.IdentityHeader = Next(); break;
                case "--cloud":
                    o.Cloud = Next();
                    if (Clouds.GraphResource(o.Cloud) == null) throw new ArgumentException("--cloud must be Global, USGov, USGovDoD or China");
                    break;
                case "--device-code-interval": o.DeviceCodeInterval = NextInt(); break;
                case "--device-code-expires": o.DeviceCodeExpiresIn = NextInt(); break;
                case "--batch-order":
                    o.BatchOrder = Next();
                    if (o.BatchOrder is not ("shuffle" or "reverse" or "request")) throw new ArgumentException("--batch-order must be shuffle, reverse or request");
                    break;
                case "--ru-limit":
                    o.Throttle.FixedLimit = NextInt();
                    if (o.Throttle.FixedLimit < 1) throw new ArgumentException("--ru-limit must be at least 1");
                    break;
                case "--no-throttling": o.Throttle.Enabled = false; break;
                case "--latency": o.Faults.Latency = LatencySpec.Parse("fixed:" + Next()); break;
                case "--latency-dist": o.Faults.Latency = LatencySpec.Parse(Next()); break;
                case "--fault-rate": o.Faults.ErrorRate = NextRate(); break;
                case "--fault-statuses":
                    o.Faults.ErrorStatuses = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--reset-rate": o.Faults.ResetRate = NextRate(); break;
                case "--stall-rate": o.Faults.StallRate = NextRate(); break;
                case "--stall-ms": o.Faults.StallMs = NextInt(); break;
                case "--throttle-rate": o.Faults.ThrottleRate = NextRate(); break;
                case "--token-outage-rate": o.Faults.TokenOutageRate = NextRate(); break;
                case "--token-outage": o.Faults.TokenOutageUntil = DateTimeOffset.UtcNow.AddSeconds(NextDouble()); break;
                case "--storm": o.Faults.StormUntil = DateTimeOffset.UtcNow.AddSeconds(NextDouble()); break;
                case "--storm-retry-after": o.Faults.StormRetryAfter = NextDouble(); break;
                case "--fault-scope":
                    o.Faults.Scope = Next();
                    if (o.Faults.Scope is not ("graph" or "entra" or "all")) throw new ArgumentException("--fault-scope must be graph, entra or all");
                    break;
                case "--teams-max-bytes": o.TeamsMaxBytes = NextInt(); break;
                case "--slack-max-bytes": o.SlackMaxBytes = NextInt(); break;
                case "--slack-rate": o.SlackRatePerSecond = NextDouble(); break;
                case "--slack-burst": o.SlackBurst = NextInt(); break;
                case "--twilio-timeout": o.TwilioTimeoutSeconds = NextInt(); break;
                case "--twilio-ca": o.TwilioCaFiles.Add(Next()); break;
                case "--signing-key": o.SigningKeyFile = Next(); break;
                default:
                    if (ThrottleSettings.ForFlag(a) is { } tp)
                    {
                        var text = Next();
                        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                            throw new ArgumentException($"option {a} needs a number");
                        o.Throttle.Set(tp, v, "option " + a);
                        break;
                    }
                    throw new ArgumentException($"unknown option '{a}' (see --help)");
            }
        }
        o.Throttle.Validate();
        if (o.HttpsPort != null && (o.TlsCert == null || o.TlsKey == null))
            throw new ArgumentException("--https-port needs --tls-cert and --tls-key");
        return o;
    }
}

public static class Clouds
{
    public static string? GraphResource(string cloud) => cloud.ToLowerInvariant() switch
    {
        "global" => "https://graph.microsoft.com",
        "usgov" => "https://graph.microsoft.us",
        "usgovdod" => "https://dod-graph.microsoft.us",
        "china" => "https://microsoftgraph.chinacloudapi.cn",
        _ => null,
    };

    public static string LoginHost(string cloud) => cloud.ToLowerInvariant() switch
    {
        "usgov" or "usgovdod" => "https://login.microsoftonline.us",
        "china" => "https://login.chinacloudapi.cn",
        _ => "https://login.microsoftonline.com",
    };

    /// <summary>Graph's well-known application id; also accepted as token audience.</summary>
    public const string GraphAppId = "00000003-0000-0000-c000-000000000000";
}
