using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// The views in MfaPhone.format.ps1xml as an admin sees them in the bundled console host: at 80
/// columns every column is there and no line is longer; long values wrap instead of vanishing;
/// numbers in sync results are masked except in the Full view.
/// </summary>
public sealed class FormatTests
{
    private const string LongUpn = "zoë.ångström-lindqvist@contoso.onmicrosoft.com";

    private const string PhoneMethods = """
        Import-Module MfaPhone
        $methods = @(
            [MfaPhone.MfaPhoneMethod]@{ UserPrincipalName = 'ZOE'; UserId = '1c2d3e4f-5061-4728-93a4-b5c6d7e8f90a'; PhoneType = 'alternateMobile'; PhoneNumber = '+1 4255550123x4242'; SmsSignInState = 'phoneNumberNotUnique'; Id = 'b6332ec1-7057-4abe-9331-3d72feddfe41' }
            [MfaPhone.MfaPhoneMethod]@{ UserPrincipalName = 'adele.vance@contoso.com'; UserId = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'; PhoneType = 'mobile'; PhoneNumber = '+46 701234567'; SmsSignInState = 'notAllowedByPolicy'; Id = '3179e48a-750b-4051-897c-87b9720928f7' }
        )

        """;

    private static List<string> LinesOf(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    private static void AssertFits(string text, int width = 80)
    {
        foreach (string line in LinesOf(text))
        {
            Assert.True(line.Length <= width, $"a line is {line.Length} columns wide:\n{line}\n--- whole output ---\n{text}");
        }
    }

    /// <summary>The header line of a table: the line above the first line of dashes.</summary>
    private static string HeaderLine(string text)
    {
        var lines = LinesOf(text);
        int i = lines.FindIndex(l => Regex.IsMatch(l, @"^-{2,}(\s+-+)*\s*$"));
        Assert.True(i > 0, "no table header in:\n" + text);
        return lines[i - 1];
    }

    private static void AssertColumns(string text, params string[] labels)
    {
        string header = HeaderLine(text);
        foreach (string label in labels)
        {
            Assert.True(Regex.IsMatch(header, $@"(^|\s){Regex.Escape(label)}(\s|$)"),
                $"column '{label}' is missing at 80 columns. Header: '{header}'\n{text}");
        }
    }

    [Fact]
    public void PhoneTableShowsEveryColumnAt80ColumnsAndWrapsLongUserIds()
    {
        var r = BundledHost.Run(PhoneMethods.Replace("'ZOE'", $"'{LongUpn}'") + """
            $methods
            '=== Format-Table'
            $methods | Format-Table | Out-String -Width 80
            """, new Dictionary<string, string> { ["COLUMNS"] = "80" });

        Assert.True(r.ExitCode == 0, r.ToString());
        string[] parts = r.StdOut.Split("=== Format-Table");
        foreach (string part in parts)
        {
            AssertColumns(part, "UserPrincipalName", "PhoneType", "PhoneNumber", "SmsSignInState");
            AssertFits(part);
            Assert.Contains("phoneNumberNotUnique", part);
            Assert.Contains("+1 4255550123x4242", part);
            Assert.DoesNotContain("…", part);
            // The long UPN wraps: its pieces, read down the first column, give it back whole.
            string firstColumn = string.Concat(LinesOf(part).SkipWhile(l => !l.StartsWith("zoë", StringComparison.Ordinal))
                .TakeWhile(l => !l.StartsWith("adele", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]));
            Assert.Equal(LongUpn, firstColumn);
        }
    }

    [Fact]
    public void PhoneListViewShowsEveryProperty()
    {
        var r = BundledHost.Run(PhoneMethods + "$methods | Format-List | Out-String -Width 80");

        Assert.True(r.ExitCode == 0, r.ToString());
        AssertFits(r.StdOut);
        foreach (string label in new[] { "UserPrincipalName", "UserId", "PhoneType", "PhoneNumber", "SmsSignInState", "Id" })
        {
            Assert.Matches($@"(?m)^{label}\s+: \S", r.StdOut);
        }
    }

    [Fact]
    public void OutputObjectsCarryTheirPSTypeNames()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("""
            ([MfaPhone.MfaPhoneMethod]::new()).PSTypeNames[0]
            ([MfaPhone.MfaGraphContext]::new()).PSTypeNames[0]
            $m = [MfaPhone.MfaPhoneMethod]@{ UserId = 'a' }; $m | ForEach-Object { $_.PSTypeNames -join ',' }
            """);
        Assert.Null(r.Terminating);
        Assert.Equal("MfaPhone.PhoneMethod", r.Output[0].BaseObject);
        Assert.Equal("MfaPhone.GraphContext", r.Output[1].BaseObject);
        Assert.Equal("MfaPhone.PhoneMethod,MfaPhone.MfaPhoneMethod,MfaPhone.MfaOutputObject,System.Object", r.Output[2].BaseObject);
    }

