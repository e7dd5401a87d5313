using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// The native sessions of each runspace: Connect-MfaGraph in one runspace does not sign in
    /// another (runbooks and test hosts run several in one process). Each runspace has a current
    /// session (what cmdlets use without -Session); a sign-in creates a new session and makes it
    /// current. A replaced session is signed out, unless it was handed to the script with
    /// -PassThru: then it lives on for -Session until Disconnect-MfaGraph -Session or the
    /// runspace ends. Every session of a runspace is disposed (credential, tokens and
    /// connections wiped) when its runspace closes or breaks, and when the module is removed.
    /// </summary>
    internal static class MfaSession
    {
        private sealed class Entry
        {
            internal Session Session;
            internal bool SessionHandedOut;
            internal readonly List<Session> HandedOut = new List<Session>();
            internal System.EventHandler<RunspaceStateEventArgs> OnStateChanged;
        }

        // Weak on the runspace: a runspace that is dropped without being closed does not keep
        // its session alive (the proxy's finalizer then releases the native session).
        private static readonly ConditionalWeakTable<Runspace, Entry> Sessions = new ConditionalWeakTable<Runspace, Entry>();
        private static readonly object Gate = new object();

        /// <summary>The current session of the runspace the calling cmdlet runs in; created on first use.</summary>
        internal static Session Current
        {
            get
            {
                lock (Gate) return EntryOf(RequireRunspace()).Session;
            }
        }

        private static Runspace RequireRunspace()
        {
            NativeLoader.EnsureLoaded();
            Runspace runspace = Runspace.DefaultRunspace;
            if (runspace == null)
            {
                throw new MfaPhoneException("MfaPhone cmdlets must run in a PowerShell runspace.", ErrorIds.InternalError);
            }
            return runspace;
        }

        // Call with Gate held.
        private static Entry EntryOf(Runspace runspace)
        {
            if (Sessions.TryGetValue(runspace, out Entry existing)) return existing;
            var entry = new Entry { Session = new Session() };
            entry.OnStateChanged = (sender, e) =>
            {
                RunspaceState state = e.RunspaceStateInfo.State;
                if (state == RunspaceState.Closed || state == RunspaceState.Broken) Release(runspace);
            };
            Sessions.Add(runspace, entry);
            runspace.StateChanged += entry.OnStateChanged;
            return entry;
        }

        /// <summary>A new, signed-out session for a sign-in; it becomes current through <see cref="MakeCurrent"/>.</summary>
        internal static Session CreateForSignIn()
        {
            RequireRunspace();
            return new Session();
        }

        /// <summary>
        /// Makes a signed-in session the runspace's current one. The previous current session is
        /// signed out and disposed unless it was handed out (-PassThru).
        /// </summary>
        internal static void MakeCurrent(Session session, bool handedOut)
        {
            Runspace runspace = RequireRunspace();
            Session previous;
            bool previousHandedOut;
            lock (Gate)
            {
                Entry entry = EntryOf(runspace);
                previous = entry.Session;
                previousHandedOut = entry.SessionHandedOut;
                entry.Session = session;
                entry.SessionHandedOut = handedOut;
                if (handedOut) entry.HandedOut.Add(session);
            }
            if (previous != null && previous != session && !previousHandedOut) Close(previous);
        }

        /// <summary>
        /// Leaves the runspace signed out after a failed sign-in: its current session is signed
        /// out, or, when it was handed out (-PassThru), kept for its holder and replaced by a new,
        /// signed-out one.
        /// </summary>
        internal static void DisconnectCurrent()
        {
            Session current;
            lock (Gate)
            {
                Entry entry = EntryOf(RequireRunspace());
                if (entry.SessionHandedOut)
                {
                    entry.Session = new Session();
                    entry.SessionHandedOut = false;
                    return;
                }
                current = entry.Session;
            }
            try
            {
                current.Disconnect();
            }
            catch (MfaPhoneException)
            {
                // Nothing held that could fail to sign out; the next sign-in starts afresh.
            }
        }

        /// <summary>Whether this runspace has a native session (for diagnostics and tests).</summary>
        internal static bool Has(Runspace runspace)
        {
            if (runspace == null) return false;
            lock (Gate) return Sessions.TryGetValue(runspace, out _);
        }

        /// <summary>
        /// Signs every session of the runspace out and releases them. The next cmdlet in that
        /// runspace starts from a new, disconnected session.
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
            var all = new List<Session>(entry.HandedOut);
            if (!all.Contains(entry.Session)) all.Add(entry.Session);
            foreach (Session s in all) Close(s);
        }

        // Sessions already disposed: a proxy must not be called after Dispose (the native pointer is gone).
        private static readonly ConditionalWeakTable<Session, object> Closed = new ConditionalWeakTable<Session, object>();

        /// <summary>Whether a session was released (its runspace closed or the module was removed).</summary>
        internal static bool IsClosed(Session session)
        {
            lock (Gate) return Closed.TryGetValue(session, out _);
        }

        private static void Close(Session session)
        {
            lock (Gate)
            {
                if (Closed.TryGetValue(session, out _)) return;
                Closed.Add(session, null);
            }
            try
            {
                session.Disconnect();
            }
            catch (MfaPhoneException)
            {
                // Nothing to report to: the session is going away.
            }
            catch (System.ObjectDisposedException)
            {
            }
            finally
            {
                session.Dispose();
            }
        }
    }
}
