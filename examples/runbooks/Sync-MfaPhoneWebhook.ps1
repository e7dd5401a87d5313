<#
.SYNOPSIS
    Azure Automation runbook behind the MFA phone-sync webhook.

.DESCRIPTION
    Started by its webhook with the classic contract: the caller POSTs a JSON array of
    {"UserPrincipalName": "..."} objects with the shared handshake in the header "message".
    Signs in with the Automation account's managed identity, checks the handshake against the
    encrypted Automation variable MfaPhoneHandshake (in constant time; it is never written
    anywhere) and syncs the users the request names. A refused request, or a run in which any user
    failed, ends the job as Failed (a terminating error). Runs in Windows PowerShell 5.1 and
    PowerShell 7.x runtime environments. Setup: README.md in this folder.
#>
param([object] $WebhookData)

# Inside try, a command's terminating error (a failed sign-in, a refused request, failed users)
# stops the runbook; rethrown, it ends the job as Failed rather than Completed.
try {
    Connect-MfaGraph -Identity
    # An encrypted variable comes back as text; it goes on as a SecureString.
    $text = Get-AutomationVariable -Name 'MfaPhoneHandshake'
    $handshake = [Net.NetworkCredential]::new('', $text).SecurePassword
    Sync-MfaPhone -WebhookData $WebhookData -Handshake $handshake
} catch {
    throw
}
