<#
.SYNOPSIS
    Sync-MfaPhone against the emulator (latency and throttling on), as ratios taken in one run:
    elapsed time over the throttle-bound minimum, and speed-up over the sequential pattern of the
    runbook it replaces (three requests per user, one after the other).

.DESCRIPTION
    For each size: a synthetic tenant is generated and synced once without budgets (so most users
    are in sync), then ChangeShare of the users get a new number in extensionAttribute15. The
    measured run is Sync-MfaPhone -All with throttling on, in a fresh host of its own
    (bench/sync-run.ps1) whose memory and CPU are reported. The minimum is what the emulator's
    token buckets allow for the resource units and writes the run was charged: demand beyond a
    bucket's capacity divided by its refill rate, or, when no bucket runs dry, the latency of the
    requests that must follow one another (list pages, then a read and a write). The baseline is
    timed on a sample of a second, identical tenant and scaled to the size.
#>
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    # Tenant sizes, comma-separated.
    [string] $Users = '2000,10000',
    [double] $ChangeShare = 0.15,
    [int] $BaselineSample = 60,
    [int] $ThrottleLimit = 32,
    # Resource units per 10 s for the "throttle-bound" pass (budgets scaled down so throttling dominates); 0 skips it.
    [int] $ScaledRuLimit = 600,
    # Largest tenant the scaled-down pass runs for (at 600 RU per 10 s, 100k users take over 30 minutes).
    [int] $ScaledMaxUsers = 10000,
    [string] $ResultFile,
    # The PowerShell host each measured run starts in (bench/sync-run.ps1): a program and, for a
    # host run through dotnet, its .dll. Default: the host running this script.
    [string] $HostFile = [Environment]::ProcessPath,
    [string] $HostDll
)

$ErrorActionPreference = 'Stop'
Import-Module MfaPhone

$http = [System.Net.Http.HttpClient]::new()
function Invoke-Http([string] $Method, [string] $Url, [string] $Json, [string] $Token) {
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $Url)
    if ($Token) { $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token) }
    if ($Json) { $request.Content = [System.Net.Http.StringContent]::new($Json, [System.Text.Encoding]::UTF8, 'application/json') }
    $response = $http.SendAsync($request).GetAwaiter().GetResult()
    $body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    [pscustomobject]@{ Status = [int]$response.StatusCode; Body = $body }
}
function Invoke-Control([string] $Method, [string] $Path, [string] $Json) {
    $r = Invoke-Http $Method "$Endpoint$Path" $Json $null
    if ($r.Status -ge 300) { throw "control $Path answered $($r.Status): $($r.Body)" }
    if ($r.Body) { [System.Text.Json.JsonDocument]::Parse($r.Body).RootElement }
}
# A property of a JSON object, or $null (JsonElement.TryGetProperty's out parameter does not bind
# from PowerShell: its overloads differ only in the name's type).
function Get-Property([System.Text.Json.JsonElement] $e, [string] $name) {
    foreach ($p in $e.EnumerateObject()) { if ($p.Name -eq $name) { return $p.Value } }
    $null
}
function Get-Number([System.Text.Json.JsonElement] $e, [string] $name) {
    $v = Get-Property $e $name
    if ($null -ne $v -and $v.ValueKind -eq 'Number') { $v.GetDouble() } else { 0 }
}
function New-Tenant([int] $count, [string] $domain) {
    # The same seed makes the same users and numbers; a tenant id of its own keeps it apart.
    $t = Invoke-Control POST '/control/generate' "{""users"":$count,""seed"":7,""domain"":""$domain"",""tenantId"":""$([guid]::NewGuid())""}"
    [pscustomobject]@{
        Id = $t.GetProperty('tenantId').GetString()
        ClientId = $t.GetProperty('clientId').GetString()
        Secret = $t.GetProperty('clientSecret').GetString()
    }
}
function Connect-Tenant($tenant) {
    $secret = [System.Net.NetworkCredential]::new('', $tenant.Secret).SecurePassword
    Connect-MfaGraph -TenantId $tenant.Id -ClientId $tenant.ClientId -ClientSecret $secret -AuthorityHost $Endpoint -GraphEndpoint $Endpoint
}
function Get-Upns($tenant) {
    $state = Invoke-Control GET "/control/state?tenant=$($tenant.Id)" $null
    foreach ($t in $state.GetProperty('tenants').EnumerateArray()) {
        foreach ($u in $t.GetProperty('users').EnumerateArray()) { $u.GetProperty('userPrincipalName').GetString() }
    }
}
# Most users in sync, then ChangeShare of them with a new source number (a valid one of the same
# country: the last digits of the number they now have, changed).
function Set-Workload($tenant, [int] $count) {
    $null = Invoke-Control POST '/control/throttling' '{"enabled":false}'
    Connect-Tenant $tenant
    $n = 0
    Sync-MfaPhone -All -ThrottleLimit 32 -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | ForEach-Object { $n++ }
    $rows = [System.Collections.Generic.List[object]]::new()
    Get-MfaPhone -UserId (Get-Upns $tenant) -PhoneType mobile -ErrorAction SilentlyContinue | ForEach-Object { $rows.Add($_) }
    $step = [math]::Max(1, [int][math]::Round(1 / $ChangeShare))
    $changed = 0
    for ($i = 0; $i -lt $rows.Count; $i += $step) {
        $m = $rows[$i]
        $digits = $m.PhoneNumber
        $last = [int][string]$digits[-1]
        $new = $digits.Substring(0, $digits.Length - 1) + (($last + 1) % 10)
        $patch = "{""onPremisesExtensionAttributes"":{""extensionAttribute15"":""$new""}}"
        $null = Invoke-Http PATCH "$Endpoint/control/tenants/$($tenant.Id)/users/$([uri]::EscapeDataString($m.UserId))" $patch $null
        $changed++
    }
    $null = Invoke-Control POST '/control/throttling' '{"enabled":true,"resetBudgets":true}'
    $changed
}

