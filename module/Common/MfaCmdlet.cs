using System;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>Shared plumbing of the MfaPhone cmdlets: the session, running operations, Ctrl+C.</summary>
    public abstract class MfaCmdlet : PSCmdlet
    {
        private readonly object _gate = new object();
        private IEngineOperation _running;

        /// <summary>
        /// Tests only: runs after an operation started and before StopProcessing can see it,
        /// so a test can land a Ctrl+C exactly in that window.
        /// </summary>
        internal static Action<PSCmdlet> TestHookAfterStart = null;

        /// <summary>
        /// This runspace's native session. Loading the native library or creating the session
        /// can fail (library missing, a dependency missing): that ends the call with an
        /// ErrorRecord carrying the failure's error id.
        /// </summary>
        private protected virtual Session NativeSession
        {
            get
            {
                try
                {
                    return MfaSession.Current;
                }
                catch (MfaPhoneException e)
                {
                    Fail(e);
                    throw;  // not reached: Fail always throws
                }
            }
        }

        /// <summary>Ends the whole call with an engine error as an ErrorRecord (stable id, category).</summary>
        internal void Fail(MfaPhoneException error, object target = null) =>
            ThrowTerminatingError(EventPump.ToErrorRecord(error, target));

        /// <summary>A direct call on this runspace's session; an engine error ends the call.</summary>
        internal T Call<T>(Func<Session, T> call)
        {
            Session session = NativeSession;
            try
            {
                return call(session);
            }
            catch (MfaPhoneException e)
            {
                Fail(e);
                throw;  // not reached: Fail always throws
            }
        }

        /// <summary>Stops the whole call when this runspace has not signed in.</summary>
        private protected void RequireConnection()
        {
            bool connected = Call(session =>
            {
                using (ContextInfo info = session.Context()) return info.Connected;
            });
            if (connected) return;
            var error = new MfaPhoneException("You are not connected to Microsoft Graph. Run Connect-MfaGraph first.", ErrorIds.NotConnected);
            Fail(error);
        }

        /// <summary>
        /// Pumps an operation's events to this cmdlet until it finishes; Ctrl+C cancels it.
        /// </summary>
        private protected void Run(Func<Session, Operation> start, Action<Event> onResult, Action<Event, MfaPhoneException> onError)
        {
            Session session = NativeSession;
            Operation operation;
            try
            {
                session.SetLogLevel(EventPump.LogLevelFor(this));
                operation = start(session);
            }
            catch (MfaPhoneException e)
            {
                Fail(e);
                return;
            }
            using (operation)
            {
                TestHookAfterStart?.Invoke(this);
                lock (_gate) _running = operation;
                try
                {
                    // Ctrl+C may have arrived after start() but before _running was set, when
                    // StopProcessing had nothing to cancel: cancel now.
                    if (Stopping) operation.Cancel();
                    new EventPump(this).Run(operation, onResult, onError);
                }
                catch (MfaPhoneCancelledException) when (Stopping)
                {
                    throw new PipelineStoppedException();
                }
                catch (MfaPhoneException e)
                {
                    Fail(e);
                }
                finally
                {
                    lock (_gate) _running = null;
                }
            }
        }

        /// <summary>
        /// Makes <paramref name="operation"/> the one Ctrl+C cancels (a bulk cmdlet's operation
        /// lives across ProcessRecord calls). A stop that came first cancels it at once.
        /// </summary>
        internal void Track(IEngineOperation operation)
        {
            lock (_gate) _running = operation;
            if (Stopping) operation.Cancel();
        }

        /// <summary>Forgets the tracked operation (it has ended or is about to be disposed).</summary>
        internal void Untrack(IEngineOperation operation)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_running, operation)) _running = null;
            }
        }

        protected override void StopProcessing()
        {
            lock (_gate) _running?.Cancel();
        }
    }
}
