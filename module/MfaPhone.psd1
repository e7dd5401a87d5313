@{
    RootModule             = 'MfaPhone.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f3c2a4e-8d51-4b7e-9a0c-2e5f7d1b9c43'
    Author                 = 'MfaPhone maintainers'
    CompanyName            = 'MfaPhone'
    Copyright              = '(c) MfaPhone maintainers. MIT License.'
    Description            = 'Manages the phone numbers Microsoft Entra ID uses for multi-factor authentication, through Microsoft Graph, and relays MFA text messages from a shared virtual number to Microsoft Teams.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('MfaPhone.format.ps1xml')
    CmdletsToExport        = @(
        'Connect-MfaGraph'
        'Disconnect-MfaGraph'
        'Get-MfaGraphContext'
        'Get-MfaPhone'
        'ConvertTo-MfaPhoneNumber'
        'Receive-MfaSms'
        'Test-MfaSmsSignature'
        'Sync-MfaPhone'
        'Compare-MfaPhone'
        'Set-MfaPhone'
        'Remove-MfaPhone'
        'Enable-MfaSmsSignIn'
        'Disable-MfaSmsSignIn'
        'Test-MfaPhoneSetup'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('MFA', 'EntraID', 'AzureAD', 'MicrosoftGraph', 'Authentication', 'PhoneMethods', 'AzureAutomation', 'Teams', 'Twilio', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/mfaphone/mfaphone'
            LicenseUri   = 'https://github.com/mfaphone/mfaphone/blob/main/LICENSE'
            ReleaseNotes = '0.1.0: Sync-MfaPhone and Compare-MfaPhone (add, update and remove MFA phone methods from a directory attribute or the piped objects, for a pipeline, a filter, the whole tenant or only the users changed since the last run with -Delta/-DeltaLink, through $batch at Graph''s throttle limit); the classic webhook runbook contract (Sync-MfaPhone -WebhookData -Handshake; a refused request or a failed user ends the job as Failed); Connect-MfaGraph (managed identity, certificate, client secret, access token, device code, password; national clouds; -Session), Disconnect-MfaGraph, Get-MfaGraphContext, Get-MfaPhone (-IncludeEmpty), Set-MfaPhone, Remove-MfaPhone, Enable-MfaSmsSignIn and Disable-MfaSmsSignIn (one user''s number or SMS sign-in by hand, -WhatIf/-Confirm), Test-MfaPhoneSetup (the preflight check of sign-in, permissions and masking), ConvertTo-MfaPhoneNumber, Receive-MfaSms and Test-MfaSmsSignature (the shared MFA phone relay); full help and about_MfaPhone; views that fit 80 columns; argument completers. Native engine for linux-x64; win-x64 and osx-arm64 where built.'
        }
    }
}
