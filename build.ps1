<#
.SYNOPSIS
    MfaPhone build entry point for PowerShell users (Windows, macOS, Linux with pwsh).
.DESCRIPTION
    The same tasks as build.sh, over the same CMake presets:
      deps     restore NuGet packages (native dependencies come from your package manager or vcpkg)
      build    configure and build everything into build/
      test     build, then run every suite through CTest
      demo     build, start the emulator with the demo tenant, run examples/demo.ps1
      bench    build, then run the benchmark harness in bench/
      package  build the module, then write build/package/MfaPhone.zip (Azure Automation) and
               build/package/MfaPhone.<version>.nupkg (PowerShell Gallery)
      pwsh     start pwsh with the built module importable; remaining arguments go to pwsh
      test-prebuilt
               on Windows, with a build tree built on Linux unpacked in build/ and tests/*/bin/
               (the CI's windows job): the win-x64 native suite, the xUnit suites against
               runtimes/win-x64/native/mfaphone_native.dll, and Windows PowerShell 5.1
               (powershell.exe) importing the module and running examples/demo.ps1
.EXAMPLE
    ./build.ps1 test
.EXAMPLE
    ./build.ps1 pwsh -Command 'Get-Command -Module MfaPhone'
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('deps', 'build', 'test', 'demo', 'bench', 'package', 'pwsh', 'test-prebuilt')]
    [string] $Task = 'build',

    [string] $Preset = $(if ($env:CI -eq 'true') { 'ci' } else { 'dev' }),

    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $Arguments = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$buildDir = Join-Path $root 'build'

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Deps {
    foreach ($tool in 'cmake', 'ninja', 'swig', 'dotnet') {
        if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) {
            throw "$tool is not installed. Install it (on Windows: winget or vcpkg; on macOS: brew) and run again."
        }
    }
    Get-ChildItem -Path (Join-Path $root 'module'), (Join-Path $root 'emulator'), (Join-Path $root 'tools'), (Join-Path $root 'tests') -Filter *.csproj -Recurse |
        ForEach-Object { Invoke-Native dotnet @('restore', $_.FullName, '--nologo', '-v:q') }
}

function Invoke-Build {
    Invoke-Deps
    Invoke-Native cmake @('--preset', $Preset)
    Invoke-Native cmake @('--build', '--preset', $Preset)
}

function Invoke-Pwsh([string[]] $PwshArguments) {
    $sep = [System.IO.Path]::PathSeparator
    $env:PSModulePath = (Join-Path $buildDir 'module') + $sep + $env:PSModulePath
    & (Get-Process -Id $PID).Path -NoProfile @PwshArguments
    exit $LASTEXITCODE
}

# Starts the emulator (build/emulator) with a tenant; returns the process and its base address.
function Start-Emulator([string] $Tenant, [string] $LogDirectory) {
    $emulator = Join-Path $buildDir 'emulator/mfaphone-emulator.dll'
    $out = New-Item -ItemType Directory -Force -Path $LogDirectory
    $stdout = Join-Path $out 'emulator.out'
    $proc = Start-Process dotnet -ArgumentList @($emulator, '--port', '0', '--tenant', $Tenant, '--seed', '1') `
        -RedirectStandardOutput $stdout -RedirectStandardError (Join-Path $out 'emulator.err') -PassThru -NoNewWindow
    $line = $null
    for ($i = 0; $i -lt 600 -and -not $line; $i++) {
        Start-Sleep -Milliseconds 100
        $line = Select-String -Path $stdout -Pattern 'listening on (http://\S+)' -ErrorAction SilentlyContinue | Select-Object -First 1
    }
    if (-not $line) { Stop-Process -Id $proc.Id -ErrorAction SilentlyContinue; throw 'The emulator did not report its port.' }
    [pscustomobject]@{ Process = $proc; Endpoint = $line.Matches[0].Groups[1].Value }
}

# Windows, on a build tree made on Linux: what only real Windows shows (Schannel with the
# certificate store, HTTP/2 over ALPN, Windows PowerShell 5.1 loading the DLL).
function Invoke-TestPrebuilt {
    if (-not $IsWindows -and $PSVersionTable.PSEdition -eq 'Core') { throw 'test-prebuilt runs on Windows.' }
    $module = Join-Path $buildDir 'module/MfaPhone'
    $dll = Join-Path $module 'runtimes/win-x64/native/mfaphone_native.dll'
    if (-not (Test-Path $dll)) { throw "No $dll: unpack the Linux build tree (build/, tests/*/bin/) first." }
    $env:MFAPHONE_EMULATOR = Join-Path $buildDir 'emulator/mfaphone-emulator.dll'
    $env:MFAPHONE_PSHOST = Join-Path $buildDir 'tools/pshost/mfaphone-pwsh.dll'
    $env:MFAPHONE_MODULE = $module
    $env:MFAPHONE_TLS_DIR = Join-Path $buildDir 'tls'

    Write-Host '==> native suite (win-x64)'
    Invoke-Native (Join-Path $buildDir 'win-x64/tests/mfaphone_native_tests.exe') @('--reporter', 'console', '--order', 'rand', '--warn', 'NoAssertions')

    foreach ($suite in @(@('module', 'MfaPhone.Module.Tests'), @('emulator', 'MfaPhone.Emulator.Tests'), @('pshost', 'MfaPhone.PsHost.Tests'))) {
        $assembly = Join-Path $root "tests/$($suite[0])/bin/Release/net10.0/$($suite[1]).dll"
        Write-Host "==> xUnit: $($suite[0])"
        Invoke-Native dotnet @('test', $assembly, '--logger', 'console;verbosity=normal')
    }

    Write-Host '==> Windows PowerShell 5.1: Import-Module and examples/demo.ps1'
    $emulator = Start-Emulator (Join-Path $root 'emulator/tenants/demo.json') (Join-Path $buildDir 'demo-ps51')
    try {
        # Windows PowerShell 5.1 reads a script without a BOM as ANSI: read the demo as UTF-8, so
        # the names with accents reach the module as they are.
        $command = "`$env:PSModulePath = '$(Join-Path $buildDir 'module');' + `$env:PSModulePath; " +
            "& ([scriptblock]::Create([IO.File]::ReadAllText('$(Join-Path $root 'examples/demo.ps1')', [Text.Encoding]::UTF8))) -Endpoint '$($emulator.Endpoint)'"
        Invoke-Native powershell.exe @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', $command)
    }
    finally { Stop-Process -Id $emulator.Process.Id -ErrorAction SilentlyContinue }
}

