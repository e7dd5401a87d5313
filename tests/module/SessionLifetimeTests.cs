using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// A runspace's native session lives as long as the runspace and the module in it: closing the
/// runspace or removing the module releases it (credential, tokens, connections).
/// </summary>
[Collection("emulator")]
public sealed class SessionLifetimeTests
{
    private readonly ModuleFixture _f;
    public SessionLifetimeTests(ModuleFixture f) => _f = f;

    [Fact]
    public void RemovingTheModuleSignsTheRunspaceOut()
    {
        using var ps = new PowerShellHarness();
        var connected = ps.Run(_f.Connect() + "@(Get-MfaGraphContext).Count");
        Assert.Null(connected.Terminating);
        Assert.Equal(1, connected.Output.Single().BaseObject);

        var reimported = ps.Run("""
            Remove-Module MfaPhone
            Import-Module $args[0] -ErrorAction Stop
            @(Get-MfaGraphContext).Count
            """, Path.Combine(PowerShellHarness.ModuleDir, "MfaPhone.psd1"));
        Assert.Null(reimported.Terminating);
        Assert.Equal(0, reimported.Output.Single().BaseObject);

        var read = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com");
        Assert.NotNull(read.Terminating);
        Assert.Equal("NotConnected,MfaPhone.Commands.GetMfaPhoneCommand", read.FirstErrorId);

        // Connecting again after the re-import works.
        var again = ps.Run(_f.Connect() + "Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile");
        Assert.Null(again.Terminating);
        Assert.Single(again.Output);
    }

    [Fact]
    public void ClosingARunspaceReleasesItsSession()
    {
        var ps = new PowerShellHarness();
        Runspace runspace = ps.Runspace;
        object session;
        Type sessions;
        try
        {
            Assert.Null(ps.Run(_f.Connect()).Terminating);
            sessions = ModuleReflection.Type(ModuleReflection.Assembly(ps), "MfaPhone.Commands.MfaSession");
            Assert.True(HasSession(sessions, runspace));
            session = SessionOf(sessions, runspace);
            Assert.False(ModuleReflection.IsReleased(session));
        }
        finally
        {
            ps.Dispose();  // closes the runspace
        }

        Assert.True(WaitUntil(() => !HasSession(sessions, runspace)), "the closed runspace still has a session");
        Assert.True(ModuleReflection.IsReleased(session));
        AssertOtherRunspacesStillWork();
    }

    [Fact]
    public async Task ClosingARunspaceWhileAReadRunsEndsItAndReleasesTheSession()
    {
        using var ps = new PowerShellHarness();
        Runspace runspace = ps.Runspace;
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        var sessions = ModuleReflection.Type(ModuleReflection.Assembly(ps), "MfaPhone.Commands.MfaSession");
        await _f.Emulator.Control.SetFaultsAsync(new { latency = "fixed:300" });
        try
        {
            using var pipeline = PowerShell.Create();
            pipeline.Runspace = runspace;
            // 400 users, 20 to a $batch, one batch at a time: 6 s if nothing stops them.
            pipeline.AddScript("Get-MfaPhone -UserId (1..400).ForEach({ 'adele.vance@contoso.com' }) -ThrottleLimit 1");
            var output = new PSDataCollection<PSObject>();
            var handle = pipeline.BeginInvoke<PSObject, PSObject>(null, output);
            Assert.True(WaitUntil(() => output.Count > 0, 10_000), "no result arrived");

            var clock = Stopwatch.StartNew();
            runspace.Close();
            Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "the read did not end");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"closing took {clock.Elapsed}");
            Assert.NotEqual(PSInvocationState.Running, pipeline.InvocationStateInfo.State);
            Assert.True(output.Count < 400, "the read ran to completion");
            Assert.True(WaitUntil(() => !HasSession(sessions, runspace)), "the closed runspace still has a session");
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { latency = "none" });
        }
        AssertOtherRunspacesStillWork();
    }

    private static bool HasSession(Type sessions, Runspace runspace) => (bool)ModuleReflection.CallStatic(sessions, "Has", runspace)!;

    // The session object of a runspace (MfaSession.Current reads the thread's default runspace).
    private static object SessionOf(Type sessions, Runspace runspace)
    {
        Runspace previous = Runspace.DefaultRunspace;
        Runspace.DefaultRunspace = runspace;
        try
        {
            return ModuleReflection.GetStatic(sessions, "Current")!;
        }
        finally
        {
            Runspace.DefaultRunspace = previous;
        }
    }

    private static bool WaitUntil(Func<bool> condition, int milliseconds = 5000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > milliseconds) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    /// <summary>After a session is released (and collected), a new runspace signs in and reads normally.</summary>
    private void AssertOtherRunspacesStillWork()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var other = new PowerShellHarness();
        var r = other.Run(_f.Connect() + "Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile");
        Assert.Null(r.Terminating);
        Assert.Single(r.Output);
    }
}
