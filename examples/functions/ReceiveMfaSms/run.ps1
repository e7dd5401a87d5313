<#
    Azure Functions (PowerShell) HTTP trigger: Twilio's "A message comes in" webhook for the shared
    MFA numbers. Twilio signs every request; the function is anonymous and relies on that signature
    (Receive-MfaSms refuses anything else before it delivers).

    App settings (use Key Vault references for the secrets):
      TWILIO_AUTH_TOKEN   the Twilio account's primary auth token
      RELAY_PUBLIC_URL    the URL configured in Twilio, e.g. https://contoso-mfa.azurewebsites.net/api/sms
      CONTOSO_TEAMS_URL   the Contoso channel's Workflows webhook URL (named by routes.json)
    Put the MfaPhone module in the app's Modules folder (or a managed dependency).
#>
using namespace System.Net
param($Request, $TriggerMetadata)

$ErrorActionPreference = 'Stop'
$token = ConvertTo-SecureString $env:TWILIO_AUTH_TOKEN -AsPlainText -Force
# The signature covers every form field as Twilio sent it: pass the raw body.
$body = if ($null -ne $Request.RawBody) { $Request.RawBody } else { $Request.Body }

try {
    $result = Receive-MfaSms -Body $body -Headers $Request.Headers -Url $env:RELAY_PUBLIC_URL -AuthToken $token `
        -Route (Join-Path $PSScriptRoot 'routes.json') -DedupePath (Join-Path $env:HOME 'data/mfaphone-dedupe')
    Write-Host "relay: $($result.Status) tenant=$($result.Tenant) sid=$($result.MessageSid)"
    Push-OutputBinding -Name Response -Value ([HttpResponseContext]@{
            StatusCode  = [HttpStatusCode] $result.HttpStatus
            ContentType = $result.ContentType
            Body        = $result.ResponseBody
        })
}
catch {
    # A refused request (bad signature, malformed): no details for the caller.
    Write-Warning "relay: refused ($($_.FullyQualifiedErrorId))"
    $status = if ($_.FullyQualifiedErrorId -like 'InvalidTwilioSignature*') { [HttpStatusCode]::Forbidden } else { [HttpStatusCode]::BadRequest }
    Push-OutputBinding -Name Response -Value ([HttpResponseContext]@{ StatusCode = $status; Body = '' })
}
