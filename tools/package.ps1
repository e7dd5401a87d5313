<#
.SYNOPSIS
    Packs the staged module folder for Azure Automation (a zip) and the PowerShell Gallery (a nupkg).
.DESCRIPTION
    Reads build/module/MfaPhone (the folder the build stages), checks its manifest with
    Test-ModuleManifest and writes to -OutputDirectory:

      MfaPhone.zip                a folder MfaPhone/ holding the module, as Azure Automation
                                  imports it (zip, folder and manifest share the module's name)
      MfaPhone.<version>.nupkg    the module files at the package root with MfaPhone.nuspec, as
                                  the PowerShell Gallery and Install-PSResource expect

    Both hold LICENSE and the native library of every platform found: this build's, plus each
    <RuntimesDirectory>/<rid>/native/* for linux-x64, win-x64 and osx-arm64 built elsewhere.
    Uses .NET only (no Microsoft.PowerShell.Utility cmdlets), so it runs in the bundled host.
.EXAMPLE
    ./build.sh package
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory,
    [Parameter(Mandatory)] [string] $LicenseFile,
    [string] $RuntimesDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# ZipFile: part of .NET (PowerShell 7 and the bundled host); Windows PowerShell loads it by name.
foreach ($assembly in 'System.IO.Compression.ZipFile', 'System.IO.Compression.FileSystem') {
    try { [void][Reflection.Assembly]::Load($assembly) } catch { }
}

$Platforms = 'linux-x64', 'win-x64', 'osx-arm64'
$ModuleName = 'MfaPhone'

function Copy-Tree([string] $From, [string] $To) {
    [void][IO.Directory]::CreateDirectory($To)
    foreach ($file in [IO.Directory]::GetFiles($From)) {
        [IO.File]::Copy($file, [IO.Path]::Combine($To, [IO.Path]::GetFileName($file)), $true)
    }
    foreach ($dir in [IO.Directory]::GetDirectories($From)) {
        Copy-Tree $dir ([IO.Path]::Combine($To, [IO.Path]::GetFileName($dir)))
    }
}

function Remove-Tree([string] $Path) {
    if ([IO.Directory]::Exists($Path)) { [IO.Directory]::Delete($Path, $true) }
    if ([IO.File]::Exists($Path)) { [IO.File]::Delete($Path) }
}

function New-Zip([string] $Directory, [string] $ZipPath, [bool] $IncludeBaseDirectory) {
    Remove-Tree $ZipPath
    [IO.Compression.ZipFile]::CreateFromDirectory($Directory, $ZipPath, [IO.Compression.CompressionLevel]::Optimal, $IncludeBaseDirectory)
}

function Write-Xml([string] $Path, [scriptblock] $Body) {
    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $writer = [Xml.XmlWriter]::Create($Path, $settings)
    try { & $Body $writer } finally { $writer.Dispose() }
}

$ModuleDirectory = [IO.Path]::GetFullPath($ModuleDirectory)
$OutputDirectory = [IO.Path]::GetFullPath($OutputDirectory)
if (-not [IO.File]::Exists([IO.Path]::Combine($ModuleDirectory, "$ModuleName.psd1"))) {
    throw "No $ModuleName.psd1 in '$ModuleDirectory'. Build the module first (./build.sh build)."
}
if (-not [IO.File]::Exists($LicenseFile)) { throw "The licence file '$LicenseFile' does not exist." }

# 1. The module folder as shipped: the build's files, LICENSE, every platform's native library.
$stage = [IO.Path]::Combine($OutputDirectory, 'stage')
$moduleStage = [IO.Path]::Combine($stage, $ModuleName)
Remove-Tree $stage
Copy-Tree $ModuleDirectory $moduleStage
[IO.File]::Copy($LicenseFile, [IO.Path]::Combine($moduleStage, 'LICENSE'), $true)
if ($RuntimesDirectory) {
    foreach ($rid in $Platforms) {
        $native = [IO.Path]::Combine($RuntimesDirectory, $rid, 'native')
        if ([IO.Directory]::Exists($native)) { Copy-Tree $native ([IO.Path]::Combine($moduleStage, 'runtimes', $rid, 'native')) }
    }
}
$included = @($Platforms.Where({
    $dir = [IO.Path]::Combine($moduleStage, 'runtimes', $_, 'native')
    [IO.Directory]::Exists($dir) -and [IO.Directory]::GetFiles($dir).Length -gt 0
}))
if ($included.Count -eq 0) { throw "No native library under '$moduleStage/runtimes'." }

# 2. The manifest must pass PowerShell's own checks (files it names exist, exports, editions).
$manifest = Test-ModuleManifest -Path ([IO.Path]::Combine($moduleStage, "$ModuleName.psd1"))
$version = $manifest.Version.ToString()
$psData = $manifest.PrivateData['PSData']

# 3. Azure Automation: MfaPhone.zip with the folder MfaPhone/ inside.
[void][IO.Directory]::CreateDirectory($OutputDirectory)
$zip = [IO.Path]::Combine($OutputDirectory, "$ModuleName.zip")
New-Zip $moduleStage $zip $true

# 4. PowerShell Gallery: the module files at the root, with the NuGet parts around them.
$nupkgStage = [IO.Path]::Combine($stage, 'nupkg')
Copy-Tree $moduleStage $nupkgStage
$cmdlets = @($manifest.ExportedCmdlets.Keys | ForEach-Object { $_ })
$tags = [Collections.Generic.List[string]]::new()
foreach ($t in @($psData['Tags'])) { if ($t) { $tags.Add($t) } }
foreach ($t in 'PSModule', 'PSIncludes_Cmdlet') { if (-not $tags.Contains($t)) { $tags.Add($t) } }
foreach ($c in $cmdlets) { $tags.Add("PSCmdlet_$c"); $tags.Add("PSCommand_$c") }
foreach ($e in $manifest.CompatiblePSEditions) { if (-not $tags.Contains("PSEdition_$e")) { $tags.Add("PSEdition_$e") } }

$ns = 'http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd'
Write-Xml ([IO.Path]::Combine($nupkgStage, "$ModuleName.nuspec")) {
    param($w)
    $w.WriteStartElement('package', $ns)
    $w.WriteStartElement('metadata', $ns)
    $w.WriteElementString('id', $ns, $ModuleName)
    $w.WriteElementString('version', $ns, $version)
    $w.WriteElementString('authors', $ns, $manifest.Author)
    $w.WriteElementString('owners', $ns, $manifest.CompanyName)
    $w.WriteElementString('requireLicenseAcceptance', $ns, 'false')
    $w.WriteStartElement('license', $ns); $w.WriteAttributeString('type', 'file'); $w.WriteString('LICENSE'); $w.WriteEndElement()
    $w.WriteElementString('projectUrl', $ns, [string]$psData['ProjectUri'])
    $w.WriteElementString('description', $ns, $manifest.Description)
    $w.WriteElementString('releaseNotes', $ns, [string]$psData['ReleaseNotes'])
    $w.WriteElementString('copyright', $ns, $manifest.Copyright)
    $w.WriteElementString('tags', $ns, ($tags -join ' '))
    $w.WriteEndElement()
    $w.WriteEndElement()
}
Write-Xml ([IO.Path]::Combine($nupkgStage, '[Content_Types].xml')) {
    param($w)
    $ct = 'http://schemas.openxmlformats.org/package/2006/content-types'
    $w.WriteStartElement('Types', $ct)
    foreach ($pair in @(('rels', 'application/vnd.openxmlformats-package.relationships+xml'),
                        ('psmdcp', 'application/vnd.openxmlformats-package.core-properties+xml'),
                        ('nuspec', 'application/octet'), ('psd1', 'application/octet'), ('dll', 'application/octet'),
                        ('so', 'application/octet'), ('dylib', 'application/octet'), ('ps1xml', 'application/octet'),
                        ('xml', 'application/octet'), ('txt', 'application/octet'))) {
        $w.WriteStartElement('Default', $ct); $w.WriteAttributeString('Extension', $pair[0]); $w.WriteAttributeString('ContentType', $pair[1]); $w.WriteEndElement()
    }
    $w.WriteStartElement('Override', $ct); $w.WriteAttributeString('PartName', '/LICENSE'); $w.WriteAttributeString('ContentType', 'application/octet'); $w.WriteEndElement()
    $w.WriteEndElement()
}
$propsId = [Guid]::NewGuid().ToString('N')
[void][IO.Directory]::CreateDirectory([IO.Path]::Combine($nupkgStage, '_rels'))
Write-Xml ([IO.Path]::Combine($nupkgStage, '_rels', '.rels')) {
    param($w)
    $rel = 'http://schemas.openxmlformats.org/package/2006/relationships'
    $w.WriteStartElement('Relationships', $rel)
    $w.WriteStartElement('Relationship', $rel)
    $w.WriteAttributeString('Type', 'http://schemas.microsoft.com/packaging/2010/07/manifest')
    $w.WriteAttributeString('Target', "/$ModuleName.nuspec"); $w.WriteAttributeString('Id', 'R1'); $w.WriteEndElement()
    $w.WriteStartElement('Relationship', $rel)
    $w.WriteAttributeString('Type', 'http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties')
    $w.WriteAttributeString('Target', "/package/services/metadata/core-properties/$propsId.psmdcp"); $w.WriteAttributeString('Id', 'R2'); $w.WriteEndElement()
    $w.WriteEndElement()
}
$propsDir = [IO.Path]::Combine($nupkgStage, 'package', 'services', 'metadata', 'core-properties')
[void][IO.Directory]::CreateDirectory($propsDir)
Write-Xml ([IO.Path]::Combine($propsDir, "$propsId.psmdcp")) {
    param($w)
    $cp = 'http://schemas.openxmlformats.org/package/2006/metadata/core-properties'
    $dc = 'http://purl.org/dc/elements/1.1/'
    $w.WriteStartElement('coreProperties', $cp)
    $w.WriteElementString('creator', $dc, $manifest.Author)
    $w.WriteElementString('description', $dc, $manifest.Description)
    $w.WriteElementString('identifier', $dc, $ModuleName)
    $w.WriteElementString('version', $cp, $version)
    $w.WriteElementString('keywords', $cp, ($tags -join ' '))
    $w.WriteEndElement()
}
$nupkg = [IO.Path]::Combine($OutputDirectory, "$ModuleName.$version.nupkg")
New-Zip $nupkgStage $nupkg $false
Remove-Tree $stage

"$zip"
"$nupkg"
"platforms: $($included -join ', ')"
