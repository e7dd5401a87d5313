using System.Net;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Emulator.Tests;

/// <summary>The contract the rest of the project relies on: CLI, token endpoint, phone methods, control API.</summary>
public sealed class FirstSliceTests : EmulatorTest
{
    public FirstSliceTests(DemoEmulator f) : base(f) { }

    [Fact]
    public async Task ClientCredentials_IssuesRs256GraphToken()
    {
        var (resp, body) = await PostForm($"/{Demo.Domain}/oauth2/v2.0/token",
            ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("Bearer", body!["token_type"]!.GetValue<string>());
        int expiresIn = body["expires_in"]!.GetValue<int>();
        Assert.InRange(expiresIn, 3600, 5399);
        Assert.Equal(expiresIn, body["ext_expires_in"]!.GetValue<int>());
        var jwt = body["access_token"]!.GetValue<string>();
        var header = JsonNode.Parse(Convert.FromBase64String(Pad(jwt.Split('.')[0])))!;
        Assert.Equal("RS256", header["alg"]!.GetValue<string>());
        var p = Payload(jwt);
        Assert.Equal("https://graph.microsoft.com", p["aud"]!.GetValue<string>());
        Assert.Equal($"https://sts.windows.net/{Demo.TenantId}/", p["iss"]!.GetValue<string>());
        Assert.Equal(Demo.TenantId, p["tid"]!.GetValue<string>());
        Assert.Equal(Demo.SyncAppId, p["appid"]!.GetValue<string>());
        Assert.Equal(new[] { "User.Read.All", "UserAuthMethod-Phone.ReadWrite.All" }, p["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", p["oid"]!.GetValue<string>());
        long exp = p["exp"]!.GetValue<long>(), iat = p["iat"]!.GetValue<long>(), nbf = p["nbf"]!.GetValue<long>();
        Assert.True(nbf <= DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(iat, nbf);
        Assert.InRange(exp - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), expiresIn - 5, expiresIn + 5);
        Assert.Null(p["scp"]);
        Assert.Equal("no-store, no-cache", Header(resp, "Cache-Control"));
    }

    private static string Pad(string s) { s = s.Replace('-', '+').Replace('_', '/'); return s + new string('=', (4 - s.Length % 4) % 4); }

    [Fact]
    public async Task ClientCredentials_WrongSecret_Is401_7000215()
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/token",
            ("client_id", Demo.SyncAppId), ("client_secret", "not-the-secret"), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 7000215);
    }

