using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>Holds every service of the emulator; one instance per process.</summary>
public sealed class Emu : IDisposable
{
    public EmulatorOptions Options { get; }
    public World World { get; } = new();
    public Rng Rng { get; }
    public Clock Clock { get; } = new();
    public TokenService Tokens { get; }
    public Counters Counters { get; } = new();
    public Throttler Throttler { get; }
    public FaultInjector Faults { get; }
    public DeviceCodes DeviceCodes { get; } = new();
    public AssertionReplayCache Assertions { get; } = new();
    public RefreshTokens RefreshTokens { get; } = new();
    public TwilioService Twilio { get; }
    public Receivers Receivers { get; }
    public AutomationService Automation { get; }
    public string GraphResource { get; }

    /// <param name="tokens">The token-signing key; null = from <c>--signing-key</c>, else a fresh one.</param>
    public Emu(EmulatorOptions options, TokenService? tokens = null)
    {
        Options = options;
        Tokens = tokens ?? (options.SigningKeyFile != null ? TokenService.FromPemFile(options.SigningKeyFile) : new TokenService());
        Rng = new Rng(options.Seed);
        Throttler = new Throttler(options.Throttle, () => Clock.MonotonicSeconds);
        Faults = new FaultInjector(options.Faults, Rng, Counters);
        Twilio = new TwilioService(this);
        Receivers = new Receivers(this);
        Automation = new AutomationService(this);
        GraphResource = Clouds.GraphResource(options.Cloud)!;
    }

    /// <summary>Loads the --tenant files (also used by POST /control/reset).</summary>
    public void LoadStartupSeed()
    {
        foreach (var f in Options.TenantFiles)
        {
            var node = JsonNode.Parse(File.ReadAllText(f)) ?? throw new SeedException($"{f} is empty");
            Seed.Load(World, node, Rng);
        }
    }

    /// <summary>Back to the state right after start: seed files reloaded, counters, budgets,
    /// faults, clock and recorded posts cleared.</summary>
    public void Reset(bool reseed = true)
    {
        World.Clear();
        Rng.Reset();
        Clock.Reset();
        Counters.Reset();
        Throttler.Reset();
        Faults.Reset();
        DeviceCodes.Clear();
        Assertions.Clear();
        RefreshTokens.Clear();
        Twilio.Clear();
        Receivers.Clear();
        Automation.Clear();
        if (reseed) LoadStartupSeed();
    }

    /// <summary>Access-token lifetime: fixed by --token-lifetime or random 60–90 minutes.</summary>
    public int NextTokenLifetime() => Options.TokenLifetime ?? Rng.Next(3600, 5400);

    public string NewRequestId() => Rng.NextGuid().ToString();

    public void Dispose() => Tokens.Dispose();
}
