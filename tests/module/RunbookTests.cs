using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// A private emulator for the runbook tests: a tenant whose Automation account signs in with its
/// managed identity, and the emulator's stand-in for Automation's webhook endpoint.
/// </summary>
public sealed class RunbookFixture : IDisposable
{
    public const string Tenant = "contoso.onmicrosoft.com";
    public const string TenantGuid = "7c4a1d2e-3b5f-4a6c-8d7e-9f0a1b2c3d4e";
    public const string Identity = "a11ce5ed-5e1f-4c0d-9b7a-3c2d1e0f9a8b";
    public const string IdentityHeader = "runbook-identity-header";
    public static readonly string[] Permissions = { "User.Read.All", "UserAuthMethod-Phone.ReadWrite.All" };

    public EmulatorProcess Emulator { get; }

    public RunbookFixture()
    {
        Emulator = EmulatorProcess.Start("--seed", "23", "--identity-header", IdentityHeader);
    }

    public string Endpoint => Emulator.BaseUrl.ToString().TrimEnd('/');

    public void Dispose() => Emulator.Dispose();
}

/// <summary>
/// The runbooks of examples/runbooks run end to end in the hosted runspace as Azure Automation
/// runs them (the script at top level: a terminating error is a Failed job), with stand-ins for
/// Get-AutomationVariable, Set-AutomationVariable and Get-AutomationPSCredential, the managed
/// identity of the Automation sandbox (IDENTITY_ENDPOINT) and the emulator's webhook endpoint.
/// In the "emulator" collection: the identity variables are the process's.
/// </summary>
[Collection("emulator")]
public sealed class RunbookTests : IClassFixture<RunbookFixture>, IDisposable
{
    private const string Handshake = "Hs-runbook_9QzX2w7f3kLp4Tn8";
    private const int UserCount = 20;
    private readonly RunbookFixture _f;
    private readonly EnvironmentScope _env;
    private readonly PowerShellHarness _ps = new();

    private static string RunbookPath(string name) => Path.Combine(PowerShellHarness.RepoRoot, "examples", "runbooks", name);

    public RunbookTests(RunbookFixture f)
    {
        _f = f;
        _env = EnvironmentScope.WithoutIdentity(("IDENTITY_ENDPOINT", f.Endpoint + "/msi/token"), ("IDENTITY_HEADER", RunbookFixture.IdentityHeader));
        // The Automation cmdlets the runbooks use, and the emulator as Graph for the identity's sign-in.
        var setup = _ps.Run("""
            $global:AutomationVariables = @{ MfaPhoneHandshake = $args[0]; MfaPhoneDeltaLink = '' }
            $global:AutomationCredentials = @{}
            $global:AutomationVariableWrites = 0
            function global:Get-AutomationVariable {
                param([Parameter(Mandatory)] [string] $Name)
                if (-not $global:AutomationVariables.ContainsKey($Name)) { throw "Variable '$Name' was not found." }
                $global:AutomationVariables[$Name]
            }
            function global:Set-AutomationVariable {
                param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [object] $Value)
                if (-not $global:AutomationVariables.ContainsKey($Name)) { throw "Variable '$Name' was not found." }
                $global:AutomationVariables[$Name] = $Value
                $global:AutomationVariableWrites++
            }
            function global:Get-AutomationPSCredential {
                param([Parameter(Mandatory)] [string] $Name)
                if (-not $global:AutomationCredentials.ContainsKey($Name)) { throw "Credential '$Name' was not found." }
                $global:AutomationCredentials[$Name]
            }
            $global:PSDefaultParameterValues['Connect-MfaGraph:GraphEndpoint'] = $args[1]
            """, Handshake, f.Endpoint);
        Assert.Null(setup.Terminating);
    }

    public void Dispose()
    {
        _ps.Dispose();
        _env.Dispose();
    }

    // ---------------------------------------------------------------------------------------------

    private static string Us(int n) => $"+1 20655501{n % 100:00}";

