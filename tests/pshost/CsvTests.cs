using System.Text;
using Xunit;

namespace MfaPhone.PsHost.Tests;

/// <summary>Import-Csv and ConvertFrom-Csv: rows become objects whose properties bind by name.</summary>
public class CsvTests
{
    [Fact]
    public void ImportCsv_RowsBecomeObjectsWithHeaderProperties_QuotedFieldsKept()
    {
        using var dir = new TempDir();
        dir.Write("users.csv",
            "UserPrincipalName,DisplayName,Note\n" +
            "adele.vance@contoso.com,\"Vance, Adele\",\"says \"\"hi\"\"\"\n" +
            "\n" +
            "zoë.ångström@contoso.com,Zoë Ångström,\"two\nlines\"\n" +
            "short@contoso.com\n");

        var r = PsHostProcess.Command(
            $"Import-Csv -Path {Lines.Quote(Path.Combine(dir.Path, "users.csv"))} | " +
            "ForEach-Object { '{0}|{1}|{2}|{3}' -f $_.UserPrincipalName, $_.DisplayName, ($_.Note -replace \"`n\", '\\n'), ($null -eq $_.Note) }");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[]
        {
            "adele.vance@contoso.com|Vance, Adele|says \"hi\"|False",
            "zoë.ångström@contoso.com|Zoë Ångström|two\\nlines|False",
            "short@contoso.com|||True",
        }, Lines.Of(r.StdOut));
    }

    [Fact]
    public void ImportCsv_TypeLine_Header_Delimiter_LiteralPath_AndBom()
    {
        using var dir = new TempDir();
        string typed = dir.Write("typed.csv", "#TYPE Contoso.User\n\"Id\",\"Upn\"\n\"1\",\"a@contoso.com\"\n");
        string semi = Path.Combine(dir.Path, "semi [x].csv");
        File.WriteAllText(semi, "a@contoso.com;+46 70 123 45 67\r\nb@contoso.com;+1 206 555 0101\r\n", new UTF8Encoding(true));

        var r = PsHostProcess.Command(
            $"$t = Import-Csv {Lines.Quote(typed)}; $t.PSTypeNames[0]; $t.Upn; " +
            $"Import-Csv -LiteralPath {Lines.Quote(semi)} -Delimiter ';' -Header User, Phone | ForEach-Object {{ $_.User + '=' + $_.Phone }}");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "CSV:Contoso.User", "a@contoso.com", "a@contoso.com=+46 70 123 45 67", "b@contoso.com=+1 206 555 0101" },
            Lines.Of(r.StdOut));
    }

    [Fact]
    public void ImportCsv_MissingFile_IsAnErrorNamingIt_DuplicateColumns_Terminate()
    {
        using var dir = new TempDir();
        string dup = dir.Write("dup.csv", "Id,id\n1,2\n");

        var missing = PsHostProcess.Command($"Import-Csv {Lines.Quote(Path.Combine(dir.Path, "nope.csv"))}; 'after'");
        var duplicate = PsHostProcess.Command($"Import-Csv {Lines.Quote(dup)}");

        Assert.Contains("nope.csv", missing.StdErr);
        Assert.Contains("after", missing.StdOut);
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("\"id\" is already present", duplicate.StdErr);
    }

    [Fact]
    public void ConvertFromCsv_LinesFromThePipeline_BindByPropertyName()
    {
        var r = PsHostProcess.Command(
            "function Show { param([Parameter(ValueFromPipelineByPropertyName)][Alias('UserPrincipalName')] [string] $UserId) process { \"user=$UserId\" } }\n" +
            "'UserPrincipalName,Other', 'a@contoso.com,1', 'b@contoso.com,2' | ConvertFrom-Csv | Show");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { "user=a@contoso.com", "user=b@contoso.com" }, Lines.Of(r.StdOut));
    }
}
