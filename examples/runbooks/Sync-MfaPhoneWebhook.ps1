<#
.SYNOPSIS
    Azure Automation runbook behind the MFA phone-sync webhook.

.DESCRIPTION
    Started by its webhook, with the classic contract: the caller POSTs a JSON array of
    {"UserPrincipalName": "..."} objects and the shared handshake in the header "message".

    Signs in with the Automation account's managed identity, checks the handshake against the
    encrypted Automation variable MfaPhoneHandshake (in constant time; it is never written
    anywhere), and syncs the MFA phone numbers of the users the request names. A refused request,
    or a run in which any user failed, ends the job as Failed.

    Runs in Windows PowerShell 5.1 and PowerShell 7.x runtime environments: Sync-MfaPhone reads
    $WebhookData in each shape they pass it. Setup: README.md in this folder.
#>
param(
    [Parameter(Mandatory = $false)]
    [object] $WebhookData
)

try {
    Connect-MfaGraph -Identity
    # An encrypted variable comes back as text; it goes on as a SecureString.
    $handshake = [System.Net.NetworkCredential]::new('', (Get-AutomationVariable -Name 'MfaPhoneHandshake')).SecurePassword
    Sync-MfaPhone -WebhookData $WebhookData -Handshake $handshake
} catch {
    # Rethrown, a terminating error ends the job as Failed rather than Completed.
    throw
}
