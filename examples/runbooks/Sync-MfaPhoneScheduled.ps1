<#
.SYNOPSIS
    Azure Automation runbook for a schedule: syncs the MFA phone numbers of every user whose
    directory entry changed since the last successful run.

.DESCRIPTION
    Signs in with the Automation account's managed identity and follows Graph's change tracking
    (Sync-MfaPhone -Delta). The link to resume from is kept in the Automation variable
    MfaPhoneDeltaLink (a plain, unencrypted string variable; create it empty). The first run,
    with the variable empty, syncs every user of the tenant; each later run only the users changed
    since the previous successful run.

    The variable moves on only when every change of the run was applied: a run in which any user
    failed stores nothing and ends the job as Failed, so the next run reads the same users again.
    A link Graph no longer knows (older than 7 days: schedule the runbook at least weekly) starts
    a full round with a warning.

    Phone methods changed outside the directory are not directory changes; to correct those too,
    run the runbook now and then with -FullRound (for example from a second, weekly schedule).

.PARAMETER FullRound
    Ignore the stored link and sync every user; the variable then gets a fresh link.

.PARAMETER SourceProperty
    The user property the mobile number comes from (default extensionAttribute15).
#>
param(
    [bool] $FullRound = $false,
    [string] $SourceProperty = 'extensionAttribute15'
)

# Inside try, a command's terminating error (a failed sign-in, a bad link) stops the runbook;
# rethrown, it ends the job as Failed rather than Completed.
try {
    Connect-MfaGraph -Identity
    $link = if ($FullRound) { '' } else { Get-AutomationVariable -Name 'MfaPhoneDeltaLink' }
    # A failed user is an error record and the others are still synced; the job fails below.
    Sync-MfaPhone -Delta -DeltaLink $link -SourceProperty $SourceProperty -SummaryVariable summary -ErrorAction Continue
    if (-not $summary.DeltaLink) {
        throw "Not every change was applied ($($summary.Failed) failed); the delta link is kept, so the next run reads the same users again."
    }
    Set-AutomationVariable -Name 'MfaPhoneDeltaLink' -Value $summary.DeltaLink
    $summary
} catch {
    throw
}
