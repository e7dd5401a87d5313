namespace MfaPhone.Commands
{
    /// <summary>
    /// Stable error ids: the first part of every ErrorRecord's FullyQualifiedErrorId. Scripts
    /// branch on these, so they never change once released. Tests check they are unique.
    /// </summary>
    public static class ErrorIds
    {
        public const string NotConnected = "NotConnected";
        public const string AuthenticationFailed = "AuthenticationFailed";
        public const string InvalidInput = "InvalidInput";
        public const string UserNotFound = "UserNotFound";
        public const string PermissionDenied = "PermissionDenied";
        public const string Throttled = "Throttled";
        public const string GraphRequestFailed = "GraphRequestFailed";
        public const string TransportFailed = "TransportFailed";
        public const string Cancelled = "Cancelled";
        public const string NativeLibraryMissing = "NativeLibraryMissing";
        public const string NativeLibraryLoadFailed = "NativeLibraryLoadFailed";
        public const string InternalError = "InternalError";
        public const string RetriesExhausted = "RetriesExhausted";
        public const string InvalidRegion = "InvalidRegion";
        public const string WebhookDataInvalid = "WebhookDataInvalid";
        public const string WebhookHandshakeMissing = "WebhookHandshakeMissing";
        public const string WebhookHandshakeMismatch = "WebhookHandshakeMismatch";
        public const string WebhookBodyEmpty = "WebhookBodyEmpty";
        public const string WebhookBodyTooLarge = "WebhookBodyTooLarge";
        public const string WebhookBodyInvalid = "WebhookBodyInvalid";
        public const string WebhookEntryInvalid = "WebhookEntryInvalid";
        public const string WebhookRunFailed = "WebhookRunFailed";
        public const string InvalidTwilioSignature = "InvalidTwilioSignature";
        public const string InvalidSmsWebhook = "InvalidSmsWebhook";
        public const string SmsDeliveryFailed = "SmsDeliveryFailed";
        public const string InvalidPhoneNumber = "InvalidPhoneNumber";
        public const string PhoneNumberMasked = "PhoneNumberMasked";
        public const string AlternateMobileNeedsMobile = "AlternateMobileNeedsMobile";
        public const string DefaultMethodNotRemovable = "DefaultMethodNotRemovable";
        public const string MobileNeededByAlternateMobile = "MobileNeededByAlternateMobile";
        public const string NoMobileNumber = "NoMobileNumber";
        public const string SmsSignInNotAvailable = "SmsSignInNotAvailable";
        public const string PhoneChangeRefused = "PhoneChangeRefused";

        /// <summary>The id for a failed Graph request, from its status and Graph error code.</summary>
        public static string ForRequest(int status, string code)
        {
            if (code == MfaPhone.Native.NativeErrors.RetriesExhaustedCode) return RetriesExhausted;
            if (status == 404) return UserNotFound;
            if (status == 403) return PermissionDenied;
            if (status == 429) return Throttled;
            return GraphRequestFailed;
        }
    }
}
