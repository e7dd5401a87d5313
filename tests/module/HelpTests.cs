using System.Diagnostics;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// Help is generated from the cmdlets and module/help/*.md: for every exported cmdlet, Get-Help
/// must agree with what PowerShell binds (one syntax per parameter set; positions, aliases,
/// mandatory flags and pipeline input per parameter) and carry real prose. A failure names the
/// file and the section to add.
/// </summary>
public sealed class HelpTests : IClassFixture<HelpTests.Shell>
{
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    };

    public sealed class Shell : IDisposable
    {
        public PowerShellHarness Ps { get; } = new();

        public void Dispose() => Ps.Dispose();
    }

    private readonly PowerShellHarness _ps;

    public HelpTests(Shell shell) => _ps = shell.Ps;

    public static IEnumerable<object[]> Cmdlets()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("(Get-Command -Module MfaPhone -CommandType Cmdlet).Name");
        return r.Output.Select(o => new object[] { (string)o.BaseObject }).ToList();
    }

    private static string Md(string cmdlet) => $"module/help/{cmdlet}.md";

    private PSObject Help(string cmdlet)
    {
        var r = _ps.Run("Get-Help -Name $args[0] -Full", cmdlet);
        Assert.Null(r.Terminating);
        return Assert.Single(r.Output);
    }

    private CmdletInfo Command(string cmdlet)
    {
        var r = _ps.Run("Get-Command -Name $args[0]", cmdlet);
        Assert.Null(r.Terminating);
        return (CmdletInfo)Assert.Single(r.Output).BaseObject;
    }

    private static object? Prop(object? o, string name) => o is PSObject p ? p.Properties[name]?.Value : null;

    private static string Str(object? o, string name) => Convert.ToString(Prop(o, name))?.Trim() ?? "";

    private static List<PSObject> Many(object? o) => o switch
    {
        null => new List<PSObject>(),
        PSObject p when p.BaseObject is object[] a => a.Select(PSObject.AsPSObject).ToList(),
        object[] a => a.Select(PSObject.AsPSObject).ToList(),
        PSObject p => new List<PSObject> { p },
        _ => new List<PSObject> { PSObject.AsPSObject(o) },
    };

    /// <summary>The text of a help description (an array of @{Text=...} paragraphs).</summary>
    private static string Text(object? description) =>
        string.Join("\n", Many(description).Select(p => Str(p, "Text"))).Trim();

    private static string Pipeline(CommandParameterInfo p) =>
        p.ValueFromPipeline && p.ValueFromPipelineByPropertyName ? "True (ByPropertyName, ByValue)"
        : p.ValueFromPipeline ? "True (ByValue)"
        : p.ValueFromPipelineByPropertyName ? "True (ByPropertyName)"
        : "False";

    private static string Position(CommandParameterInfo p) =>
        p.Position == int.MinValue ? "named" : p.Position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Aliases(IEnumerable<string> aliases) =>
        aliases.Any() ? string.Join(", ", aliases) : "none";

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void SyntaxHasOneBlockPerParameterSetMatchingTheBinder(string cmdlet)
    {
        CmdletInfo command = Command(cmdlet);
        var syntax = Many(Prop(Prop(Help(cmdlet), "syntax"), "syntaxItem"));
        Assert.True(syntax.Count == command.ParameterSets.Count,
            $"{cmdlet}: Get-Help shows {syntax.Count} syntax block(s) for {command.ParameterSets.Count} parameter set(s).");

        var unmatched = syntax.ToList();
        foreach (CommandParameterSetInfo set in command.ParameterSets)
        {
            var expected = set.Parameters.Where(p => !Common.Contains(p.Name))
                .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
            PSObject? block = unmatched.FirstOrDefault(s =>
                Many(Prop(s, "parameter")).Select(p => Str(p, "name")).ToHashSet(StringComparer.OrdinalIgnoreCase)
                    .SetEquals(expected.Keys));
            Assert.True(block != null,
                $"{cmdlet}: no syntax block lists exactly the parameters of set '{set.Name}': {string.Join(", ", expected.Keys)}.");
            unmatched.Remove(block!);

            foreach (PSObject hp in Many(Prop(block, "parameter")))
            {
                CommandParameterInfo p = expected[Str(hp, "name")];
                string where = $"{cmdlet} -{p.Name} in set '{set.Name}'";
                Assert.True(Str(hp, "required") == (p.IsMandatory ? "true" : "false"), $"{where}: required is '{Str(hp, "required")}'.");
                Assert.True(Str(hp, "position") == Position(p), $"{where}: position is '{Str(hp, "position")}', binder says {Position(p)}.");
                Assert.True(Str(hp, "pipelineInput") == Pipeline(p), $"{where}: pipeline input is '{Str(hp, "pipelineInput")}'.");
                Assert.True(Str(hp, "aliases") == Aliases(p.Aliases), $"{where}: aliases are '{Str(hp, "aliases")}'.");
                bool isSwitch = p.ParameterType == typeof(SwitchParameter);
                Assert.True(isSwitch == (Prop(hp, "parameterValue") == null),
                    $"{where}: a switch is shown without a value type and every other parameter with one.");
                if (!isSwitch)
                {
                    Assert.Equal(p.ParameterType.Name, Str(hp, "parameterValue"));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void EveryParameterIsDescribedWithTheBindersFacts(string cmdlet)
    {
        CmdletInfo command = Command(cmdlet);
        var documented = Many(Prop(Prop(Help(cmdlet), "parameters"), "parameter"))
            .ToDictionary(p => Str(p, "name"), StringComparer.OrdinalIgnoreCase);
        var parameters = command.ParameterSets.SelectMany(s => s.Parameters).Where(p => !Common.Contains(p.Name))
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Equal(parameters.Select(g => g.Key).OrderBy(n => n), documented.Keys.OrderBy(n => n));

        foreach (var uses in parameters)
        {
            PSObject hp = documented[uses.Key];
            string name = uses.Key;
            Assert.True(Text(Prop(hp, "description")).Length > 0,
                $"{cmdlet} -{name} has no description: add a '### -{name}' section under '## PARAMETERS' in {Md(cmdlet)}.");
            Assert.Equal(uses.All(p => p.IsMandatory) ? "true" : "false", Str(hp, "required"));
            var positions = uses.Select(Position).Distinct().ToList();
            Assert.Equal(positions.Count == 1 ? positions[0] : "named", Str(hp, "position"));
            Assert.Equal(Aliases(uses.First().Aliases), Str(hp, "aliases"));
            Assert.Equal(Pipeline(uses.First()), Str(hp, "pipelineInput"));
            Assert.False(string.IsNullOrEmpty(Str(hp, "defaultValue")), $"{cmdlet} -{name}: no default value shown.");
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void SynopsisDescriptionInputsOutputsExamplesAndLinksAreFilled(string cmdlet)
    {
        PSObject help = Help(cmdlet);
        string synopsis = Str(help, "Synopsis");
        Assert.True(synopsis.Length > 0 && !synopsis.Contains(cmdlet, StringComparison.Ordinal),
            $"{cmdlet}: no synopsis; write {Md(cmdlet)} with a '## SYNOPSIS' paragraph.");
        Assert.True(Text(Prop(help, "description")).Length > 0, $"{cmdlet}: add a '## DESCRIPTION' to {Md(cmdlet)}.");

        var inputs = Many(Prop(Prop(help, "inputTypes"), "inputType"));
        Assert.True(inputs.Count > 0 && inputs.All(i => Str(Prop(i, "type"), "name").Length > 0),
            $"{cmdlet}: add '## INPUTS' with '### TypeName' sections ('### None' when nothing is piped in) to {Md(cmdlet)}.");
        var outputs = Many(Prop(Prop(help, "returnValues"), "returnValue"));
        Assert.True(outputs.Count > 0 && outputs.All(o => Str(Prop(o, "type"), "name").Length > 0),
            $"{cmdlet}: add '## OUTPUTS' with '### TypeName' sections to {Md(cmdlet)}.");

        var examples = Many(Prop(Prop(help, "examples"), "example"));
        Assert.True(examples.Count >= 2, $"{cmdlet}: {examples.Count} example(s); add at least two under '## EXAMPLES' in {Md(cmdlet)}.");
        foreach (PSObject e in examples)
        {
            string title = Regex.Replace(Str(e, "title"), @"^-*\s*Example \d+:\s*|\s*-*$", "");
            string remarks = Text(Prop(e, "remarks"));
            Assert.True(Str(e, "code").Length > 0, $"{cmdlet}: example '{title}' has no ```powershell block in {Md(cmdlet)}.");
            Assert.True(remarks.Length > 0 && !string.Equals(remarks.TrimEnd('.'), title.TrimEnd('.'), StringComparison.OrdinalIgnoreCase),
                $"{cmdlet}: example '{title}' needs an explanation that adds to its title in {Md(cmdlet)}.");
        }

        var links = Many(Prop(Prop(help, "relatedLinks"), "navigationLink"));
        Assert.True(links.Count > 0 && links.All(l => Str(l, "linkText").Length > 0),
            $"{cmdlet}: add '## RELATED LINKS' ('- Name' lines) to {Md(cmdlet)}.");
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void TheProseDocumentsOnlyParametersTheCmdletHas(string cmdlet)
    {
        string path = Path.Combine(PowerShellHarness.RepoRoot, Md(cmdlet));
        Assert.True(File.Exists(path), $"{cmdlet}: write {Md(cmdlet)}.");
        var names = Command(cmdlet).Parameters.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in Regex.Matches(File.ReadAllText(path), @"^### -(\S+)", RegexOptions.Multiline))
        {
            Assert.True(names.Contains(m.Groups[1].Value),
                $"{Md(cmdlet)} documents -{m.Groups[1].Value}, which {cmdlet} does not have: remove or rename the section.");
        }
    }

    [Theory]
    [InlineData("Connect-MfaGraph", "TimeoutSec", "100")]
    [InlineData("Connect-MfaGraph", "Environment", "Global")]
    [InlineData("Connect-MfaGraph", "PassThru", "False")]
    [InlineData("Connect-MfaGraph", "AuthorityHost", "the cloud's sign-in host")]
    [InlineData("Get-MfaPhone", "ThrottleLimit", "8")]
    [InlineData("Get-MfaPhone", "PhoneType", "mobile, alternateMobile, office")]
    public void DefaultsComeFromTheCodeOrTheProse(string cmdlet, string parameter, string expected)
    {
        var p = Many(Prop(Prop(Help(cmdlet), "parameters"), "parameter")).Single(x => Str(x, "name") == parameter);
        Assert.Equal(expected, Str(p, "defaultValue"));
    }

    [Fact]
    public void ConnectShowsEachSignInWayAsItsOwnSyntaxWithSetsNamedInTheParameterText()
    {
        var r = _ps.Run("""
            $h = Get-Help Connect-MfaGraph -Full
            @($h.syntax.syntaxItem).ForEach({ (@($_.parameter).Where({ $_.required -eq 'true' }).name) -join ',' })
            (@($h.parameters.parameter).Where({ $_.name -eq 'ClientId' }).description.Text) -join ' '
            """);
        Assert.Null(r.Terminating);
        var lines = r.Output.Select(o => o.ToString()).ToList();
        Assert.Contains("TenantId,ClientId,ClientSecret", lines);
        Assert.Contains("TenantId,ClientSecretCredential", lines);
        var sets = Regex.Match(lines.Last(), @"Parameter sets: ([^.]*)\.").Groups[1].Value.Split(", ").OrderBy(x => x, StringComparer.Ordinal);
        Assert.Equal(new[] { "Certificate", "ClientSecret", "Credential", "DeviceCode" }, sets);
    }

    [Fact]
    public void AboutMfaPhoneIsFoundAndCoversSetupAutomationAndEveryErrorId()
    {
        var r = _ps.Run("Get-Help about_MfaPhone | Out-String -Width 200");
        if (r.Terminating != null || r.Output.Count == 0)
        {
            // No Out-String in a bare runspace: Get-Help returns the topic's text itself.
            r = _ps.Run("Get-Help about_MfaPhone");
        }

        Assert.Null(r.Terminating);
        string text = string.Join("\n", r.Output.Select(o => o.ToString()));
        string flat = Regex.Replace(text, @"\s+", " ");
        foreach (string must in new[]
                 {
                     "about_MfaPhone", "UserAuthMethod-Phone.ReadWrite.All", "New-MgServicePrincipalAppRoleAssignment",
                     "managed identity", "Runtime Environments", "New-AzAutomationModule", "Webhook setup", "Delta state",
                 })
        {
            Assert.Contains(must, flat);
        }

        var ids = _ps.Run("[MfaPhone.Commands.ErrorIds].GetFields().ForEach({ $_.GetValue($null) })").Output.Select(o => (string)o.BaseObject);
        foreach (string id in ids)
        {
            Assert.True(Regex.IsMatch(text, @"^\s{4}" + id + @"\b", RegexOptions.Multiline),
                $"about_MfaPhone's TROUBLESHOOTING has no entry for the error id {id}; add one to module/en-US/about_MfaPhone.help.txt.");
        }

        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, $"longer than 80 columns: {line}"));
    }

    [Fact]
    public void TheGeneratorNamesMissingProseAndStaleSections()
    {
        string dir = Directory.CreateTempSubdirectory("mfaphone-helpgen-").FullName;
        try
        {
            string source = File.ReadAllText(Path.Combine(PowerShellHarness.RepoRoot, Md("Get-MfaPhone")));
            // Drop -ThrottleLimit's section and document a parameter that does not exist.
            string edited = Regex.Replace(source, @"### -ThrottleLimit.*?(?=^##)", "### -Frobnicate\nNot a parameter.\n\n",
                RegexOptions.Singleline | RegexOptions.Multiline);
            File.WriteAllText(Path.Combine(dir, "Get-MfaPhone.md"), edited);

            var (exit, stdout, stderr) = RunHelpGen(dir, Path.Combine(dir, "out.xml"), "--strict");

            Assert.True(exit == 1, $"exit {exit}\n{stdout}\n{stderr}");
            Assert.Contains("Get-MfaPhone.md: add a '### -ThrottleLimit' section under '## PARAMETERS'.", stderr);
            Assert.Contains("'### -Frobnicate' documents a parameter Get-MfaPhone does not have", stderr);
            Assert.Contains("Connect-MfaGraph: no help prose; write", stderr);
            Assert.True(File.Exists(Path.Combine(dir, "out.xml")), "the MAML is still written");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheCommittedProseIsCompleteForTheGenerator()
    {
        string dir = Directory.CreateTempSubdirectory("mfaphone-helpgen-").FullName;
        try
        {
            var (exit, stdout, stderr) = RunHelpGen(Path.Combine(PowerShellHarness.RepoRoot, "module", "help"),
                Path.Combine(dir, "out.xml"), "--strict");
            Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static (int Exit, string Stdout, string Stderr) RunHelpGen(string helpDir, string output, params string[] extra)
    {
        string tool = Environment.GetEnvironmentVariable("MFAPHONE_HELPGEN") is { Length: > 0 } fromEnv
            ? fromEnv
            : Path.Combine(PowerShellHarness.RepoRoot, "build", "tools", "helpgen", "mfaphone-helpgen.dll");
        string assembly = Path.Combine(PowerShellHarness.ModuleDir, "MfaPhone.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { tool, "--assembly", assembly, "--help-dir", helpDir, "--out", output }.Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(true);
            throw new TimeoutException("mfaphone-helpgen did not finish.");
        }

        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The README states what works truthfully: every command it lists as working exists.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void CommandsTheReadmeSaysWorkAreExported()
    {
        string readme = File.ReadAllText(Path.Combine(PowerShellHarness.RepoRoot, "README.md"));
        string works = readme.Substring(readme.IndexOf("| works now |", StringComparison.Ordinal));
        works = works.Substring(0, works.IndexOf("\n\n", StringComparison.Ordinal));
        var named = Regex.Matches(works, @"`([A-Z][A-Za-z]+-Mfa\w+)`").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(named);

        using var ps = new PowerShellHarness();
        var exported = ps.Run("(Get-Command -Module MfaPhone).Name").Output.Select(o => o.ToString()).ToHashSet();
        foreach (string command in named) Assert.True(exported.Contains(command), $"README says {command} works, but the module does not export it.");

        // And the quick starts use only exported commands or ones the Status section names as not yet there.
        string notYet = readme.Substring(readme.IndexOf("Not in this version", StringComparison.Ordinal));
        foreach (Match m in Regex.Matches(readme, @"\b([A-Z][A-Za-z]+-Mfa\w+)\b(?!\.ps1)"))
        {
            string command = m.Groups[1].Value;
            Assert.True(exported.Contains(command) || notYet.Contains(command), $"README uses {command}, which is neither exported nor listed as not in this version.");
        }
    }
}
