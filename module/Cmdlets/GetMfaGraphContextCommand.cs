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
            MfaGraphContext context = Read(this);
            if (context != null) WriteObject(context);
        }

        /// <summary>The session's context as an output object; null when it is not signed in.</summary>
        internal static MfaGraphContext Read(MfaCmdlet cmdlet) => cmdlet.Call(ReadContext);

        private static MfaGraphContext ReadContext(Session session)
        {
            using (ContextInfo info = session.Context())
            {
                if (!info.Connected) return null;
                using (StringVector roles = info.Roles())
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
