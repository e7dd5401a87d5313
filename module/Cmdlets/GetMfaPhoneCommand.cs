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
    public sealed class GetMfaPhoneCommand : MfaGraphCmdlet
    {
        // Pipeline input is read in chunks so thousands of users run concurrently without
        // waiting for the end of the pipeline.
        private const int ChunkSize = 100;
        private const int ProgressActivityId = 1;

        // Input in order: a user to read, or an input error to report at its position.
        private readonly List<Item> _pending = new List<Item>();
        private ProgressTracker _progress;

        #region Parameters

        /// <summary>Object id or user principal name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "UserPrincipalName", "ObjectId", "UPN")]
        [AllowNull]
        [AllowEmptyString]
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

        protected override void BeginProcessing()
        {
            RequireConnection();
            // Users given by parameter are all known now: show percent and time remaining.
            // From the pipeline they stream in: show the count.
            long? total = MyInvocation.ExpectingInput ? (long?)null : UserId?.Length ?? 1;
            _progress = new ProgressTracker(this, ProgressActivityId, "Reading phone methods", "users", total);
        }

        protected override void ProcessRecord()
        {
            foreach (string user in UserId ?? new string[] { null })
            {
                _pending.Add(Check(user));
            }
            if (_pending.Count >= ChunkSize) Flush();
        }

        protected override void EndProcessing()
        {
            Flush();
            _progress.Complete();
        }

        #endregion

        #region Private

        private sealed class Item
        {
            internal string User;        // trimmed, when valid
            internal ErrorRecord Error;  // when the input itself is wrong
        }

        /// <summary>A valid user id, or the input error for it (empty, whitespace, NUL character).</summary>
        private static Item Check(string user)
        {
            if (string.IsNullOrWhiteSpace(user))
            {
                return new Item
                {
                    Error = EventPump.ToErrorRecord(
                        new MfaPhoneInvalidInputException("A user id is empty. Give an object id or a user principal name."), user),
                };
            }
            if (user.IndexOf('\0') >= 0)
            {
                // Native code would cut the id at the NUL and address another user.
                return new Item
                {
                    Error = EventPump.ToErrorRecord(new MfaPhoneInvalidInputException(
                        $"The user id '{user.Replace("\0", "\\0")}' contains a NUL character (\\0). Give an object id or a user principal name without it."),
                        user),
                };
            }
            return new Item { User = user.Trim() };
        }

        private void Flush()
        {
            if (_pending.Count == 0) return;
            Item[] items = _pending.ToArray();
            _pending.Clear();
            try
            {
                Read(items);
            }
            catch (Exception) when (!Stopping)
            {
                // A terminating error: clear the progress bar before the call ends (unless the
                // pipeline no longer takes records; the original error is what matters).
                try { _progress.Complete(); }
                catch (PipelineStoppedException) { }
                throw;
            }
        }

        private void Read(Item[] items)
        {
            // Results arrive in completion order; write them, and input errors, in input order.
            var ready = new List<MfaPhoneMethod>[items.Length];
            var failed = new ErrorRecord[items.Length];
            var done = new bool[items.Length];
            var positions = new List<int>(items.Length);  // engine index -> position in items
            var users = new List<string>(items.Length);
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i].Error != null)
                {
                    failed[i] = items[i].Error;
                    done[i] = true;
                    _progress.Advance();
                }
                else
                {
                    positions.Add(i);
                    users.Add(items[i].User);
                }
            }

            int next = 0;
            void Drain()
            {
                while (next < items.Length && done[next])
                {
                    if (failed[next] != null) WriteError(failed[next]);
                    else foreach (var m in ready[next]) WriteObject(m);
                    ready[next] = null;
                    failed[next] = null;
                    next++;
                }
            }

            Drain();
            if (users.Count == 0) return;

            var wanted = PhoneType == null ? null : new HashSet<string>(PhoneType, StringComparer.OrdinalIgnoreCase);
            int PositionOf(Event ev) => ev.Index >= 0 && ev.Index < positions.Count ? positions[(int)ev.Index] : -1;
            using (var list = new StringVector(users))
            {
                Run(session => session.GetPhoneMethods(list, ThrottleLimit),
                    ev =>
                    {
                        int i = PositionOf(ev);
                        if (i < 0) return;
                        string user = items[i].User;
                        var methods = new List<MfaPhoneMethod>();
                        using (PhoneMethodVector vector = ev.Methods())
                        {
                            foreach (PhoneMethod pm in vector)
                            {
                                using (pm)
                                {
                                    if (wanted != null && !wanted.Contains(pm.PhoneType)) continue;
                                    methods.Add(new MfaPhoneMethod
                                    {
                                        UserId = user,
                                        PhoneType = pm.PhoneType,
                                        PhoneNumber = pm.PhoneNumber,
                                        SmsSignInState = pm.SmsSignInState,
                                        Id = pm.Id,
                                    });
                                }
                            }
                        }
                        if (methods.Count == 0) WriteVerbose($"{user}: no phone methods.");
                        ready[i] = methods;
                        done[i] = true;
                        _progress.Advance();
                        Drain();
                    },
                    (ev, error) =>
                    {
                        int i = PositionOf(ev);
                        if (i < 0)
                        {
                            WriteError(EventPump.ToErrorRecord(error, ev.Target));
                            return;
                        }
                        failed[i] = EventPump.ToErrorRecord(error, items[i].User);
                        done[i] = true;
                        _progress.Advance();
                        Drain();
                    });
            }
            Drain();
        }

        #endregion
    }
}
