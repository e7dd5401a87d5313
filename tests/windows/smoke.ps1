<#
.SYNOPSIS
    Module smoke test for win-x64: the module with runtimes/win-x64/native/mfaphone_native.dll,
    in a Windows PowerShell host, against the emulator's demo tenant.
.DESCRIPTION
    Run by tools/windows/module-smoke.sh (CTest: module-win-x64) with the self-contained win-x64
    build of tools/pshost under Wine. Sign-in, a read of a user with a non-ASCII name (UTF-8
    across the boundary), a sync of a few users followed by a second sync that changes nothing,
    and an error path. Prints 'smoke: passed' at the end; any failure stops the script.
#>
param([Parameter(Mandatory)] [string] $Endpoint)

$ErrorActionPreference = 'Stop'
$ri = [System.Runtime.InteropServices.RuntimeInformation]
if (-not $ri::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)) {
    throw "smoke: this host is not a Windows process ($($ri::OSDescription))"
}
Import-Module MfaPhone
# The host has no Management module (Split-Path, Test-Path): .NET does the path work.
$native = [System.IO.Path]::Combine([System.IO.Path]::GetDirectoryName((Get-Module MfaPhone).Path),
    'runtimes', 'win-x64', 'native', 'mfaphone_native.dll')
if (-not [System.IO.File]::Exists($native)) { throw "smoke: $native is missing" }

$secret = [System.Net.NetworkCredential]::new('', 'demo-client-secret-1').SecurePassword
Connect-MfaGraph -TenantId 'contoso.onmicrosoft.com' -ClientId '6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b' `
    -ClientSecret $secret -AuthorityHost $Endpoint -GraphEndpoint $Endpoint
$context = Get-MfaGraphContext
if (-not $context) { throw 'smoke: no context after Connect-MfaGraph' }
'smoke: signed in'

$name = 'zo' + [char]0x00EB + '.' + [char]0x00E5 + 'ngstr' + [char]0x00F6 + 'm@contoso.com'
$phones = @(Get-MfaPhone -UserId $name)
if ($phones.Count -lt 1) { throw "smoke: no phone methods read for $name" }
if ($phones[0].UserPrincipalName -cne $name) {
    throw "smoke: the name came back as '$($phones[0].UserPrincipalName)', not '$name'"
}
"smoke: read $($phones.Count) phone method(s) of a user with a non-ASCII name"

$users = 'adele.vance@contoso.com', 'alex.wilber@contoso.com', $name
$first = @($users | Sync-MfaPhone)
if ($first.Count -lt $users.Count) { throw "smoke: the sync returned $($first.Count) results for $($users.Count) users" }
$failed = @($first | Where-Object { $_.Status -eq 'Failed' })
if ($failed.Count) { throw "smoke: the sync failed for $($failed[0].UserPrincipalName): $($failed[0].Reason)" }
$changed = @($first | Where-Object { $_.Action -in 'Add', 'Update', 'Remove' }).Count
$second = @($users | Sync-MfaPhone)
$again = @($second | Where-Object { $_.Action -in 'Add', 'Update', 'Remove' }).Count
if ($again) { throw "smoke: a second sync still made $again change(s)" }
"smoke: synced $($users.Count) users ($changed change(s)); a second sync changed nothing"

try {
    Get-MfaPhone -UserId 'nobody@contoso.com' -ErrorAction Stop
    throw 'smoke: no error for a user that does not exist'
}
catch {
    if ($_.FullyQualifiedErrorId -notlike 'UserNotFound*') { throw }
}
'smoke: a missing user is reported as UserNotFound'
'smoke: passed'
