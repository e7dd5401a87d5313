using System;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Drains an engine operation's events on the pipeline thread (the only thread allowed to
    /// write to PowerShell) and writes logs, progress and errors; results go to the caller.
    /// </summary>
    internal sealed class EventPump
    {
        private const int PollMilliseconds = 100;
        private readonly PSCmdlet _cmdlet;
        private readonly int _progressId;
        private bool _progressShown;

        internal EventPump(PSCmdlet cmdlet, int progressId = 1)
        {
            _cmdlet = cmdlet;
            _progressId = progressId;
        }

        /// <summary>The native LogLevel matching the cmdlet's -Verbose/-Debug and preference variables.</summary>
        internal static int LogLevelFor(PSCmdlet cmdlet)
        {
            if (IsOn(cmdlet, "Debug", "DebugPreference")) return (int)LogLevel.Debug;
            if (IsOn(cmdlet, "Verbose", "VerbosePreference")) return (int)LogLevel.Verbose;
            return (int)LogLevel.Warning;
        }

        private static bool IsOn(PSCmdlet cmdlet, string parameter, string preference)
        {
            if (cmdlet.MyInvocation.BoundParameters.TryGetValue(parameter, out object value))
                return value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);
            object pref = cmdlet.GetVariableValue(preference);
            if (pref is ActionPreference p) return p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
            return pref != null && !string.Equals(pref.ToString(), "SilentlyContinue", StringComparison.OrdinalIgnoreCase)
                   && !string.Equals(pref.ToString(), "Ignore", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// Runs until the operation finishes. <paramref name="onResult"/> gets each Result event;
        /// <paramref name="onError"/> gets each non-terminating Error event. A terminating error
        /// is thrown as its MfaPhoneException after the queue is drained. Progress events are
        /// written as progress records.
        /// </summary>
        internal void Run(Operation operation, Action<Event> onResult, Action<Event, MfaPhoneException> onError)
        {
            MfaPhoneException terminating = null;
            using (var ev = new Event())
            {
                for (;;)
                {
                    if (!operation.NextEvent(ev, PollMilliseconds))
                    {
                        if (operation.Finished()) break;
                        continue;
                    }
                    switch (ev.Kind)
                    {
                        case EventKind.Log:
                            WriteLog(ev);
                            break;
                        case EventKind.Progress:
                            WriteProgress(ev);
                            break;
                        case EventKind.Result:
                            onResult(ev);
                            break;
                        case EventKind.Error:
                            var error = NativeErrors.Create(ev.ErrorKind, ev.Message, ev.HttpStatus, ev.ErrorCode, ev.RequestId);
                            if (ev.Terminating) terminating ??= error;
                            else onError(ev, error);
                            break;
                    }
                }
            }
            CompleteProgress();
            if (terminating != null) throw terminating;
        }

        private void WriteLog(Event ev)
        {
            string text = string.IsNullOrEmpty(ev.Component) ? ev.Message : ev.Component + ": " + ev.Message;
            switch (ev.Level)
            {
                case LogLevel.Debug: _cmdlet.WriteDebug(text); break;
                case LogLevel.Verbose: _cmdlet.WriteVerbose(text); break;
                case LogLevel.Information: _cmdlet.WriteVerbose(text); break;
                case LogLevel.Warning: _cmdlet.WriteWarning(text); break;
            }
        }

        private void WriteProgress(Event ev)
        {
            var record = new ProgressRecord(_progressId, string.IsNullOrEmpty(ev.Activity) ? "MfaPhone" : ev.Activity,
                ev.Total > 0 ? $"{ev.Completed} of {ev.Total}" : (string.IsNullOrEmpty(ev.Message) ? "Working" : ev.Message))
            {
                PercentComplete = ev.Percent >= 0 ? Math.Min(100, ev.Percent) : -1,
            };
            _cmdlet.WriteProgress(record);
            _progressShown = true;
        }

        private void CompleteProgress()
        {
            if (!_progressShown) return;
            _cmdlet.WriteProgress(new ProgressRecord(_progressId, "MfaPhone", "Done") { RecordType = ProgressRecordType.Completed });
            _progressShown = false;
        }

        /// <summary>
        /// The ErrorRecord for an engine error: stable id, category, target object. When there is
        /// something the admin can do that the engine's message does not say, the record's
        /// ErrorDetails (what the console shows) adds it, also as RecommendedAction.
        /// </summary>
        internal static ErrorRecord ToErrorRecord(Exception error, object target)
        {
            string id = (error as MfaPhoneException)?.ErrorId ?? ErrorIds.InternalError;
            var record = new ErrorRecord(error, id, CategoryFor(error), target);
            string advice = AdviceFor(error);
            if (advice != null)
            {
                record.ErrorDetails = new ErrorDetails(error.Message.TrimEnd() + " " + advice) { RecommendedAction = advice };
            }
            return record;
        }

        internal static ErrorCategory CategoryFor(Exception error)
        {
            switch (error)
            {
                case MfaPhoneInvalidInputException _: return ErrorCategory.InvalidArgument;
                case MfaPhoneAuthenticationException _: return ErrorCategory.AuthenticationError;
                case MfaPhoneTransportException _: return ErrorCategory.ConnectionError;
                case MfaPhoneCancelledException _: return ErrorCategory.OperationStopped;
                case MfaPhoneRequestException r when r.HttpStatus == 404: return ErrorCategory.ObjectNotFound;
                case MfaPhoneRequestException r when r.HttpStatus == 403 || r.HttpStatus == 401: return ErrorCategory.PermissionDenied;
                // Retrying ended on throttling or on a failing service: the limit, or the service, is the cause.
                case MfaPhoneRequestException r when r.HttpStatus == 429: return ErrorCategory.LimitsExceeded;
                case MfaPhoneRequestException r when r.HttpStatus >= 500: return ErrorCategory.ResourceUnavailable;
                case MfaPhoneRequestException r when r.HttpStatus == 408: return ErrorCategory.OperationTimeout;
                case MfaPhoneRequestException r when r.RetriesExhausted: return ErrorCategory.OperationTimeout;
                case MfaPhoneRequestException r when r.HttpStatus == 400: return ErrorCategory.InvalidArgument;
                case MfaPhoneException e when e.ErrorId == ErrorIds.NotConnected: return ErrorCategory.ConnectionError;
                case MfaPhoneException e when e.ErrorId == ErrorIds.NativeLibraryMissing || e.ErrorId == ErrorIds.NativeLibraryLoadFailed:
                    return ErrorCategory.ResourceUnavailable;
                default: return ErrorCategory.NotSpecified;
            }
        }

        /// <summary>What to do about an error, when the engine's message (which names no cmdlet or parameter) cannot say it.</summary>
        internal static string AdviceFor(Exception error)
        {
            switch (error)
            {
                case MfaPhoneRequestException r when r.HttpStatus == 429:
                    return "Graph is throttling this application in this tenant (its limits are shared by every tool that uses the app): " +
                           "wait a few minutes, then run the command again with fewer users at once (a lower -ThrottleLimit).";
                case MfaPhoneRequestException r when r.HttpStatus >= 500:
                    return "The failure is on Microsoft Graph's side: run the command again in a few minutes, and if it goes on, " +
                           "give Microsoft support the request id.";
                case MfaPhoneRequestException r when r.RetriesExhausted || r.HttpStatus == 408:
                    return "Graph did not answer in time: run the command again, or give Connect-MfaGraph a longer -TimeoutSec.";
                case MfaPhoneRequestException r when r.HttpStatus == 404:
                    return "Check the object id or user principal name (a guest's looks like name_domain.com#EXT#@tenant.onmicrosoft.com).";
                case MfaPhoneTransportException _:
                    return "Check that this computer can reach the host: DNS, proxy settings (HTTPS_PROXY, NO_PROXY) and firewall; " +
                           "behind a TLS-inspecting proxy, give its CA certificate with Connect-MfaGraph -CaBundle.";
                default:
                    return null;
            }
        }
    }
}
