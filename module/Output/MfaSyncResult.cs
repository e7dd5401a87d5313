using System;
using System.Globalization;

namespace MfaPhone
{
    /// <summary>
    /// The outcome of Sync-MfaPhone (or the plan of Compare-MfaPhone) for one user and managed phone
    /// type (PSTypeName MfaPhone.SyncResult). Numbers are in Graph's format; the default views mask
    /// them (MfaPhone.SyncResult#ShowFullNumber selects the views that show them whole).
    /// </summary>
    public sealed class MfaSyncResult : MfaOutputObject
    {
        public const string PSTypeName = "MfaPhone.SyncResult";
        /// <summary>Added ahead of <see cref="PSTypeName"/> by -ShowFullNumber.</summary>
        public const string ShowFullNumberTypeName = "MfaPhone.SyncResult#ShowFullNumber";

        public MfaSyncResult() : base(PSTypeName) { }

        /// <summary>The result of one engine change for a user.</summary>
        internal static MfaSyncResult From(Native.SyncChange change, string userId, string userPrincipalName) =>
            new MfaSyncResult
            {
                UserId = userId,
                UserPrincipalName = userPrincipalName,
                PhoneType = change.PhoneType,
                Action = change.Action,
                Status = change.Status,
                Before = change.Before,
                After = change.After,
                Reason = change.Reason,
                Warning = change.Warning,
                SmsSignIn = change.SmsSignIn,
            };

        /// <summary>The user's object id (or the user as given when the id was not read).</summary>
        public string UserId { get; set; }
        public string UserPrincipalName { get; set; }
        /// <summary>mobile, alternateMobile or office.</summary>
        public string PhoneType { get; set; }
        /// <summary>Add, Update, Remove, NoChange or Skip.</summary>
        public string Action { get; set; }
        /// <summary>Succeeded, Failed, Skipped or WhatIf.</summary>
        public string Status { get; set; }
        /// <summary>The number before (possibly masked by Graph); empty when none was set.</summary>
        public string Before { get; set; }
        /// <summary>The number after (for a change that failed or was not made: the one it was to be).</summary>
        public string After { get; set; }
        /// <summary>What and why, in words.</summary>
        public string Reason { get; set; }
        /// <summary>Advice that did not stop the change (a fixed-line number as mobile, SMS sign-in not possible); empty when none.</summary>
        public string Warning { get; set; }
        /// <summary>mobile: Enable or Disable when the change also sets SMS sign-in; else empty.</summary>
        public string SmsSignIn { get; set; }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} {1} {2} {3}",
                string.IsNullOrEmpty(UserPrincipalName) ? UserId : UserPrincipalName, PhoneType, Action, Status);
    }

    /// <summary>
    /// What one Sync-MfaPhone or Compare-MfaPhone call did (PSTypeName MfaPhone.SyncSummary):
    /// written to the information stream and to -SummaryVariable, never to the output.
    /// </summary>
    public sealed class MfaSyncSummary : MfaOutputObject
    {
        public const string PSTypeName = "MfaPhone.SyncSummary";

        public MfaSyncSummary() : base(PSTypeName) { }

        /// <summary>Users with a result.</summary>
        public long Users { get; set; }
        /// <summary>Results by action.</summary>
        public long Added { get; set; }
        public long Updated { get; set; }
        public long Removed { get; set; }
        public long Unchanged { get; set; }
        public long SkippedByPlan { get; set; }
        /// <summary>Results by status.</summary>
        public long Succeeded { get; set; }
        public long Failed { get; set; }
        public long Skipped { get; set; }
        public long WhatIf { get; set; }
        /// <summary>HTTP requests sent ($batch envelopes and single requests).</summary>
        public long Requests { get; set; }
        /// <summary>Requests and $batch items inside them.</summary>
        public long BatchItems { get; set; }
        /// <summary>Write requests sent (POST, PATCH, DELETE), retries included.</summary>
        public long Writes { get; set; }
        /// <summary>Answers of 429 Too Many Requests.</summary>
        public long Throttled { get; set; }
        public TimeSpan Duration { get; set; }
        /// <summary>The call was stopped (Ctrl+C) before every user was done.</summary>
        public bool Cancelled { get; set; }
        /// <summary>Sync-MfaPhone -Delta: the link the next run passes to -DeltaLink. Null when the run
        /// did not finish every change (a failure, a declined change, -WhatIf, Ctrl+C), so storing it
        /// only when it is set keeps the previous state.</summary>
        public string DeltaLink { get; set; }
        /// <summary>Sync-MfaPhone -Delta: this run read every user (no -DeltaLink, or it had expired).</summary>
        public bool FullRound { get; set; }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture,
                "{0} users{1}: {2} added, {3} updated, {4} removed, {5} unchanged, {6} skipped by plan; " +
                "{7} succeeded, {8} failed, {9} skipped, {10} what-if; {11} requests ({12} writes), {13} throttled (429); {14:0.0} s",
                Users, Cancelled ? " (cancelled)" : "", Added, Updated, Removed, Unchanged, SkippedByPlan,
                Succeeded, Failed, Skipped, WhatIf, Requests, Writes, Throttled, Duration.TotalSeconds);
    }
}
