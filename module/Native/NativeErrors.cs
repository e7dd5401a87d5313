using System;
using System.Text.RegularExpressions;

namespace MfaPhone.Native
{
    /// <summary>Base of every exception the MfaPhone engine raises.</summary>
    public class MfaPhoneException : Exception
    {
        public MfaPhoneException(string message, string errorId) : base(message) { ErrorId = errorId; }

        public MfaPhoneException(string message, string errorId, Exception innerException)
            : base(message, innerException) { ErrorId = errorId; }

        /// <summary>The stable error id cmdlets put in the ErrorRecord.</summary>
        public string ErrorId { get; }
    }

    /// <summary>The input was wrong; the message says what to change.</summary>
    public sealed class MfaPhoneInvalidInputException : MfaPhoneException
    {
        public MfaPhoneInvalidInputException(string message) : base(message, Commands.ErrorIds.InvalidInput) { }
    }

    /// <summary>Sign-in failed. Carries the OAuth error and the Entra correlation id.</summary>
    public sealed class MfaPhoneAuthenticationException : MfaPhoneException
    {
        public MfaPhoneAuthenticationException(string message, int status, string error, string correlationId)
            : base(message, Commands.ErrorIds.AuthenticationFailed)
        {
            HttpStatus = status;
            Error = error;
            CorrelationId = correlationId;
        }

        public int HttpStatus { get; }
        public string Error { get; }
        public string CorrelationId { get; }
    }

    /// <summary>A service answered with an error: HTTP status, Graph error code, request id.</summary>
    public sealed class MfaPhoneRequestException : MfaPhoneException
    {
        public MfaPhoneRequestException(string message, int status, string code, string requestId)
            : base(message, Commands.ErrorIds.ForRequest(status, code))
        {
            HttpStatus = status;
            Code = code;
            RequestId = requestId;
        }

        public int HttpStatus { get; }
        public string Code { get; }
        public string RequestId { get; }

        /// <summary>
        /// Retrying ended without a usable answer (the service kept answering 429/5xx until the
        /// retry budget or the time allowed ran out); <see cref="HttpStatus"/> is the last answer.
        /// </summary>
        public bool RetriesExhausted => string.Equals(Code, NativeErrors.RetriesExhaustedCode, StringComparison.Ordinal);
    }

    /// <summary>No HTTP answer: connect, TLS, timeout or reset.</summary>
    public sealed class MfaPhoneTransportException : MfaPhoneException
    {
        public MfaPhoneTransportException(string message) : base(message, Commands.ErrorIds.TransportFailed) { }
    }

    /// <summary>The operation was cancelled (Ctrl+C).</summary>
    public sealed class MfaPhoneCancelledException : MfaPhoneException
    {
        public MfaPhoneCancelledException(string message) : base(message, Commands.ErrorIds.Cancelled) { }
    }

    internal static class NativeErrors
    {
        // Values of mfaphone::ErrorKind.
        internal const int Internal = 0, InvalidInput = 1, Auth = 2, RequestFailed = 3, Transport = 4, Cancelled = 5;

        /// <summary>The code of a RequestFailed error that ends retrying (mfaphone::RetriesExhaustedError).</summary>
        internal const string RetriesExhaustedCode = "retriesExhausted";

        // Entra ID ends its error descriptions with lines an admin does not need in a message.
        private static readonly Regex TraceId = new Regex(@"\s*Trace ID: [0-9A-Fa-f-]+\.?", RegexOptions.CultureInvariant);
        private static readonly Regex EntraCorrelationId = new Regex(@"\s*Correlation ID: ([0-9A-Fa-f-]+)\.?", RegexOptions.CultureInvariant);
        private static readonly Regex Timestamp = new Regex(@"\s*Timestamp: \d{4}-\d\d-\d\d[ T][0-9:.]+Z?\.?", RegexOptions.CultureInvariant);
        private static readonly Regex Blank = new Regex(@"[ \t]*(\r?\n)+[ \t]*", RegexOptions.CultureInvariant);

        /// <summary>
        /// A message without Entra ID's trailer (Trace ID, Correlation ID and Timestamp lines): the
        /// correlation id is kept once, as "Correlation id: ...", for the sign-in logs.
        /// </summary>
        internal static string WithoutServiceTrailer(string message)
        {
            if (string.IsNullOrEmpty(message)) return message;
            string correlation = null;
            string text = EntraCorrelationId.Replace(message, m =>
            {
                correlation = correlation ?? m.Groups[1].Value;
                return "";
            });
            text = TraceId.Replace(text, "");
            text = Timestamp.Replace(text, "");
            text = Blank.Replace(text, " ").Trim();
            if (correlation != null && text.IndexOf(correlation, StringComparison.OrdinalIgnoreCase) < 0)
            {
                text += (text.EndsWith(".", StringComparison.Ordinal) ? " " : ". ") + "Correlation id: " + correlation + ".";
            }
            return text;
        }

        /// <summary>Maps a native error (from the SWIG exception callback or an Error event) to its managed type.</summary>
        internal static MfaPhoneException Create(int kind, string message, int status, string code, string requestId)
        {
            message = string.IsNullOrEmpty(message) ? "The MfaPhone engine reported an error without a message." : WithoutServiceTrailer(message);
            switch (kind)
            {
                case InvalidInput: return new MfaPhoneInvalidInputException(message);
                case Auth: return new MfaPhoneAuthenticationException(message, status, code, requestId);
                case RequestFailed:
                    return new MfaPhoneRequestException(status == 403 ? Commands.PermissionAdvice.For403(message) : message, status, code, requestId);
                case Transport: return new MfaPhoneTransportException(message);
                case Cancelled: return new MfaPhoneCancelledException(message);
                default: return new MfaPhoneException(message, Commands.ErrorIds.InternalError);
            }
        }
    }
}
