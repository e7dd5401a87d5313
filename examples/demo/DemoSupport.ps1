<#
.SYNOPSIS
    Helpers of the MfaPhone demo (examples/demo.ps1): the emulator's control API, a generated
    tenant, and stand-ins for the Azure Automation cmdlets a runbook calls.
.DESCRIPTION
    Written for any PowerShell 7 host, including the bundled one (no Utility cmdlets such as
    ConvertTo-Json or Invoke-RestMethod: .NET's HttpClient and System.Text.Json instead).
#>

$script:DemoHttp = [System.Net.Http.HttpClient]::new()

# Calls the emulator's control API; returns the answer's JSON root element (or $null).
function Invoke-EmulatorControl {
    param(
        [Parameter(Mandatory)] [string] $Endpoint,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Json
    )
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $Endpoint + $Path)
    if ($Json) {
        $request.Content = [System.Net.Http.StringContent]::new($Json, [System.Text.UTF8Encoding]::new($false), 'application/json')
    }
    $response = $script:DemoHttp.SendAsync($request).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) {
        throw "The emulator answered $Method $Path with HTTP $([int]$response.StatusCode): $text"
    }
    if ($text) { [System.Text.Json.JsonDocument]::Parse($text).RootElement }
}

# A JSON string literal.
function ConvertTo-JsonText([string] $Text) {
    [System.Text.Json.JsonSerializer]::Serialize($Text, [string])
}

# The tenant of the demo, generated the same way on every run (a seeded System.Random): users
# whose MFA numbers are typed by hand into extensionAttribute15 in every national and
# international format people use, a few unusable; phone methods that match, differ or are
# missing; the Automation account's managed identity.
function New-DemoTenant {
    param(
        [int] $Count = 300,
        [int] $Seed = 20261201,
        [Parameter(Mandatory)] [string] $TenantId,
        [Parameter(Mandatory)] [string] $IdentityClientId
    )
    $random = [System.Random]::new($Seed)
    $first = 'Adele', 'Alex', 'Allan', 'Bianca', 'Christie', 'Debra', 'Diego', 'Emily', 'Enrico', 'Grady',
        'Henrietta', 'Irvin', 'Isaiah', 'Johanna', 'Joni', 'Lee', 'Lidia', 'Lynne', 'Megan', 'Miriam',
        'Nestor', 'Patti', 'Pradeep', 'Zoë'
    $last = 'Vance', 'Wilber', 'Deyoung', 'Cline', 'Berg', 'Ångström', 'Garcia', 'Braun', 'Tran', 'Archie',
        'Cerveny', 'Mink', 'Langer', 'Lauer', 'Sherman', 'Gu', 'Holloway', 'Valdez', 'Bowen', 'Graham'
    $junk = 'n/a', 'ask reception', '12345', '+1 555 555 0142', 'tbd', '0000'
    $used = [System.Collections.Generic.HashSet[string]]::new()
    $names = [System.Collections.Generic.HashSet[string]]::new()

    # A fresh number of a country: @{ Graph = '+CC NSN'; Source = <as someone typed it> }.
    $newNumber = {
        param([string] $Region)
        for (;;) {
            switch ($Region) {
                'US' {
                    $area = (206, 425, 312, 646)[$random.Next(4)]
                    $x = '{0:00}' -f $random.Next(100)
                    $nsn = "${area}55501$x"
                    $forms = "($area) 555-01$x", "$area.555.01$x", "+1 $area-555-01$x", "1-$area-555-01$x", "+1${area}55501$x", " $area 555 01$x "
                }
                'SE' {
                    $d = '{0:0000000}' -f $random.Next(10000000)
                    $nsn = "70$d"
                    $forms = "070-$($d.Substring(0,3)) $($d.Substring(3,2)) $($d.Substring(5))", "+46 70 $($d.Substring(0,3)) $($d.Substring(3,2)) $($d.Substring(5))", "0046 70$d", "070 $d"
                }
                'DE' {
                    $d = '{0:00000000}' -f $random.Next(100000000)
                    $nsn = "151$d"
                    $forms = "0151 $d", "+49 (0)151 $d", "0049 151 $d", "0151/$d"
                }
                'GB' {
                    $d = '{0:000000}' -f $random.Next(1000000)
                    $nsn = "7400$d"
                    $forms = "07400 $d", "+44 7400 $d", "+44 (0)7400 $($d.Substring(0,3)) $($d.Substring(3))"
                }
                default {
                    $d = '{0:00000000}' -f $random.Next(100000000)
                    $nsn = "6$d"
                    $pairs = ($d -split '(..)').Where({ $_ })
                    $forms = "06 $($pairs -join ' ')", "+33 6 $($pairs -join ' ')", "0033 6$d"
                }
            }
            $cc = @{ US = '1'; SE = '46'; DE = '49'; GB = '44'; FR = '33' }[$Region]
            $graph = "+$cc $nsn"
            if ($used.Add($graph)) { return @{ Graph = $graph; Source = $forms[$random.Next($forms.Count)] } }
        }
    }

    $users = [System.Collections.Generic.List[object]]::new()
    $json = [System.Text.StringBuilder]::new()
    for ($i = 0; $i -lt $Count; $i++) {
        $given = $first[$random.Next($first.Count)]
        $family = $last[$random.Next($last.Count)]
        $upn = "$given.$family".ToLowerInvariant() + '@contoso.com'
        if (-not $names.Add($upn)) { $upn = "$given.$family$i".ToLowerInvariant() + '@contoso.com' }
        $p = $random.NextDouble()
        $region = if ($p -lt 0.5) { 'US' } elseif ($p -lt 0.65) { 'SE' } elseif ($p -lt 0.77) { 'DE' } elseif ($p -lt 0.89) { 'GB' } else { 'FR' }
        $state = $random.NextDouble()
        $source = $null
        $methods = @()
        if ($state -lt 0.05) {
            $source = $junk[$random.Next($junk.Count)]                          # unusable: skipped, with a reason
        } elseif ($state -lt 0.13) {
            if ($random.Next(2) -eq 0) { $methods = @(& $newNumber $region).ForEach({ $_.Graph }) }  # no source: kept
        } else {
            $number = & $newNumber $region
            $source = $number.Source
            if ($state -lt 0.55) { }                                             # no phone method yet: added
            elseif ($state -lt 0.80) { $methods = @($number.Graph) }             # already right
            else { $methods = @((& $newNumber $region).Graph) }                  # another number: updated
        }
        $users.Add([pscustomobject]@{ UserPrincipalName = $upn; Region = $region; Source = $source })
        $phones = ($methods.ForEach({ '{"phoneType":"mobile","phoneNumber":' + (ConvertTo-JsonText $_) + '}' })) -join ','
        $ext = if ($null -ne $source) { '{"extensionAttribute15":' + (ConvertTo-JsonText $source) + '}' } else { '{}' }
        if ($i -gt 0) { $null = $json.Append(',') }
        $null = $json.Append('{"userPrincipalName":').Append((ConvertTo-JsonText $upn)).
            Append(',"displayName":').Append((ConvertTo-JsonText "$given $family")).
            Append(',"usageLocation":"').Append($region).Append('","onPremisesSyncEnabled":true').
            Append(',"onPremisesExtensionAttributes":').Append($ext).
            Append(',"phoneMethods":[').Append($phones).Append(']}')
    }
    $seedJson = '{"tenants":[{"id":"' + $TenantId + '","displayName":"Contoso","domains":["contoso.onmicrosoft.com","contoso.com"],' +
        '"managedIdentities":[{"clientId":"' + $IdentityClientId + '","systemAssigned":true,' +
        '"applicationPermissions":["User.Read.All","UserAuthMethod-Phone.ReadWrite.All"]}],' +
        '"users":[' + $json.ToString() + ']}]}'
    [pscustomobject]@{ Seed = $seedJson; Users = $users }
}

