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
