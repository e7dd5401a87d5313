<#
.SYNOPSIS
    The MfaPhone demo: signs in to the emulator's demo tenant and reads users' MFA phone methods.
.DESCRIPTION
    Run by `./build.sh demo`, which starts the emulator with emulator/tenants/demo.json and
    passes its address. The demo app's credentials are test data from that file.
#>
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [string] $TenantId = 'contoso.onmicrosoft.com',
    [string] $ClientId = '6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b'
)

$ErrorActionPreference = 'Stop'
# Each section ends in Out-Default so it gets its own table, whatever the section before showed.
Import-Module MfaPhone

# The demo secret is fixture data; a real runbook reads it with Get-AutomationPSCredential.
$secret = [System.Net.NetworkCredential]::new('', 'demo-client-secret-1').SecurePassword

'== Connect-MfaGraph (client secret) against the emulator at ' + $Endpoint
Connect-MfaGraph -TenantId $TenantId -ClientId $ClientId -ClientSecret $secret -AuthorityHost $Endpoint -GraphEndpoint $Endpoint
Get-MfaGraphContext | Out-Default

''
'== Get-MfaPhone for a pipeline of users'
$users = 'adele.vance@contoso.com', 'zoë.ångström@contoso.com', 'alex.wilber@contoso.com',
         '$megan.bowen@contoso.com', 'pat_fabrikam.com#EXT#@contoso.onmicrosoft.com'
$users | Get-MfaPhone | Out-Default

''
'== Objects from other tools bind by property name (UserPrincipalName, Id, ObjectId)'
[pscustomobject]@{ UserPrincipalName = 'zoë.ångström@contoso.com'; Department = 'Sales' },
    [pscustomobject]@{ Id = '30c81c46-a35c-4e17-8c1d-3b5e0a6f2d44' } | Get-MfaPhone -PhoneType mobile | Out-Default

''
'== A user that does not exist is reported and the rest go on'
'nobody@contoso.com', 'adele.vance@contoso.com' | Get-MfaPhone -PhoneType mobile -ErrorAction Continue -ErrorVariable failed | Out-Default
"Failed users: $($failed.Count) ($($failed.ForEach({ $_.FullyQualifiedErrorId }) -join ', '))"

Disconnect-MfaGraph
''
'== Done'
