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
    public sealed class GetMfaGraphContextCommand : MfaCmdlet
    {
        protected override void EndProcessing()
        {
            MfaGraphContext context = Read(NativeSession);
            if (context != null) WriteObject(context);
        }

        internal static MfaGraphContext Read(Session session)
        {
            using (ContextInfo info = session.Context())
            {
                if (!info.Connected) return null;
                using (StringVector roles = info.Roles)
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
                    };
                }
            }
        }
    }
}
