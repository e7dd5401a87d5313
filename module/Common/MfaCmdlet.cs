using System;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>Shared plumbing of the MfaPhone cmdlets: the session, running operations, Ctrl+C.</summary>
    public abstract class MfaCmdlet : PSCmdlet
    {
        private readonly object _gate = new object();
        private Operation _running;

        private protected Session NativeSession => MfaSession.Current;

        /// <summary>Stops the whole call when this runspace has not signed in.</summary>
        private protected void RequireConnection()
        {
            using (ContextInfo info = NativeSession.Context())
            {
                if (info.Connected) return;
            }
            var error = new MfaPhoneException("You are not connected to Microsoft Graph. Run Connect-MfaGraph first.", ErrorIds.NotConnected);
            ThrowTerminatingError(new ErrorRecord(error, ErrorIds.NotConnected, ErrorCategory.ConnectionError, null));
        }

        /// <summary>Pumps an operation's events to this cmdlet until it finishes; Ctrl+C cancels it.</summary>
        private protected void Run(Func<Operation> start, Action<Event> onResult, Action<Event, MfaPhoneException> onError)
        {
            Operation operation;
            try
            {
                NativeSession.SetLogLevel(EventPump.LogLevelFor(this));
                operation = start();
            }
            catch (MfaPhoneException e)
            {
                ThrowTerminatingError(EventPump.ToErrorRecord(e, null));
                return;
            }
            using (operation)
            {
                lock (_gate) _running = operation;
                try
                {
                    new EventPump(this).Run(operation, onResult, onError);
                }
                catch (MfaPhoneCancelledException) when (Stopping)
                {
                    throw new PipelineStoppedException();
                }
                catch (MfaPhoneException e)
                {
                    ThrowTerminatingError(EventPump.ToErrorRecord(e, null));
                }
                finally
                {
                    lock (_gate) _running = null;
                }
            }
        }

        protected override void StopProcessing()
        {
            lock (_gate) _running?.Cancel();
        }
    }
}