    [Fact]
    public void GraphContextListAndTableFit()
    {
        var r = BundledHost.Run("""
            Import-Module MfaPhone
            $c = [MfaPhone.MfaGraphContext]@{ TenantId = 'contoso.onmicrosoft.com'; ClientId = '5a8f0e1b-7c3d-4e2f-9a1b-2c3d4e5f6a7b'; Environment = 'USGovDoD'; AuthType = 'ClientSecret'; AuthorityHost = 'https://login.microsoftonline.us'; GraphEndpoint = 'https://dod-graph.microsoft.us'; TokenExpiresOn = [DateTimeOffset]::new(2030, 1, 2, 3, 4, 5, [TimeSpan]::Zero); Roles = @('UserAuthMethod-Phone.ReadWrite.All', 'User.Read.All') }
            $c
            '=== table'
            $c | Format-Table | Out-String -Width 80
            """, new Dictionary<string, string> { ["COLUMNS"] = "80" });

        Assert.True(r.ExitCode == 0, r.ToString());
        string[] parts = r.StdOut.Split("=== table");
        AssertFits(parts[0]);
        Assert.Matches(@"(?m)^Roles\s+: UserAuthMethod-Phone.ReadWrite.All, User.Read.All", parts[0]);
        Assert.Matches(@"(?m)^TenantId\s+: contoso.onmicrosoft.com", parts[0]);
        AssertColumns(parts[1], "TenantId", "Environment", "AuthType", "TokenExpiresOn");
        AssertFits(parts[1]);
    }

    private const string SyncResults = """
        Import-Module MfaPhone
        $results = @(
            [pscustomobject]@{ PSTypeName = 'MfaPhone.SyncResult'; UserId = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'; UserPrincipalName = 'adele.vance@contoso.com'; PhoneType = 'mobile'; Action = 'Update'; Status = 'Succeeded'; Before = '+46 701234567'; After = '+46 709876589'; Reason = '' }
            [pscustomobject]@{ PSTypeName = 'MfaPhone.SyncResult'; UserId = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'; UserPrincipalName = 'adele.vance@contoso.com'; PhoneType = 'alternateMobile'; Action = 'Skip'; Status = 'Skipped'; Before = '+1 4255550123x42'; After = ''; Reason = 'The current number is masked; sign in app-only to compare whole numbers.' }
            [pscustomobject]@{ PSTypeName = 'MfaPhone.SyncResult'; UserId = '1c2d3e4f-5061-4728-93a4-b5c6d7e8f90a'; UserPrincipalName = ''; PhoneType = 'office'; Action = 'Add'; Status = 'WhatIf'; Before = ''; After = '+998 901234512'; Reason = '' }
        )

        """;