# Stand-ins for the Azure Automation cmdlets the runbook calls (the sandbox provides them).
$global:AutomationVariables = @{}
function Get-AutomationVariable {
    param([Parameter(Mandatory)] [string] $Name)
    if (-not $global:AutomationVariables.ContainsKey($Name)) { throw "Automation variable '$Name' was not found." }
    $global:AutomationVariables[$Name]
}
function Set-AutomationVariable {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [object] $Value)
    if (-not $global:AutomationVariables.ContainsKey($Name)) { throw "Automation variable '$Name' was not found." }
    $global:AutomationVariables[$Name] = $Value
}

# A text table (the host has no Group-Object or Select-Object): numbers right-aligned, text
# left-aligned, two spaces between columns.
function Format-DemoRows {
    param([string[]] $Header, [object[]] $Rows, [int[]] $Width)
    $format = {
        param($cells)
        $text = for ($k = 0; $k -lt $Width.Count; $k++) {
            if ($cells[$k] -is [int] -or $Header[$k] -eq 'users') { "{0,$($Width[$k])}" -f $cells[$k] }
            else { "{0,-$($Width[$k])}" -f $cells[$k] }
        }
        ('  ' + ($text -join '  ')).TrimEnd()
    }
    & $format $Header
    & $format ($Width.ForEach({ '-' * $_ }))
    foreach ($row in $Rows) { & $format $row }
}

# A number as the default views show it: the country code and the last two digits.
function Hide-Number([string] $Number) {
    if ($Number -match '^(\+\d+) .*(\d\d)$') { "$($Matches[1]) ***$($Matches[2])" } else { $Number }
}

# Sync results as a compact table: one line per user and phone type, numbers masked.
function Format-DemoResults($Results) {
    $rows = foreach ($r in $Results) {
        , @($r.UserPrincipalName, $r.Action, $r.Status, (Hide-Number $r.Before), (Hide-Number $r.After))
    }
    Format-DemoRows -Header 'user', 'action', 'status', 'before', 'after' -Width 30, 8, 9, 10, 10 -Rows $rows
}

# Text wrapped at word boundaries to lines of at most $Width columns, indented.
function Format-DemoText([string] $Text, [int] $Width = 76, [string] $Indent = '  ') {
    $line = ''
    foreach ($word in $Text -split ' ') {
        if ($line.Length -gt 0 -and $line.Length + 1 + $word.Length -gt $Width) { $Indent + $line; $line = $word }
        elseif ($line.Length -gt 0) { $line += ' ' + $word }
        else { $line = $word }
    }
    if ($line) { $Indent + $line }
}
