using System.Management.Automation;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>A private emulator for the sync tests, which change users and inject faults.</summary>
public sealed class SyncFixture : IDisposable
{
    public const string Tenant = "contoso.onmicrosoft.com";
    public EmulatorProcess Emulator { get; }

    public SyncFixture()
    {
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        Emulator = EmulatorProcess.Start("--tenant", tenant, "--seed", "11");
    }

    public string Endpoint => Emulator.BaseUrl.ToString().TrimEnd('/');

    public string Connect() => ModuleFixture.ConnectScript(Endpoint);

    public void Dispose() => Emulator.Dispose();
}

/// <summary>
/// Sync-MfaPhone and Compare-MfaPhone against the emulator: what they change, that they change it
/// once, that a second run changes nothing, under throttling and faults too.
/// </summary>
public sealed class SyncTests : IClassFixture<SyncFixture>
{
    private readonly SyncFixture _f;
    public SyncTests(SyncFixture f) => _f = f;

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    // A valid US number in a range libphonenumber knows (+1 206 555 01xx).
    private static string Us(int n) => $"+1 20655501{n % 100:00}";

    /// <summary>
    /// Users "u{i}@contoso.com" in five kinds: Add (no mobile), NoChange (same mobile), Update
    /// (another mobile), Keep (no source, a mobile that must stay), Both (mobile and alternate
    /// from two attributes). Sources are in national format; the usageLocation reads them.
    /// </summary>
    private async Task SeedAsync(int count, bool smsScope = false)
    {
        await _f.Emulator.Control.ResetAsync();
        var users = new JsonArray();
        for (int i = 0; i < count; i++)
        {
            string national = $"(206) 555-01{i % 100:00}";
            var ext = new JsonObject();
            var methods = new JsonArray();
            switch (i % 5)
            {
                case 0: ext["extensionAttribute15"] = national; break;
                case 1: ext["extensionAttribute15"] = national; methods.Add(Method("mobile", Us(i))); break;
                case 2: ext["extensionAttribute15"] = national; methods.Add(Method("mobile", Us(i + 1))); break;
                case 3: methods.Add(Method("mobile", Us(i))); break;
                case 4: ext["extensionAttribute15"] = national; ext["extensionAttribute14"] = $"206-555-01{(i + 3) % 100:00}"; break;
            }
            users.Add(new JsonObject
            {
                ["userPrincipalName"] = $"u{i}@contoso.com",
                ["usageLocation"] = "US",
                ["smsSignInEnabledByPolicy"] = smsScope,
                ["onPremisesExtensionAttributes"] = ext,
                ["phoneMethods"] = methods,
            });
        }
        await _f.Emulator.Control.SeedAsync(new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = "8d5b6a6c-1f5e-4c2b-9d3e-0a7b1c2d3e4f",
                ["domains"] = new JsonArray("contoso.onmicrosoft.com", "contoso.com"),
                ["users"] = users,
                ["apps"] = new JsonArray(new JsonObject
                {
                    ["clientId"] = ModuleFixture.ClientId,
                    ["applicationPermissions"] = new JsonArray("UserAuthenticationMethod.ReadWrite.All", "User.Read.All"),
                    ["secrets"] = new JsonArray(new JsonObject { ["value"] = ModuleFixture.ClientSecret }),
                }),
            }),
        });
    }

    private static JsonObject Method(string type, string number) => new() { ["phoneType"] = type, ["phoneNumber"] = number };

    private async Task<Dictionary<string, string>> NumbersAsync(string upn)
    {
        var user = await _f.Emulator.Control.GetUserAsync(SyncFixture.Tenant, upn);
        var numbers = new Dictionary<string, string>();
        foreach (var m in user["phoneMethods"]!.AsArray())
            numbers[(string)m!["phoneType"]!] = (string)m["phoneNumber"]!;
        return numbers;
    }

    private async Task<Dictionary<string, long>> CounterAsync(string name)
    {
        var counters = await _f.Emulator.Control.GetCountersAsync();
        var map = new Dictionary<string, long>();
        if (counters[name] is JsonObject o)
            foreach (var kv in o) map[kv.Key] = kv.Value!.GetValue<long>();
        return map;
    }

    /// <summary>Every user ends as planned: numbers set or updated, kept numbers untouched, one applied write per change.</summary>
    private async Task AssertConvergedAsync(int count)
    {
        var applied = await CounterAsync("appliedWritesByUser");
        var received = await CounterAsync("writesByUser");
        for (int i = 0; i < count; i++)
        {
            string upn = $"u{i}@contoso.com";
            var numbers = await NumbersAsync(upn);
            int expectedWrites = (i % 5) switch { 0 => 1, 2 => 1, 4 => 2, _ => 0 };
            Assert.True(numbers.TryGetValue("mobile", out string? mobile), $"{upn} has no mobile");
            Assert.Equal(Us(i), mobile);
            if (i % 5 == 4) Assert.Equal(Us(i + 3), numbers["alternateMobile"]);
            else Assert.False(numbers.ContainsKey("alternateMobile"), $"{upn} got an alternateMobile");
            // Each change applied once, never sent twice.
            Assert.Equal(expectedWrites, applied.GetValueOrDefault(upn));
            Assert.Equal(expectedWrites, received.GetValueOrDefault(upn));
        }
    }

    private const string BothTypes = "-SourceProperty @{ mobile = 'extensionAttribute15'; alternateMobile = 'extensionAttribute14' }";

    [Fact]
    public async Task SyncsEachUserOnceAndASecondRunWritesNothing()
    {
        await SeedAsync(20);
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + $"(0..19).ForEach({{ \"u$_@contoso.com\" }}) | Sync-MfaPhone {BothTypes} -SummaryVariable summary; $summary");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var results = r.Output.Take(r.Output.Count - 1).ToList();
        // One result per user and managed type, in input order.
        Assert.Equal(40, results.Count);
        for (int i = 0; i < 20; i++)
        {
            var mobile = results[2 * i];
            var alternate = results[2 * i + 1];
            Assert.Equal("MfaPhone.SyncResult", mobile.TypeNames[0]);
            Assert.Equal($"u{i}@contoso.com", Prop(mobile, "UserPrincipalName"));
            Assert.Matches("^[0-9a-f-]{36}$", Prop(mobile, "UserId"));
            Assert.Equal("mobile", Prop(mobile, "PhoneType"));
            Assert.Equal("alternateMobile", Prop(alternate, "PhoneType"));
            string expected = (i % 5) switch { 0 => "Add", 2 => "Update", 4 => "Add", _ => "NoChange" };
            Assert.Equal(expected, Prop(mobile, "Action"));
            Assert.Equal("Succeeded", Prop(mobile, "Status"));
            Assert.Equal(i % 5 == 4 ? "Add" : "NoChange", Prop(alternate, "Action"));
            if (i % 5 == 2)
            {
                Assert.Equal(Us(i + 1), Prop(mobile, "Before"));
                Assert.Equal(Us(i), Prop(mobile, "After"));
            }
        }
        await AssertConvergedAsync(20);
        var summary = r.Output[^1];
        Assert.Equal("MfaPhone.SyncSummary", summary.TypeNames[0]);
        Assert.Equal(20L, summary.Properties["Users"].Value);
        Assert.Equal(12L, summary.Properties["Added"].Value);  // 4 mobile + 4 mobile and 4 alternate
        Assert.Equal(4L, summary.Properties["Updated"].Value);
        Assert.Equal(0L, summary.Properties["Failed"].Value);
        // The summary also goes to the information stream, never to the output.
        Assert.Contains(r.Information, i => i.StartsWith("20 users: 12 added, 4 updated"));

        // The second run finds everything in place.
        var before = await CounterAsync("writesByUser");
        var again = ps.Run($"Sync-MfaPhone -All {BothTypes}");
        Assert.Null(again.Terminating);
        Assert.Empty(again.Errors);
        Assert.Equal(40, again.Output.Count);
        Assert.All(again.Output, o => Assert.Contains(Prop(o, "Action"), new[] { "NoChange" }));
        Assert.Equal(before, await CounterAsync("writesByUser"));
    }

    [Fact]
    public async Task WhatIfAndCompareWriteNothing()
    {
        await SeedAsync(10);
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            $whatIf = Sync-MfaPhone -All -WhatIf
            $compare = Compare-MfaPhone -All
            $whatIf.Count; $compare.Count
            ($whatIf | Where-Object Status -eq 'WhatIf').Count
            ($compare | Where-Object Status -eq 'WhatIf').Count
            ($compare | Where-Object Action -eq 'Update')[0].After
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        // Users 0,5 add; 2,7 update; 4,9 add (mobile only is managed here).
        Assert.Equal(new object[] { 10, 10, 6, 6, Us(2) }, r.Output.Select(o => o.BaseObject));
        Assert.Empty(await CounterAsync("writesByUser"));
        Assert.False((await NumbersAsync("u0@contoso.com")).ContainsKey("mobile"));
    }

    [Fact]
    public async Task ConvergesUnderFaultsAndThrottlingWithoutDuplicateOrWrongWrites()
    {
        const int count = 60;
        await SeedAsync(count);
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        // 5xx and 429 answers for items, dropped connections, and a 429 storm at the start.
        await _f.Emulator.Control.SetFaultsAsync(new
        {
            errorRate = 0.15,
            errorStatuses = new[] { 500, 502, 503, 504 },
            throttleRate = 0.1,
            resetRate = 0.05,
            stormSeconds = 1.5,
            stormRetryAfter = 0.4,
        });
        PsResult r;
        try
        {
            r = ps.Run($"Sync-MfaPhone -All {BothTypes} -ThrottleLimit 4 -SummaryVariable summary; $summary");
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var results = r.Output.Take(r.Output.Count - 1).ToList();
        Assert.Equal(2 * count, results.Count);
        Assert.All(results, o => Assert.Equal("Succeeded", Prop(o, "Status")));
        // Each user and type exactly once.
        Assert.Equal(2 * count, results.Select(o => Prop(o, "UserPrincipalName") + "|" + Prop(o, "PhoneType")).Distinct().Count());
        await AssertConvergedAsync(count);
        var summary = r.Output[^1];
        Assert.True((long)summary.Properties["Throttled"].Value > 0, "no 429 was seen");

        var before = await CounterAsync("writesByUser");
        var again = ps.Run($"Sync-MfaPhone -All {BothTypes}");
        Assert.Null(again.Terminating);
        Assert.All(again.Output, o => Assert.Equal("NoChange", Prop(o, "Action")));
        Assert.Equal(before, await CounterAsync("writesByUser"));
    }

    [Fact]
    public async Task ATokenThatExpiresMidRunIsRenewedAndTheRunCompletes()
    {
        const int count = 40;
        await SeedAsync(count);
        using var harness = new PowerShellHarness();
        Assert.Null(harness.Run(_f.Connect()).Terminating);
        await _f.Emulator.Control.SetFaultsAsync(new { latency = "fixed:150" });
        using var ps = PowerShell.Create();
        ps.Runspace = harness.Runspace;
        ps.AddScript($"Sync-MfaPhone -All {BothTypes} -ThrottleLimit 1");
        var output = new PSDataCollection<PSObject>();
        try
        {
            var handle = ps.BeginInvoke<PSObject, PSObject>(null, output);
            for (int i = 0; i < 400 && output.Count == 0; i++) await Task.Delay(25);
            Assert.NotEmpty(output);
            // Every token issued so far is now expired: Graph answers 401 until a new one is used.
            await _f.Emulator.Control.AdvanceClockAsync(3 * 3600);
            ps.EndInvoke(handle);
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(2 * count, output.Count);
        Assert.All(output, o => Assert.Equal("Succeeded", Prop(o, "Status")));
        await AssertConvergedAsync(count);
        var tokens = await _f.Emulator.Control.GetCountersAsync();
        Assert.True(tokens["tokensIssued"]!.AsObject().Sum(kv => kv.Value!.GetValue<long>()) >= 2, "no new token was fetched");
    }

    [Fact]
    public async Task ANumberHeldByAnotherUserForSmsSignInIsSetAndReported()
    {
        await SeedAsync(1, smsScope: true);
        // holder@ already uses u0's number for SMS sign-in.
        await _f.Emulator.Control.PostAsync($"/control/tenants/{SyncFixture.Tenant}/users", new JsonObject
        {
            ["userPrincipalName"] = "holder@contoso.com",
            ["smsSignInEnabledByPolicy"] = true,
            ["phoneMethods"] = new JsonArray(new JsonObject { ["phoneType"] = "mobile", ["phoneNumber"] = Us(0), ["smsSignInState"] = "ready" }),
        });
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Sync-MfaPhone -UserId u0@contoso.com -SmsSignIn Enable");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var result = Assert.Single(r.Output);
        Assert.Equal("Add", Prop(result, "Action"));
        Assert.Equal("Succeeded", Prop(result, "Status"));
        Assert.Equal("MFA number set; SMS sign-in not enabled: number held by another user.", Prop(result, "Reason"));
        Assert.Contains(r.Warning, w => w.Contains("another user holds this number for SMS sign-in"));
        Assert.Equal(Us(0), (await NumbersAsync("u0@contoso.com"))["mobile"]);
        // The write went once; reading again showed it had been applied.
        Assert.Equal(1, (await CounterAsync("appliedWritesByUser")).GetValueOrDefault("u0@contoso.com"));
    }

    [Fact]
    public async Task SourceValuesOnPipedObjectsAreUsedWithoutReadingTheUser()
    {
        await SeedAsync(3);
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            [pscustomobject]@{ UserPrincipalName = 'u1@contoso.com'; extensionAttribute15 = '+1 206 555 0177'; UsageLocation = 'US' },
            [pscustomobject]@{ UserPrincipalName = 'u0@contoso.com'; OnPremisesExtensionAttributes = [pscustomobject]@{ ExtensionAttribute15 = '206 555 0178' }; UsageLocation = 'US' },
            @{ Id = 'nobody'; Name = 'x' },
            [pscustomobject]@{ DisplayName = 'no id here' } | Sync-MfaPhone 2>&1
            """);
        Assert.Null(r.Terminating);
        var rows = r.Output.Select(o => o.BaseObject is ErrorRecord e ? "E:" + e.FullyQualifiedErrorId : Prop(o, "Action") + ":" + Prop(o, "After")).ToArray();
        Assert.Equal(new[]
        {
            "Update:+1 2065550177",
            "Add:+1 2065550178",
            "Skip:",
            "E:UserNotFound,MfaPhone.Commands.SyncMfaPhoneCommand",
            "E:InvalidInput,MfaPhone.Commands.SyncMfaPhoneCommand",
        }, rows);
        var counters = await _f.Emulator.Control.GetCountersAsync();
        // The piped objects carried the source: only 'nobody' was looked up.
        string gets = counters["byRoute"]?["graph:users.get"]?.ToJsonString() ?? "{}";
        Assert.Equal(1, JsonNode.Parse(gets)!.AsObject().Sum(kv => kv.Value!.GetValue<long>()));
        Assert.Equal("+1 2065550177", (await NumbersAsync("u1@contoso.com"))["mobile"]);
    }

    [Fact]
    public async Task RemovalOnlyWhenAskedAndNeverOfTheDefaultMethod()
    {
        await SeedAsync(4);
        // u3 has no source and a mobile; make it the default method of u8 instead...
        await _f.Emulator.Control.PostAsync($"/control/tenants/{SyncFixture.Tenant}/users", new JsonObject
        {
            ["userPrincipalName"] = "default@contoso.com",
            ["phoneMethods"] = new JsonArray(Method("mobile", Us(50))),
            ["preferredMethod"] = "sms",
        });
        using var ps = new PowerShellHarness();
        var keep = ps.Run(_f.Connect() + "Sync-MfaPhone -UserId u3@contoso.com, default@contoso.com");
        Assert.Null(keep.Terminating);
        Assert.All(keep.Output, o => Assert.Equal("NoChange", Prop(o, "Action")));

        var remove = ps.Run("Sync-MfaPhone -UserId u3@contoso.com, default@contoso.com -RemoveWhenSourceEmpty");
        Assert.Null(remove.Terminating);
        Assert.Empty(remove.Errors);
        Assert.Equal(new[] { "Remove|Succeeded", "Skip|Skipped" }, remove.Output.Select(o => Prop(o, "Action") + "|" + Prop(o, "Status")));
        Assert.False((await NumbersAsync("u3@contoso.com")).ContainsKey("mobile"));
        Assert.Equal(Us(50), (await NumbersAsync("default@contoso.com"))["mobile"]);
        Assert.Equal(0, (await CounterAsync("writesByUser")).GetValueOrDefault("default@contoso.com"));
    }

    [Fact]
    public async Task AFilterListsOnlyTheUsersItSelects()
    {
        await SeedAsync(12);
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Compare-MfaPhone -Filter \"startsWith(userPrincipalName,'u1')\"");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "u10@contoso.com", "u11@contoso.com", "u1@contoso.com" },
            r.Output.Select(o => Prop(o, "UserPrincipalName")).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoppingASyncEndsItPromptlyAndTheSummarySaysSo()
    {
        await SeedAsync(60);
        using var harness = new PowerShellHarness();
        Assert.Null(harness.Run(_f.Connect()).Terminating);
        await _f.Emulator.Control.SetFaultsAsync(new { latency = "fixed:300" });
        try
        {
            using var ps = PowerShell.Create();
            ps.Runspace = harness.Runspace;
            ps.AddScript("Sync-MfaPhone -All -ThrottleLimit 1 -SummaryVariable stopped");
            var output = new PSDataCollection<PSObject>();
            ps.BeginInvoke<PSObject, PSObject>(null, output);
            for (int i = 0; i < 400 && output.Count == 0; i++) await Task.Delay(25);
            Assert.NotEmpty(output);
            ps.Stop();
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.True(output.Count < 60, $"the sync ran to completion ({output.Count} results) despite Stop");

            await Task.Delay(800);
            var writes = await CounterAsync("writesByUser");
            await Task.Delay(1000);
            Assert.Equal(writes, await CounterAsync("writesByUser"));  // nothing more is sent
            var summary = harness.Run("$stopped").Output.Single();
            Assert.True((bool)summary.Properties["Cancelled"].Value);
            Assert.True((long)summary.Properties["Users"].Value >= output.Count);
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
    }

    [Fact]
    public async Task BadOptionsStopTheCallWithClearErrors()
    {
        await SeedAsync(1);
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        var type = ps.Run("Sync-MfaPhone -UserId u0@contoso.com -SourceProperty @{ pager = 'extensionAttribute1' }");
        Assert.Equal("InvalidInput,MfaPhone.Commands.SyncMfaPhoneCommand", type.FirstErrorId);
        Assert.Contains("mobile, alternateMobile or office", type.Terminating!.Message);
        var property = ps.Run("Sync-MfaPhone -UserId u0@contoso.com -SourceProperty 'extensionAttribute16'");
        Assert.Equal("InvalidInput,MfaPhone.Commands.SyncMfaPhoneCommand", property.FirstErrorId);
        Assert.Contains("extensionAttribute1 to extensionAttribute15", property.Terminating!.Message);
        var region = ps.Run("Compare-MfaPhone -All -DefaultRegion Sweden");
        Assert.Equal("InvalidRegion,MfaPhone.Commands.CompareMfaPhoneCommand", region.FirstErrorId);
        Assert.Empty(await CounterAsync("writesByUser"));
    }

    [Fact]
    public async Task TheWebhookContractSyncsTheUsersItNames()
    {
        await SeedAsync(3);
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            $data = '{"WebhookName":"sync","RequestBody":"[{\"UserPrincipalName\":\"u0@contoso.com\"},{\"UserPrincipalName\":\"u2@contoso.com\"}]","RequestHeader":{"message":"hand-shake"}}'
            $secret = [System.Net.NetworkCredential]::new('', 'hand-shake').SecurePassword
            Sync-MfaPhone -WebhookData $data -Handshake $secret
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(new[] { "u0@contoso.com|Add", "u2@contoso.com|Update" },
            r.Output.Select(o => Prop(o, "UserPrincipalName") + "|" + Prop(o, "Action")));
        Assert.DoesNotContain("hand-shake", r.AllText());

        var wrong = ps.Run("""
            $data = '{"WebhookName":"sync","RequestBody":"[{\"UserPrincipalName\":\"u1@contoso.com\"}]","RequestHeader":{"message":"guess"}}'
            Sync-MfaPhone -WebhookData $data -Handshake ([System.Net.NetworkCredential]::new('', 'hand-shake').SecurePassword)
            """);
        Assert.NotNull(wrong.Terminating);
        Assert.StartsWith("WebhookHandshakeMismatch", wrong.FirstErrorId);
        Assert.Empty(wrong.Output);
    }
}
