using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// What Sync-MfaPhone and Compare-MfaPhone share: the users (pipeline, -All, -Filter), the
    /// policy parameters, reading source values from piped objects, the engine's sync operation
    /// through the bulk pipeline, result objects, per-change errors and the summary.
    /// </summary>
    public abstract class SyncCommandBase : MfaGraphCmdlet, IDisposable
    {
        /// <summary>Parameter sets.</summary>
        public const string PipelineSet = "Pipeline";
        public const string AllSet = "All";
        public const string FilterSet = "Filter";

        private const int ProgressActivityId = 2;
        private static readonly string[] PhoneTypes = { "mobile", "alternateMobile", "office" };

        private SyncOperation _operation;
        private SyncUserResult _result;
        private BulkPipeline<SyncInput> _pipeline;
        private readonly List<string> _managedTypes = new List<string>();
        private readonly List<string> _sourceProperties = new List<string>();
        private readonly Stopwatch _clock = new Stopwatch();
        private bool _summaryWritten;
        private long _failedUsers;

        #region Parameters

        /// <summary>Object ids or user principal names, or objects with a UserPrincipalName, Id, ObjectId or UserId property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true,
            ParameterSetName = PipelineSet)]
        [Alias("Id", "UserPrincipalName", "ObjectId", "UPN")]
        [AllowNull]
        [AllowEmptyString]
        public object[] UserId { get; set; }

        /// <summary>Every user of the tenant.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AllSet)]
        public SwitchParameter All { get; set; }

        /// <summary>The users an OData filter selects (sent as an advanced query).</summary>
        [Parameter(Mandatory = true, ParameterSetName = FilterSet)]
        [ValidateNotNullOrEmpty]
        public string Filter { get; set; }

        /// <summary>The user property the mobile number comes from, or a hashtable of phone type to property.</summary>
        [Parameter]
        [ValidateNotNull]
        public object SourceProperty { get; set; } = "extensionAttribute15";

        /// <summary>Remove a set number when the source has none.</summary>
        [Parameter]
        public SwitchParameter RemoveWhenSourceEmpty { get; set; }

        /// <summary>Only fill phone types that have no number.</summary>
        [Parameter]
        public SwitchParameter OnlySetWhenEmpty { get; set; }

        /// <summary>What to do about SMS sign-in on the mobile number.</summary>
        [Parameter]
        [ValidateSet("Enable", "Disable", "Keep")]
        public string SmsSignIn { get; set; } = "Keep";

        /// <summary>Region for source numbers without a country code (else each user's usageLocation).</summary>
        [Parameter]
        public string DefaultRegion { get; set; }

        /// <summary>How many $batch requests to have in flight at once for this call (a ceiling).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 8;

        /// <summary>The name of a variable that receives the summary.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string SummaryVariable { get; set; }

        /// <summary>Show whole numbers in the default views of the results.</summary>
        [Parameter]
        public SwitchParameter ShowFullNumber { get; set; }

        #endregion

        /// <summary>Plan only (Compare-MfaPhone): nothing is written.</summary>
        private protected abstract bool PlanOnly { get; }

        /// <summary>The progress activity ("Syncing MFA phone numbers").</summary>
        private protected abstract string Activity { get; }

        /// <summary>Users whose result has a Failed change, so far.</summary>
        private protected long FailedUsers => _failedUsers;

        /// <summary>The users to sync that the cmdlet found itself (webhook mode), or null.</summary>
        private protected virtual IReadOnlyList<string> OwnUsers => null;

        /// <summary>The users come from Graph's change tracking (Sync-MfaPhone -Delta).</summary>
        private protected virtual bool DeltaMode => false;

        /// <summary>Delta mode: the link of the previous run, or null/empty for a full round.</summary>
        private protected virtual string DeltaLinkToResume => null;

        #region Overrides

        protected override void BeginProcessing()
        {
            _clock.Start();
            RequireConnection();
            ReadSourceProperty();
            string region = CheckRegion();
            bool tenant = ParameterSetName == AllSet || ParameterSetName == FilterSet || DeltaMode;

            Session session = NativeSession;
            session.SetLogLevel(EventPump.LogLevelFor(this));
            using (var options = new SyncOptions())
            {
                for (int i = 0; i < _managedTypes.Count; i++) options.Manage(_managedTypes[i], _sourceProperties[i]);
                options.RemoveWhenSourceEmpty = RemoveWhenSourceEmpty;
                options.OnlySetWhenEmpty = OnlySetWhenEmpty;
                options.SmsSignIn = SmsSignIn ?? "Keep";
                options.DefaultRegion = region;
                options.MaxConcurrency = ThrottleLimit;
                options.PlanOnly = PlanOnly;
                // ShouldProcess sits between plan and apply, on this thread.
                options.ConfirmChanges = !PlanOnly;
                options.AllUsers = ParameterSetName == AllSet;
                options.Filter = ParameterSetName == FilterSet ? Filter : "";
                options.Delta = DeltaMode;
                options.DeltaLink = DeltaMode ? DeltaLinkToResume ?? "" : "";
                _operation = Call(s => s.Sync(options));
            }
            _result = new SyncUserResult();

            long? total = tenant || MyInvocation.ExpectingInput ? (long?)null
                : OwnUsers?.Count ?? UserId?.Length ?? 1;
            var progress = new ProgressTracker(this, ProgressActivityId, Activity, "users", total,
                () => { using (OperationStats s = _operation.Stats()) return s.Throttled; },
                () => { using (SyncTotals t = _operation.Totals()) return t.ExpectedUsers; });
            var engine = new BulkPipeline<SyncInput>.Engine
            {
                Operation = _operation,
                Submit = (input, wait) => _operation.Submit(input, wait),
                Close = () => _operation.Close(),
                Next = (ev, wait) => _operation.NextEvent(ev, _result, wait),
            };
            _pipeline = new BulkPipeline<SyncInput>(this, engine, progress, OnResult, OnDecision, engineFed: tenant);
            if (OwnUsers != null)
            {
                foreach (string user in OwnUsers) Add(user);
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName != PipelineSet) return;
            foreach (object input in UserId ?? new object[] { null }) Add(input);
        }

        protected override void EndProcessing()
        {
            try
            {
                _pipeline.Complete();
            }
            finally
            {
                WriteSummary();
            }
        }

        public void Dispose()
        {
            // Stopped (Ctrl+C) or ended by an error: the summary still says what was done.
            if (_operation != null && !_summaryWritten)
            {
                try { WriteSummary(); }
                catch (PipelineStoppedException) { }
                catch (InvalidOperationException) { }
            }
            _pipeline?.Dispose();
            _pipeline = null;
            _operation?.Dispose();
            _operation = null;
            _result?.Dispose();
            _result = null;
        }

        #endregion

        #region Private

        /// <summary>Queues one user: an id, or an object whose properties may carry the source values too.</summary>
        private void Add(object input)
        {
            string user = UserInput.IdOf(input, out ErrorRecord error);
            if (error != null)
            {
                _pipeline.AddError(error);
                return;
            }
            var item = new SyncInput { User = user };
            try
            {
                if (input != null && !(input is string) && !(input is PSObject p && p.BaseObject is string))
                {
                    // UserId first: Get-MfaPhone's objects carry the phone method's id as Id.
                    string id = Text(UserInput.Property(input, "UserId")) ?? Text(UserInput.Property(input, "Id")) ?? Text(UserInput.Property(input, "ObjectId"));
                    if (Guid.TryParse(id, out Guid guid)) item.UserId = guid.ToString("D");
                    string upn = Text(UserInput.Property(input, "UserPrincipalName"));
                    if (!string.IsNullOrWhiteSpace(upn)) item.UserPrincipalName = upn.Trim();
                    // The source values come with the object when it has every source property.
                    var values = new List<string>();
                    foreach (string property in _sourceProperties)
                    {
                        if (!TryRead(input, property, out string value)) { values = null; break; }
                        values.Add(value ?? "");
                    }
                    if (values != null)
                        foreach (string value in values) item.AddSourceValue(value);
                    if (HasProperty(input, "UsageLocation"))
                    {
                        item.HasUsageLocation = true;
                        item.UsageLocation = Text(UserInput.Property(input, "UsageLocation")) ?? "";
                    }
                }
                _pipeline.Add(item, user);
            }
            finally
            {
                item.Dispose();
            }
        }

        /// <summary>A source property's value on an input object: the property itself, or (for objects shaped like Graph's user) inside OnPremisesExtensionAttributes.</summary>
        private static bool TryRead(object input, string property, out string value)
        {
            value = null;
            if (HasProperty(input, property))
            {
                value = Text(UserInput.Property(input, property));
                return true;
            }
            object extensions = UserInput.Property(input, "OnPremisesExtensionAttributes");
            if (extensions != null && HasProperty(extensions, property))
            {
                value = Text(UserInput.Property(extensions, property));
                return true;
            }
            return false;
        }

        private static bool HasProperty(object input, string name)
        {
            object value = input is PSObject wrapped ? wrapped.BaseObject : input;
            if (value is IDictionary dictionary)
            {
                foreach (object key in dictionary.Keys)
                    if (string.Equals(Convert.ToString(key, CultureInfo.InvariantCulture), name, StringComparison.OrdinalIgnoreCase))
                        return true;
                return false;
            }
            return PSObject.AsPSObject(input).Properties[name] != null;
        }

        /// <summary>A property value as text: strings as they are, the first item of a list, null for none.</summary>
        private static string Text(object value)
        {
            if (value is PSObject p) value = p.BaseObject;
            if (value == null) return null;
            if (value is string s) return s;
            if (value is IEnumerable list)
            {
                foreach (object item in list) return Text(item);
                return null;
            }
            return Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        /// <summary>-SourceProperty: a property name (the mobile number's), or a hashtable of phone type to property.</summary>
        private void ReadSourceProperty()
        {
            object value = SourceProperty is PSObject p ? p.BaseObject : SourceProperty;
            var byType = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (value is string name)
            {
                byType["mobile"] = name;
            }
            else if (value is IDictionary map && map.Count > 0)
            {
                foreach (DictionaryEntry entry in map)
                {
                    string type = Convert.ToString(entry.Key is PSObject k ? k.BaseObject : entry.Key, CultureInfo.InvariantCulture);
                    string property = Text(entry.Value);
                    string known = Array.Find(PhoneTypes, t => string.Equals(t, type, StringComparison.OrdinalIgnoreCase));
                    if (known == null)
                        FailInput($"-SourceProperty has the key '{type}', which is not a phone type. Use mobile, alternateMobile or office, for example @{{ mobile = 'extensionAttribute15'; alternateMobile = 'extensionAttribute14' }}.");
                    if (string.IsNullOrWhiteSpace(property))
                        FailInput($"-SourceProperty gives no property for '{known}'. Give a user property name, such as extensionAttribute15.");
                    byType[known] = property.Trim();
                }
            }
            else
            {
                FailInput("-SourceProperty takes a property name (for the mobile number) or a hashtable of phone type to property name, such as @{ mobile = 'extensionAttribute15'; office = 'extensionAttribute14' }.");
            }
            foreach (string type in PhoneTypes)
            {
                if (!byType.TryGetValue(type, out string property)) continue;
                _managedTypes.Add(type);
                _sourceProperties.Add(property);
            }
        }

        private string CheckRegion()
        {
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(DefaultRegion))) return "";
            string region = DefaultRegion?.Trim() ?? "";
            if (region.IndexOf('\0') >= 0 || !MfaPhoneNative.IsSupportedRegion(region))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException(ConvertToMfaPhoneNumberCommand.InvalidRegionMessage(DefaultRegion)),
                    ErrorIds.InvalidRegion, ErrorCategory.InvalidArgument, DefaultRegion));
            }
            return region.ToUpperInvariant();
        }

        private void FailInput(string message) => Fail(new MfaPhoneInvalidInputException(message), SourceProperty);

        /// <summary>ShouldProcess for each change that writes; the engine applies what was approved.</summary>
        private void OnDecision(Event ev, BulkPipeline<SyncInput>.Slot slot) =>
            ChangeDecisions.Ask(this, _operation, _result, ev, string.IsNullOrEmpty(_result.UserPrincipalName) ? _result.User : _result.UserPrincipalName);


        /// <summary>One result object per managed type; a failed change is also a non-terminating error.</summary>
        private void OnResult(Event ev, BulkPipeline<SyncInput>.Slot slot)
        {
            int count = _result.ChangeCount();
            bool failed = false;
            for (int i = 0; i < count; i++)
            {
                using (SyncChange change = _result.Change(i))
                {
                    var result = MfaSyncResult.From(change, _result.UserId, _result.UserPrincipalName);
                    var output = PSObject.AsPSObject(result);
                    if (ShowFullNumber) output.TypeNames.Insert(0, MfaSyncResult.ShowFullNumberTypeName);
                    slot.Add(output);
                    if (!string.IsNullOrEmpty(change.Warning))
                        WriteWarning($"{Target(slot)}: {change.PhoneType}: {change.Warning}");
                    if (change.Status != "Failed" || change.ErrorKind == NativeErrors.Cancelled) continue;
                    failed = true;
                    string message = $"{change.Action} {change.PhoneType} for {Target(slot)}: {change.Reason}";
                    MfaPhoneException error = change.ErrorKind == NativeErrors.Internal && string.IsNullOrEmpty(change.ErrorMessage)
                        ? new MfaPhoneException(message, ErrorIds.InternalError)
                        : NativeErrors.Create(change.ErrorKind, message, change.HttpStatus, change.ErrorCode, change.RequestId);
                    slot.Fail(error);
                }
            }
            if (failed) _failedUsers++;
        }

        private string Target(BulkPipeline<SyncInput>.Slot slot) =>
            !string.IsNullOrEmpty(_result.UserPrincipalName) ? _result.UserPrincipalName : Convert.ToString(slot.Target, CultureInfo.InvariantCulture);

        /// <summary>The summary to the information stream and -SummaryVariable (once).</summary>
        private void WriteSummary()
        {
            if (_summaryWritten || _operation == null) return;
            _summaryWritten = true;
            _clock.Stop();
            var summary = new MfaSyncSummary { Duration = _clock.Elapsed, Cancelled = Stopping };
            using (SyncTotals t = _operation.Totals())
            using (OperationStats s = _operation.Stats())
            {
                summary.Users = t.Users;
                summary.Added = t.Added;
                summary.Updated = t.Updated;
                summary.Removed = t.Removed;
                summary.Unchanged = t.Unchanged;
                summary.SkippedByPlan = t.SkippedPlans;
                summary.Succeeded = t.Succeeded;
                summary.Failed = t.Failed;
                summary.Skipped = t.Skipped;
                summary.WhatIf = t.WhatIf;
                summary.Writes = t.Writes;
                summary.Requests = s.Requests;
                summary.BatchItems = s.BatchItems;
                summary.Throttled = s.Throttled;
                if (DeltaMode)
                {
                    summary.DeltaLink = string.IsNullOrEmpty(t.DeltaLink) ? null : t.DeltaLink;
                    summary.FullRound = t.DeltaFullRound;
                }
            }
            if (DeltaMode && summary.DeltaLink == null && !Stopping)
            {
                WriteWarning("The delta link is not advanced: not every change of this run was applied (see the errors " +
                    "above). Run again with the same -DeltaLink to read the same users again.");
            }
            if (!string.IsNullOrEmpty(SummaryVariable)) SessionState.PSVariable.Set(SummaryVariable, summary);
            if (!Stopping) WriteInformation(summary, new[] { "MfaPhone", "Summary" });
        }

        #endregion
    }
}
