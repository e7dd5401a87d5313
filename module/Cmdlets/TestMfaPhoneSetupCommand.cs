using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks that the sign-in can read and change MFA phone numbers, and says what is missing.</para>
    /// <para type="description">A preflight for a console or a runbook: the kind of sign-in, the cloud, the
    /// permissions (application roles, or delegated scopes and directory roles) present against those needed to read
    /// and to change phone methods, masked numbers, and a test read of one user. Each check is an object with a
    /// status and, when something is missing, the command that grants it.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "MfaPhoneSetup")]
    [OutputType(typeof(MfaSetupCheck))]
    public sealed class TestMfaPhoneSetupCommand : MfaGraphCmdlet
    {
        private const string GraphAppId = "00000003-0000-0000-c000-000000000000";
        private const string AuthenticationAdministrator = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
        private const string PrivilegedAuthenticationAdministrator = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
        private const string GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
        private const string GlobalReader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

        private static readonly string[] AppRead = { "UserAuthMethod-Phone.Read.All", "UserAuthMethod-Phone.ReadWrite.All", "UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All" };
        private static readonly string[] AppWrite = { "UserAuthMethod-Phone.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All" };
        private static readonly string[] UserRead = { "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All" };
        private static readonly string[] DefaultMethodRead = { "UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All" };
        private static readonly string[] DelegatedUserRead = { "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "User.ReadBasic.All" };

        #region Parameters

        /// <summary>A user (object id or user principal name) whose phone methods the test read reads; default: the signed-in user of a delegated sign-in.</summary>
        [Parameter(Position = 0)]
        [Alias("UserPrincipalName", "UPN")]
        [ValidateNotNullOrEmpty]
        public string UserId { get; set; }

        #endregion

        #region Overrides

        protected override void EndProcessing()
        {
            MfaGraphContext context = Call(GetMfaGraphContextCommand.ReadContext);
            if (context == null)
            {
                WriteObject(Result("Connection", "Fail", "Not signed in to Microsoft Graph in this session.",
                    "Connect-MfaGraph (in Azure Automation: with no parameters, the account's managed identity; elsewhere -TenantId, -ClientId and -CertificateThumbprint or -ClientSecret). Then run Test-MfaPhoneSetup again."));
                return;
            }
            string[] roles, scopes, directoryRoles;
            using (ContextInfo info = NativeSession.Context())
            using (StringVector wids = info.DirectoryRoles())
                directoryRoles = wids.ToArray();
            roles = context.Roles ?? Array.Empty<string>();
            scopes = context.Scopes ?? Array.Empty<string>();
            bool delegated = context.Delegated;
            string[] held = delegated ? scopes : roles;

            WriteObject(Result("Connection", "Pass", $"Signed in to tenant {context.TenantId}.", ""));
            WriteObject(SignIn(context));
            WriteObject(Result("Cloud", "Pass",
                $"{context.Environment}: sign-in at {context.AuthorityHost}, Graph at {context.GraphEndpoint}.", ""));

            if (delegated)
            {
                WriteObject(Permission("ReadPermission", "read phone methods", AppRead, held, context, DelegatedRoleCheck(directoryRoles, write: false)));
                WriteObject(Permission("WritePermission", "add, change and remove phone methods and set SMS sign-in", AppWrite, held, context, DelegatedRoleCheck(directoryRoles, write: true)));
                WriteObject(Permission("UserReadPermission", "read users and their source attribute (Sync-MfaPhone; user principal names in Get-MfaPhone)", DelegatedUserRead, held, context, null, warnOnly: true));
            }
            else
            {
                WriteObject(Permission("ReadPermission", "read phone methods", AppRead, held, context, null));
                WriteObject(Permission("WritePermission", "add, change and remove phone methods and set SMS sign-in", AppWrite, held, context, null));
                WriteObject(Permission("UserReadPermission", "read users and their source attribute (Sync-MfaPhone; user principal names in Get-MfaPhone)", UserRead, held, context, null, warnOnly: true));
            }
            WriteObject(Permission("DefaultMethodRead", "read a user's default MFA method before a removal (signInPreferences; Remove-MfaPhone, Sync-MfaPhone -RemoveWhenSourceEmpty)", DefaultMethodRead, held, context, null, warnOnly: true));
            WriteObject(context.NumbersMasked
                ? Result("MaskedNumbers", "Warning",
                    "Graph shows this sign-in masked phone numbers (a delegated Authentication Administrator sees only the last digits): Sync-MfaPhone and Set-MfaPhone skip numbers they cannot compare.",
                    "Sign in app-only to see full numbers: Connect-MfaGraph with a managed identity, certificate or client secret that has " + PermissionAdvice.ReadWrite + ".")
                : Result("MaskedNumbers", "Pass", delegated ? "This sign-in sees full phone numbers (its directory role is not limited to Authentication Administrator)." : "App-only sign-ins see full phone numbers.", ""));
            WriteObject(TestRead(context));
        }

        #endregion

        #region Private

        private static MfaSetupCheck Result(string check, string status, string detail, string remedy,
                                            string[] needed = null, string[] present = null) =>
            new MfaSetupCheck
            {
                Check = check, Status = status, Detail = detail, Remedy = remedy ?? "",
                Needed = needed ?? Array.Empty<string>(), Present = present ?? Array.Empty<string>(),
            };

        private static MfaSetupCheck SignIn(MfaGraphContext c)
        {
            string who = c.Delegated ? $"delegated, as {c.Account}" : $"app-only, client {c.ClientId}";
            string expires = c.TokenExpiresOn.HasValue
                ? "; token valid until " + c.TokenExpiresOn.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "";
            switch (c.AuthType)
            {
                case "Password":
                    return Result("SignIn", "Warning", $"{c.AuthType} ({who}){expires}. The password flow is legacy: it fails for accounts with MFA and is being retired.",
                        "Use a managed identity (Azure Automation), a certificate or a client secret: Connect-MfaGraph -TenantId <tenant> -ClientId <app id> -CertificateThumbprint <thumbprint>.");
                case "AccessToken":
                    return Result("SignIn", "Warning", $"{c.AuthType} ({who}){expires}. A given token is not renewed: runs that outlast it fail.",
                        "For unattended runs sign in with a managed identity, certificate or client secret, which MfaPhone renews.");
                default:
                    return Result("SignIn", "Pass", $"{c.AuthType} ({who}){expires}.", "");
            }
        }

        /// <summary>Whether a delegated sign-in holds a directory role that lets it manage other users' phone methods.</summary>
        private static MfaSetupCheck DelegatedRoleCheck(string[] wids, bool write)
        {
            var names = new Dictionary<string, string>
            {
                [AuthenticationAdministrator] = "Authentication Administrator",
                [PrivilegedAuthenticationAdministrator] = "Privileged Authentication Administrator",
                [GlobalAdministrator] = "Global Administrator",
                [GlobalReader] = "Global Reader",
            };
            var allowed = write
                ? new[] { AuthenticationAdministrator, PrivilegedAuthenticationAdministrator, GlobalAdministrator }
                : new[] { AuthenticationAdministrator, PrivilegedAuthenticationAdministrator, GlobalAdministrator, GlobalReader };
            string[] have = allowed.Where(r => wids.Contains(r, StringComparer.OrdinalIgnoreCase)).Select(r => names[r]).ToArray();
            string[] needed = allowed.Select(r => names[r]).ToArray();
            return have.Length > 0
                ? Result("", "Pass", "", "", needed, have)
                : Result("", "Fail", $"the signed-in user holds none of the directory roles {string.Join(", ", needed)}", 
                    "Assign the user the Authentication Administrator role (least privileged; Privileged Authentication Administrator to manage administrators too): " +
                    "New-MgRoleManagementDirectoryRoleAssignment -PrincipalId <user object id> -RoleDefinitionId " + AuthenticationAdministrator + " -DirectoryScopeId '/'; then sign in again.",
                    needed, have);
        }

        /// <summary>A permission check: which of <paramref name="needed"/> the token holds, and the command that grants the least privileged one.</summary>
        private static MfaSetupCheck Permission(string check, string purpose, string[] needed, string[] held, MfaGraphContext c,
                                                MfaSetupCheck role, bool warnOnly = false)
        {
            string[] present = needed.Where(p => held.Contains(p, StringComparer.OrdinalIgnoreCase)).ToArray();
            string kind = c.Delegated ? "delegated permission (scp)" : "application permission (roles)";
            if (present.Length > 0 && (role == null || role.Status == "Pass"))
            {
                string roleText = role != null ? $"; directory role {string.Join(", ", role.Present)}" : "";
                return Result(check, "Pass", $"To {purpose}: {string.Join(", ", present)}{roleText}.", "", needed, present);
            }
            var missing = new List<string>();
            string remedy = "";
            if (present.Length == 0)
            {
                missing.Add($"none of the {kind}s {string.Join(", ", needed)}");
                remedy = Grant(needed[0], c);
            }
            if (role != null && role.Status != "Pass")
            {
                missing.Add(role.Detail);
                remedy = (remedy.Length > 0 ? remedy + " " : "") + role.Remedy;
            }
            return Result(check, warnOnly ? "Warning" : "Fail",
                $"To {purpose} the sign-in needs {needed[0]} (least privileged): it has {string.Join("; and ", missing)}.",
                remedy, needed, present);
        }

        /// <summary>The command that grants a Graph permission to this sign-in's app or managed identity.</summary>
        private static string Grant(string permission, MfaGraphContext c)
        {
            string graph = $"$graph = Get-MgServicePrincipal -Filter \"appId eq '{GraphAppId}'\"; " +
                           $"$role = $graph.AppRoles | Where-Object Value -eq '{permission}'; ";
            string again = " Then sign in again: permissions are read when a token is issued.";
            if (c.Delegated)
            {
                return $"Add the delegated Microsoft Graph permission {permission} to the app registration {c.ClientId} (API permissions > Add a permission > Delegated) and grant admin consent " +
                       $"(or: Update-MgOauth2PermissionGrant on its grant with -Scope including '{permission}').{again}";
            }
            if (c.AuthType == "ManagedIdentity")
            {
                string id = string.IsNullOrEmpty(c.Account) ? "<identity object id>" : c.Account;
                return "Managed identity (no consent button; run once as a Privileged Role Administrator with Microsoft Graph PowerShell): " + graph +
                       $"New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId {id} -PrincipalId {id} -ResourceId $graph.Id -AppRoleId $role.Id.{again}";
            }
            return $"App registration {c.ClientId}: API permissions > Add a permission > Microsoft Graph > Application permissions > {permission}, then Grant admin consent; " +
                   "or with Microsoft Graph PowerShell: " + graph +
                   $"$sp = Get-MgServicePrincipal -Filter \"appId eq '{c.ClientId}'\"; " +
                   "New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graph.Id -AppRoleId $role.Id " +
                   "(for a managed identity the same command with its object id)." + again;
        }

        /// <summary>Reads one user's phone methods (and the user) through the session's engine.</summary>
        private MfaSetupCheck TestRead(MfaGraphContext c)
        {
            string user = UserId ?? (c.Delegated ? c.Account : null);
            if (string.IsNullOrWhiteSpace(user))
                return Result("TestRead", "Skipped", "No user to read: an app-only sign-in has no user of its own.",
                    "Run Test-MfaPhoneSetup -UserId <a user principal name> to read that user's phone methods.");
            user = user.Trim();
            var methods = new List<string>();
            bool userRead = false;
            MfaPhoneException failure = null;
            using (var options = new ReadOptions { MaxConcurrency = 1, ReadUsers = true })
            using (PhoneMethodsOperation operation = Call(s => s.ReadPhoneMethods(options)))
            using (var result = new PhoneMethodsResult())
            using (var ev = new Event())
            {
                Track(operation);
                try
                {
                    try
                    {
                        while (!operation.Submit(user, 100)) { }
                        operation.Close();
                        for (;;)
                        {
                            if (!operation.NextEvent(ev, result, 100))
                            {
                                if (operation.Finished()) break;
                                continue;
                            }
                            switch (ev.Kind)
                            {
                                case EventKind.Log:
                                    EventPump.WriteLog(this, ev);
                                    break;
                                case EventKind.Result:
                                    userRead = result.UserRead;
                                    using (PhoneMethodVector found = result.Methods())
                                        foreach (PhoneMethod m in found)
                                            using (m) methods.Add(m.PhoneType);
                                    break;
                                case EventKind.Error:
                                    failure = failure ?? NativeErrors.Create(ev.ErrorKind, ev.Message, ev.HttpStatus, ev.ErrorCode, ev.RequestId);
                                    break;
                            }
                        }
                    }
                    catch (MfaPhoneException e)
                    {
                        failure = failure ?? e;
                    }
                }
                finally
                {
                    Untrack(operation);
                }
            }
            if (failure is MfaPhoneCancelledException) throw new PipelineStoppedException();
            if (failure != null)
            {
                string remedy = failure.ErrorId == ErrorIds.PermissionDenied ? Grant(c.Delegated ? "UserAuthenticationMethod.Read.All" : PermissionAdvice.Read, c)
                    : failure.ErrorId == ErrorIds.UserNotFound ? "Give -UserId a user that exists in the tenant (object id or user principal name)."
                    : "See the message; Get-Help about_MfaPhone lists what to do per error id.";
                return Result("TestRead", "Fail", $"Reading the phone methods of {user} failed ({failure.ErrorId}): {failure.Message}", remedy);
            }
            string list = methods.Count == 0 ? "no phone methods" : string.Join(", ", methods);
            return Result("TestRead", userRead ? "Pass" : "Warning",
                $"Read {user}: {list}." + (userRead ? "" : " The user object itself could not be read (no user-read permission)."),
                userRead ? "" : Grant("User.Read.All", c));
        }

        #endregion
    }
}
