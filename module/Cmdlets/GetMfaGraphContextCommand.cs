using System;
using System.Linq;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows how this session is signed in to Microsoft Graph (nothing when it is not).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MfaGraphContext")]
    [OutputType(typeof(MfaGraphContext))]
    public sealed class GetMfaGraphContextCommand : MfaGraphCmdlet
    {
        protected override void EndProcessing()
        {
            MfaGraphContext context = Read(this);
            if (context != null) WriteObject(context);
        }

        /// <summary>The session's context as an output object; null when it is not signed in.</summary>
        internal static MfaGraphContext Read(MfaCmdlet cmdlet) => cmdlet.Call(ReadContext);

        internal static MfaGraphContext ReadContext(Session session)
        {
            using (ContextInfo info = session.Context())
            {
                if (!info.Connected) return null;
                using (StringVector roles = info.Roles())
                using (StringVector scopes = info.Scopes())
                {
                    return new MfaGraphContext
                    {
                        TenantId = info.TenantId,
                        ClientId = info.ClientId,
                        Environment = info.Cloud,
                        AuthType = info.AuthType,
                        AuthorityHost = info.AuthorityHost,
                        GraphEndpoint = info.GraphEndpoint,
                        TokenExpiresOn = info.TokenExpiresOn > 0 ? DateTimeOffset.FromUnixTimeSeconds(info.TokenExpiresOn) : (DateTimeOffset?)null,
                        Roles = roles.ToArray(),
                        Scopes = scopes.ToArray(),
                        Account = info.Account,
                        Delegated = info.Delegated,
                        NumbersMasked = info.NumbersMasked,
                        HasPhoneMethodPermission = info.PhonePermission,
                    };
                }
            }
        }
    }
}
