using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Security;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Relays one Twilio SMS webhook: checks its signature, finds the one-time code and posts it to the tenant's Teams or Slack channel.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "MfaSms", DefaultParameterSetName = RequestSet)]
    [OutputType(typeof(SmsRelayResult))]
    public sealed class ReceiveMfaSmsCommand : PSCmdlet
    {
        private const string WebhookDataSet = "WebhookData";
        private const string RequestSet = "Request";

        private readonly object _gate = new object();
        private Relay _relay;

        #region Parameters

        /// <summary>The $WebhookData object Azure Automation passes to a runbook started by a webhook.</summary>
        [Parameter(Mandatory = true, ParameterSetName = WebhookDataSet)]
        [ValidateNotNull]
        public object WebhookData { get; set; }

        /// <summary>The request body as received (raw form text, or its fields as a hashtable).</summary>
        [Parameter(Mandatory = true, ParameterSetName = RequestSet)]
        [AllowEmptyString]
        public object Body { get; set; }

        /// <summary>The request headers (a hashtable or an object with one property per header).</summary>
        [Parameter(ParameterSetName = RequestSet)]
        public object Headers { get; set; }

        /// <summary>The URL exactly as configured in Twilio for the number (scheme to query string).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Url { get; set; }

        /// <summary>POST (Twilio's default) or GET, as configured for the number.</summary>
        [Parameter(ParameterSetName = RequestSet)]
        [ValidateSet("POST", "GET")]
        public string Method { get; set; } = "POST";

        /// <summary>The Twilio account's primary auth token.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public SecureString AuthToken { get; set; }

        /// <summary>Routes: a hashtable, an array of hashtables, or the path of a JSON route file.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public object Route { get; set; }

        /// <summary>Accept texts of this Twilio account only (AC...).</summary>
        [Parameter]
        public string AccountSid { get; set; }

        /// <summary>Shows the code in the result instead of masking it.</summary>
        [Parameter]
        public SwitchParameter ShowCode { get; set; }

        /// <summary>A file shared by every invocation that remembers texts already relayed.</summary>
        [Parameter]
        public string DedupePath { get; set; }

        /// <summary>Overrides the Twilio REST host used for redaction (for example a local emulator).</summary>
        [Parameter]
        public Uri TwilioEndpoint { get; set; }

        /// <summary>Seconds to spend delivering to all sinks.</summary>
        [Parameter]
        [ValidateRange(1, 300)]
        public int TimeoutSec { get; set; } = 12;

        #endregion

        #region Overrides

        protected override void ProcessRecord()
        {
            try
            {
                NativeLoader.EnsureLoaded();
                RelayOne();
            }
            catch (MfaPhoneCancelledException) when (Stopping)
            {
                throw new PipelineStoppedException();
            }
            catch (MfaPhoneException e)
            {
                ThrowTerminatingError(EventPump.ToErrorRecord(e, null));
            }
        }

        protected override void StopProcessing()
        {
            lock (_gate) _relay?.Cancel();
        }

        #endregion

        #region Private

        private void RelayOne()
        {
            string body;
            object headers;
            string method = "POST";
            if (ParameterSetName == WebhookDataSet)
            {
                (body, headers) = RelayInput.FromWebhookData(WebhookData);
            }
            else
            {
                body = RelayInput.Body(Body);
                headers = Headers;
                method = Method;
            }

            using (var options = new RelayOptions())
            {
                options.DeliveryTimeoutSeconds = TimeoutSec;
                if (!string.IsNullOrEmpty(DedupePath)) options.DedupeFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(DedupePath);
                if (TwilioEndpoint != null) options.TwilioApiBase = TwilioEndpoint.GetLeftPart(UriPartial.Authority);
                using (var relay = new Relay(options))
                {
                    using (ByteVector token = SecretBytes.ToNative(AuthToken))
                    {
                        try { relay.AddAccount(AccountSid ?? string.Empty, token); }
                        finally { token.Wipe(); }
                    }
                    RelayInput.AddRoutes(relay, Route, this);
                    lock (_gate) _relay = relay;
                    try
                    {
                        if (Stopping) relay.Cancel();
                        using (var request = new RelayRequest
                        {
                            Method = method,
                            Url = Url,
                            ContentType = RelayInput.ContentType(headers, Url, body),
                            Body = body,
                            Signature = RelayInput.Header(headers, "X-Twilio-Signature"),
                            IdempotencyToken = RelayInput.Header(headers, "I-Twilio-Idempotency-Token"),
                        })
                        using (RelayResult result = relay.Receive(request))
                        {
                            Report(result);
                        }
                    }
                    finally
                    {
                        lock (_gate) _relay = null;
                    }
                }
            }
        }

        private static readonly HashSet<string> SignatureReasons = new HashSet<string>(StringComparer.Ordinal)
        {
            "MissingSignature", "InvalidSignature", "UnknownAccount", "BodyHashMismatch",
        };

        private void Report(RelayResult result)
        {
            using (StringVector log = result.Log())
                foreach (string line in log) WriteVerbose(line);

            if (result.Status == "Rejected")
            {
                if (SignatureReasons.Contains(result.Reason))
                {
                    string why = result.Reason == "MissingSignature"
                        ? "The request has no X-Twilio-Signature header: it did not come from Twilio, or -Headers/-WebhookData lost it."
                        : result.Reason == "UnknownAccount"
                            ? "The text belongs to another Twilio account than -AccountSid."
                            : "The X-Twilio-Signature does not match -Url, the request's parameters and -AuthToken.";
                    var error = new MfaPhoneException(
                        why + " Nothing was delivered. Pass the URL exactly as it is configured in Twilio (scheme, host, port, path and query) and the account's primary auth token.",
                        ErrorIds.InvalidTwilioSignature);
                    ThrowTerminatingError(new ErrorRecord(error, ErrorIds.InvalidTwilioSignature, ErrorCategory.SecurityError, null));
                }
                var invalid = new MfaPhoneException(
                    $"The webhook request was refused ({result.Reason}): {result.Message} Nothing was delivered.", ErrorIds.InvalidSmsWebhook);
                ThrowTerminatingError(new ErrorRecord(invalid, ErrorIds.InvalidSmsWebhook, ErrorCategory.InvalidData, null));
            }

            var sinks = new List<SmsSinkResult>();
            var delivered = new List<string>();
            for (int i = 0; i < result.SinkCount(); i++)
            {
                using (RelaySinkResult s = result.SinkAt(i))
                {
                    sinks.Add(new SmsSinkResult
                    {
                        Name = s.Name, Kind = s.Kind, Delivered = s.Delivered, HttpStatus = s.HttpStatus, Attempts = s.Attempts, Error = s.Error,
                    });
                    if (s.Delivered) delivered.Add(s.Name);
                }
            }
            string code = result.Code;
            var output = new SmsRelayResult
            {
                Status = result.Status,
                Tenant = result.Tenant,
                From = result.From,
                To = result.To,
                Code = string.IsNullOrEmpty(code) ? null : ShowCode ? code : Native.Relay.MaskCode(code),
                CodeFound = !string.IsNullOrEmpty(code),
                CodeRule = string.IsNullOrEmpty(result.CodeRule) ? null : result.CodeRule,
                SinksDelivered = delivered.ToArray(),
                Sinks = sinks.ToArray(),
                Redacted = result.Redacted,
                RedactionError = string.IsNullOrEmpty(result.RedactionError) ? null : result.RedactionError,
                MessageSid = result.MessageSid,
                AccountSid = result.AccountSid,
                ReceivedAt = DateTimeOffset.TryParse(result.ReceivedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null,
                Message = string.IsNullOrEmpty(result.Message) ? null : result.Message,
                HttpStatus = result.HttpStatus,
                ContentType = result.ContentType,
                ResponseBody = result.ResponseBody,
            };
            WriteObject(output);
            if (result.Status == "Failed")
            {
                var failed = new MfaPhoneException(
                    $"No sink accepted the text for tenant '{result.Tenant}': " + string.Join("; ", sinks.ConvertAll(s => $"{s.Name}: {s.Error}")) +
                    ". Answer Twilio with the result's HttpStatus (503) so that a configured retry can deliver it.",
                    ErrorIds.SmsDeliveryFailed);
                WriteError(new ErrorRecord(failed, ErrorIds.SmsDeliveryFailed, ErrorCategory.ConnectionError, result.Tenant));
            }
            else if (result.RedactionRequested && !result.Redacted)
            {
                WriteWarning($"The text was delivered but its body could not be cleared at Twilio: {result.RedactionError}.");
            }
        }

        #endregion
    }
}
