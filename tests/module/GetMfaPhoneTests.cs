using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace MfaPhone.Module.Tests;

[Collection("emulator")]
public sealed class GetMfaPhoneTests
{
    private readonly ModuleFixture _f;
    public GetMfaPhoneTests(ModuleFixture f) => _f = f;

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    [Fact]
    public void ReadsPhoneMethodsOverHttpThroughEveryLayer()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(2, r.Output.Count);
        var mobile = r.Output.Single(o => Prop(o, "PhoneType") == "mobile");
        Assert.Equal("adele.vance@contoso.com", Prop(mobile, "UserPrincipalName"));
        Assert.Equal("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", Prop(mobile, "UserId"));  // read alongside: both ids
        Assert.Equal("+1 2065550101", Prop(mobile, "PhoneNumber"));
        Assert.Equal("3179e48a-750b-4051-897c-87b9720928f7", Prop(mobile, "Id"));
        Assert.False(string.IsNullOrEmpty(Prop(mobile, "SmsSignInState")));
        var office = r.Output.Single(o => Prop(o, "PhoneType") == "office");
        Assert.Equal("+1 4255550123x42", Prop(office, "PhoneNumber"));
        Assert.Equal(new[] { "MfaPhone.PhoneMethod", "MfaPhone.MfaPhoneMethod" }, mobile.TypeNames.Take(2));
    }

    [Fact]
    public void BindsPipelineByValueAndByPropertyNameInInputOrder()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            $byValue = 'zoë.ångström@contoso.com', 'adele.vance@contoso.com' | Get-MfaPhone -PhoneType mobile
            $byUpn = [pscustomobject]@{ UserPrincipalName = 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com' } | Get-MfaPhone
            $byId = [pscustomobject]@{ Id = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' } | Get-MfaPhone -PhoneType office
            $byValue; $byUpn; $byId
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var rows = r.Output.Select(o => Prop(o, "UserPrincipalName") + "|" + Prop(o, "PhoneType") + "|" + Prop(o, "PhoneNumber")).ToArray();
        Assert.Equal(new[]
        {
            "zoë.ångström@contoso.com|mobile|+46 701234567",
            "adele.vance@contoso.com|mobile|+1 2065550101",
            "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com|mobile|+44 7700900123",
            "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com|alternateMobile|+44 7700900456",
            "adele.vance@contoso.com|office|+1 4255550123x42",
        }, rows);
        Assert.Equal("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", Prop(r.Output[4], "UserId"));
        Assert.Equal("2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b", Prop(r.Output[2], "UserId"));
    }

    [Fact]
    public void AUserStartingWithDollarIsAddressedWithTheKeyForm()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Get-MfaPhone -UserId '$svc.account@contoso.com' -Verbose");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Contains(r.Verbose, v => v.Contains("$svc.account@contoso.com: no phone methods."));
    }

    [Fact]
    public void AMissingUserIsANonTerminatingErrorAndTheOthersGoOn()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "'adele.vance@contoso.com', 'nobody@contoso.com', 'zoë.ångström@contoso.com' | Get-MfaPhone -PhoneType mobile");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("UserNotFound,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nobody@contoso.com", error.TargetObject);
        Assert.Contains("Request_ResourceNotFound", error.Exception.Message);
        Assert.Contains("request-id", error.Exception.Message);
        Assert.Equal(new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com" }, r.Output.Select(o => Prop(o, "UserPrincipalName")));
    }

    [Fact]
    public void WithoutPermissionEachUserFailsWithPermissionDenied()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(ModuleFixture.NoPermissionClientId, ModuleFixture.NoPermissionSecret) +
                       "Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("PermissionDenied,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains("Authorization_RequestDenied", error.Exception.Message);
    }

    [Fact]
    public void WithoutConnectingTheCallStopsWithNotConnected()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.NotNull(r.Terminating);
        Assert.Equal("NotConnected,MfaPhone.Commands.GetMfaPhoneCommand", r.FirstErrorId);
        Assert.Contains("Connect-MfaGraph", r.Terminating!.Message);
    }

    [Fact]
    public void NonAsciiTextCrossesTheNativeBoundaryIntact()
    {
        using var ps = new PowerShellHarness();
        // Strings set from C# and read back through the native struct, and strings that
        // originate natively (log lines, Graph's error message) all keep their characters.
        // The proxies are internal to the module: reach one by reflection.
        var r = ps.Run(_f.Connect() + """
            $type = [MfaPhone.Commands.ErrorIds].Assembly.GetType('MfaPhone.Native.ConnectOptions', $true)
            $o = [Activator]::CreateInstance($type)
            $o.TenantId = 'Zoë Ångström 漢字 🙂'
            $o.TenantId
            $o.Dispose()
            Get-MfaPhone -UserId 'zoë.ångström@contoso.com' -Verbose
            Get-MfaPhone -UserId 'zoë.nobody@contoso.com'
            """);
        Assert.Null(r.Terminating);
        Assert.Equal("Zoë Ångström 漢字 🙂", r.Output[0].BaseObject as string);
        Assert.Equal("+46 701234567", Prop(r.Output[1], "PhoneNumber"));
        Assert.Contains(r.Verbose, v => v.StartsWith("graph: zoë.ångström@contoso.com: 1 phone method(s); mobile +46 *******67"));
        var error = Assert.Single(r.Errors);
        Assert.Contains("zoë.nobody@contoso.com", error.Exception.Message);
    }

    [Fact]
    public void VerboseOutputMasksPhoneNumbers()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "$null = Get-MfaPhone -UserId adele.vance@contoso.com -Verbose");
        Assert.Null(r.Terminating);
        string verbose = string.Join("\n", r.Verbose);
        Assert.Contains("+1 ********01", verbose);
        Assert.DoesNotContain("2065550101", verbose);
    }

    // One token per output item: "O:<UPN>" for a result, "E:<target>" for an error merged in by 2>&1.
    private static string Token(PSObject o) =>
        o.BaseObject is ErrorRecord e ? "E:" + e.TargetObject : "O:" + Prop(o, "UserPrincipalName");

    // Known users (one mobile each) mixed with missing ones (an error each, at their position).
    private static string[] MixedUsers(int count) => Enumerable.Range(0, count).Select(i => (i % 4) switch
    {
        0 => "adele.vance@contoso.com",
        1 => $"nobody{i}@contoso.com",
        2 => "zoë.ångström@contoso.com",
        _ => "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    }).ToArray();

    private static string[] Expected(string[] users) =>
        users.Select(u => (u.StartsWith("nobody") ? "E:" : "O:") + u).ToArray();

    [Fact]
    public async Task OutputKeepsInputOrderWhenAnswersArriveOutOfOrder()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        string[] users = MixedUsers(40);
        // Random latency per request: with 16 reads in flight, answers come back shuffled.
        await _f.Emulator.Control.SetFaultsAsync(new { latency = "uniform:0:60" });
        try
        {
            var byPipeline = ps.Run("$args[0] | Get-MfaPhone -PhoneType mobile -ThrottleLimit 16 2>&1", (object)users);
            Assert.Null(byPipeline.Terminating);
            Assert.Equal(Expected(users), byPipeline.Output.Select(Token));

            var byParameter = ps.Run("Get-MfaPhone -UserId $args[0] -PhoneType mobile -ThrottleLimit 16 2>&1", (object)users);
            Assert.Null(byParameter.Terminating);
            Assert.Equal(Expected(users), byParameter.Output.Select(Token));
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { latency = "none" });
        }
    }

    [Fact]
    public async Task ProgressCountsUpWhilePipelineInputStreamsAndCompletes()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        // 150 users from the pipeline, read 20 to a $batch, one batch at a time, each taking 300 ms.
        string[] users = MixedUsers(150);
        await _f.Emulator.Control.SetFaultsAsync(new { latency = "fixed:300" });
        PsResult r;
        var clock = Stopwatch.StartNew();
        try
        {
            r = ps.Run("$args[0] | Get-MfaPhone -PhoneType mobile -ThrottleLimit 1 2>&1", (object)users);
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { latency = "none" });
        }
        clock.Stop();
        Assert.Null(r.Terminating);
        Assert.Equal(Expected(users), r.Output.Select(Token));

        Assert.True(r.Progress.Count >= 3, $"{r.Progress.Count} progress records");
        var last = r.Progress[^1];
        Assert.Equal(ProgressRecordType.Completed, last.RecordType);
        Assert.Equal("150 users", last.StatusDescription);
        var running = r.Progress.Take(r.Progress.Count - 1).ToList();
        Assert.All(running, p => Assert.Equal(ProgressRecordType.Processing, p.RecordType));
        // The total is not known while input streams in: a count, no percent.
        Assert.All(running, p => Assert.Equal(-1, p.PercentComplete));
        var counts = running.Select(p => long.Parse(Regex.Match(p.StatusDescription, @"^(\d+) users$").Groups[1].Value)).ToList();
        for (int i = 1; i < counts.Count; i++) Assert.True(counts[i] >= counts[i - 1], "progress went back: " + string.Join(",", counts));
        Assert.Contains(counts, c => c > 100);  // counted across the whole stream
        // Throttled: about one record per 200 ms, not one per user.
        Assert.True(running.Count <= clock.ElapsedMilliseconds / 200 + 2, $"{running.Count} records in {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ProgressOfUsersGivenByParameterHasPercentAndTimeRemaining()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        string[] users = MixedUsers(150);
        await _f.Emulator.Control.SetFaultsAsync(new { latency = "fixed:300" });
        PsResult r;
        try
        {
            r = ps.Run("Get-MfaPhone -UserId $args[0] -PhoneType mobile -ThrottleLimit 1 2>&1", (object)users);
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { latency = "none" });
        }
        Assert.Null(r.Terminating);
        Assert.Equal(Expected(users), r.Output.Select(Token));

        var running = r.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.True(running.Count >= 2, $"{running.Count} progress records");
        long previous = 0;
        foreach (var p in running)
        {
            var m = Regex.Match(p.StatusDescription, @"^(\d+) of 150 users$");
            Assert.True(m.Success, p.StatusDescription);
            long done = long.Parse(m.Groups[1].Value);
            Assert.True(done >= previous);
            previous = done;
            Assert.Equal((int)(done * 100 / 150), p.PercentComplete);
            Assert.True(p.SecondsRemaining >= 0, $"no time remaining at {done}");
            Assert.Matches(@"^\d+(\.\d)? users/s$", p.CurrentOperation);  // the rate
        }
        var last = r.Progress[^1];
        Assert.Equal(ProgressRecordType.Completed, last.RecordType);
        Assert.Equal("150 of 150 users", last.StatusDescription);
    }

    [Fact]
    public async Task ThrottledReadsAreRetriedAndStillReturnTheRightData()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        // The next two Graph requests are answered 429 with Retry-After 0.2 s.
        await _f.Emulator.Control.SetFaultsAsync(new { script = new[] { "429", "429" }, stormRetryAfter = 0.2 });
        PsResult r;
        try
        {
            r = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com -Verbose");
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "mobile|+1 2065550101", "office|+1 4255550123x42" },
            r.Output.Select(o => Prop(o, "PhoneType") + "|" + Prop(o, "PhoneNumber")).OrderBy(x => x, StringComparer.Ordinal));
        var retries = r.Verbose.Where(v => v.Contains("retrying") && v.Contains("429")).ToList();
        Assert.Equal(2, retries.Count);
        // Progress tells how many requests Graph throttled.
        Assert.Contains(r.Progress, p => p.CurrentOperation.EndsWith("; 2 requests throttled (429)"));
    }

    [Fact]
    public void EmptyWhitespaceAndNulUserIdsAreReportedAtTheirPosition()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            'adele.vance@contoso.com', '', '   ', "zo`0e@contoso.com", 'zoë.ångström@contoso.com' | Get-MfaPhone -PhoneType mobile 2>&1
            Get-MfaPhone -UserId 'adele.vance@contoso.com', ' ', 'zoë.ångström@contoso.com' -PhoneType mobile 2>&1
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(new[]
        {
            "O:adele.vance@contoso.com", "E:", "E:   ", "E:zo\0e@contoso.com", "O:zoë.ångström@contoso.com",
            "O:adele.vance@contoso.com", "E: ", "O:zoë.ångström@contoso.com",
        }, r.Output.Select(Token));
        var errors = r.Output.Select(o => o.BaseObject).OfType<ErrorRecord>().ToList();
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e =>
        {
            Assert.Equal("InvalidInput,MfaPhone.Commands.GetMfaPhoneCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        });
        Assert.Contains("NUL", errors[2].Exception.Message);
        Assert.Contains("zo\\0e@contoso.com", errors[2].Exception.Message);
    }
}