# A host run through dotnet, with no -HostDll: the .dll this host was started from.
if (-not $HostDll -and [System.IO.Path]::GetFileNameWithoutExtension($HostFile) -eq 'dotnet') {
    $HostDll = [Environment]::GetCommandLineArgs()[0]
}
# The measured run, in a fresh host of its own (bench/sync-run.ps1): its memory and CPU are an
# Automation job's that does only the sync, not this host's, which holds the set-up's tenants.
# The client secret goes through standard input, not the command line.
function Invoke-MeasuredSync($tenant) {
    $resultPath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "mfaphone-sync-run-$([guid]::NewGuid()).json")
    $start = [System.Diagnostics.ProcessStartInfo]::new($HostFile)
    foreach ($a in @($HostDll) + @('-NoProfile', '-NonInteractive', '-File', [System.IO.Path]::Combine($PSScriptRoot, 'sync-run.ps1'),
            '-Endpoint', $Endpoint, '-TenantId', $tenant.Id, '-ClientId', $tenant.ClientId,
            '-ThrottleLimit', $ThrottleLimit, '-ResultFile', $resultPath)) {
        if ($a) { $start.ArgumentList.Add([string]$a) }
    }
    $start.UseShellExecute = $false
    $start.RedirectStandardInput = $true
    $child = [System.Diagnostics.Process]::Start($start)
    $child.StandardInput.WriteLine($tenant.Secret)
    $child.StandardInput.Close()
    $child.WaitForExit()
    if ($child.ExitCode -ne 0 -or -not [System.IO.File]::Exists($resultPath)) {
        throw "the measured run (bench/sync-run.ps1) failed with exit code $($child.ExitCode)"
    }
    $json = [System.IO.File]::ReadAllText($resultPath)
    [System.IO.File]::Delete($resultPath)
    [System.Text.Json.JsonDocument]::Parse($json).RootElement
}

