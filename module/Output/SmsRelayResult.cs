using System;

namespace MfaPhone
{
    /// <summary>What happened to one Twilio SMS webhook (PSTypeName MfaPhone.SmsRelayResult).</summary>
    public sealed class SmsRelayResult
    {
        /// <summary>Delivered, PartiallyDelivered, Failed, Duplicate or Unrouted.</summary>
        public string Status { get; set; }
        /// <summary>The tenant label of the route the text went to.</summary>
        public string Tenant { get; set; }
        /// <summary>The sender of the text.</summary>
        public string From { get; set; }
        /// <summary>The Twilio number the text was sent to.</summary>
        public string To { get; set; }
        /// <summary>The one-time code found: masked (one '*' per character) unless -ShowCode.</summary>
        public string Code { get; set; }
        /// <summary>Whether a code was found in the text.</summary>
        public bool CodeFound { get; set; }
        /// <summary>Which pattern found the code (e.g. microsoft-keyword).</summary>
        public string CodeRule { get; set; }
        /// <summary>Names of the sinks that accepted the text.</summary>
        public string[] SinksDelivered { get; set; }
        /// <summary>Every sink's outcome.</summary>
        public SmsSinkResult[] Sinks { get; set; }
        /// <summary>Whether the body was cleared at Twilio.</summary>
        public bool Redacted { get; set; }
        /// <summary>Why the redaction failed, when it was asked for and failed.</summary>
        public string RedactionError { get; set; }
        public string MessageSid { get; set; }
        public string AccountSid { get; set; }
        /// <summary>When the relay received the text (UTC).</summary>
        public DateTimeOffset? ReceivedAt { get; set; }
        /// <summary>A sentence for Unrouted and Failed texts.</summary>
        public string Message { get; set; }
        /// <summary>The HTTP status to answer Twilio with (200, or 503 when no sink took the text).</summary>
        public int HttpStatus { get; set; }
        /// <summary>The content type of the answer for Twilio (text/xml).</summary>
        public string ContentType { get; set; }
        /// <summary>The answer for Twilio: empty TwiML.</summary>
        public string ResponseBody { get; set; }

        public override string ToString() => $"{Status} {Tenant} {Code}";
    }

    /// <summary>One sink's outcome for one text (PSTypeName MfaPhone.SmsSinkResult).</summary>
    public sealed class SmsSinkResult
    {
        public string Name { get; set; }
        /// <summary>teams or slack.</summary>
        public string Kind { get; set; }
        public bool Delivered { get; set; }
        /// <summary>The receiver's last HTTP status (0 when it never answered).</summary>
        public int HttpStatus { get; set; }
        public int Attempts { get; set; }
        /// <summary>Why it failed; never the webhook URL.</summary>
        public string Error { get; set; }

        public override string ToString() => $"{Name}: {(Delivered ? "delivered" : "failed")}";
    }
}
