using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// What the README and help tell an admin to type, run in the bundled console host against the
/// emulator: the output an admin reads, not just the objects.
/// </summary>
[Collection("emulator")]
public sealed class AdminWorkflowTests
{
    private readonly ModuleFixture _f;

    public AdminWorkflowTests(ModuleFixture f) => _f = f;

    private string Connect() =>
        "Import-Module MfaPhone\n" + ModuleFixture.ConnectScript(_f.Endpoint);

    [Fact]
    public void ReadmeCsvExampleBindsEachRowAndPrintsTheTableAt80Columns()
    {
        string dir = Directory.CreateTempSubdirectory("mfaphone-csv-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "users.csv"),
                "UserPrincipalName,Department\n" +
                "zoë.ångström@contoso.com,Sales\n" +
                "adele.vance@contoso.com,\"Retail, North\"\n" +
                "nobody@contoso.com,None\n" +
                "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com,Guests\n");

            var r = BundledHost.Run(Connect() + "Import-Csv users.csv | Get-MfaPhone -PhoneType mobile\n",
                new Dictionary<string, string> { ["COLUMNS"] = "80" }, workingDirectory: dir);

            var lines = r.StdOut.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            Assert.Equal(new[] { "UserPrincipalName", "PhoneType", "PhoneNumber", "SmsSignInState" },
                lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            // In CSV order; a UPN longer than its column continues on the next line.
            Assert.Matches(@"(?m)^zoë\.ångström@contoso\.co\s+mobile\s+\+46 701234567\s+\w+\n^m\n" +
                           @"^adele\.vance@contoso\.com\s+mobile\s+\+1 2065550101\s+\w+\n" +
                           @"^bob_fabrikam\.com#EXT#@c\s+mobile\s+\+44 7700900123\s+\w+\n^ontoso\.onmicrosoft\.com$",
                string.Join("\n", lines));
            Assert.All(lines, l => Assert.True(l.Length <= 80, l));
            // The unknown user is a non-terminating error on stderr; the others are still read.
            Assert.Contains("Get-MfaPhone:", r.StdErr);
            Assert.Contains("nobody@contoso.com", r.StdErr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void GetMfaPhoneAndGetMfaGraphContextWriteTheirPSTypeNames()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            (Get-MfaPhone -UserId adele.vance@contoso.com)[0].PSTypeNames[0]
            (Get-MfaGraphContext).PSTypeNames[0]
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { "MfaPhone.PhoneMethod", "MfaPhone.GraphContext" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void GetMfaGraphContextReadsAsAListThatFits80Columns()
    {
        var r = BundledHost.Run(Connect() + "Get-MfaGraphContext\n", new Dictionary<string, string> { ["COLUMNS"] = "80" });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^TenantId\s+: contoso.onmicrosoft.com$", r.StdOut);
        Assert.Matches(@"(?m)^Roles\s+: \S", r.StdOut);
        Assert.All(r.StdOut.Split('\n'), l => Assert.True(l.Length <= 80, l));
    }
}
