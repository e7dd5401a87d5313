using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>Ctrl+C (PowerShell.Stop → StopProcessing) cancels the engine's work in flight.</summary>
public sealed class CancellationTests
{
    /// <summary>A private emulator (these tests slow it down with latency) seeded with tenant.json.</summary>
    private static EmulatorProcess StartEmulator(out string endpoint)
    {
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        var emulator = EmulatorProcess.Start("--tenant", tenant, "--seed", "3");
        endpoint = emulator.BaseUrl.ToString().TrimEnd('/');
        return emulator;
    }

    [Fact]
    public async Task StopEndsAReadInFlightWithoutFinishingTheBatch()
    {
        using var emulator = StartEmulator(out string endpoint);
        using var harness = new PowerShellHarness();
        var connect = harness.Run(ModuleFixture.ConnectScript(endpoint));
        Assert.Null(connect.Terminating);
        // Every Graph request now takes 400 ms; 60 users one at a time would take 24 s.
        await emulator.Control.SetFaultsAsync(new { latency = "fixed:400" });

        using var ps = PowerShell.Create();
        ps.Runspace = harness.Runspace;
        ps.AddScript("Get-MfaPhone -UserId (1..60).ForEach({ 'adele.vance@contoso.com' }) -ThrottleLimit 1");
        var output = new PSDataCollection<PSObject>();
        var handle = ps.BeginInvoke<PSObject, PSObject>(null, output);
        // Wait for the first results so the stop lands in the middle of the batch.
        for (int i = 0; i < 200 && output.Count == 0; i++) await Task.Delay(50);
        Assert.NotEmpty(output);
        ps.Stop();
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(output.Count < 120, $"the batch ran to completion ({output.Count} results) despite Stop");

        // The engine stopped sending: the request count no longer grows.
        async Task<string> PhoneMethodReads() =>
            (await emulator.Control.GetCountersAsync())["byRoute"]?["graph:phoneMethods.list"]?.ToJsonString() ?? "";
        await Task.Delay(800);  // let the emulator finish counting a request that was cut off
        string before = await PhoneMethodReads();
        await Task.Delay(1000);
        Assert.NotEqual("", before);
        Assert.Equal(before, await PhoneMethodReads());

        // The session is still usable after a stop.
        await emulator.Control.SetFaultsAsync(new { latency = "none" });
        var again = harness.Run("Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile");
        Assert.Null(again.Terminating);
        Assert.Single(again.Output);
    }

    [Fact]
    public async Task AStopLandingBeforeTheOperationIsPublishedStillCancelsIt()
    {
        using var emulator = StartEmulator(out string endpoint);
        using var harness = new PowerShellHarness();
        var cmdlet = ModuleReflection.Type(ModuleReflection.Assembly(harness), "MfaPhone.Commands.MfaCmdlet");
        var hook = cmdlet.GetField("TestHookAfterStart", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        // Sign-in now takes 8 s: only a cancellation ends it sooner.
        await emulator.Control.SetFaultsAsync(new { latency = "fixed:8000" });

        using var ps = PowerShell.Create();
        ps.Runspace = harness.Runspace;
        ps.AddScript(ModuleFixture.ConnectScript(endpoint));
        bool stopped = false;
        // Between start() and publishing the operation to StopProcessing: Ctrl+C, and wait
        // until StopProcessing has run (and found nothing to cancel).
        Action<PSCmdlet> stopNow = c =>
        {
            if (Runspace.DefaultRunspace != harness.Runspace || stopped) return;
            stopped = true;
            ps.BeginStop(null, null);
            var wait = Stopwatch.StartNew();
            while (!c.Stopping && wait.ElapsedMilliseconds < 5000) Thread.Sleep(10);
            Thread.Sleep(300);
        };
        hook.SetValue(null, stopNow);
        var clock = Stopwatch.StartNew();
        try
        {
            ps.Invoke();
        }
        catch (PipelineStoppedException)
        {
        }
        finally
        {
            hook.SetValue(null, null);
            clock.Stop();
        }
        Assert.True(stopped, "the hook did not run");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"Connect-MfaGraph ran on for {clock.Elapsed} after Stop");
    }
}
