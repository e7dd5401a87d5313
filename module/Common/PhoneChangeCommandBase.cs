using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// What Set-MfaPhone, Remove-MfaPhone, Enable-MfaSmsSignIn and Disable-MfaSmsSignIn share: they
    /// are syncs with an explicit desired state. Each runs the engine's sync operation (the same
    /// planner and apply as Sync-MfaPhone: mobile before alternateMobile on add and the reverse on
    /// remove, updates in place, the default MFA method protected, 409 phoneNumberNotUnique
    /// re-read, one write per change) through the bulk pipeline, asks ShouldProcess per change,
    /// and turns what the plan refused into non-terminating errors with stable ids.
    /// </summary>
    public abstract class PhoneChangeCommandBase : MfaGraphCmdlet, IDisposable
    {
        private const int ProgressActivityId = 3;
        private static readonly string[] AllTypes = { "mobile", "alternateMobile", "office" };

        private SyncOperation _operation;
        private SyncUserResult _result;
        private BulkPipeline<SyncInput> _pipeline;
        private string[] _types;

        #region Parameters

        /// <summary>Object ids or user principal names, or objects with a UserPrincipalName, Id, ObjectId or UserId property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "UserPrincipalName", "ObjectId", "UPN")]
        [AllowNull]
        [AllowEmptyString]
        public object[] UserId { get; set; }

        /// <summary>Write a result object (MfaPhone.SyncResult) per user and phone type.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        #endregion

        /// <summary>What the call does, for progress ("Setting MFA phone numbers").</summary>
        private protected abstract string Activity { get; }

        /// <summary>The verb of messages about a change ("Set", "Remove", "Enable SMS sign-in on").</summary>
        private protected abstract string Verb { get; }

        /// <summary>Fills the operation's policy (remove, keep numbers, SMS sign-in, region); the managed types are set already.</summary>
        private protected abstract void Configure(SyncOptions options);

        #region Overrides

        protected override void BeginProcessing()
        {
            RequireConnection();
            NativeSession.SetLogLevel(EventPump.LogLevelFor(this));
        }

        protected override void EndProcessing()
        {
            Finish();
        }

        public void Dispose()
        {
            Close();
        }

        #endregion

        #region For the cmdlets

        /// <summary>
        /// Queues each user of this record for the given phone types and desired values (one per
        /// type; "" for none). A record with other types than the last one first finishes the
        /// users queued so far (their output keeps its place).
        /// </summary>
        private protected void AddUsers(string[] types, string[] values)
        {
            Use(types);
            foreach (object input in UserId ?? new object[] { null })
            {
                string user = UserInput.IdOf(input, out ErrorRecord error);
                if (error != null)
                {
                    _pipeline.AddError(error);
                    continue;
                }
                using (var item = new SyncInput { User = user })
                {
                    // The id the input names (UserId first: Get-MfaPhone's objects also carry the
                    // phone method's id as Id), and the UPN an object carries alongside it.
                    if (Guid.TryParse(user, out Guid guid)) item.UserId = guid.ToString("D");
                    if (input != null && !(input is string) && !(input is PSObject p && p.BaseObject is string))
                    {
                        string upn = Text(UserInput.Property(input, "UserPrincipalName"));
                        if (upn != null) item.UserPrincipalName = upn;
                    }
                    foreach (string value in values) item.AddSourceValue(value ?? "");
                    _pipeline.Add(item, user);
                }
            }
        }

        /// <summary>An input error of this record (for each user it names), written in its place.</summary>
        private protected void AddInputError(string message, string errorId, ErrorCategory category)
        {
            foreach (object input in UserId ?? new object[] { null })
            {
                string user = UserInput.IdOf(input, out ErrorRecord error);
                ErrorRecord record = error ?? new ErrorRecord(
                    new ArgumentException(string.Format(CultureInfo.InvariantCulture, message, user)), errorId, category, user);
                if (_pipeline != null) _pipeline.AddError(record);
                else WriteError(record);  // nothing queued before it: its place is now
            }
        }

        /// <summary>-PhoneType values in Graph's spelling and order (mobile, alternateMobile, office), without repeats.</summary>
        private protected static string[] Canonical(IEnumerable<string> types)
        {
            var wanted = new HashSet<string>(types ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase);
            return Array.FindAll(AllTypes, t => wanted.Contains(t));
        }

        #endregion

        #region Private

        /// <summary>Starts the operation for these managed types, finishing one for other types first.</summary>
        private void Use(string[] types)
        {
            if (_pipeline != null && SameTypes(_types, types)) return;
            if (_pipeline != null) Finish();
            _types = types;
            using (var options = new SyncOptions())
            {
                foreach (string type in types) options.Manage(type, "extensionAttribute15");  // values come with the input
                options.ConfirmChanges = true;  // ShouldProcess sits between plan and apply, on this thread
                Configure(options);
                _operation = Call(s => s.Sync(options));
            }
            _result = new SyncUserResult();
            var progress = new ProgressTracker(this, ProgressActivityId, Activity, "users",
                MyInvocation.ExpectingInput ? (long?)null : UserId?.Length ?? 1,
                () => { using (OperationStats s = _operation.Stats()) return s.Throttled; });
            var engine = new BulkPipeline<SyncInput>.Engine
            {
                Operation = _operation,
                Submit = (input, wait) => _operation.Submit(input, wait),
                Close = () => _operation.Close(),
                Next = (ev, wait) => _operation.NextEvent(ev, _result, wait),
            };
            _pipeline = new BulkPipeline<SyncInput>(this, engine, progress, OnResult, OnDecision);
        }

        private static bool SameTypes(string[] a, string[] b)
        {
            if (a == null || b == null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (!string.Equals(a[i], b[i], StringComparison.Ordinal)) return false;
            return true;
        }

        private void Finish()
        {
            if (_pipeline == null) return;
            try
            {
                _pipeline.Complete();
            }
            finally
            {
                Close();
            }
        }

        private void Close()
        {
            _pipeline?.Dispose();
            _pipeline = null;
            _operation?.Dispose();
            _operation = null;
            _result?.Dispose();
            _result = null;
        }

        private static string Text(object value)
        {
            if (value is PSObject p) value = p.BaseObject;
            if (value == null) return null;
            string text = value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture);
            return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        }

        private string TargetName(object slotTarget) =>
            !string.IsNullOrEmpty(_result.UserPrincipalName) ? _result.UserPrincipalName : Convert.ToString(slotTarget, CultureInfo.InvariantCulture);

        /// <summary>ShouldProcess for each change that writes; the engine applies what was approved.</summary>
        private void OnDecision(Event ev, BulkPipeline<SyncInput>.Slot slot) =>
            ChangeDecisions.Ask(this, _operation, _result, ev, TargetName(slot?.Target ?? _result.User));


        /// <summary>The result of each change made or found in place (with -PassThru); what the plan refused or Graph failed becomes an error instead.</summary>
        private void OnResult(Event ev, BulkPipeline<SyncInput>.Slot slot)
        {
            string target = TargetName(slot.Target);
            int count = _result.ChangeCount();
            for (int i = 0; i < count; i++)
            {
                using (SyncChange change = _result.Change(i))
                {
                    if (!string.IsNullOrEmpty(change.Warning))
                        WriteWarning($"{target}: {change.PhoneType}: {change.Warning}");
                    switch (change.Status)
                    {
                        // A change that failed or was refused is an error (and no -PassThru result).
                        case "Failed":
                            if (change.ErrorKind == NativeErrors.Cancelled) continue;
                            string message = $"{Verb} {change.PhoneType} for {target}: {change.Reason}";
                            slot.Fail(change.ErrorKind == NativeErrors.Internal && string.IsNullOrEmpty(change.ErrorMessage)
                                ? new MfaPhoneException(message, ErrorIds.InternalError)
                                : NativeErrors.Create(change.ErrorKind, message, change.HttpStatus, change.ErrorCode, change.RequestId));
                            continue;
                        case "Skipped" when change.Action == "Skip":
                            slot.Add(Refusal(change, target, slot.Target));
                            continue;
                        case "Skipped":
                            WriteVerbose($"{target}: {change.PhoneType}: {change.Reason}");  // declined at the prompt
                            continue;
                        case "WhatIf":
                            continue;
                        default:
                            WriteVerbose($"{target}: {change.PhoneType}: {change.Action}. {change.Reason}");
                            break;
                    }
                    if (!PassThru) continue;
                    string userId = _result.UserId;
                    string upn = _result.UserPrincipalName;
                    if (string.IsNullOrEmpty(upn) && !Guid.TryParse(userId, out _) && (userId ?? "").IndexOf('@') > 0) upn = userId;
                    slot.Add(MfaSyncResult.From(change, userId, upn));
                }
            }
        }

        /// <summary>A change the plan would not make, as an error with an id by its reason.</summary>
        private ErrorRecord Refusal(SyncChange change, string user, object targetObject)
        {
            string type = change.PhoneType;
            string id, message;
            ErrorCategory category = ErrorCategory.InvalidOperation;
            switch (change.ReasonCode)
            {
                case "InvalidSource":
                {
                    string reason = change.Reason;
                    int colon = reason.IndexOf(": ", StringComparison.Ordinal);
                    if (colon >= 0) reason = reason.Substring(colon + 2);
                    id = ErrorIds.InvalidPhoneNumber;
                    category = ErrorCategory.InvalidArgument;
                    message = $"The {type} number given for {user} is not a usable phone number: {reason} Nothing was written.";
                    break;
                }
                case "CurrentMasked":
                    id = ErrorIds.PhoneNumberMasked;
                    category = ErrorCategory.PermissionDenied;
                    message = $"The current {type} number of {user} is masked (Graph shows a delegated Authentication Administrator only its last digits), so it cannot be compared with the new one. Nothing was written. Sign in with an app-only identity (Connect-MfaGraph with a certificate, secret or managed identity) to see and change full numbers.";
                    break;
                case "AlternateNeedsMobile":
                    id = ErrorIds.AlternateMobileNeedsMobile;
                    message = $"{user} has no mobile number, and Graph takes an alternateMobile number only next to a mobile one. Nothing was written. Set the mobile number first: Set-MfaPhone -UserId '{user}' -PhoneType mobile -PhoneNumber <number>.";
                    break;
                case "DefaultMethod":
                    id = ErrorIds.DefaultMethodNotRemovable;
                    message = $"The {type} number of {user} is the user's default MFA method, which Graph does not delete. Nothing was removed. Change the user's default sign-in method first (Entra admin center > Users > the user > Authentication methods > Default sign-in method, or Graph's signInPreferences), then run Remove-MfaPhone again.";
                    break;
                case "MobileNeededByAlternate":
                    id = ErrorIds.MobileNeededByAlternateMobile;
                    message = $"The mobile number of {user} cannot be removed while the user keeps an alternateMobile number (Graph refuses it). Nothing was removed. Remove both in one call, alternateMobile first: Remove-MfaPhone -UserId '{user}' -PhoneType alternateMobile, mobile.";
                    break;
                case "NoMobile":
                    id = ErrorIds.NoMobileNumber;
                    category = ErrorCategory.ObjectNotFound;
                    message = $"{user} has no mobile number, so SMS sign-in cannot be enabled. Set one first: Set-MfaPhone -UserId '{user}' -PhoneType mobile -PhoneNumber <number>.";
                    break;
                case "SmsSignInNotPossible":
                    id = ErrorIds.SmsSignInNotAvailable;
                    message = $"{user}: {change.Reason}";
                    break;
                default:
                    id = ErrorIds.PhoneChangeRefused;
                    message = $"{Verb} {type} for {user}: {change.Reason}";
                    break;
            }
            return new ErrorRecord(new InvalidOperationException(message), id, category, targetObject);
        }

        #endregion
    }
}
