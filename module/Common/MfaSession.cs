using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// The native session of each runspace: Connect-MfaGraph in one runspace does not sign in
    /// another (runbooks and test hosts run several in one process).
    /// </summary>
    internal static class MfaSession
    {
        private static readonly ConditionalWeakTable<Runspace, Session> Sessions = new ConditionalWeakTable<Runspace, Session>();
        private static readonly object Gate = new object();

        internal static Session Current
        {
            get
            {
                NativeLoader.EnsureLoaded();
                Runspace runspace = Runspace.DefaultRunspace;
                lock (Gate)
                {
                    return Sessions.GetValue(runspace, _ => new Session());
                }
            }
        }
    }
}
