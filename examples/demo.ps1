<#
.SYNOPSIS
    The MfaPhone demo: the classic webhook runbook, end to end, against the emulator.
.DESCRIPTION
    Run by `./build.sh demo`, which starts the emulator and passes its address. The demo
      1. seeds a generated tenant (the same on every run) whose users' MFA numbers were typed by
         hand into extensionAttribute15, in every format people use;
      2. posts the users to the runbook's webhook as callers always have (a JSON array of
         {"UserPrincipalName": ...} with the handshake in the 'message' header), with
         examples/runbooks/Invoke-MfaPhoneWebhook.ps1; the emulator stands in for Azure
         Automation's webhook endpoint and queues the job;
      3. runs the runbook examples/runbooks/Sync-MfaPhoneWebhook.ps1 with the job's $WebhookData,
         as Automation would: managed identity, handshake from an Automation variable,
         Sync-MfaPhone; then shows what it did;
      4. makes the same call again: nothing changes;
      5. lets a few users' phones drift and shows Compare-MfaPhone's report.
    The managed identity, the Automation variable and the webhook are the emulator's stand-ins.
#>
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [ValidateRange(10, 5000)] [int] $Users = 300
)

$ErrorActionPreference = 'Stop'
$clock = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module MfaPhone
. ([System.IO.Path]::Combine($PSScriptRoot, 'demo', 'DemoSupport.ps1'))
$runbooks = [System.IO.Path]::Combine($PSScriptRoot, 'runbooks')
$tenantId = '8c3a1f2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b'
$Endpoint = $Endpoint.TrimEnd('/')

function Show-Step([string] $Title) { ''; "== $Title" }

# What a list of sync results did, by action and status.
function Show-Outcome($Results, $Summary) {
    $counts = [ordered]@{}
    foreach ($action in 'Add', 'Update', 'Remove', 'NoChange', 'Skip') {
        foreach ($r in $Results) {
            if ($r.Action -ne $action) { continue }
            $key = "$($r.Action)/$($r.Status)"
            $counts[$key] = 1 + [int]$counts[$key]
        }
    }
    $rows = foreach ($key in $counts.Keys) { , @(($key -split '/')[0], ($key -split '/')[1], $counts[$key]) }
    Format-DemoRows -Header 'action', 'status', 'users' -Width 10, 10, 6 -Rows $rows
    ''
    '  {0} users in {1:0.0} s: {2} requests ({3} $batch items), {4} writes, {5} throttled' -f
        $Summary.Users, $Summary.Duration.TotalSeconds, $Summary.Requests, $Summary.BatchItems, $Summary.Writes, $Summary.Throttled
}

"MfaPhone demo: the webhook runbook, on the emulator at $Endpoint"

# ---------------------------------------------------------------------------------------------
Show-Step "1. A tenant of $Users users, MFA numbers typed into extensionAttribute15"
$identity = 'c0ffee00-1234-4abc-9def-0123456789ab'
$tenant = New-DemoTenant -Count $Users -TenantId $tenantId -IdentityClientId $identity
$null = Invoke-EmulatorControl $Endpoint POST /control/reset '{"empty":true}'
$null = Invoke-EmulatorControl $Endpoint POST /control/tenants $tenant.Seed
'  (generated the same on every run; a sample:)'
''
$sample = $tenant.Users.Where({ $null -ne $_.Source }, 'First', 9)
Format-DemoRows -Header 'user', 'region', 'extensionAttribute15' -Width 34, 6, 24 -Rows ($sample.ForEach({ , @($_.UserPrincipalName, $_.Region, $_.Source) }))

# ---------------------------------------------------------------------------------------------
Show-Step '2. The caller posts the users to the webhook (JSON array + message header)'
# The Automation account: its webhook (the emulator's stand-in), its managed identity, the
# handshake in an encrypted variable.
$webhook = Invoke-EmulatorControl $Endpoint POST /control/automation/webhooks '{"name":"mfa-sync"}'
$env:IDENTITY_ENDPOINT = "$Endpoint/msi/token"
$env:IDENTITY_HEADER = 'emulator-identity-header'
$PSDefaultParameterValues['Connect-MfaGraph:GraphEndpoint'] = $Endpoint
$handshakeText = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(24)).Replace('+', '-').Replace('/', '_')
$global:AutomationVariables['MfaPhoneHandshake'] = $handshakeText
# The caller keeps the URL and the handshake as secrets.
$webhookUrl = [System.Net.NetworkCredential]::new('', $webhook.GetProperty('url').GetString()).SecurePassword
$handshake = [System.Net.NetworkCredential]::new('', $handshakeText).SecurePassword
$handshakeText = $null
'  $users | ./runbooks/Invoke-MfaPhoneWebhook.ps1 -WebhookUrl $url -Handshake $hs'
$invoker = [System.IO.Path]::Combine($runbooks, 'Invoke-MfaPhoneWebhook.ps1')
$upns = foreach ($u in $tenant.Users) { $u.UserPrincipalName }
$upns | & $invoker -WebhookUrl $webhookUrl -Handshake $handshake | Format-Table Users, StatusCode, JobId | Out-Default

