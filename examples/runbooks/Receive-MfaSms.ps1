<#
.SYNOPSIS
    Azure Automation runbook: relays the MFA text Twilio posts to this runbook's webhook to the
    customer's Teams channel.

.DESCRIPTION
    Set the Twilio number's "A message comes in" webhook to this runbook's webhook URL (HTTP POST).
    Automation assets used (all encrypted):
      - credential 'TwilioAuthToken'   : any user name, password = the Twilio account's auth token
      - variable   'RunbookWebhookUrl' : this runbook's webhook URL exactly as configured in Twilio
      - variable   'MfaRelayRoutes'    : JSON array of routes, e.g.
            [{"Tenant":"Contoso","To":"+15005550006","Teams":"https://...logic.azure.com/...&sig=...","Redact":true}]
    Automation may take minutes to start a job and keeps the webhook's input (the text, with its
    code) in the job history: for codes that must arrive within seconds and leave no trace, run
    mfaphone-relay (examples/relay) or the Azure Functions example instead.
#>
param([object] $WebhookData)

$ErrorActionPreference = 'Stop'
Import-Module MfaPhone

$twilio = Get-AutomationPSCredential -Name 'TwilioAuthToken'
$webhookUrl = Get-AutomationVariable -Name 'RunbookWebhookUrl'
$routes = foreach ($r in (Get-AutomationVariable -Name 'MfaRelayRoutes' | ConvertFrom-Json)) {
    @{ Tenant = $r.Tenant; To = $r.To; Teams = $r.Teams; Redact = [bool] $r.Redact }
}

$result = Receive-MfaSms -WebhookData $WebhookData -Url $webhookUrl -AuthToken $twilio.Password -Route $routes
# The result shows the code masked; the job output never holds the text or the code.
$result | Select-Object Status, Tenant, From, Code, SinksDelivered, Redacted, MessageSid
if ($result.Status -eq 'Failed') { throw "The text for $($result.Tenant) was not delivered." }
