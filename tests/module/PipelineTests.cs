using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>The HTTP pipeline as PowerShell sees it: retries that end, and paths that cannot be bent.</summary>
[Collection("emulator")]
public sealed class PipelineTests
{
    private readonly ModuleFixture _f;
    public PipelineTests(ModuleFixture f) => _f = f;

    [Fact]
    public async Task ThrottlingLongerThanAllowedEndsAsRetriesExhaustedWithTheLimitsCategory()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        // Graph asks to wait longer than the client ever waits for one Retry-After.
        await _f.Emulator.Control.SetFaultsAsync(new { script = new[] { "429" }, stormRetryAfter = 400 });
        PsResult r;
        try
        {
            r = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com 2>&1");
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Output.Select(o => o.BaseObject).OfType<ErrorRecord>());
        Assert.Equal("RetriesExhausted,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        Assert.StartsWith("Gave up after 1 attempt over ", error.Exception.Message);
        Assert.Contains("Graph answered HTTP 429", error.Exception.Message);
        Assert.Contains("longer than the 300 s allowed", error.Exception.Message);
    }

    [Fact]
    public async Task SustainedThrottlingIsPacedNotLost()
    {
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(_f.Connect()).Terminating);
        // Every Graph request is answered 429 for 3 s, each asking for a 0.25 s wait: far more
        // 429s in a row than any fixed retry count would take.
        await _f.Emulator.Control.SetFaultsAsync(new { stormSeconds = 3, stormRetryAfter = 0.25 });
        PsResult r;
        try
        {
            r = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com -PhoneType mobile -Verbose");
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal("+1 2065550101", Convert.ToString(Assert.Single(r.Output).Properties["PhoneNumber"].Value));
        Assert.True(r.Verbose.Count(v => v.Contains("retrying") && v.Contains("HTTP 429")) > 6,
            string.Join("\n", r.Verbose));
        // The session's limiter paused every request for each Retry-After (a 429 of a request, or
        // of an item of a $batch: Get-MfaPhone reads the user and its methods in one batch).
        Assert.True(r.Verbose.Any(v => v.StartsWith("throttle: ") && v.Contains(": every request waits")), string.Join("\n", r.Verbose));
    }

    [Fact]
    public void UserIdsMadeOfDotsAreRefusedAsInvalidInput()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Get-MfaPhone -UserId '..', '.', 'adele.vance@contoso.com' -PhoneType mobile 2>&1");
        Assert.Null(r.Terminating);
        var errors = r.Output.Select(o => o.BaseObject).OfType<ErrorRecord>().ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e =>
        {
            Assert.Equal("InvalidInput,MfaPhone.Commands.GetMfaPhoneCommand", e.FullyQualifiedErrorId);
            Assert.Contains("made only of dots", e.Exception.Message);
        });
        Assert.Single(r.Output, o => o.BaseObject is not ErrorRecord);
    }
}
