using System.Collections.Generic;
using System.Management.Automation;
using System.Security;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Syncs users' MFA phone methods with the numbers in their directory attributes.</para>
    /// <para type="description">Reads each user's desired number (a user property such as extensionAttribute15, or
    /// the piped object's own property), normalises it, compares it with the user's phone methods and adds, updates
    /// or removes them through Graph's $batch, as fast as Graph's throttling allows. One result per user and managed
    /// phone type; a summary to the information stream and -SummaryVariable.</para>
    /// </summary>
    [Cmdlet(VerbsData.Sync, "MfaPhone", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = PipelineSet)]
    [OutputType(typeof(MfaSyncResult))]
    public sealed class SyncMfaPhoneCommand : SyncCommandBase
    {
        /// <summary>Parameter set of the webhook runbook.</summary>
        public const string WebhookSet = "Webhook";

        /// <summary>Parameter set of the scheduled runs that follow Graph's change tracking.</summary>
        public const string DeltaSet = "Delta";

        private WebhookRun _webhook;

        #region Parameters

        /// <summary>The $WebhookData of a runbook started by its webhook.</summary>
        [Parameter(Mandatory = true, ParameterSetName = WebhookSet)]
        [AllowNull]
        public object WebhookData { get; set; }

        /// <summary>The shared secret the caller sends in the request's 'message' header.</summary>
        [Parameter(Mandatory = true, ParameterSetName = WebhookSet)]
        public SecureString Handshake { get; set; }

        /// <summary>In webhook mode, end with a terminating error when any user failed or any entry was refused.</summary>
        [Parameter(ParameterSetName = WebhookSet)]
        public SwitchParameter FailOnError { get; set; } = true;

        /// <summary>Sync the users Graph's change tracking (users/delta) reports: every user the first time, then only changed users.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeltaSet)]
        public SwitchParameter Delta { get; set; }

        /// <summary>The DeltaLink of the previous run's summary; empty or absent for a full round.</summary>
        [Parameter(ParameterSetName = DeltaSet)]
        [AllowNull]
        [AllowEmptyString]
        public string DeltaLink { get; set; }

        #endregion

        private protected override bool PlanOnly => false;

        private protected override string Activity => "Syncing MFA phone numbers";

        private protected override IReadOnlyList<string> OwnUsers => _webhook?.Users;

        private protected override bool DeltaMode => ParameterSetName == DeltaSet;

        private protected override string DeltaLinkToResume => DeltaLink;

        #region Overrides

        protected override void BeginProcessing()
        {
            if (ParameterSetName == WebhookSet)
            {
                RequireConnection();
                _webhook = WebhookRun.Start(this, WebhookData, Handshake);
            }
            base.BeginProcessing();
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            _webhook?.Finish(this, FailOnError, (int)FailedUsers);
        }

        #endregion
    }
}