    [Fact]
    public async Task ClientCredentials_UnknownApp_Is400_700016()
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/token",
            ("client_id", Guid.NewGuid().ToString()), ("client_secret", "x"), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "unauthorized_client", 700016);
    }

    [Fact]
    public async Task ClientCredentials_UnknownTenant_Is400_90002()
    {
        var (resp, body) = await PostForm("/fabrikam.onmicrosoft.com/oauth2/v2.0/token",
            ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_request", 90002);
    }

    [Theory]
    [InlineData("https://graph.microsoft.com/User.Read.All")]
    [InlineData("User.Read")]
    [InlineData("https://graph.microsoft.com/.default openid")]
    public async Task ClientCredentials_BadScope_Is400_70011(string scope)
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/token",
            ("client_id", Demo.SyncAppId), ("client_secret", Demo.SyncAppSecret), ("scope", scope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.BadRequest, "invalid_scope", 70011);
    }

    [Fact]
    public async Task ClientCredentials_MissingSecret_Is401_7000218()
    {
        var (resp, body) = await PostForm($"/{Demo.TenantId}/oauth2/v2.0/token",
            ("client_id", Demo.SyncAppId), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        AssertAadError(resp, body, HttpStatusCode.Unauthorized, "invalid_client", 7000218);
    }

    [Fact]
    public async Task PhoneMethods_ListByNonAsciiUpn_ReturnsFixedIds()
    {
        var token = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{UpnPath(Demo.ZoeUpn)}/authentication/phoneMethods", token);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Contains("/v1.0/$metadata#users(", body!["@odata.context"]!.GetValue<string>());
        var m = Assert.Single(body["value"]!.AsArray())!;
        Assert.Equal(Demo.MobileId, m["id"]!.GetValue<string>());
        Assert.Equal("+46 701234567", m["phoneNumber"]!.GetValue<string>());
        Assert.Equal("mobile", m["phoneType"]!.GetValue<string>());
        Assert.Equal("ready", m["smsSignInState"]!.GetValue<string>());
        Assert.True(Guid.TryParse(Header(resp, "request-id"), out _));
        Assert.Equal(Header(resp, "request-id"), Header(resp, "client-request-id"));
    }

    [Fact]
    public async Task Graph_NoToken_Is401_InvalidAuthenticationToken()
    {
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", null);
        AssertGraphError(resp, body, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
        Assert.StartsWith("Bearer", Header(resp, "WWW-Authenticate"));
    }

    [Fact]
    public async Task Graph_UnknownUser_Is404_Request_ResourceNotFound()
    {
        var token = await AppToken();
        var (resp, body) = await Graph(HttpMethod.Get, "/v1.0/users/nobody%40contoso.com/authentication/phoneMethods", token);
        AssertGraphError(resp, body, HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [Fact]
    public async Task Graph_MissingRole_Is403_Authorization_RequestDenied()
    {
        var token = await AppToken(Demo.ReaderAppId, Demo.ReaderAppSecret);
        var (resp, body) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", token);
        AssertGraphError(resp, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }

    [Fact]
    public async Task Graph_ClientRequestIdIsEchoed()
    {
        var token = await AppToken();
        var crid = Guid.NewGuid().ToString();
        var (resp, _) = await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", token,
            headers: new() { ["client-request-id"] = crid });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(crid, Header(resp, "client-request-id"));
        Assert.NotEqual(crid, Header(resp, "request-id"));
    }

    [Fact]
    public async Task Control_StateCountersResetAndSeed()
    {
        var token = await AppToken();
        await Graph(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods", token);
        var counters = await Emu.Control.GetCountersAsync();
        Assert.Equal(1, counters["byRoute"]!["graph:phoneMethods.list"]!["200"]!.GetValue<long>());
        Assert.Equal(1, counters["byRoute"]!["entra:token"]!["200"]!.GetValue<long>());
        Assert.Equal(1, counters["resourceUnits"]![$"{Demo.SyncAppId}/{Demo.TenantId}"]!.GetValue<long>());

        var state = await Emu.Control.GetStateAsync();
        var tenant = state["tenants"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == Demo.TenantId)!;
        Assert.Equal(6, tenant["users"]!.AsArray().Count);
        var syncApp = tenant["apps"]!.AsArray().Single(a => a!["clientId"]!.GetValue<string>() == Demo.SyncAppId)!;
        Assert.Null(syncApp["secrets"]![0]!["value"]); // secrets never dumped unless asked

        var added = await Emu.Control.SeedAsync("""
            {"tenants":[{"id":"11111111-2222-4333-8444-555555555555","domains":["fabrikam.onmicrosoft.com"],
              "apps":[{"clientId":"22222222-3333-4444-8555-666666666666","secrets":["s3cret"],"applicationPermissions":["UserAuthenticationMethod.Read.All"]}],
              "users":[{"userPrincipalName":"ann@fabrikam.com","phoneMethods":[{"phoneType":"office","phoneNumber":"+1 4255550100"}]}]}]}
            """);
        Assert.Equal("11111111-2222-4333-8444-555555555555", added!["tenants"]![0]!["id"]!.GetValue<string>());
        var (r2, b2) = await PostForm("/fabrikam.onmicrosoft.com/oauth2/v2.0/token",
            ("client_id", "22222222-3333-4444-8555-666666666666"), ("client_secret", "s3cret"), ("scope", Demo.GraphScope), ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        var (r3, b3) = await Graph(HttpMethod.Get, "/v1.0/users/ann%40fabrikam.com/authentication/phoneMethods", b2!["access_token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, r3.StatusCode);
        Assert.Equal(Demo.OfficeId, b3!["value"]![0]!["id"]!.GetValue<string>());

        await Emu.Control.ResetAsync();
        var after = await Emu.Control.GetStateAsync();
        Assert.Single(after["tenants"]!.AsArray());
        var c2 = await Emu.Control.GetCountersAsync();
        Assert.Empty(c2["resourceUnits"]!.AsObject());
    }
}

/// <summary>Command line: --help, port 0 printing, clean SIGTERM, TLS, no secrets in logs.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Help_DocumentsEveryFlag()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(EmulatorProcess.LocateEmulator());
        psi.ArgumentList.Add("--help");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        foreach (var flag in new[] { "--port", "--https-port", "--tls-cert", "--tls-key", "--tenant", "--seed", "--token-lifetime", "--identity-header",
                     "--latency", "--latency-dist", "--fault-rate", "--reset-rate", "--stall-rate", "--throttle-rate", "--token-outage-rate",
                     "--ru-limit", "--write-limit", "--batch-order", "--log-requests", "--twilio-ca", "--signing-key", "--global-limit", "--help" })
            Assert.Contains(flag, text);
    }

    [Fact]
    public void UnknownFlag_ExitsWith2()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(EmulatorProcess.LocateEmulator());
        psi.ArgumentList.Add("--no-such-flag");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--no-such-flag", err);
    }

    [Fact]
    public async Task PortZero_PrintsOneLinePerListener_ThenReady_AndExitsCleanlyOnSigterm()
    {
        var tls = TestCerts.Directory();
        var emu = EmulatorProcess.Start(new[] { "--tenant", EmulatorProcess.DemoTenantPath, "--log-requests" }, tls);
        try
        {
            Assert.NotEqual(0, emu.BaseUrl.Port);
            Assert.Equal("127.0.0.1", emu.BaseUrl.Host);
            Assert.NotNull(emu.HttpsBaseUrl);
            var lines = emu.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal($"mfaphone-emulator listening on http://127.0.0.1:{emu.BaseUrl.Port}", lines[0]);
            Assert.Equal($"mfaphone-emulator listening on https://127.0.0.1:{emu.HttpsBaseUrl!.Port}", lines[1]);
            Assert.Equal("mfaphone-emulator ready", lines[2]);

            using var https = emu.CreateHttpClient(https: true);
            var resp = await https.PostAsync($"/{Demo.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = Demo.SyncAppId, ["client_secret"] = Demo.SyncAppSecret, ["scope"] = Demo.GraphScope, ["grant_type"] = "client_credentials",
            }));
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            var token = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();

            // HTTP/2 over TLS (ALPN), as Graph speaks it
            using var h2 = emu.CreateHttpClient(https: true);
            using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1.0/users/{Demo.ZoeId}/authentication/phoneMethods")
            {
                Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            req.Headers.Authorization = new("Bearer", token);
            var r2 = await h2.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
            Assert.Equal(HttpVersion.Version20, r2.Version);

            // An untrusted client (no test CA) must fail the TLS handshake.
            using var plain = new HttpClient { BaseAddress = emu.HttpsBaseUrl };
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"/{Demo.TenantId}/discovery/v2.0/keys"));

            // a Slack webhook path is a secret: never logged
            await https.PostAsync("/slack/services/T0001/B0001/SlackSecretPath123", new StringContent("{\"text\":\"x\"}", System.Text.Encoding.UTF8, "application/json"));
            // nor are Teams sig values, Twilio credentials or query strings
            await https.PostAsync("/teams/workflows/demo?sig=demo-workflow-sig", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

            Assert.True(emu.Stop(TimeSpan.FromSeconds(10)), "emulator did not exit on SIGTERM");
            Assert.Equal(0, emu.ExitCode);
            var log = emu.Output;
            Assert.DoesNotContain(Demo.SyncAppSecret, log);
            Assert.DoesNotContain(token, log);
            Assert.DoesNotContain(token[..40], log);
            Assert.Contains("POST /" + Demo.TenantId + "/oauth2/v2.0/token 200", log);
            Assert.DoesNotContain("SlackSecretPath123", log);
            Assert.Contains("POST /slack/services/REDACTED 200", log);
            Assert.DoesNotContain("demo-workflow-sig", log);
        }
        finally { emu.Dispose(); }
    }

    [Fact]
    public void Fixture_FailsClearly_WhenEmulatorPathIsWrong()
    {
        var old = Environment.GetEnvironmentVariable("MFAPHONE_EMULATOR");
        try
        {
            Environment.SetEnvironmentVariable("MFAPHONE_EMULATOR", "/nonexistent/mfaphone-emulator.dll");
            var e = Assert.Throws<FileNotFoundException>(() => EmulatorProcess.LocateEmulator());
            Assert.Contains("MFAPHONE_EMULATOR", e.Message);
        }
        finally { Environment.SetEnvironmentVariable("MFAPHONE_EMULATOR", old); }
    }
}

/// <summary>Test CA and server certificate: MFAPHONE_TLS_DIR, build/tls, or generated with gen-test-certs.sh.</summary>
public static class TestCerts
{
    private static readonly Lazy<string> Dir = new(Create);

    public static string Directory() => Dir.Value;

    private static string Create()
    {
        var env = Environment.GetEnvironmentVariable("MFAPHONE_TLS_DIR");
        string[] files = { "ca.pem", "server.pem", "server.key", "client.pem", "client.key", "signing.key" };
        if (!string.IsNullOrEmpty(env) && files.All(f => File.Exists(Path.Combine(env, f)))) return env;
        var emuDll = EmulatorProcess.LocateEmulator();
        var script = FindScript(emuDll);
        // gen-test-certs.sh only adds what is missing (e.g. signing.key in an older MFAPHONE_TLS_DIR)
        var dir = !string.IsNullOrEmpty(env) && System.IO.Directory.Exists(env) ? env : Path.Combine(Path.GetTempPath(), "mfaphone-emulator-tests-tls");
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(dir);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("gen-test-certs.sh failed: " + err);
        return dir;
    }

    private static string FindScript(string emuDll)
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null)
        {
            var s = Path.Combine(d.FullName, "emulator", "gen-test-certs.sh");
            if (File.Exists(s)) return s;
            d = d.Parent;
        }
        d = new DirectoryInfo(Path.GetDirectoryName(emuDll)!);
        while (d != null)
        {
            var s = Path.Combine(d.FullName, "emulator", "gen-test-certs.sh");
            if (File.Exists(s)) return s;
            d = d.Parent;
        }
        throw new FileNotFoundException("emulator/gen-test-certs.sh not found; set MFAPHONE_TLS_DIR");
    }
}
