<#
.SYNOPSIS
    Starts the MfaPhone webhook runbook for a list of users.

.DESCRIPTION
    Posts the users to the runbook's Azure Automation webhook in the contract the runbook has always
    had: a JSON array of {"UserPrincipalName": "..."} objects, with the shared handshake in the
    request header "message".

    Compared with the classic invoker it replaces, this script
      - takes the webhook URL (which carries its own token) and the handshake as SecureStrings, from
        a vault or an Automation credential, instead of having them written into the script, and
        never prints either;
      - refuses a URL that is not https (only this machine's loopback address may use http);
      - sends Content-Type application/json with UTF-8, so names such as zoë@contoso.com arrive
        intact, and sends a one-user list as an array;
      - removes duplicates and empty names, and splits long lists into several requests (1000 users
        by default; the runbook refuses more than 10000 users or 1 MiB in one request);
      - uses TLS 1.2 on Windows PowerShell 5.1, whose default protocols Azure no longer accepts;
      - checks the answer: Azure Automation answers 202 with the id of the job it queued. Any other
        answer stops the script with an error, so a scheduled caller notices.
    The runbook's own result (users synced, failures) is in the Automation job, not in this answer.

.PARAMETER UserPrincipalName
    The users whose MFA phone numbers the runbook should sync. Binds from the pipeline: strings, or
    objects with a UserPrincipalName property (Get-ADUser, Get-MgUser, Import-Csv rows).

.PARAMETER WebhookUrl
    The webhook's URL, shown once when the webhook was created. It is a secret: keep it in a vault
    (for example Get-Secret from Microsoft.PowerShell.SecretManagement) and pass it as a SecureString.

.PARAMETER Handshake
    The shared secret the runbook expects in the "message" header, as a SecureString.

.PARAMETER BatchSize
    Most users per request (1 to 10000). Requests are also kept under 1,000,000 bytes.

.PARAMETER TimeoutSec
    How long to wait for each answer.

.OUTPUTS
    MfaPhone.WebhookInvocation: one object per request with Users (how many it named), StatusCode
    and JobId (the Automation job that will run them).

.EXAMPLE
    $url = Get-Secret -Name 'MfaPhoneWebhookUrl'
    $handshake = Get-Secret -Name 'MfaPhoneHandshake'
    Get-ADUser -Filter 'extensionAttribute15 -like "*"' |
        ./Invoke-MfaPhoneWebhook.ps1 -WebhookUrl $url -Handshake $handshake

    Sends every user with a number in extensionAttribute15, 1000 per request, and writes the id of
    each Automation job it started.

.EXAMPLE
    ./Invoke-MfaPhoneWebhook.ps1 -UserPrincipalName 'adele.vance@contoso.com' `
        -WebhookUrl (Read-Host -AsSecureString 'Webhook URL') -Handshake (Read-Host -AsSecureString 'Handshake')

    Syncs one user after a change, prompting for the two secrets so that neither lands in the
    console history.
#>
[CmdletBinding()]
[OutputType('MfaPhone.WebhookInvocation')]
param(
    [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
    [Alias('UPN')]
    [AllowEmptyString()]
    [string[]] $UserPrincipalName,

    [Parameter(Mandatory)]
    [securestring] $WebhookUrl,

    [Parameter(Mandatory)]
    [securestring] $Handshake,

    [ValidateRange(1, 10000)]
    [int] $BatchSize = 1000,

    [ValidateRange(1, 600)]
    [int] $TimeoutSec = 100
)

begin {
    Set-StrictMode -Version 3
    $maxBodyBytes = 1000000

    function ConvertTo-PlainText([securestring] $Secret) {
        [System.Net.NetworkCredential]::new('', $Secret).Password
    }

    # A JSON string literal: quotes, backslashes and control characters escaped.
    function ConvertTo-JsonString([string] $Text) {
        if ($Text -notmatch '["\\\x00-\x1f]') { return '"' + $Text + '"' }
        $sb = [System.Text.StringBuilder]::new($Text.Length + 2)
        $null = $sb.Append('"')
        foreach ($c in $Text.ToCharArray()) {
            switch ([int]$c) {
                0x22 { $null = $sb.Append('\"'); break }
                0x5C { $null = $sb.Append('\\'); break }
                { $_ -lt 0x20 } { $null = $sb.Append(('\u{0:x4}' -f [int]$c)); break }
                default { $null = $sb.Append($c) }
            }
        }
        $null = $sb.Append('"')
        $sb.ToString()
    }

    $users = [System.Collections.Generic.List[string]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
}

process {
    foreach ($name in $UserPrincipalName) {
        if ([string]::IsNullOrWhiteSpace($name)) {
            $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [System.ArgumentException]::new('A user principal name is empty; it is left out.'),
                    'EmptyUserPrincipalName', [System.Management.Automation.ErrorCategory]::InvalidArgument, $null))
            continue
        }
        $name = $name.Trim()
        if ($seen.Add($name)) { $users.Add($name) }
    }
}

end {
    if ($users.Count -eq 0) { throw 'No user principal names to send.' }

    $uri = $null
    if (-not [System.Uri]::TryCreate((ConvertTo-PlainText $WebhookUrl), [System.UriKind]::Absolute, [ref] $uri)) {
        throw 'The webhook URL is not an absolute URL. Give the URL shown when the webhook was created.'
    }
    if ($uri.Scheme -ne 'https' -and -not ($uri.Scheme -eq 'http' -and $uri.IsLoopback)) {
        throw 'The webhook URL must use https: it carries the webhook''s token.'
    }

    if ($PSVersionTable.PSVersion.Major -lt 6) {
        Add-Type -AssemblyName System.Net.Http
        [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor
            [System.Net.SecurityProtocolType]::Tls12
    }

    # Batches by count and by size, in input order.
    $batches = [System.Collections.Generic.List[object]]::new()
    $batch = [System.Collections.Generic.List[string]]::new()
    $bytes = 2
    foreach ($name in $users) {
        $entry = '{"UserPrincipalName":' + (ConvertTo-JsonString $name) + '}'
        $size = [System.Text.Encoding]::UTF8.GetByteCount($entry) + 1
        if ($batch.Count -gt 0 -and ($batch.Count -ge $BatchSize -or $bytes + $size -gt $maxBodyBytes)) {
            $batches.Add($batch)
            $batch = [System.Collections.Generic.List[string]]::new()
            $bytes = 2
        }
        $batch.Add($entry)
        $bytes += $size
    }
    $batches.Add($batch)

    $client = [System.Net.Http.HttpClient]::new()
    $client.Timeout = [System.TimeSpan]::FromSeconds($TimeoutSec)
    try {
        $sent = 0
        foreach ($entries in $batches) {
            $first = $sent + 1
            $sent += $entries.Count
            $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $uri)
            try {
                $request.Content = [System.Net.Http.StringContent]::new('[' + ($entries -join ',') + ']',
                    [System.Text.UTF8Encoding]::new($false), 'application/json')
                $secret = ConvertTo-PlainText $Handshake
                $null = $request.Headers.TryAddWithoutValidation('message', $secret)
                $secret = $null
                try {
                    $response = $client.SendAsync($request).GetAwaiter().GetResult()
                } catch {
                    # Transport errors can name the URL; say only what kind of failure it was.
                    $kind = $_.Exception.GetBaseException().GetType().Name
                    throw "Users $first to ${sent}: the webhook could not be reached ($kind). Check the network and that the webhook still exists."
                }
            } finally {
                $request.Dispose()
            }
            try {
                $status = [int]$response.StatusCode
                $answer = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            } finally {
                $response.Dispose()
            }
            if ($status -ne 202) {
                $hint = switch ($status) {
                    400 { 'the webhook has expired or is disabled' }
                    404 { 'the webhook or its runbook no longer exists' }
                    413 { 'the request is too large: lower -BatchSize' }
                    default { 'see the Automation account''s activity log' }
                }
                throw "Users $first to ${sent}: the webhook answered HTTP $status instead of 202 ($hint). Later users were not sent."
            }
            $jobId = $null
            if ($answer -match '"JobIds"\s*:\s*\[\s*"([^"]+)"') { $jobId = $Matches[1] }
            [pscustomobject]@{
                PSTypeName = 'MfaPhone.WebhookInvocation'
                Users      = $entries.Count
                StatusCode = $status
                JobId      = $jobId
            }
        }
    } finally {
        $client.Dispose()
    }
}
