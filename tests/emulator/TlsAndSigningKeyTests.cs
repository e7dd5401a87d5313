using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>Four emulators, all with the demo tenant and an HTTPS listener (test CA), started in parallel:
/// <list type="bullet">
/// <item>TrustsTestCa: <c>--twilio-ca ca.pem --signing-key signing.key</c></item>
/// <item>SystemStoreOnly: <c>--signing-key signing.key</c> (no extra CA)</item>
/// <item>WrongCa: <c>--twilio-ca client.pem</c> (a certificate that did not issue the server's)</item>
/// <item>FreshKey: nothing extra</item>
/// </list></summary>
public sealed class TlsAndKeyEmulators : IDisposable
{
    public string TlsDir { get; } = TestCerts.Directory();
    public EmulatorProcess TrustsTestCa { get; }
    public EmulatorProcess SystemStoreOnly { get; }
    public EmulatorProcess WrongCa { get; }
    public EmulatorProcess FreshKey { get; }

    public TlsAndKeyEmulators()
    {
        string ca = Path.Combine(TlsDir, "ca.pem"), key = Path.Combine(TlsDir, "signing.key"), client = Path.Combine(TlsDir, "client.pem");
        var starts = new[]
        {
            new[] { "--twilio-ca", ca, "--signing-key", key, "--seed", "5" },
            new[] { "--signing-key", key, "--seed", "5" },
            new[] { "--twilio-ca", client, "--seed", "5" },
            new[] { "--seed", "5" },
        }.Select(extra => Task.Run(() => EmulatorProcess.Start(new[] { "--tenant", EmulatorProcess.DemoTenantPath }.Concat(extra), TlsDir))).ToArray();
        try { Task.WaitAll(starts); }
        catch (AggregateException)
        {
            foreach (var t in starts) if (t.IsCompletedSuccessfully) t.Result.Dispose();
            throw;
        }
        (TrustsTestCa, SystemStoreOnly, WrongCa, FreshKey) = (starts[0].Result, starts[1].Result, starts[2].Result, starts[3].Result);
    }