# ---------------------------------------------------------------------------------------------
Show-Step '3. Automation runs the runbook with the job''s $WebhookData'
'  Sync-MfaPhoneWebhook.ps1: Connect-MfaGraph -Identity, then'
'  Sync-MfaPhone -WebhookData $WebhookData -Handshake <encrypted variable>'
''
$runbook = [System.IO.Path]::Combine($runbooks, 'Sync-MfaPhoneWebhook.ps1')

# Runs the runbook for each job the webhook queued, as Automation would (a PowerShell 7 runtime
# passes $WebhookData as JSON text); returns the results and the summary.
function Invoke-QueuedJobs {
    # As in Automation: a failed user is an error record, the others go on; the job fails at the end.
    $ErrorActionPreference = 'Continue'
    $jobs = Invoke-EmulatorControl $Endpoint GET /control/automation/jobs
    $null = Invoke-EmulatorControl $Endpoint DELETE /control/automation/jobs
    $results = [System.Collections.Generic.List[object]]::new()
    $summary = $null
    foreach ($job in $jobs.GetProperty('jobs').EnumerateArray()) {
        $all = & $runbook -WebhookData $job.GetProperty('webhookData').GetString() 6>&1
        foreach ($o in $all) {
            if ($o -is [System.Management.Automation.InformationRecord]) { $summary = $o.MessageData }
            else { $results.Add($o) }
        }
    }
    [pscustomobject]@{ Results = $results; Summary = $summary }
}

$first = Invoke-QueuedJobs
Show-Outcome $first.Results $first.Summary
''
"  One result of each kind (numbers masked, as in the module's default views):"
''
$kinds = [System.Collections.Generic.HashSet[string]]::new()
Format-DemoResults $first.Results.Where({ $kinds.Add($_.Action) })
''
Format-DemoText ('Why skipped: ' + $first.Results.Where({ $_.Action -eq 'Skip' }, 'First')[0].Reason)

# ---------------------------------------------------------------------------------------------
Show-Step '4. The same webhook call again: nothing left to change'
$null = $upns | & $invoker -WebhookUrl $webhookUrl -Handshake $handshake
$second = Invoke-QueuedJobs
Show-Outcome $second.Results $second.Summary

# ---------------------------------------------------------------------------------------------
Show-Step '5. Drift: three users'' MFA phones were changed by hand in the portal'
$drifted = $first.Results.Where({ $_.Action -in 'Add', 'Update', 'NoChange' -and $_.After }, 'First', 3)
$changes = '{"phoneMethods":[{"phoneType":"mobile","phoneNumber":"+1 2065550100"}]}',
           '{"phoneMethods":[]}',
           '{"phoneMethods":[{"phoneType":"mobile","phoneNumber":"+1 4255550199"}]}'
for ($k = 0; $k -lt $drifted.Count; $k++) {
    $path = "/control/tenants/$tenantId/users/" + [Uri]::EscapeDataString($drifted[$k].UserPrincipalName)
    $null = Invoke-EmulatorControl $Endpoint PATCH $path $changes[$k]
}
'  Compare-MfaPhone -All | Where-Object Status -eq WhatIf'
''
Format-DemoResults (Compare-MfaPhone -All -SummaryVariable drift | Where-Object Status -eq 'WhatIf')
''
"  $($drift.Users) users compared in $('{0:0.0}' -f $drift.Duration.TotalSeconds) s; nothing written."
'  Sync-MfaPhone -All (or the next webhook call naming them) puts them right.'

Disconnect-MfaGraph
''
'== Done in {0:0.0} s' -f $clock.Elapsed.TotalSeconds
