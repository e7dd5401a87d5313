using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// tools/package.ps1 (what ./build.sh package runs), run in the bundled host on the staged module:
/// the zip Azure Automation imports and the nupkg the PowerShell Gallery serves, each installed
/// the way its consumer does it and imported from there.
/// </summary>
public sealed class PackageTests : IClassFixture<PackageTests.Packages>
{
    public sealed class Packages : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("mfaphone-package-").FullName;

        public string Zip => Path.Combine(Dir, "out", "MfaPhone.zip");

        public string Nupkg { get; }

        public HostRun Run { get; }

        public Packages()
        {
            // A native library "built elsewhere" for another platform: it must be packed too.
            string other = Path.Combine(Dir, "runtimes", "win-x64", "native");
            Directory.CreateDirectory(other);
            File.WriteAllText(Path.Combine(other, "mfaphone_native.dll"), "stand-in for the win-x64 build");

            string repo = PowerShellHarness.RepoRoot;
            Run = BundledHost.Run($"""
                & '{Path.Combine(repo, "tools", "package.ps1")}' -ModuleDirectory '{PowerShellHarness.ModuleDir}' `
                    -OutputDirectory '{Path.Combine(Dir, "out")}' -LicenseFile '{Path.Combine(repo, "LICENSE")}' `
                    -RuntimesDirectory '{Path.Combine(Dir, "runtimes")}'
                """);
            Nupkg = Directory.GetFiles(Path.Combine(Dir, "out"), "*.nupkg").SingleOrDefault() ?? "";
        }

