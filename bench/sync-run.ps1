<#
.SYNOPSIS
    The measured run of bench/sync.ps1, alone in a fresh host: Sync-MfaPhone -All against a
    prepared tenant, with the host's own memory and CPU. sync.ps1 starts it once per pass, so the
    figures are those of an Automation job or console that does nothing but the sync, not of the
    host that generated the tenant.

.DESCRIPTION
    Reads the client secret from the first line of standard input (never from the command line),
    signs in, resets the emulator's counters, runs the sync and writes a JSON object to
    ResultFile: Seconds, CpuMs, RssAfterImportMB (after Import-Module and sign-in), PeakMB (the
    process's peak resident set, VmHWM), PeakGrowthMB, Rows, and the summary's Added, Updated,
    Removed, Writes and Failed.
#>
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $TenantId,
    [Parameter(Mandatory)] [string] $ClientId,
    [int] $ThrottleLimit = 32,
    [Parameter(Mandatory)] [string] $ResultFile
)

$ErrorActionPreference = 'Stop'
function Get-HostMemoryMB([string] $field) {
    foreach ($line in [System.IO.File]::ReadAllLines('/proc/self/status')) {
        if ($line.StartsWith("${field}:")) { return [math]::Round([double]($line -replace '[^0-9]', '') / 1024, 1) }
    }
    0
}

$line = [Console]::In.ReadLine()
if (-not $line) { throw 'sync-run.ps1: the client secret is expected on the first line of standard input.' }
$secret = [System.Net.NetworkCredential]::new('', $line).SecurePassword
$line = $null
Import-Module MfaPhone
Connect-MfaGraph -TenantId $TenantId -ClientId $ClientId -ClientSecret $secret -AuthorityHost $Endpoint -GraphEndpoint $Endpoint
$http = [System.Net.Http.HttpClient]::new()
$reset = $http.PostAsync("$Endpoint/control/counters/reset", [System.Net.Http.StringContent]::new('{}')).GetAwaiter().GetResult()
if (-not $reset.IsSuccessStatusCode) { throw "control /control/counters/reset answered $([int]$reset.StatusCode)" }

$process = [System.Diagnostics.Process]::GetCurrentProcess()
$startMB = Get-HostMemoryMB 'VmRSS'
$cpuBefore = $process.TotalProcessorTime
$watch = [System.Diagnostics.Stopwatch]::StartNew()
$rows = 0
# Every 1,000 rows: the managed heap the GC has committed, to tell .NET's share of the peak from
# the native engine's.
$managedPeak = 0L
Sync-MfaPhone -All -ThrottleLimit $ThrottleLimit -SummaryVariable summary -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | ForEach-Object {
    $rows++
    if ($rows % 1000 -eq 0) {
        $committed = [System.GC]::GetGCMemoryInfo().TotalCommittedBytes
        if ($committed -gt $managedPeak) { $managedPeak = $committed }
    }
}
$watch.Stop()
$process.Refresh()
$peakMB = Get-HostMemoryMB 'VmHWM'

$result = [System.Collections.Generic.Dictionary[string, object]]::new()
$result['Seconds'] = $watch.Elapsed.TotalSeconds
$result['CpuMs'] = ($process.TotalProcessorTime - $cpuBefore).TotalMilliseconds
$result['RssAfterImportMB'] = $startMB
$result['PeakMB'] = $peakMB
$result['PeakGrowthMB'] = [math]::Round($peakMB - $startMB, 1)
$result['ManagedCommittedPeakMB'] = [math]::Round($managedPeak / 1MB, 1)
$result['Rows'] = $rows
foreach ($name in 'Added', 'Updated', 'Removed', 'Writes', 'Failed') { $result[$name] = [double]$summary.$name }
[System.IO.File]::WriteAllText($ResultFile, [System.Text.Json.JsonSerializer]::Serialize($result, $result.GetType(), [System.Text.Json.JsonSerializerOptions]::new()))
Disconnect-MfaGraph
