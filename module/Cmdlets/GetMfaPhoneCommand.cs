using System;
using System.Collections.Generic;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the phone authentication methods (mobile, alternateMobile, office) of users.</para>
    /// <para type="description">Accepts object ids or user principal names, from parameters or the pipeline
    /// (strings, or objects with a UserPrincipalName, Id, ObjectId or UserId property). Users stream through
    /// Graph's $batch concurrently; output keeps input order. A user that cannot be read produces a
    /// non-terminating error and the rest go on.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MfaPhone")]
    [OutputType(typeof(MfaPhoneMethod))]
    public sealed class GetMfaPhoneCommand : MfaGraphCmdlet, IDisposable
    {
        private const int ProgressActivityId = 1;

        private PhoneMethodsOperation _operation;
        private PhoneMethodsResult _result;
        private BulkPipeline<string> _pipeline;
        private HashSet<string> _wanted;

        #region Parameters

        /// <summary>Object id or user principal name, or an object with one of the properties UserPrincipalName, Id, ObjectId, UserId.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "UserPrincipalName", "ObjectId", "UPN")]
        [AllowNull]
        [AllowEmptyString]
        public object[] UserId { get; set; }

        /// <summary>Only these phone types.</summary>
        [Parameter]
        [ValidateSet("mobile", "alternateMobile", "office")]
        public string[] PhoneType { get; set; }

        /// <summary>How many $batch requests (of up to 20 users each) to have in flight at once.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 8;

        /// <summary>Also write one row (with no phone type or number) for a user who has none of the phone methods asked for.</summary>
        [Parameter]
        public SwitchParameter IncludeEmpty { get; set; }

        #endregion

        #region Overrides

        protected override void BeginProcessing()
        {
            RequireConnection();
            _wanted = PhoneType == null ? null : new HashSet<string>(PhoneType, StringComparer.OrdinalIgnoreCase);
            Session session = NativeSession;
            session.SetLogLevel(EventPump.LogLevelFor(this));
            using (var options = new ReadOptions { MaxConcurrency = ThrottleLimit, ReadUsers = true })
            {
                _operation = Call(s => s.ReadPhoneMethods(options));
            }
            _result = new PhoneMethodsResult();
            // Users given by parameter are all known now: show percent and time remaining.
            // From the pipeline they stream in: show the count.
            long? total = MyInvocation.ExpectingInput ? (long?)null : UserId?.Length ?? 1;
            var progress = new ProgressTracker(this, ProgressActivityId, "Reading phone methods", "users", total,
                () => { using (OperationStats s = _operation.Stats()) return s.Throttled; });
            var engine = new BulkPipeline<string>.Engine
            {
                Operation = _operation,
                Submit = (user, wait) => _operation.Submit(user, wait),
                Close = () => _operation.Close(),
                Next = (ev, wait) => _operation.NextEvent(ev, _result, wait),
            };
            _pipeline = new BulkPipeline<string>(this, engine, progress, OnResult);
        }

        protected override void ProcessRecord()
        {
            foreach (object input in UserId ?? new object[] { null })
            {
                string user = UserInput.IdOf(input, out ErrorRecord error);
                if (error != null) _pipeline.AddError(error);
                else _pipeline.Add(user, user);
            }
        }

        protected override void EndProcessing()
        {
            _pipeline.Complete();
        }

        public void Dispose()
        {
            _pipeline?.Dispose();
            _pipeline = null;
            _operation?.Dispose();
            _operation = null;
            _result?.Dispose();
            _result = null;
        }

        #endregion

        #region Private

        private void OnResult(Event ev, BulkPipeline<string>.Slot slot)
        {
            string user = (string)slot.Target;
            // The object id and UPN as Graph has them; when the user could not be read (no
            // user-read permission), what the input gives.
            bool given = Guid.TryParse(user, out Guid guid);
            string userId = _result.UserRead ? _result.UserId : given ? guid.ToString("D") : user;
            string upn = _result.UserRead ? _result.UserPrincipalName : given ? "" : user;
            int count = 0;
            using (PhoneMethodVector methods = _result.Methods())
            {
                foreach (PhoneMethod pm in methods)
                {
                    using (pm)
                    {
                        if (_wanted != null && !_wanted.Contains(pm.PhoneType)) continue;
                        count++;
                        slot.Add(new MfaPhoneMethod
                        {
                            UserId = userId,
                            UserPrincipalName = upn,
                            PhoneType = pm.PhoneType,
                            PhoneNumber = pm.PhoneNumber,
                            SmsSignInState = pm.SmsSignInState,
                            Id = pm.Id,
                        });
                    }
                }
            }
            if (count > 0) return;
            WriteVerbose($"{user}: no phone methods{(_wanted != null ? " of the types asked for" : "")}.");
            if (IncludeEmpty) slot.Add(new MfaPhoneMethod { UserId = userId, UserPrincipalName = upn });
        }

        #endregion
    }
}