        public void Dispose() => Directory.Delete(Dir, true);
    }

    private readonly Packages _p;

    public PackageTests(Packages p) => _p = p;

    private static string ManifestVersion()
    {
        using var ps = new PowerShellHarness();
        return ps.Run("(Get-Module MfaPhone).Version.ToString()").Output.Single().ToString();
    }

    [Fact]
    public void PackagingWritesTheZipAndTheNupkgAndNamesThePlatforms()
    {
        Assert.True(_p.Run.ExitCode == 0 && _p.Run.StdErr.Length == 0, _p.Run.ToString());
        Assert.True(File.Exists(_p.Zip), _p.Run.ToString());
        Assert.Equal($"MfaPhone.{ManifestVersion()}.nupkg", Path.GetFileName(_p.Nupkg));
        Assert.Contains("platforms: linux-x64, win-x64", _p.Run.StdOut);
    }

    [Fact]
    public void TheZipIsOneMfaPhoneFolderWithEveryPlatformAndTheLicence()
    {
        using ZipArchive zip = ZipFile.OpenRead(_p.Zip);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        // Azure Automation: the zip, its one folder and the manifest share the module's name.
        Assert.All(names, n => Assert.StartsWith("MfaPhone/", n));
        foreach (string expected in new[]
                 {
                     "MfaPhone/MfaPhone.psd1", "MfaPhone/MfaPhone.dll", "MfaPhone/MfaPhone.format.ps1xml", "MfaPhone/LICENSE",
                     "MfaPhone/en-US/MfaPhone.dll-Help.xml", "MfaPhone/en-US/about_MfaPhone.help.txt",
                     "MfaPhone/runtimes/linux-x64/native/libmfaphone_native.so", "MfaPhone/runtimes/win-x64/native/mfaphone_native.dll",
                     "MfaPhone/THIRD_PARTY_NOTICES.txt",
                 })
        {
            Assert.Contains(expected, names);
        }
    }

    [Fact]
    public void TheZipImportsFromAFreshFolderAndWorks()
    {
        string dir = Directory.CreateTempSubdirectory("mfaphone-zip-").FullName;
        try
        {
            ZipFile.ExtractToDirectory(_p.Zip, dir);
            using var ps = new PowerShellHarness(Path.Combine(dir, "MfaPhone"));
            var r = ps.Run("""
                (Get-Module MfaPhone).ModuleBase
                (Get-Command -Module MfaPhone).Count
                (Get-Help Get-MfaPhone).Synopsis
                [MfaPhone.Commands.ErrorIds].Assembly.GetType('MfaPhone.Native.Session', $true).GetMethod('Version').Invoke($null, @())
                """);
            Assert.Null(r.Terminating);
            Assert.Equal(Path.Combine(dir, "MfaPhone"), r.Output[0].BaseObject);
            Assert.True((int)r.Output[1].BaseObject >= 4);
            Assert.StartsWith("Gets the phone authentication methods", (string)r.Output[2].BaseObject);
            Assert.Matches(@"^\d+\.\d+\.\d+$", (string)r.Output[3].BaseObject); // the packed native library loads
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheManifestPassesTestModuleManifestWithGalleryMetadata()
    {
        string dir = Directory.CreateTempSubdirectory("mfaphone-manifest-").FullName;
        try
        {
            ZipFile.ExtractToDirectory(_p.Zip, dir);
            using var ps = new PowerShellHarness();
            var r = ps.Run("""
                $m = Test-ModuleManifest -Path $args[0] -ErrorAction Stop
                $m.CompatiblePSEditions -join ','
                $m.PowerShellVersion.ToString()
                $d = $m.PrivateData.PSData
                [string]$d.ProjectUri; [string]$d.LicenseUri; [string]$d.ReleaseNotes; $d.Tags -join ','
                $m.ExportedCmdlets.Count
                """, Path.Combine(dir, "MfaPhone", "MfaPhone.psd1"));
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var v = r.Output.Select(o => o.ToString()).ToList();
            Assert.Equal("Desktop,Core", v[0]);
            Assert.Equal("5.1", v[1]);
            Assert.StartsWith("https://", v[2]);
            Assert.StartsWith("https://", v[3]);
            Assert.EndsWith("LICENSE", v[3]);
            Assert.StartsWith(ManifestVersion() + ":", v[4]);
            Assert.Contains("PSEdition_Core", v[5]);
            Assert.Contains("AzureAutomation", v[5]);
            Assert.True(int.Parse(v[6]) >= 4);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheNupkgDescribesTheModuleForTheGallery()
    {
        using ZipArchive nupkg = ZipFile.OpenRead(_p.Nupkg);
        var names = nupkg.Entries.Select(e => e.FullName).ToList();
        foreach (string expected in new[]
                 {
                     "MfaPhone.nuspec", "[Content_Types].xml", "_rels/.rels", "MfaPhone.psd1", "MfaPhone.dll", "LICENSE",
                     "en-US/MfaPhone.dll-Help.xml", "runtimes/linux-x64/native/libmfaphone_native.so",
                 })
        {
            Assert.Contains(expected, names);
        }
        Assert.Contains(names, n => n.StartsWith("package/services/metadata/core-properties/", StringComparison.Ordinal) && n.EndsWith(".psmdcp", StringComparison.Ordinal));

        XDocument nuspec;
        using (Stream s = nupkg.GetEntry("MfaPhone.nuspec")!.Open()) nuspec = XDocument.Load(s);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement meta = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("MfaPhone", meta.Element(ns + "id")!.Value);
        Assert.Equal(ManifestVersion(), meta.Element(ns + "version")!.Value);
        Assert.Equal("LICENSE", meta.Element(ns + "license")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(meta.Element(ns + "releaseNotes")!.Value));
        var tags = meta.Element(ns + "tags")!.Value.Split(' ');
        foreach (string tag in new[] { "PSModule", "PSIncludes_Cmdlet", "PSEdition_Desktop", "PSEdition_Core", "PSCmdlet_Get-MfaPhone", "PSCommand_Connect-MfaGraph" })
            Assert.Contains(tag, tags);
    }

    [Fact]
    public void TheNupkgCarriesTheZipsModuleFilesByteForByte()
    {
        using ZipArchive zip = ZipFile.OpenRead(_p.Zip);
        using ZipArchive nupkg = ZipFile.OpenRead(_p.Nupkg);
        static byte[] Bytes(ZipArchiveEntry e)
        {
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        }
        var module = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName["MfaPhone/".Length..], Bytes);
        var gallery = nupkg.Entries.Where(e => !e.FullName.EndsWith('/') && e.FullName != "MfaPhone.nuspec" && e.FullName != "[Content_Types].xml" &&
                                               !e.FullName.StartsWith("_rels/", StringComparison.Ordinal) && !e.FullName.StartsWith("package/", StringComparison.Ordinal))
            .ToDictionary(e => Uri.UnescapeDataString(e.FullName), Bytes);
        Assert.Equal(module.Keys.OrderBy(k => k, StringComparer.Ordinal), gallery.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, bytes) in module) Assert.True(bytes.AsSpan().SequenceEqual(gallery[name]), $"{name} differs between the zip and the nupkg");
    }

    [Fact]
    public void TheManifestsReleaseNotesDescribeThisVersionsCommands()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("""
            $m = Get-Module MfaPhone
            $m.PrivateData.PSData.ReleaseNotes
            ($m.ExportedCmdlets.Keys | ForEach-Object { $_ }) -join ','
            """);
        Assert.Null(r.Terminating);
        string notes = (string)r.Output[0].BaseObject;
        // Stale notes were the defect: every exported command is named, and so is the webhook runbook's contract and delta state.
        foreach (string cmdlet in ((string)r.Output[1].BaseObject).Split(','))
            Assert.True(notes.Contains(cmdlet, StringComparison.Ordinal), $"The release notes do not mention {cmdlet}.");
        Assert.Contains("-WebhookData", notes);
        Assert.Contains("-Delta", notes);
    }

    [Fact]
    public void TheNupkgInstallsAndImportsByName()
    {
        string root = Directory.CreateTempSubdirectory("mfaphone-install-").FullName;
        try
        {
            string modules = Path.Combine(root, "Modules");
            string version = ManifestVersion();
            using var probe = new PowerShellHarness();
            bool psResourceGet = probe.Run("[bool](Get-Command Install-PSResource -ErrorAction Ignore)").Output.Single().BaseObject is true;
            if (psResourceGet)
            {
                // A local folder repository, as an admin would set one up for an offline machine.
                string repo = Path.Combine(root, "repo");
                Directory.CreateDirectory(repo);
                File.Copy(_p.Nupkg, Path.Combine(repo, Path.GetFileName(_p.Nupkg)));
                var r = probe.Run("""
                    Register-PSResourceRepository -Name MfaPhoneTest -Uri $args[0] -Trusted
                    try { Save-PSResource -Name MfaPhone -Repository MfaPhoneTest -Path $args[1] -TrustRepository }
                    finally { Unregister-PSResourceRepository -Name MfaPhoneTest }
                    """, repo, modules);
                Assert.Null(r.Terminating);
            }
            else
            {
                // No PSResourceGet in this host: install as it does, into Modules/<name>/<version>/
                // without the NuGet parts.
                string target = Path.Combine(modules, "MfaPhone", version);
                ZipFile.ExtractToDirectory(_p.Nupkg, target);
                foreach (string part in new[] { "MfaPhone.nuspec", "[Content_Types].xml" }) File.Delete(Path.Combine(target, part));
                foreach (string part in new[] { "_rels", "package" }) Directory.Delete(Path.Combine(target, part), true);
            }

            var run = BundledHost.Run("""
                Import-Module MfaPhone -ErrorAction Stop
                $m = Get-Module MfaPhone
                $m.Version.ToString()
                $m.ModuleBase
                (Get-Command -Module MfaPhone).Name -join ','
                """, new Dictionary<string, string> { ["PSModulePath"] = modules });
            Assert.True(run.ExitCode == 0, run.ToString());
            var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(version, lines[0]);
            Assert.Equal(Path.Combine(modules, "MfaPhone", version), lines[1]);
            Assert.Contains("Get-MfaPhone", lines[2]);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