# The throttle-bound minimum for the resource units and writes the workload needs, and the latency floor.
function Get-Minimum([System.Text.Json.JsonElement] $settings, [int] $userCount, [double] $ruCharged, [double] $writes, [double] $latency) {
    $window = Get-Number $settings 'ruWindowSeconds'
    $limit = $null
    $fixed = Get-Property $settings 'ruLimit'
    if ($null -ne $fixed -and $fixed.ValueKind -eq 'Number') { $limit = $fixed.GetDouble() }
    elseif ($userCount -gt (Get-Number $settings 'ruTierLargeAbove')) { $limit = Get-Number $settings 'ruLimitLarge' }
    elseif ($userCount -ge (Get-Number $settings 'ruTierMediumFrom')) { $limit = Get-Number $settings 'ruLimitMedium' }
    else { $limit = Get-Number $settings 'ruLimitSmall' }
    $ruBound = [math]::Max(0.0, ($ruCharged - $limit) / ($limit / $window))
    $wLimit = Get-Number $settings 'writeLimit'
    $wBound = [math]::Max(0.0, ($writes - $wLimit) / ($wLimit / (Get-Number $settings 'writeWindowSeconds')))
    $pages = [math]::Ceiling($userCount / 999)
    $floor = [double](($pages + 2) * $latency / 1000)
    [pscustomobject]@{ RuLimit = $limit; ThrottleBound = [math]::Max($ruBound, $wBound); Floor = $floor; Minimum = [math]::Max([math]::Max($ruBound, $wBound), $floor) }
}

# The runbook's pattern: for each user, read the attribute, read the methods, write if needed,
# strictly one request after another.
function Measure-Sequential($tenant, [string[]] $upns) {
    $token = (Invoke-Control POST '/control/tokens' "{""tenant"":""$($tenant.Id)"",""clientId"":""$($tenant.ClientId)""}").GetProperty('access_token').GetString()
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    foreach ($upn in $upns) {
        $path = [uri]::EscapeDataString($upn)
        $user = Invoke-Http GET "$Endpoint/v1.0/users/$path`?`$select=onPremisesExtensionAttributes" $null $token
        $methods = Invoke-Http GET "$Endpoint/v1.0/users/$path/authentication/phoneMethods" $null $token
        if ($user.Status -ne 200 -or $methods.Status -ne 200) { continue }
        $source = [System.Text.Json.JsonDocument]::Parse($user.Body).RootElement.GetProperty('onPremisesExtensionAttributes')
        $value = $source.GetProperty('extensionAttribute15')
        if ($value.ValueKind -ne 'String') { continue }
        $number = (ConvertTo-MfaPhoneNumber $value.GetString()).PhoneNumber
        if (-not $number) { continue }
        $current = $null
        foreach ($m in [System.Text.Json.JsonDocument]::Parse($methods.Body).RootElement.GetProperty('value').EnumerateArray()) {
            if ($m.GetProperty('phoneType').GetString() -eq 'mobile') { $current = $m.GetProperty('phoneNumber').GetString() }
        }
        if ($current -eq $number) { continue }
        $body = "{""phoneNumber"":""$number"",""phoneType"":""mobile""}"
        if ($current) { $null = Invoke-Http PATCH "$Endpoint/v1.0/users/$path/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7" $body $token }
        else { $null = Invoke-Http POST "$Endpoint/v1.0/users/$path/authentication/phoneMethods" $body $token }
    }
    $watch.Elapsed.TotalSeconds / $upns.Count
}

