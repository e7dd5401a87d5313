using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>Tab completion through TabExpansion2 in a hosted runspace, as an editor or console asks for it.</summary>
public sealed class CompleterTests : IClassFixture<CompleterTests.Shell>
{
    public sealed class Shell : IDisposable
    {
        public PowerShellHarness Ps { get; } = new();

        public Shell()
        {
            // A stand-in for the cmdlets that will take these values: the completers as attributes.
            var r = Ps.Run("""
                function global:Test-Completion {
                    param(
                        [ArgumentCompleter([MfaPhone.Commands.RegionCompleter])] [string] $DefaultRegion,
                        [ArgumentCompleter([MfaPhone.Commands.SourcePropertyCompleter])] [string] $SourceProperty,
                        [ArgumentCompleter([MfaPhone.Commands.PhoneTypeCompleter])] [string] $Type,
                        [ArgumentCompleter([MfaPhone.Commands.EnvironmentCompleter])] [string] $Cloud)
                }
                """);
            if (r.Terminating != null) throw r.Terminating;
        }

        public void Dispose() => Ps.Dispose();
    }

    private readonly PowerShellHarness _ps;

    public CompleterTests(Shell shell) => _ps = shell.Ps;

    private List<CompletionResult> Complete(string input)
    {
        var r = _ps.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", input);
        Assert.Null(r.Terminating);
        return r.Output.Select(o => (CompletionResult)o.BaseObject).ToList();
    }

    [Fact]
    public void PhoneTypesCompleteWithWhatEachTypeIsFor()
    {
        var all = Complete("Test-Completion -Type ");
        Assert.Equal(new[] { "mobile", "alternateMobile", "office" }, all.Select(c => c.CompletionText));
        Assert.Contains("calls only", all[1].ToolTip);
        Assert.All(all, c => Assert.Equal(CompletionResultType.ParameterValue, c.ResultType));

        Assert.Equal(new[] { "alternateMobile" }, Complete("Test-Completion -Type al").Select(c => c.CompletionText));
        Assert.Equal(new[] { "'office'" }, Complete("Test-Completion -Type 'of").Select(c => c.CompletionText));
        // Get-MfaPhone's -PhoneType has a ValidateSet, which PowerShell completes itself.
        Assert.Equal(new[] { "alternateMobile", "mobile", "office" }, Complete("Get-MfaPhone -PhoneType ").Select(c => c.CompletionText));
    }

    [Fact]
    public void CloudsCompleteWithTheirHosts()
    {
        var us = Complete("Test-Completion -Cloud us");
        Assert.Equal(new[] { "USGov", "USGovDoD" }, us.Select(c => c.CompletionText));
        Assert.Contains("dod-graph.microsoft.us", us[1].ToolTip);
        Assert.Equal(new[] { "Global", "USGov", "USGovDoD", "China" }, Complete("Test-Completion -Cloud ").Select(c => c.CompletionText));
        Assert.Equal(new[] { "USGov", "USGovDoD" }, Complete("Connect-MfaGraph -Environment us").Select(c => c.CompletionText));
    }

    [Fact]
    public void RegionsCompleteByCodeAndByCountryName()
    {
        var se = Complete("Test-Completion -DefaultRegion se");
        Assert.Equal("SE", se[0].CompletionText);
        Assert.Equal("SE  Sweden (+46)", se[0].ListItemText);
        Assert.Contains("+46", se[0].ToolTip);
        // Then countries whose name starts with "se": Senegal, Serbia, Seychelles.
        Assert.Contains("SN", se.Select(c => c.CompletionText));
        Assert.Contains("RS", se.Select(c => c.CompletionText));

        Assert.Equal("SE", Complete("Test-Completion -DefaultRegion swed").Single().CompletionText);
        Assert.Equal("CI", Complete("Test-Completion -DefaultRegion cote").Single().CompletionText);     // Côte d'Ivoire
        Assert.Equal("GB", Complete("Test-Completion -DefaultRegion 'united k").Single().CompletionText.Trim('\''));
        Assert.Contains("US", Complete("Test-Completion -DefaultRegion states").Select(c => c.CompletionText)); // a word inside the name
    }