    public void Dispose()
    {
        foreach (var e in new[] { TrustsTestCa, SystemStoreOnly, WrongCa, FreshKey }) e.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TlsAndKeyCollection : ICollectionFixture<TlsAndKeyEmulators>
{
    public const string Name = "TLS and signing-key emulators";
}

[Collection(TlsAndKeyCollection.Name)]
public sealed class TwilioTlsTests
{
    private readonly TlsAndKeyEmulators _f;

    public TwilioTlsTests(TlsAndKeyEmulators f) => _f = f;

    /// <summary>Makes the emulator act as Twilio towards its own HTTPS Slack receiver (it answers 200
    /// "ok" as text to a form with a <c>payload</c>), so a delivery proves the TLS handshake.</summary>
    private static async Task<JsonNode> SendToOwnHttps(EmulatorProcess emu, string text)
    {
        await emu.Control.ResetAsync();
        var url = new Uri(emu.HttpsBaseUrl!, "/slack/services/T0TLS/B0TLS/tlscheck").ToString();
        return await emu.Control.SendSmsAsync(new
        {
            to = "+15005550006", url,
            rawParams = new Dictionary<string, string> { ["payload"] = new JsonObject { ["text"] = text }.ToJsonString() },
        });
    }

    [Fact]
    public async Task WithTwilioCa_HttpsWebhookSignedByTheTestCa_IsDelivered()
    {
        var r = await SendToOwnHttps(_f.TrustsTestCa, "delivered over TLS");
        Assert.True(r["status"]?.GetValue<int>() == 200, r.ToJsonString());
        Assert.Null(r["errorCode"]);
        Assert.Equal("ok", r["responseBody"]!.GetValue<string>());
        var posts = await _f.TrustsTestCa.Control.GetSlackPostsAsync();
        Assert.Contains(posts, p => p!.ToJsonString().Contains("delivered over TLS"));
    }

    [Fact]
    public async Task ByDefault_TestCaIsNotTrusted_ConnectionRefusedWith11237()
    {
        var r = await SendToOwnHttps(_f.SystemStoreOnly, "must not arrive");
        Assert.Null(r["status"]);
        Assert.Equal(11237, r["errorCode"]!.GetValue<int>());
        Assert.Contains("Could not find path to certificate", r["error"]!.GetValue<string>());
        Assert.Empty(await _f.SystemStoreOnly.Control.GetSlackPostsAsync());
        var deliveries = await _f.SystemStoreOnly.Control.SendAsync(HttpMethod.Get, "/control/twilio/deliveries", null);
        Assert.Contains("11237", deliveries!.ToJsonString());
    }

    [Fact]
    public async Task TwilioCa_TrustsOnlyTheIssuerGiven_NotAnyCertificate()
    {
        var r = await SendToOwnHttps(_f.WrongCa, "must not arrive either");
        Assert.Null(r["status"]);
        Assert.Equal(11237, r["errorCode"]!.GetValue<int>());
        Assert.Empty(await _f.WrongCa.Control.GetSlackPostsAsync());
    }

    [Fact]
    public async Task PlainHttpWebhook_IsUnaffected()
    {
        using var target = new WebhookTarget();
        var r = await _f.SystemStoreOnly.Control.SendSmsAsync(new { to = "+15005550006", body = "plain", url = target.Url });
        Assert.Equal(200, r["status"]!.GetValue<int>());
        Assert.Single(target.Received);
    }

    [Fact]
    public void UnreadableTwilioCa_ExitsWith2()
    {
        var (code, err) = SigningKeyTests.RunEmulator("--twilio-ca", Path.Combine(_f.TlsDir, "does-not-exist.pem"));
        Assert.Equal(2, code);
        Assert.Contains("--twilio-ca", err);
    }
}

[Collection(TlsAndKeyCollection.Name)]
public sealed class SigningKeyTests
{
    private readonly TlsAndKeyEmulators _f;

    public SigningKeyTests(TlsAndKeyEmulators f) => _f = f;

    private static async Task<string> Jwks(EmulatorProcess emu)
    {
        using var http = emu.CreateHttpClient();
        return await http.GetStringAsync($"/{Demo.TenantId}/discovery/v2.0/keys");
    }

    private static async Task<string> AppToken(EmulatorProcess emu)
    {
        using var http = emu.CreateHttpClient();
        var resp = await http.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
        }));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
    }

    private static async Task<HttpStatusCode> GraphStatus(EmulatorProcess emu, string token)
    {
        using var http = emu.CreateHttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods");
        req.Headers.Authorization = new("Bearer", token);
        using var resp = await http.SendAsync(req);
        return resp.StatusCode;
    }

    private static byte[] B64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    [Fact]
    public async Task SameSigningKey_SameJwksBytes_AndTokensOfOneRunVerifyInTheOther()
    {
        var a = await Jwks(_f.TrustsTestCa);
        var b = await Jwks(_f.SystemStoreOnly);
        Assert.Equal(a, b);

        // the published key is the file's key
        using var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(_f.TlsDir, "signing.key")));
        var jwk = JsonNode.Parse(a)!["keys"]![0]!;
        Assert.Equal(rsa.ExportParameters(false).Modulus, B64Url(jwk["n"]!.GetValue<string>()));

        var token = await AppToken(_f.TrustsTestCa);
        Assert.Equal(HttpStatusCode.OK, await GraphStatus(_f.SystemStoreOnly, token));
        var header = JsonNode.Parse(B64Url(token.Split('.')[0]))!;
        Assert.Equal(jwk["kid"]!.GetValue<string>(), header["kid"]!.GetValue<string>());

        // the signature is over the token's own bytes with the file's key (RS256 is deterministic)
        var parts = token.Split('.');
        var expected = rsa.SignData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.Equal(expected, B64Url(parts[2]));
    }

    [Fact]
    public async Task WithoutSigningKey_EveryStartMakesAFreshKey()
    {
        var fresh = await Jwks(_f.FreshKey);
        var other = await Jwks(_f.WrongCa); // also started without --signing-key
        var withFile = await Jwks(_f.TrustsTestCa);
        Assert.NotEqual(fresh, other);
        Assert.NotEqual(fresh, withFile);
        var token = await AppToken(_f.FreshKey);
        Assert.Equal(HttpStatusCode.OK, await GraphStatus(_f.FreshKey, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await GraphStatus(_f.WrongCa, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await GraphStatus(_f.TrustsTestCa, token));
    }

    [Fact]
    public async Task SigningKey_SurvivesControlReset()
    {
        var before = await Jwks(_f.SystemStoreOnly);
        await _f.SystemStoreOnly.Control.ResetAsync();
        Assert.Equal(before, await Jwks(_f.SystemStoreOnly));
    }

    [Theory]
    [InlineData("server.pem")]        // a certificate, not a key
    [InlineData("missing.key")]
    public void UnusableSigningKey_ExitsWith2(string file)
    {
        var (code, err) = RunEmulator("--signing-key", Path.Combine(_f.TlsDir, file));
        Assert.Equal(2, code);
        Assert.Contains("--signing-key", err);
        Assert.DoesNotContain("BEGIN", err); // never echoes the file
    }

    [Fact]
    public void SmallSigningKey_ExitsWith2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mfaphone-small-{Environment.ProcessId}.key");
        using (var small = RSA.Create(1024)) File.WriteAllText(path, small.ExportRSAPrivateKeyPem());
        try
        {
            var (code, err) = RunEmulator("--signing-key", path);
            Assert.Equal(2, code);
            Assert.Contains("1024 bits", err);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void GenTestCerts_WritesAPrivateSigningKey_AndIsIdempotent()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mfaphone-gen-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            RunScript(dir);
            var names = new[] { "ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key", "signing.key" };
            var first = names.ToDictionary(n => n, n => File.ReadAllBytes(Path.Combine(dir, n)));
            Assert.Contains("PRIVATE KEY-----", Encoding.ASCII.GetString(first["signing.key"]));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "signing.key")));
            using (var rsa = RSA.Create())
            {
                rsa.ImportFromPem(Encoding.ASCII.GetString(first["signing.key"]));
                Assert.True(rsa.KeySize >= 2048);
            }
            RunScript(dir);
            foreach (var n in names) Assert.Equal(first[n], File.ReadAllBytes(Path.Combine(dir, n)));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    private static void RunScript(string dir)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(ThrottlingFlagTests.RepoFile("emulator/gen-test-certs.sh"));
        psi.ArgumentList.Add(dir);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "gen-test-certs.sh failed: " + err);
    }

    /// <summary>Runs the emulator with the given arguments until it exits (for start-up failures).</summary>
    internal static (int code, string stderr) RunEmulator(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(EmulatorProcess.LocateEmulator());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(20_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("the emulator did not exit: " + outTask.Result);
        }
        return (p.ExitCode, errTask.Result);
    }
}