    /// <summary>Users u0..u19: sources in national format; a third have the number already, a
    /// third another number, a third none.</summary>
    private async Task SeedAsync()
    {
        await _f.Emulator.Control.ResetAsync(empty: true);
        var users = new JsonArray();
        for (int i = 0; i < UserCount; i++)
        {
            var methods = new JsonArray();
            if (i % 3 == 1) methods.Add(Method(Us(i)));
            if (i % 3 == 2) methods.Add(Method(Us(i + 50)));
            users.Add(new JsonObject
            {
                ["userPrincipalName"] = $"u{i}@contoso.com",
                ["usageLocation"] = "US",
                ["onPremisesExtensionAttributes"] = new JsonObject { ["extensionAttribute15"] = $"(206) 555-01{i:00}" },
                ["phoneMethods"] = methods,
            });
        }
        await _f.Emulator.Control.SeedAsync(new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = RunbookFixture.TenantGuid,
                ["domains"] = new JsonArray(RunbookFixture.Tenant, "contoso.com"),
                ["users"] = users,
                ["managedIdentities"] = new JsonArray(new JsonObject
                {
                    ["clientId"] = RunbookFixture.Identity,
                    ["systemAssigned"] = true,
                    ["applicationPermissions"] = new JsonArray(RunbookFixture.Permissions.Select(p => (JsonNode)p).ToArray()),
                }),
            }),
        });
    }

    private static JsonObject Method(string number) => new() { ["phoneType"] = "mobile", ["phoneNumber"] = number };

    private async Task<string?> MobileAsync(int i)
    {
        var user = await _f.Emulator.Control.GetUserAsync(RunbookFixture.Tenant, $"u{i}@contoso.com");
        return user["phoneMethods"]!.AsArray().Where(m => (string?)m!["phoneType"] == "mobile").Select(m => (string?)m!["phoneNumber"]).SingleOrDefault();
    }

    private async Task<Dictionary<string, long>> WritesAsync()
    {
        var counters = await _f.Emulator.Control.GetCountersAsync();
        var map = new Dictionary<string, long>();
        if (counters["writesByUser"] is JsonObject o)
            foreach (var kv in o) map[kv.Key] = kv.Value!.GetValue<long>();
        return map;
    }

    private Task SetIdentityPermissionsAsync(params string[] permissions) =>
        _f.Emulator.Control.SendAsync(HttpMethod.Patch, $"/control/automation/tenants/{RunbookFixture.Tenant}/managedIdentities/{RunbookFixture.Identity}",
            new JsonObject { ["applicationPermissions"] = new JsonArray(permissions.Select(p => (JsonNode)p).ToArray()) }.ToJsonString());

    private Task ChangeSourceAsync(int i, string value) =>
        _f.Emulator.Control.SendAsync(HttpMethod.Patch, $"/control/tenants/{RunbookFixture.Tenant}/users/u{i}@contoso.com",
            new JsonObject { ["onPremisesExtensionAttributes"] = new JsonObject { ["extensionAttribute15"] = value } }.ToJsonString());

    /// <summary>Registers the runbook's webhook with the emulator; its URL carries the token.</summary>
    private async Task<string> WebhookUrlAsync() =>
        (string)(await _f.Emulator.Control.PostAsync("/control/automation/webhooks", new JsonObject { ["name"] = "mfa-sync" }))!["url"]!;

    /// <summary>The caller's side: the invoker, run as a runbook of another account, its secrets from Automation credentials.</summary>
    private PsResult Invoke(string url, string handshake, params string[] users) =>
        _ps.Run("""
            $global:AutomationCredentials['MfaPhoneWebhook'] = [pscredential]::new('webhook', [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword)
            $global:AutomationCredentials['MfaPhoneHandshake'] = [pscredential]::new('handshake', [System.Net.NetworkCredential]::new('', $args[2]).SecurePassword)
            $url = (Get-AutomationPSCredential -Name 'MfaPhoneWebhook').Password
            $hs = (Get-AutomationPSCredential -Name 'MfaPhoneHandshake').Password
            $args[0] | & $args[3] -WebhookUrl $url -Handshake $hs
            """, users, url, handshake, RunbookPath("Invoke-MfaPhoneWebhook.ps1"));

    /// <summary>The jobs the emulator's webhook endpoint queued: each one's $WebhookData as PowerShell 7 passes it.</summary>
    private async Task<List<(string Id, string WebhookData)>> JobsAsync()
    {
        var jobs = (await _f.Emulator.Control.SendAsync(HttpMethod.Get, "/control/automation/jobs", null))!["jobs"]!.AsArray();
        return jobs.Select(j => ((string)j!["id"]!, (string)j["webhookData"]!)).ToList();
    }

    /// <summary>Runs a runbook as Automation does: the script itself at top level, so only an error
    /// that ends the script (a Failed job) makes Terminating non-null.</summary>
    private PsResult RunRunbook(string name, IDictionary<string, object?>? parameters = null)
    {
        var result = new PsResult();
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddCommand(RunbookPath(name));
        foreach (var p in parameters ?? new Dictionary<string, object?>()) ps.AddParameter(p.Key, p.Value);
        ps.Streams.Error.DataAdded += (s, e) => result.Errors.Add(ps.Streams.Error[e.Index]);
        ps.Streams.Warning.DataAdded += (s, e) => result.Warning.Add(ps.Streams.Warning[e.Index].Message);
        ps.Streams.Verbose.DataAdded += (s, e) => result.Verbose.Add(ps.Streams.Verbose[e.Index].Message);
        ps.Streams.Information.DataAdded += (s, e) => result.Information.Add(Convert.ToString(ps.Streams.Information[e.Index].MessageData) ?? "");
        try
        {
            foreach (var o in ps.Invoke()) result.Output.Add(o);
        }
        catch (RuntimeException e)
        {
            result.Terminating = e;
        }
        return result;
    }

    private static void AssertNoSecrets(PsResult r, string? url = null)
    {
        string all = r.AllText();
        Assert.DoesNotContain(Handshake, all);
        Assert.DoesNotContain(RunbookFixture.IdentityHeader, all);
        if (url != null) Assert.DoesNotContain(new Uri(url).Query, all);
    }

    /// <summary>A queued job's request, as the test helpers for the runtime shapes take it.</summary>
    private static ReceivedRequest Received(string webhookData)
    {
        var root = System.Text.Json.JsonDocument.Parse(webhookData).RootElement;
        var headers = root.GetProperty("RequestHeader").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? "")).ToList();
        return new ReceivedRequest("POST", "/", "application/json", headers, root.GetProperty("RequestBody").GetString() ?? "");
    }

    /// <summary>The error id of the error that ended the runbook (before the command name).</summary>
    private static string Id(PsResult r) =>
        Assert.IsAssignableFrom<RuntimeException>(r.Terminating).ErrorRecord.FullyQualifiedErrorId.Split(',')[0];

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    // ---------------------------------------------------------------------------------------------

    public static IEnumerable<object[]> Shapes => new[] { new object[] { "5.1 object" }, new object[] { "7.x JSON text" }, new object[] { "test pane" } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task TheWebhookRunbookSyncsTheUsersTheInvokerSentInEachRuntimeShape(string shape)
    {
        await SeedAsync();
        string url = await WebhookUrlAsync();
        var sent = Invoke(url, Handshake, "u0@contoso.com", "u1@contoso.com", "u2@contoso.com", "u0@contoso.com");
        Assert.Null(sent.Terminating);
        Assert.Equal(202, sent.Output.Single().Properties["StatusCode"].Value);
        var job = Assert.Single(await JobsAsync());
        Assert.Equal(job.Id, sent.Output.Single().Properties["JobId"].Value);

        object data = shape switch
        {
            // Windows PowerShell 5.1: an object whose RequestHeader is an object.
            "5.1 object" => AutomationWebhookData.Object(Received(job.WebhookData)),
            // PowerShell 7.x: the JSON text.
            "7.x JSON text" => job.WebhookData,
            // The portal's test pane: typed JSON, the body as the array itself.
            _ => "{\"WebhookName\":\"test\",\"RequestHeader\":{\"message\":\"" + Handshake + "\"},\"RequestBody\":" +
                 System.Text.Json.JsonDocument.Parse(job.WebhookData).RootElement.GetProperty("RequestBody").GetString() + "}",
        };

        var r = RunRunbook("Sync-MfaPhoneWebhook.ps1", new Dictionary<string, object?> { ["WebhookData"] = data });
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        // One result per user (the duplicate synced once): u0 added, u1 in place, u2 updated.
        Assert.Equal(new[] { "u0@contoso.com:Add", "u1@contoso.com:NoChange", "u2@contoso.com:Update" },
            r.Output.Select(o => Prop(o, "UserPrincipalName") + ":" + Prop(o, "Action")));
        Assert.All(r.Output, o => Assert.Equal("Succeeded", Prop(o, "Status")));
        Assert.Equal(Us(0), await MobileAsync(0));
        Assert.Equal(Us(2), await MobileAsync(2));
        Assert.Null(await MobileAsync(3));  // not named in the request
        AssertNoSecrets(r, url);
        AssertNoSecrets(sent, url);
    }

    [Fact]
    public async Task AWrongHandshakeFailsTheJobAndWritesNothing()
    {
        await SeedAsync();
        string url = await WebhookUrlAsync();
        Assert.Null(Invoke(url, "Hs-someone-else_7Yq2", "u0@contoso.com", "u2@contoso.com").Terminating);
        var job = Assert.Single(await JobsAsync());

        var r = RunRunbook("Sync-MfaPhoneWebhook.ps1", new Dictionary<string, object?> { ["WebhookData"] = job.WebhookData });
        Assert.NotNull(r.Terminating);
        Assert.Equal("WebhookHandshakeMismatch", Id(r));
        Assert.Empty(r.Output);
        Assert.Empty(await WritesAsync());
        Assert.Null(await MobileAsync(0));
        Assert.DoesNotContain("Hs-someone-else_7Yq2", r.AllText());
        AssertNoSecrets(r, url);

        // No header at all (a test-pane run without it) fails the same way, and nothing is written.
        var pane = RunRunbook("Sync-MfaPhoneWebhook.ps1", new Dictionary<string, object?>
        {
            ["WebhookData"] = "{\"WebhookName\":\"test\",\"RequestBody\":\"[{\\\"UserPrincipalName\\\":\\\"u0@contoso.com\\\"}]\"}",
        });
        Assert.Equal("WebhookHandshakeMissing", Id(pane));
        Assert.Empty(await WritesAsync());
    }

    [Fact]
    public async Task AFailedUserFailsTheJobAfterTheOthersAreSynced()
    {
        await SeedAsync();
        string url = await WebhookUrlAsync();
        Assert.Null(Invoke(url, Handshake, "u0@contoso.com", "nobody@contoso.com", "u2@contoso.com").Terminating);
        var job = Assert.Single(await JobsAsync());

        var r = RunRunbook("Sync-MfaPhoneWebhook.ps1", new Dictionary<string, object?> { ["WebhookData"] = job.WebhookData });
        Assert.NotNull(r.Terminating);
        Assert.Equal("WebhookRunFailed", Id(r));
        var failed = Assert.Single(r.Errors);
        Assert.StartsWith("UserNotFound", failed.FullyQualifiedErrorId);
        Assert.Equal(Us(0), await MobileAsync(0));
        Assert.Equal(Us(2), await MobileAsync(2));
        AssertNoSecrets(r, url);
    }

    [Fact]
    public async Task TheScheduledRunbookSyncsEveryoneThenOnlyChangedUsersAndKeepsItsLinkWhenARunFails()
    {
        await SeedAsync();
        string Link() => (string)_ps.Run("$global:AutomationVariables['MfaPhoneDeltaLink']").Output.Single().BaseObject;
        long VariableWrites() => Convert.ToInt64(_ps.Run("$global:AutomationVariableWrites").Output.Single().BaseObject);

        // First run, the variable empty: a full round over every user.
        var first = RunRunbook("Sync-MfaPhoneScheduled.ps1");
        Assert.Null(first.Terminating);
        Assert.Empty(first.Errors);
        var summary = first.Output.Single(o => o.TypeNames[0] == "MfaPhone.SyncSummary");
        Assert.Equal((long)UserCount, summary.Properties["Users"].Value);
        Assert.True((bool)summary.Properties["FullRound"].Value);
        for (int i = 0; i < UserCount; i++) Assert.Equal(Us(i), await MobileAsync(i));
        string link1 = Link();
        Assert.Contains("/v1.0/users/delta?$deltatoken=", link1);
        Assert.Equal(1, VariableWrites());

        // Nothing changed: no user is synced and nothing written.
        var writes = await WritesAsync();
        var quiet = RunRunbook("Sync-MfaPhoneScheduled.ps1");
        Assert.Null(quiet.Terminating);
        Assert.Equal(0L, quiet.Output.Single(o => o.TypeNames[0] == "MfaPhone.SyncSummary").Properties["Users"].Value);
        Assert.Equal(writes, await WritesAsync());
        string link2 = Link();
        Assert.Equal(2, VariableWrites());

        // Two users' numbers change in the directory: the next run touches those two only.
        await ChangeSourceAsync(4, "206-555-0177");
        await ChangeSourceAsync(9, "+1 (206) 555-0178");
        var second = RunRunbook("Sync-MfaPhoneScheduled.ps1");
        Assert.Null(second.Terminating);
        Assert.Empty(second.Errors);
        Assert.Equal(new[] { "u4@contoso.com:Update", "u9@contoso.com:Update" },
            second.Output.Where(o => o.TypeNames[0] == "MfaPhone.SyncResult")
                .Select(o => Prop(o, "UserPrincipalName") + ":" + Prop(o, "Action")).OrderBy(s => s));
        var after = await WritesAsync();
        Assert.Equal(new[] { "u4@contoso.com", "u9@contoso.com" },
            after.Where(kv => kv.Value != writes.GetValueOrDefault(kv.Key)).Select(kv => kv.Key).OrderBy(s => s));
        Assert.Equal("+1 2065550177", await MobileAsync(4));
        Assert.Equal("+1 2065550178", await MobileAsync(9));
        string link3 = Link();
        Assert.NotEqual(link2, link3);

        // A run whose change fails (the identity lost its write permission) fails the job and
        // leaves the variable as it was.
        await SetIdentityPermissionsAsync("User.Read.All", "UserAuthMethod-Phone.Read.All");
        await ChangeSourceAsync(7, "206 555 0179");
        var failing = RunRunbook("Sync-MfaPhoneScheduled.ps1");
        Assert.NotNull(failing.Terminating);
        Assert.Contains("the delta link is kept", failing.Terminating!.Message);
        Assert.Contains(failing.Errors, e => e.FullyQualifiedErrorId.StartsWith("PermissionDenied"));
        Assert.Contains(failing.Warning, w => w.Contains("delta link is not advanced"));
        Assert.Equal(link3, Link());
        Assert.Equal(3, VariableWrites());
        Assert.Equal(Us(7), await MobileAsync(7));

        // With the permission back, the next run reads the same user again and moves on.
        await SetIdentityPermissionsAsync(RunbookFixture.Permissions);
        var retry = RunRunbook("Sync-MfaPhoneScheduled.ps1");
        Assert.Null(retry.Terminating);
        Assert.Equal("+1 2065550179", await MobileAsync(7));
        Assert.Equal(new[] { "u7@contoso.com:Update" },
            retry.Output.Where(o => o.TypeNames[0] == "MfaPhone.SyncResult").Select(o => Prop(o, "UserPrincipalName") + ":" + Prop(o, "Action")));
        Assert.NotEqual(link3, Link());
        Assert.Equal(4, VariableWrites());
        AssertNoSecrets(retry);
    }

    // ------------------------------------------------------------------ Sync-MfaPhone -Delta itself

    private string ConnectIdentity => "Connect-MfaGraph -Identity\n";

    [Fact]
    public async Task ADeltaLinkThatIsNotGraphsIsRefusedBeforeAnythingIsRead()
    {
        await SeedAsync();
        await _f.Emulator.Control.PostAsync("/control/counters/reset", null);
        foreach (var bad in new[] { "https://graph.microsoft.com/v1.0/users?$skiptoken=abc", "not a link", "https://graph.microsoft.com/v1.0/users/delta" })
        {
            var r = _ps.Run(ConnectIdentity + "Sync-MfaPhone -Delta -DeltaLink $args[0]", bad);
            Assert.NotNull(r.Terminating);
            Assert.Equal("InvalidInput", r.FirstErrorId.Split(',')[0]);
            Assert.Contains("users/delta", r.Terminating!.Message);
        }
        var routes = (await _f.Emulator.Control.GetCountersAsync())["byRoute"]!.AsObject();
        Assert.DoesNotContain(routes, kv => kv.Key.Contains("users.delta"));
    }

    [Fact]
    public async Task WhatIfAndDeclinedChangesHandOutNoLink()
    {
        await SeedAsync();
        var r = _ps.Run(ConnectIdentity + "Sync-MfaPhone -Delta -WhatIf -SummaryVariable s; $s");
        Assert.Null(r.Terminating);
        var summary = r.Output[^1];
        Assert.True(Convert.ToInt64(summary.Properties["WhatIf"].Value) > 0);
        Assert.Null(summary.Properties["DeltaLink"].Value);
        Assert.Contains(r.Warning, w => w.Contains("delta link is not advanced"));
        Assert.Empty(await WritesAsync());

        // After a run that applied everything, a -WhatIf run with nothing to change hands out its link.
        var full = _ps.Run("Sync-MfaPhone -Delta -SummaryVariable s; $s.DeltaLink");
        Assert.Null(full.Terminating);
        string link = (string)full.Output[^1].BaseObject;
        var none = _ps.Run("Sync-MfaPhone -Delta -DeltaLink $args[0] -WhatIf -SummaryVariable s; $s.Users; $s.DeltaLink", link);
        Assert.Null(none.Terminating);
        Assert.Equal(0L, none.Output[0].BaseObject);
        Assert.StartsWith(_f.Endpoint + "/v1.0/users/delta?$deltatoken=", (string)none.Output[1].BaseObject);
    }

    [Fact]
    public async Task ADeletedUserInTheChangesIsLeftOutAndTheRestSynced()
    {
        await SeedAsync();
        var first = _ps.Run(ConnectIdentity + "Sync-MfaPhone -Delta -SummaryVariable s; $s.DeltaLink");
        Assert.Null(first.Terminating);
        string link = (string)first.Output[^1].BaseObject;
        await _f.Emulator.Control.SendAsync(HttpMethod.Delete, $"/control/tenants/{RunbookFixture.Tenant}/users/u3@contoso.com", null);
        await ChangeSourceAsync(6, "206-555-0188");

        var r = _ps.Run("Sync-MfaPhone -Delta -DeltaLink $args[0] -SummaryVariable s; $s", link);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var result = Assert.Single(r.Output, o => o.TypeNames[0] == "MfaPhone.SyncResult");
        Assert.Equal("u6@contoso.com", Prop(result, "UserPrincipalName"));
        Assert.Equal("Update", Prop(result, "Action"));
        var summary = r.Output[^1];
        Assert.Equal(1L, summary.Properties["Users"].Value);
        Assert.False((bool)summary.Properties["FullRound"].Value);
        Assert.NotNull(summary.Properties["DeltaLink"].Value);
        Assert.Equal("+1 2065550188", await MobileAsync(6));
    }

    [Fact]
    public async Task AnExpiredLinkStartsAFullRoundWithAWarning()
    {
        await SeedAsync();
        var first = _ps.Run(ConnectIdentity + "Sync-MfaPhone -Delta -SummaryVariable s; $s.DeltaLink");
        Assert.Null(first.Terminating);
        string link = (string)first.Output[^1].BaseObject;
        await _f.Emulator.Control.AdvanceClockAsync(8 * 86400);
        await ChangeSourceAsync(5, "206-555-0190");

        var r = _ps.Run(ConnectIdentity + "Sync-MfaPhone -Delta -DeltaLink $args[0] -SummaryVariable s; $s", link);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Contains(r.Warning, w => w.Contains("delta link has expired"));
        var summary = r.Output[^1];
        Assert.True((bool)summary.Properties["FullRound"].Value);
        Assert.Equal((long)UserCount, summary.Properties["Users"].Value);
        Assert.Equal(1L, summary.Properties["Updated"].Value);
        Assert.NotNull(summary.Properties["DeltaLink"].Value);
        Assert.Equal("+1 2065550190", await MobileAsync(5));
    }
}
