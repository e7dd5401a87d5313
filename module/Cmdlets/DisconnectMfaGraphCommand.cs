using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Signs out: wipes the credential and cached tokens of this session (or of -Session).</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "MfaGraph")]
    [OutputType(typeof(void))]
    public sealed class DisconnectMfaGraphCommand : MfaGraphCmdlet
    {
        protected override void EndProcessing()
        {
            Call(session =>
            {
                session.Disconnect();
                return true;
            });
            WriteVerbose("Disconnected from Microsoft Graph.");
        }
    }
}