    [Fact]
    public void SyncResultsAreGroupedByUserWithNumbersMaskedToCountryCodeAndLastTwoDigits()
    {
        var r = BundledHost.Run(SyncResults + """
            $results
            '=== list'
            $results | Format-List | Out-String -Width 80
            """, new Dictionary<string, string> { ["COLUMNS"] = "80" });

        Assert.True(r.ExitCode == 0, r.ToString());
        string[] parts = r.StdOut.Split("=== list");
        string table = parts[0];
        AssertColumns(table, "PhoneType", "Action", "Status", "Before", "After", "Reason");
        AssertFits(table);
        Assert.Contains("UserPrincipalName: adele.vance@contoso.com", table);
        Assert.Contains("UserPrincipalName: 1c2d3e4f-5061-4728-93a4-b5c6d7e8f90a", table); // no UPN: the object id
        Assert.Matches(@"mobile\s+Update\s+Succeeded\s+\+46 \*\*\*67\s+\+46 \*\*\*89", table);
        Assert.Matches(@"office\s+Add\s+WhatIf\s+\+998 \*\*\*12", table);
        Assert.Contains("+1 ***42", table);
        foreach (string whole in new[] { "701234567", "709876589", "4255550123", "901234512" })
        {
            Assert.DoesNotContain(whole, r.StdOut);
        }
        // The reason wraps within its column: read down the column, it comes back whole.
        var lines = LinesOf(table);
        int row = lines.FindIndex(l => l.StartsWith("alternateMobile", StringComparison.Ordinal));
        int column = HeaderLine(table).IndexOf("Reason", StringComparison.Ordinal);
        string reason = string.Concat(lines.Skip(row).TakeWhile(l => l.Length > column && (l == lines[row] || l.Substring(0, column).Trim().Length == 0))
            .Select(l => l.Substring(column).Trim()));
        Assert.Equal("The current number is masked; sign in app-only to compare whole numbers.".Replace(" ", ""), reason.Replace(" ", ""));

        string list = parts[1];
        AssertFits(list);
        Assert.Matches(@"(?m)^Before\s+: \+46 \*\*\*67$", list);
        Assert.Matches(@"(?m)^UserId\s+: 0b1c2d3e", list);
    }

    [Fact]
    public void TheFullViewAndShowFullNumberObjectsShowWholeNumbers()
    {
        var r = BundledHost.Run(SyncResults + """
            $results | Format-Table -View Full | Out-String -Width 80
            '=== typed'
            $full = $results[0].psobject.Copy(); $full.PSTypeNames.Insert(0, 'MfaPhone.SyncResult#ShowFullNumber'); $full
            '=== list'
            $results[0] | Format-List -View Full | Out-String -Width 80
            """, new Dictionary<string, string> { ["COLUMNS"] = "80" });

        Assert.True(r.ExitCode == 0, r.ToString());
        string[] parts = r.StdOut.Split("===");
        AssertColumns(parts[0], "PhoneType", "Action", "Status", "Before", "After", "Reason");
        AssertFits(parts[0]);
        Assert.Matches(@"mobile\s+Update\s+Succeeded\s+\+46 701234567\s+\+46 709876589", parts[0]);
        Assert.Contains("+1 4255550123x42", parts[0]);
        Assert.Matches(@"mobile\s+Update\s+Succeeded\s+\+46 701234567\s+\+46 709876589", parts[1]);
        Assert.Matches(@"(?m)^Before\s+: \+46 701234567$", parts[2]);
    }