    [Fact]
    public void EveryRegionIsAnIsoCodeWithANameAndACallingCode()
    {
        var all = Complete("Test-Completion -DefaultRegion ");
        Assert.True(all.Count >= 240, $"{all.Count} regions");
        Assert.All(all, c =>
        {
            Assert.Matches("^[A-Z]{2}$", c.CompletionText);
            Assert.Matches(@"^[A-Z]{2}  \S.* \(\+\d{1,3}\)$", c.ListItemText);
        });
        Assert.Equal(all.Count, all.Select(c => c.CompletionText).Distinct().Count());
        foreach (string code in new[] { "US", "GB", "DE", "SE", "IN", "JP", "BR", "ZA", "AU", "XK" })
            Assert.Contains(code, all.Select(c => c.CompletionText));
    }

    [Fact]
    public void SourcePropertiesAreTheFifteenExtensionAttributesAndThePhoneProperties()
    {
        var all = Complete("Test-Completion -SourceProperty ").Select(c => c.CompletionText).ToList();
        Assert.Equal(Enumerable.Range(1, 15).Select(i => "extensionAttribute" + i).Concat(new[] { "mobilePhone", "businessPhones", "faxNumber" }), all);

        Assert.Equal(new[] { "extensionAttribute1", "extensionAttribute10", "extensionAttribute11", "extensionAttribute12",
                             "extensionAttribute13", "extensionAttribute14", "extensionAttribute15" },
            Complete("Test-Completion -SourceProperty extensionattribute1").Select(c => c.CompletionText));
        Assert.Contains("on-premises", Complete("Test-Completion -SourceProperty extensionAttribute15").Single().ToolTip);
    }

    [Fact]
    public void EveryModuleParameterNamedForACompleterCompletes()
    {
        // A parameter with one of these names either has a ValidateSet (PowerShell completes its
        // values) or gets the module's completer at import, so new cmdlets complete by naming
        // their parameters so.
        var r = _ps.Run("""
            foreach ($c in Get-Command -Module MfaPhone) {
                foreach ($p in $c.Parameters.Values) {
                    if ($p.Name -in 'PhoneType', 'Environment', 'DefaultRegion', 'Region', 'SourceProperty') {
                        $set = @($p.Attributes.Where({ $_ -is [ValidateSet] }).ValidValues)
                        '{0} -{1}|{2}' -f $c.Name, $p.Name, ($set -join ',')
                    }
                }
            }
            """);
        Assert.Null(r.Terminating);
        Assert.NotEmpty(r.Output);
        foreach (string line in r.Output.Select(o => o.ToString()))
        {
            string target = line.Split('|')[0], set = line.Split('|')[1];
            var results = Complete(target + " ");
            if (set.Length > 0)
                Assert.Equal(set.Split(',').OrderBy(v => v), results.Select(c => c.CompletionText).OrderBy(v => v));
            else
                Assert.True(results.Count > 0 && results.All(c => c.ToolTip != c.CompletionText), $"'{target}' does not complete with the module's completer.");
        }
    }

    [Fact]
    public void ImportRegistersTheCompleterForACmdletParameterByName()
    {
        // A cmdlet like the ones other parts of the module add: -DefaultRegion with no completer of its own.
        string assembly = typeof(TestRegionCommand).Assembly.Location;
        var r = _ps.Run("""
            Import-Module $args[0]
            $register = [MfaPhone.Commands.ErrorIds].Assembly.GetType('MfaPhone.Commands.Completers').GetMethod('Register', [Reflection.BindingFlags]'NonPublic,Static')
            $register.Invoke($null, @(, [type[]] @((Get-Command Test-MfaRegion).ImplementingType)))
            """, assembly);
        Assert.Null(r.Terminating);

        var se = Complete("Test-MfaRegion -DefaultRegion swe");
        Assert.Equal("SE", Assert.Single(se).CompletionText);
        Assert.Equal("SE  Sweden (+46)", se[0].ListItemText);
        Assert.Equal(new[] { "extensionAttribute15" }, Complete("Test-MfaRegion -SourceProperty extensionAttribute15").Select(c => c.CompletionText));
    }
}

/// <summary>A cmdlet with parameters named for completers and no completer attributes.</summary>
[Cmdlet(VerbsDiagnostic.Test, "MfaRegion")]
public sealed class TestRegionCommand : PSCmdlet
{
    [Parameter]
    public string? DefaultRegion { get; set; }

    [Parameter]
    public string? SourceProperty { get; set; }
}
