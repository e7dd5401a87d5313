namespace MfaPhone
{
    /// <summary>One phone authentication method of one user (PSTypeName MfaPhone.PhoneMethod).</summary>
    public sealed class MfaPhoneMethod : MfaOutputObject
    {
        public const string PSTypeName = "MfaPhone.PhoneMethod";

        public MfaPhoneMethod() : base(PSTypeName) { }

        /// <summary>The user's object id (the user as given when the user could not be read).</summary>
        public string UserId { get; set; }
        /// <summary>The user's principal name (the user as given when the user could not be read and was not given by object id).</summary>
        public string UserPrincipalName { get; set; }
        /// <summary>mobile, alternateMobile or office; empty in the row -IncludeEmpty writes for a user with no phone method.</summary>
        public string PhoneType { get; set; }
        /// <summary>The number in Graph's format, e.g. "+46 701234567". Masked when Graph masks it.</summary>
        public string PhoneNumber { get; set; }
        /// <summary>Graph's smsSignInState (ready, notEnabled, notSupported, ...).</summary>
        public string SmsSignInState { get; set; }
        /// <summary>The method id (fixed per phone type).</summary>
        public string Id { get; set; }

        public override string ToString() => $"{(string.IsNullOrEmpty(UserPrincipalName) ? UserId : UserPrincipalName)} {PhoneType} {PhoneNumber}";
    }

    /// <summary>The sign-in state of the current runspace (PSTypeName MfaPhone.GraphContext).</summary>
    public sealed class MfaGraphContext : MfaOutputObject
    {
        public const string PSTypeName = "MfaPhone.GraphContext";

        public MfaGraphContext() : base(PSTypeName) { }

        public string TenantId { get; set; }
        public string ClientId { get; set; }
        public string Environment { get; set; }
        public string AuthType { get; set; }
        public string AuthorityHost { get; set; }
        public string GraphEndpoint { get; set; }
        public System.DateTimeOffset? TokenExpiresOn { get; set; }
        /// <summary>Application permissions of an app-only token (roles claim).</summary>
        public string[] Roles { get; set; }
        /// <summary>Delegated permissions of a user's token (scp claim).</summary>
        public string[] Scopes { get; set; }
        /// <summary>The signed-in user (delegated) or the object id of the app or managed identity.</summary>
        public string Account { get; set; }
        /// <summary>Whether the token is a user's (delegated) rather than app-only.</summary>
        public bool Delegated { get; set; }
        /// <summary>Whether Graph masks phone numbers for this caller (delegated Authentication Administrator).</summary>
        public bool NumbersMasked { get; set; }
        /// <summary>Whether the token carries a phone-method permission.</summary>
        public bool HasPhoneMethodPermission { get; set; }
    }
}