    [Fact]
    public void PhoneNumberInfoAndSmsRelayResultViewsFit()
    {
        var r = BundledHost.Run("""
            Import-Module MfaPhone
            $info = @(
                [pscustomobject]@{ PSTypeName = 'MfaPhone.PhoneNumberInfo'; Input = '(0)70-123 45 67 ext. 1234'; PhoneNumber = '+46 701234567x1234'; Region = 'SE'; IsValid = $true; Reason = '' }
                [pscustomobject]@{ PSTypeName = 'MfaPhone.PhoneNumberInfo'; Input = '12'; PhoneNumber = ''; Region = 'US'; IsValid = $false; Reason = 'Too short to be a phone number in US: give the whole number with its area code.' }
            )
            $info
            '==='
            $relay = [pscustomobject]@{ PSTypeName = 'MfaPhone.SmsRelayResult'; Tenant = 'contoso.onmicrosoft.com'; From = '+1 2065550100'; Code = '******'; Status = 'Delivered'; SinksDelivered = @('teams', 'slack'); MessageSid = 'SM0123456789abcdef0123456789abcdef' }
            $relay | Out-String -Width 80
            '==='
            $info | Format-List | Out-String -Width 80
            $relay | Format-List | Out-String -Width 80
            """, new Dictionary<string, string> { ["COLUMNS"] = "80" });

        Assert.True(r.ExitCode == 0, r.ToString());
        string[] parts = r.StdOut.Split("===");
        AssertColumns(parts[0], "Input", "PhoneNumber", "Region", "IsValid", "Reason");
        AssertColumns(parts[1], "Tenant", "From", "Code", "Status", "Delivered");
        Assert.Contains("teams, slack", parts[1]);
        Assert.Contains("(0)70-123 45 67", parts[0]);
        foreach (string part in parts) AssertFits(part);
        Assert.Matches(@"(?m)^MessageSid\s+: SM0123", parts[2]);
    }

    /// <summary>Every view in the format file, also ones added later, at 80 columns with long values.</summary>
    [Fact]
    public void EveryViewInTheFormatFileFitsAt80ColumnsWithAllItsColumns()
    {
        XDocument doc = XDocument.Load(Path.Combine(PowerShellHarness.ModuleDir, "MfaPhone.format.ps1xml"));
        var script = new System.Text.StringBuilder("Import-Module MfaPhone\n");
        var expected = new List<(string Marker, bool Table, string[] Labels)>();
        int n = 0;
        foreach (XElement view in doc.Descendants("View"))
        {
            string name = view.Element("Name")!.Value;
            string type = view.Element("ViewSelectedBy")!.Elements("TypeName").First().Value;
            bool table = view.Element("TableControl") != null;
            var items = table
                ? view.Descendants("TableColumnItem").ToList()
                : view.Descendants("ListItem").ToList();
            var headers = view.Descendants("TableColumnHeader").ToList();
            var labels = new List<string>();
            var properties = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < items.Count; i++)
            {
                string? property = items[i].Element("PropertyName")?.Value;
                string? label = table ? headers.ElementAtOrDefault(i)?.Element("Label")?.Value : items[i].Element("Label")?.Value;
                labels.Add(label ?? property!);
                if (property != null) properties.Add(property);
                foreach (Match m in Regex.Matches(items[i].Element("ScriptBlock")?.Value ?? "", @"\$_\.(\w+)")) properties.Add(m.Groups[1].Value);
            }
            foreach (Match m in Regex.Matches(view.Element("GroupBy")?.ToString() ?? "", @"\$_\.(\w+)")) properties.Add(m.Groups[1].Value);

            string values = string.Join("; ", properties.Select(p => $"{p} = '{p}-" + new string('x', 40) + "'"));
            string marker = $"=== view {++n}";
            script.Append($"'{marker}'\n[pscustomobject]@{{ PSTypeName = '{type}'; {values} }} | " +
                          $"Format-{(table ? "Table" : "List")} -View '{name}' | Out-String -Width 80\n");
            expected.Add((marker, table, labels.ToArray()));
        }

        var r = BundledHost.Run(script.ToString());
        Assert.True(r.ExitCode == 0 && r.StdErr.Length == 0, r.ToString());
        for (int i = 0; i < expected.Count; i++)
        {
            var (marker, table, labels) = expected[i];
            int start = r.StdOut.IndexOf(marker + "\n", StringComparison.Ordinal);
            int end = i + 1 < expected.Count ? r.StdOut.IndexOf(expected[i + 1].Marker + "\n", StringComparison.Ordinal) : r.StdOut.Length;
            string part = r.StdOut.Substring(start + marker.Length, end - start - marker.Length);
            AssertFits(part);
            if (table)
            {
                AssertColumns(part, labels);
            }
            else
            {
                foreach (string label in labels) Assert.Matches($@"(?m)^{Regex.Escape(label)}\s+:", part);
            }
        }
    }
}
