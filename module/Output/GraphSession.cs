using System;
using MfaPhone.Native;

namespace MfaPhone
{
    /// <summary>
    /// A signed-in Microsoft Graph session (PSTypeName MfaPhone.GraphSession), returned by
    /// Connect-MfaGraph -PassThru. Give it to -Session of any MfaPhone Graph cmdlet to work with
    /// several tenants side by side. It holds no secret that PowerShell can read.
    /// </summary>
    public sealed class GraphSession : MfaOutputObject
    {
        public const string PSTypeName = "MfaPhone.GraphSession";

        internal GraphSession(Session native, MfaGraphContext context) : base(PSTypeName)
        {
            Native = native;
            TenantId = context.TenantId;
            ClientId = context.ClientId;
            Environment = context.Environment;
            AuthType = context.AuthType;
            Account = context.Account;
            GraphEndpoint = context.GraphEndpoint;
        }

        internal Session Native { get; }

        public string TenantId { get; }
        public string ClientId { get; }
        public string Environment { get; }
        public string AuthType { get; }
        public string Account { get; }
        public string GraphEndpoint { get; }

        /// <summary>Whether the session is still signed in (false after Disconnect-MfaGraph -Session).</summary>
        public bool Connected
        {
            get
            {
                if (Commands.MfaSession.IsClosed(Native)) return false;
                try
                {
                    using (ContextInfo info = Native.Context()) return info.Connected;
                }
                catch (ObjectDisposedException)
                {
                    return false;
                }
                catch (MfaPhoneException)
                {
                    return false;
                }
            }
        }

        public override string ToString() => $"{AuthType} session for {TenantId} ({ClientId})";
    }
}
