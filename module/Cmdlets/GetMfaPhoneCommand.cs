using System;
using System.Collections.Generic;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the phone authentication methods (mobile, alternateMobile, office) of users.</para>
    /// <para type="description">Accepts object ids or user principal names, from parameters or the pipeline
    /// (strings, or objects with an Id, UserPrincipalName or ObjectId property). Users are read concurrently;
    /// output keeps input order. A user that cannot be read produces a non-terminating error and the rest go on.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MfaPhone")]
    [OutputType(typeof(MfaPhoneMethod))]
    public sealed class GetMfaPhoneCommand : MfaCmdlet
    {
        // Pipeline input is read in chunks so thousands of users run concurrently without
        // waiting for the end of the pipeline.
        private const int ChunkSize = 100;
        private readonly List<string> _pending = new List<string>();

        #region Parameters

        /// <summary>Object id or user principal name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "UserPrincipalName", "ObjectId", "UPN")]
        [ValidateNotNullOrEmpty]
        public string[] UserId { get; set; }

        /// <summary>Only these phone types.</summary>
        [Parameter]
        [ValidateSet("mobile", "alternateMobile", "office")]
        public string[] PhoneType { get; set; }

        /// <summary>How many users to read at once.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 8;

        #endregion

        #region Overrides

        protected override void BeginProcessing() => RequireConnection();

        protected override void ProcessRecord()
        {
            foreach (string user in UserId)
            {
                if (string.IsNullOrWhiteSpace(user))
                {
                    WriteError(EventPump.ToErrorRecord(
                        new MfaPhoneInvalidInputException("A user id is empty. Give an object id or a user principal name."), user));
                    continue;
                }
                _pending.Add(user.Trim());
            }
            if (_pending.Count >= ChunkSize) Flush();
        }

        protected override void EndProcessing() => Flush();

        #endregion

        #region Private

        private void Flush()
        {
            if (_pending.Count == 0) return;
            string[] users = _pending.ToArray();
            _pending.Clear();

            // Results arrive in completion order; write them in input order.
            var ready = new List<MfaPhoneMethod>[users.Length];
            var failed = new ErrorRecord[users.Length];
            var done = new bool[users.Length];
            int next = 0;
            void Drain()
            {
                while (next < users.Length && done[next])
                {
                    if (failed[next] != null) WriteError(failed[next]);
                    else foreach (var m in ready[next]) WriteObject(m);
                    next++;
                }
            }

            var wanted = PhoneType == null ? null : new HashSet<string>(PhoneType, StringComparer.OrdinalIgnoreCase);
            using (var list = new StringVector(users))
            {
                Run(() => NativeSession.GetPhoneMethods(list, ThrottleLimit),
                    ev =>
                    {
                        int i = (int)ev.Index;
                        var methods = new List<MfaPhoneMethod>();
                        using (PhoneMethodVector vector = ev.Methods)
                        {
                            foreach (PhoneMethod pm in vector)
                            {
                                using (pm)
                                {
                                    if (wanted != null && !wanted.Contains(pm.PhoneType)) continue;
                                    methods.Add(new MfaPhoneMethod
                                    {
                                        UserId = users[i],
                                        PhoneType = pm.PhoneType,
                                        PhoneNumber = pm.PhoneNumber,
                                        SmsSignInState = pm.SmsSignInState,
                                        Id = pm.Id,
                                    });
                                }
                            }
                        }
                        if (methods.Count == 0) WriteVerbose($"{users[i]}: no phone methods.");
                        ready[i] = methods;
                        done[i] = true;
                        Drain();
                    },
                    (ev, error) =>
                    {
                        int i = (int)ev.Index;
                        if (i < 0 || i >= users.Length)
                        {
                            WriteError(EventPump.ToErrorRecord(error, ev.Target));
                            return;
                        }
                        failed[i] = EventPump.ToErrorRecord(error, users[i]);
                        done[i] = true;
                        Drain();
                    });
            }
            Drain();
        }

        #endregion
    }
}
