using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// The native session of each runspace: Connect-MfaGraph in one runspace does not sign in
    /// another (runbooks and test hosts run several in one process). A session is disposed
    /// (credential, tokens and connections released) when its runspace closes or breaks, and
    /// when the module is removed from its runspace.
    /// </summary>
    internal static class MfaSession
    {
        private sealed class Entry
        {
            internal Session Session;
            internal System.EventHandler<RunspaceStateEventArgs> OnStateChanged;
        }

        // Weak on the runspace: a runspace that is dropped without being closed does not keep
        // its session alive (the proxy's finalizer then releases the native session).
        private static readonly ConditionalWeakTable<Runspace, Entry> Sessions = new ConditionalWeakTable<Runspace, Entry>();
        private static readonly object Gate = new object();

        /// <summary>The session of the runspace the calling cmdlet runs in; created on first use.</summary>
        internal static Session Current
        {
            get
            {
                NativeLoader.EnsureLoaded();
                Runspace runspace = Runspace.DefaultRunspace;
                if (runspace == null)
                {
                    throw new MfaPhoneException("MfaPhone cmdlets must run in a PowerShell runspace.", ErrorIds.InternalError);
                }
                lock (Gate)
                {
                    if (Sessions.TryGetValue(runspace, out Entry existing)) return existing.Session;
                    var entry = new Entry { Session = new Session() };
                    entry.OnStateChanged = (sender, e) =>
                    {
                        RunspaceState state = e.RunspaceStateInfo.State;
                        if (state == RunspaceState.Closed || state == RunspaceState.Broken) Release(runspace);
                    };
                    Sessions.Add(runspace, entry);
                    runspace.StateChanged += entry.OnStateChanged;
                    return entry.Session;
                }
            }
        }

        /// <summary>Whether this runspace has a native session (for diagnostics and tests).</summary>
        internal static bool Has(Runspace runspace)
        {
            if (runspace == null) return false;
            lock (Gate) return Sessions.TryGetValue(runspace, out _);
        }

        /// <summary>
        /// Signs the runspace's session out and releases it. The next cmdlet in that runspace
        /// starts from a new, disconnected session.
        /// </summary>
        internal static void Release(Runspace runspace)
        {
            if (runspace == null) return;
            Entry entry;
            lock (Gate)
            {
                if (!Sessions.TryGetValue(runspace, out entry)) return;
                Sessions.Remove(runspace);
            }
            runspace.StateChanged -= entry.OnStateChanged;
            // Operations still running hold their own references to what they need; releasing
            // the session only drops the runspace's sign-in.
            try
            {
                entry.Session.Disconnect();
            }
            catch (MfaPhoneException)
            {
                // Nothing to report to: the runspace is going away.
            }
            finally
            {
                entry.Session.Dispose();
            }
        }
    }
}
