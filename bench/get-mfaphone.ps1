<#
.SYNOPSIS
    Get-MfaPhone throughput against the emulator at several concurrency levels, as ratios to
    sequential reads (the way the hand-written runbooks read users), measured in one run.
#>
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [int] $Users = 400,
    [int[]] $ThrottleLimit = @(1, 4, 16, 32),
    [string] $ResultFile
)

$ErrorActionPreference = 'Stop'
Import-Module MfaPhone

$http = [System.Net.Http.HttpClient]::new()
function Invoke-Control([string] $Method, [string] $Path, [string] $Json) {
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), "$Endpoint$Path")
    if ($Json) { $request.Content = [System.Net.Http.StringContent]::new($Json, [System.Text.Encoding]::UTF8, 'application/json') }
    $response = $http.SendAsync($request).GetAwaiter().GetResult()
    $body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) { throw "control $Path answered $([int]$response.StatusCode): $body" }
    [System.Text.Json.JsonDocument]::Parse($body).RootElement
}

# A synthetic tenant, and the list of its users' UPNs.
$tenant = Invoke-Control POST '/control/generate' "{""users"":$Users,""seed"":1}"
$tenantId = $tenant.GetProperty('tenantId').GetString()
$state = Invoke-Control GET "/control/state?tenant=$tenantId" $null
$upns = [System.Collections.Generic.List[string]]::new()
foreach ($t in $state.GetProperty('tenants').EnumerateArray()) {
    foreach ($u in $t.GetProperty('users').EnumerateArray()) { $upns.Add($u.GetProperty('userPrincipalName').GetString()) }
}

$secret = [System.Net.NetworkCredential]::new('', $tenant.GetProperty('clientSecret').GetString()).SecurePassword
Connect-MfaGraph -TenantId $tenantId -ClientId $tenant.GetProperty('clientId').GetString() -ClientSecret $secret `
    -AuthorityHost $Endpoint -GraphEndpoint $Endpoint

$baseline = $null
$results = foreach ($limit in $ThrottleLimit) {
    $null = Invoke-Control POST '/control/counters/reset' '{}'
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $methods = @(Get-MfaPhone -UserId $upns -ThrottleLimit $limit -ErrorAction SilentlyContinue -ErrorVariable failed)
    $watch.Stop()
    $counters = Invoke-Control GET '/control/counters' $null
    if ($null -eq $baseline) { $baseline = $watch.Elapsed.TotalSeconds }
    [pscustomobject]@{
        ThrottleLimit   = $limit
        Users           = $upns.Count
        Methods         = $methods.Count
        Failed          = $failed.Count
        Seconds         = [math]::Round($watch.Elapsed.TotalSeconds, 2)
        UsersPerSecond  = [math]::Round($upns.Count / $watch.Elapsed.TotalSeconds, 1)
        PeakConcurrency = $counters.GetProperty('peakConcurrency').GetInt32()
        Throttled       = $counters.GetProperty('throttled').GetInt32()
        SpeedupVsSequential = [math]::Round($baseline / $watch.Elapsed.TotalSeconds, 2)
    }
}
$results | Format-Table ThrottleLimit, Users, Methods, Failed, Seconds, UsersPerSecond, PeakConcurrency, Throttled, SpeedupVsSequential

if ($ResultFile) {
    $rows = [System.Collections.Generic.List[System.Collections.Generic.Dictionary[string, object]]]::new()
    foreach ($r in $results) {
        $row = [System.Collections.Generic.Dictionary[string, object]]::new()
        foreach ($p in $r.PSObject.Properties) { $row[$p.Name] = $p.Value }
        $rows.Add($row)
    }
    [System.IO.File]::WriteAllText($ResultFile, [System.Text.Json.JsonSerializer]::Serialize($rows, $rows.GetType(), [System.Text.Json.JsonSerializerOptions]::new()))
}
Disconnect-MfaGraph