Push-Location $root
try {
    switch ($Task) {
        'deps' { Invoke-Deps }
        'build' { Invoke-Build }
        'test' { Invoke-Build; Invoke-Native ctest (@('--preset', $Preset) + $Arguments) }
        'demo' {
            Invoke-Build
            $emulator = Join-Path $buildDir 'emulator/mfaphone-emulator.dll'
            $out = New-Item -ItemType Directory -Force -Path (Join-Path $buildDir 'demo')
            $stdout = Join-Path $out 'emulator.out'
            $proc = Start-Process dotnet -ArgumentList @($emulator, '--port', '0', '--tenant', (Join-Path $root 'emulator/tenants/demo.json'), '--seed', '1') `
                -RedirectStandardOutput $stdout -RedirectStandardError (Join-Path $out 'emulator.err') -PassThru -NoNewWindow
            try {
                $line = $null
                for ($i = 0; $i -lt 200 -and -not $line; $i++) {
                    Start-Sleep -Milliseconds 100
                    $line = Select-String -Path $stdout -Pattern 'listening on (http://\S+)' -ErrorAction SilentlyContinue | Select-Object -First 1
                }
                if (-not $line) { throw 'The emulator did not report its port.' }
                $endpoint = $line.Matches[0].Groups[1].Value
                Invoke-Pwsh @('-File', (Join-Path $root 'examples/demo.ps1'), '-Endpoint', $endpoint)
            }
            finally { Stop-Process -Id $proc.Id -ErrorAction SilentlyContinue }
        }
        'bench' { Invoke-Build; Invoke-Native (Join-Path $root 'bench/run.sh') (@($buildDir) + $Arguments) }
        'package' {
            Invoke-Deps
            Invoke-Native cmake @('--preset', $Preset)
            Invoke-Native cmake @('--build', '--preset', $Preset, '--target', 'mfaphone_module')
            # Native libraries built elsewhere: $env:MFAPHONE_RUNTIMES/<rid>/native/.
            $package = @{
                ModuleDirectory = Join-Path $buildDir 'module/MfaPhone'
                OutputDirectory = Join-Path $buildDir 'package'
                LicenseFile     = Join-Path $root 'LICENSE'
            }
            if ($env:MFAPHONE_RUNTIMES) { $package.RuntimesDirectory = $env:MFAPHONE_RUNTIMES }
            & (Join-Path $root 'tools/package.ps1') @package
        }
        'pwsh' { Invoke-Pwsh $Arguments }
        'test-prebuilt' { Invoke-TestPrebuilt }
    }
}
finally { Pop-Location }
