using System.Text.RegularExpressions;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// examples/demo.ps1, what ./build.sh demo runs, in the bundled console host against a fresh
/// emulator at 80 columns: it must run to the end, read well and show what it claims.
/// </summary>
public sealed class DemoTests
{
    [Fact]
    public void TheDemoRunsTheWebhookRunbookTwiceAndReportsDrift()
    {
        using var emulator = EmulatorProcess.Start("--seed", "1");
        string endpoint = emulator.BaseUrl.ToString().TrimEnd('/');
        string demo = Path.Combine(PowerShellHarness.RepoRoot, "examples", "demo.ps1");
        var run = BundledHost.Run($"& '{demo}' -Endpoint '{endpoint}'", new Dictionary<string, string> { ["COLUMNS"] = "80" });
        Assert.True(run.ExitCode == 0 && run.StdErr.Length == 0, run.ToString());
        string output = run.StdOut;

        // Fits an 80-column terminal.
        foreach (string line in output.Split('\n'))
            Assert.True(line.Length <= 80, $"A line is {line.Length} columns wide:\n{line}");

        string[] steps = Regex.Split(output, @"^== ", RegexOptions.Multiline);
        string Step(string number) => steps.Single(s => s.StartsWith(number, StringComparison.Ordinal));

        // The caller's request reached the webhook: 300 users, one job.
        Assert.Matches(@"\n\s*300\s+202\s+[0-9a-f-]{36}", Step("2."));

        // The first run changed numbers; every kind of outcome is there.
        string first = Step("3.");
        foreach (string row in new[] { @"Add\s+Succeeded\s+\d+", @"Update\s+Succeeded\s+\d+", @"NoChange\s+Succeeded\s+\d+", @"Skip\s+Skipped\s+\d+" })
            Assert.Matches(row, first);
        Assert.Matches(@"300 users in [\d.]+ s: \d+ requests \(\d+ \$batch items\), [1-9]\d* writes", first);
        Assert.Contains("Why skipped:", first);

        // The second run changed nothing.
        string second = Step("4.");
        Assert.DoesNotMatch(@"(Add|Update|Remove)\s+Succeeded", second);
        Assert.Matches(@"300 users in [\d.]+ s: \d+ requests \(\d+ \$batch items\), 0 writes", second);

        // The drift report names the three drifted users and nothing else.
        string drift = Step("5.");
        Assert.Equal(3, Regex.Matches(drift, @"@contoso\.com").Count);
        Assert.Matches(@"300 users compared in [\d.]+ s; nothing written", drift);

        Assert.Contains("== Done in", output);
        // The webhook URL's token never shows.
        Assert.DoesNotContain("token=", output);
    }
}
