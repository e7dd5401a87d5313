namespace MfaPhone.Commands
{
    /// <summary>
    /// What to do about a 403 from Graph: which permission the call needs (least privileged
    /// first) and how to grant it to an app registration and to a managed identity.
    /// </summary>
    internal static class PermissionAdvice
    {
        internal const string Read = "UserAuthMethod-Phone.Read.All";
        internal const string ReadWrite = "UserAuthMethod-Phone.ReadWrite.All";

        internal static string For403(string graphMessage) =>
            graphMessage.TrimEnd() +
            " The signed-in app or identity lacks a Microsoft Graph permission this call needs. Reading phone methods needs " +
            Read + " (least privileged; " + ReadWrite + ", UserAuthenticationMethod.Read.All or UserAuthenticationMethod.ReadWrite.All also work); " +
            "changing them needs " + ReadWrite + " (or UserAuthenticationMethod.ReadWrite.All); reading users needs User.Read.All. " +
            "For an app registration: add the application permission under API permissions and grant admin consent. " +
            "For a managed identity (no consent button): assign the app role with Microsoft Graph PowerShell, e.g. " +
            "$graph = Get-MgServicePrincipal -Filter \"appId eq '00000003-0000-0000-c000-000000000000'\"; " +
            "$role = $graph.AppRoles | Where-Object Value -eq '" + Read + "'; " +
            "New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId <identity object id> -PrincipalId <identity object id> -ResourceId $graph.Id -AppRoleId $role.Id " +
            "(the identity's object id is the Account shown by Get-MfaGraphContext). Sign in again afterwards: permissions are read when a token is issued.";
    }
}