$latency = 30
$sizes = @($Users.Split(',') | ForEach-Object { [int]$_ })
$results = foreach ($size in $sizes) {
    $syncTenant = New-Tenant $size "sync$size.example.com"
    $baseTenant = New-Tenant $size "base$size.example.com"
    $changed = Set-Workload $syncTenant $size
    $null = Set-Workload $baseTenant $size

    # The sequential baseline, on a sample of the twin tenant (same users, same changes).
    $null = Invoke-Control POST '/control/faults' '{"latency":"uniform:20:40"}'
    $sample = @(Get-Upns $baseTenant)
    $sample = $sample[0..([math]::Min($BaselineSample, $sample.Count) - 1)]
    $perUser = Measure-Sequential $baseTenant $sample
    $baseline = $perUser * $size

    foreach ($pass in @('published budgets', 'scaled-down budgets')) {
        if ($pass -eq 'scaled-down budgets') {
            if ($ScaledRuLimit -le 0 -or $size -gt $ScaledMaxUsers) { continue }
            # The same workload again: restore it, then limit the resource units.
            $null = Invoke-Control POST '/control/faults' '{"latency":"none"}'
            $changed = Set-Workload $syncTenant $size
            $null = Invoke-Control POST '/control/throttling' "{""ruLimit"":$ScaledRuLimit,""resetBudgets"":true}"
        }
        $null = Invoke-Control POST '/control/faults' '{"latency":"uniform:20:40"}'
        $run = Invoke-MeasuredSync $syncTenant
        $seconds = Get-Number $run 'Seconds'
        $counters = Invoke-Control GET '/control/counters' $null
        $settings = Invoke-Control GET '/control/throttling' $null
        $ru = 0
        foreach ($p in $counters.GetProperty('resourceUnits').EnumerateObject()) { if ($p.Name -like "*/$($syncTenant.Id)") { $ru += $p.Value.GetDouble() } }
        # Graph requests the run made: every request but the $batch envelopes, plus their items.
        $graphRequests = (Get-Number $counters 'requests') - (Get-Number $counters 'batchRequests') + (Get-Number $counters 'batchItems')
        $throttled = Get-Number $counters 'throttled'
        # What the workload needs: the resource units charged and the writes applied in the pass
        # with the published budgets (a throttled request is not charged); the scaled-down pass
        # repeats the same workload, so its minimum is taken for the same demand.
        $writesApplied = (Get-Number $run 'Added') + (Get-Number $run 'Updated') + (Get-Number $run 'Removed')
        if ($pass -eq 'published budgets') { $needRu = $ru; $needWrites = $writesApplied }
        $min = Get-Minimum $settings $size $needRu $needWrites $latency
        [pscustomobject]@{
            Users                = $size
            Budgets              = $pass
            RuLimitPer10s        = $min.RuLimit
            Changed              = $changed
            Writes               = $writesApplied
            WriteRequests        = Get-Number $run 'Writes'
            ResourceUnits        = $ru
            NeededResourceUnits  = $needRu
            Seconds              = [math]::Round($seconds, 2)
            MinimumSeconds       = [math]::Round($min.Minimum, 2)
            ThrottleBoundSeconds = [math]::Round($min.ThrottleBound, 2)
            TimeOverMinimum      = [math]::Round($seconds / [math]::Max($min.Minimum, 0.001), 2)
            BaselineSeconds      = [math]::Round($baseline, 1)
            SpeedupVsSequential  = [math]::Round($baseline / $seconds, 1)
            Requests             = $graphRequests
            ThrottledShare       = [math]::Round($throttled / [math]::Max(1, $graphRequests), 4)
            Failed               = Get-Number $run 'Failed'
            HostMBAfterImport    = Get-Number $run 'RssAfterImportMB'
            PeakHostMB           = Get-Number $run 'PeakMB'
            PeakGrowthMB         = Get-Number $run 'PeakGrowthMB'
            ManagedPeakMB        = Get-Number $run 'ManagedCommittedPeakMB'
            CpuMsPer1kUsers      = [math]::Round((Get-Number $run 'CpuMs') / $size * 1000, 0)
        }
        $null = Invoke-Control POST '/control/throttling' '{"ruLimit":null,"resetBudgets":true}'
    }
    $null = Invoke-Control POST '/control/faults' '{"latency":"none"}'
}
$results | Format-List

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
