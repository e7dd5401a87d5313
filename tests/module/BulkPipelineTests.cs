using System.Management.Automation;
using System.Text.RegularExpressions;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// The bulk pipeline every bulk cmdlet uses: a long pipeline streams through the engine in
/// bounded memory, and input objects are turned into user ids without ever being stringified.
/// </summary>
[Collection("emulator")]
public sealed class BulkPipelineTests
{
    private readonly ModuleFixture _f;
    public BulkPipelineTests(ModuleFixture f) => _f = f;

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    [Fact]
    public void APipelineOfTenThousandObjectsFlowsInBoundedMemory()
    {
        // A private emulator without throttling budgets: 10,000 reads would otherwise wait
        // for the small tenant's resource units.
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        using var emulator = EmulatorProcess.Start("--tenant", tenant, "--seed", "5", "--no-throttling");
        using var ps = new PowerShellHarness();
        Assert.Null(ps.Run(ModuleFixture.ConnectScript(emulator.BaseUrl.ToString().TrimEnd('/'))).Terminating);

        // The objects are made one at a time as the pipeline pulls them, and the results are
        // counted, not kept: nothing but the engine and the pipeline holds them.
        var r = ps.Run("""
            $count = 0; $inOrder = $true; $i = 0
            1..10000 | ForEach-Object { [pscustomobject]@{ UserPrincipalName = if ($_ % 2) { 'adele.vance@contoso.com' } else { 'zoë.ångström@contoso.com' } } } |
                Get-MfaPhone -PhoneType mobile -ThrottleLimit 8 -Debug |
                ForEach-Object {
                    $i++
                    $expected = if ($i % 2) { 'adele.vance@contoso.com' } else { 'zoë.ångström@contoso.com' }
                    if ($_.UserPrincipalName -ne $expected) { $inOrder = $false }
                    $count++
                }
            $count; $inOrder
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new object[] { 10000, true }, r.Output.Select(o => o.BaseObject));

        string stats = Assert.Single(r.Debug, d => d.StartsWith("bulk: "));
        long Number(string pattern) => long.Parse(Regex.Match(stats, pattern).Groups[1].Value);
        Assert.Equal(10000, Number(@"^bulk: (\d+) items"));
        long held = Number(@"engine held at most (\d+)"), heldLimit = Number(@"engine held at most \d+ \(limit (\d+)\)");
        long inputPeak = Number(@"input queue peak (\d+)"), inputCapacity = Number(@"input queue peak \d+ of (\d+)");
        long waiting = Number(@"results waiting for input order at most (\d+)");
        long events = Number(@"events waiting at most (\d+)");
        // Bounded by the engine's limits, which are far below the number of items.
        Assert.InRange(held, 1, heldLimit);
        Assert.InRange(inputPeak, 1, inputCapacity);
        Assert.True(heldLimit + inputCapacity < 2000, stats);
        Assert.InRange(waiting, 1, 4096);
        Assert.InRange(events, 1, 4 * heldLimit);
        // Read through $batch, up to 20 requests (a user's phone methods and the user's ids, two
        // per user) to a batch (how full each batch is depends on how fast the pipeline delivers
        // input: a partly filled batch goes after a short wait).
        Assert.InRange(Number(@"(\d+) requests \("), 1000, 20000);
        Assert.Equal(20000, Number(@"\((\d+) in batches\)"));
    }

    [Fact]
    public void AnInputObjectWithoutAUserIdIsAnInputErrorNamingThePropertiesLookedFor()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            $items = @(
                'adele.vance@contoso.com',
                [pscustomobject]@{ DisplayName = 'Adele'; Phone = '+1 206 555 0101' },
                @{ UserPrincipalName = 'zoë.ångström@contoso.com' },
                [pscustomobject]@{ Id = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'; UserPrincipalName = 'nobody@contoso.com' },
                [pscustomobject]@{ UserPrincipalName = $null; ObjectId = '2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b' },
                42
            )
            $items | Get-MfaPhone -PhoneType mobile 2>&1
            """);
        Assert.Null(r.Terminating);
        var tokens = r.Output.Select(o => o.BaseObject is ErrorRecord e ? "E" : "O:" + Prop(o, "UserPrincipalName") + "|" + Prop(o, "PhoneNumber")).ToArray();
        Assert.Equal(new[]
        {
            "O:adele.vance@contoso.com|+1 2065550101",
            "E",
            "O:zoë.ångström@contoso.com|+46 701234567",
            // The object id is preferred over the user principal name (nobody@ does not exist).
            "O:adele.vance@contoso.com|+1 2065550101",
            "O:bob_fabrikam.com#EXT#@contoso.onmicrosoft.com|+44 7700900123",
            "E",
        }, tokens);
        var errors = r.Output.Select(o => o.BaseObject).OfType<ErrorRecord>().ToList();
        Assert.All(errors, e =>
        {
            Assert.Equal("InvalidInput,MfaPhone.Commands.GetMfaPhoneCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
            Assert.Contains("UserPrincipalName, Id, ObjectId or UserId", e.Exception.Message);
            // The object itself is the target; its content is never turned into a user id.
            Assert.DoesNotContain("555", e.Exception.Message);
            Assert.DoesNotContain("Adele", e.Exception.Message);
        });
        Assert.Equal("Adele", ((PSObject)errors[0].TargetObject).Properties["DisplayName"].Value);
        Assert.Equal(42, errors[1].TargetObject is PSObject p ? p.BaseObject : errors[1].TargetObject);
    }
}
