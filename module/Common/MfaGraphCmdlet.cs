using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Base of every cmdlet that works on Microsoft Graph: adds -Session, so a script can hold
    /// sessions for several tenants (Connect-MfaGraph -PassThru) and pick one per call. Without
    /// -Session the runspace's current session is used.
    /// </summary>
    public abstract class MfaGraphCmdlet : MfaCmdlet
    {
        /// <summary>A session returned by Connect-MfaGraph -PassThru; default: the current session.</summary>
        [Parameter]
        [ValidateNotNull]
        public GraphSession Session { get; set; }

        private protected override Session NativeSession
        {
            get
            {
                if (Session == null) return base.NativeSession;
                if (MfaSession.IsClosed(Session.Native))
                {
                    Fail(new MfaPhoneException(
                        "The session given to -Session was released (its runspace closed or the module was removed). Run Connect-MfaGraph -PassThru again.",
                        ErrorIds.NotConnected));
                }
                return Session.Native;
            }
        }
    }
}
