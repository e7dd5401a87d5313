using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>A webhook request whose handshake matched: the users its body names.</summary>
    internal sealed class WebhookRequestData
    {
        internal string WebhookName { get; set; }
        /// <summary>"object", "json" or "text" (the unquoted form).</summary>
        internal string Shape { get; set; }
        internal IReadOnlyList<string> Users { get; set; }
        internal int EntryCount { get; set; }
        internal int DuplicateCount { get; set; }
        /// <summary>Entries refused one by one (no usable UserPrincipalName); the others go on.</summary>
        internal IReadOnlyList<ErrorRecord> EntryErrors { get; set; }
    }

    /// <summary>
    /// A cmdlet's webhook mode (Sync-MfaPhone -WebhookData -Handshake): reads the request, ends
    /// the call on a refusal, reports refused entries, and at the end turns failures into one
    /// terminating error so the Automation job ends as Failed.
    /// </summary>
    internal sealed class WebhookRun
    {
        /// <summary>The parameter names that hold the request and the secret.</summary>
        internal const string WebhookDataParameter = "WebhookData";
        internal const string HandshakeParameter = "Handshake";

        private WebhookRun(WebhookRequestData request) => Request = request;

        internal WebhookRequestData Request { get; }

        /// <summary>The users to sync, in body order, each once.</summary>
        internal IReadOnlyList<string> Users => Request.Users;

        /// <summary>
        /// Starts webhook mode. Call once, from BeginProcessing. The request and the handshake
        /// are taken out of the invocation's bound parameters first, so no error record written
        /// later (and serialized into the job's streams) carries them. A refused request ends
        /// the call here with its error.
        /// </summary>
        internal static WebhookRun Start(PSCmdlet cmdlet, object webhookData, SecureString handshake)
        {
            cmdlet.MyInvocation.BoundParameters.Remove(WebhookDataParameter);
            cmdlet.MyInvocation.BoundParameters.Remove(HandshakeParameter);
            WebhookRequestData request = WebhookInput.Read(webhookData, handshake, out ErrorRecord refusal);
            if (refusal != null) cmdlet.ThrowTerminatingError(refusal);

            string name = string.IsNullOrEmpty(request.WebhookName) ? "" : $" '{request.WebhookName}'";
            cmdlet.WriteVerbose($"Webhook{name} request ({WebhookInput.DescribeShape(request.Shape)}): handshake matched; " +
                                $"{request.EntryCount} entries, {request.Users.Count} users, {request.DuplicateCount} duplicates, " +
                                $"{request.EntryErrors.Count} refused.");
            foreach (ErrorRecord error in request.EntryErrors) cmdlet.WriteError(error);
            return new WebhookRun(request);
        }

        /// <summary>
        /// Ends webhook mode, from EndProcessing: when <paramref name="failOnError"/> and any
        /// entry was refused or any of the users failed, ends the call with WebhookRunFailed.
        /// </summary>
        internal void Finish(PSCmdlet cmdlet, bool failOnError, int failedUsers)
        {
            int refused = Request.EntryErrors.Count;
            if (!failOnError || (refused == 0 && failedUsers == 0)) return;
            string message = $"The webhook request was not fully applied: {failedUsers} of {Request.Users.Count} users failed" +
                             (refused > 0 ? $" and {refused} of {Request.EntryCount} entries were refused" : "") +
                             ". The errors above name each one. The job ends as Failed so that monitoring sees it; use -FailOnError:$false to end it as Completed.";
            cmdlet.ThrowTerminatingError(new ErrorRecord(new MfaPhoneException(message, ErrorIds.WebhookRunFailed),
                ErrorIds.WebhookRunFailed, ErrorCategory.OperationStopped, null));
        }
    }

    /// <summary>
    /// Turns the $WebhookData an Azure Automation runbook receives (the Windows PowerShell 5.1
    /// object, or the text PowerShell 7 runtimes and the test pane pass) into a checked request:
    /// the engine checks the handshake in constant time and reads the body. Header values and the
    /// body never reach an error, a message or a target object; the handshake crosses as bytes
    /// and every copy this class makes is wiped.
    /// </summary>
    internal static class WebhookInput
    {
        // Room the engine allows for the envelope and headers around the largest body.
        private const long EnvelopeAllowance = 64 * 1024;

        /// <summary>
        /// Reads and checks the request. Returns it when the handshake matched and the body names
        /// at least one usable user; otherwise returns null and sets <paramref name="refusal"/>,
        /// the error that should end the call.
        /// </summary>
        internal static WebhookRequestData Read(object webhookData, SecureString handshake, out ErrorRecord refusal)
        {
            refusal = null;
            object data = Unwrap(webhookData);
            if (data == null)
            {
                refusal = Error(ErrorIds.WebhookDataInvalid, ErrorCategory.InvalidData,
                    "The webhook data is empty. Pass the runbook's $WebhookData to -WebhookData; a runbook started from the portal, a schedule or Start-AzAutomationRunbook without it has no webhook request.",
                    "Start the runbook through its webhook, or in the test pane give WebhookData as JSON with WebhookName, RequestHeader and RequestBody.");
                return null;
            }

            ByteVector secret;
            try
            {
                secret = SecretBytes.ToNative(handshake);
            }
            catch (MfaPhoneInvalidInputException)
            {
                refusal = Error(ErrorIds.InvalidInput, ErrorCategory.InvalidArgument,
                    "The handshake is empty. Give -Handshake the shared secret the caller sends in its 'message' header (for example from an encrypted Automation variable).", null);
                return null;
            }

            try
            {
                using (var request = new WebhookRequest())
                using (var options = new WebhookOptions())
                {
                    if (!Fill(request, data, options, out refusal)) return null;
                    using (WebhookResult result = MfaPhoneNative.CheckWebhook(request, secret, options))
                    {
                        if (result.Status != WebhookStatus.Accepted)
                        {
                            refusal = Refusal(result);
                            return null;
                        }
                        return Accepted(result);
                    }
                }
            }
            finally
            {
                secret.Wipe();
                secret.Dispose();
            }
        }

        /// <summary>How the request arrived, for verbose lines.</summary>
        internal static string DescribeShape(string shape)
        {
            switch (shape)
            {
                case "object": return "the Windows PowerShell object form";
                case "json": return "JSON text";
                case "text": return "the unquoted text form of PowerShell 7 runtimes";
                default: return "an unknown form";
            }
        }

        #region Private

        /// <summary>The object inside PSObject wrappers; a PSCustomObject stays wrapped (its properties live there).</summary>
        private static object Unwrap(object value)
        {
            while (value is PSObject ps && !(ps.BaseObject is PSCustomObject) && !ReferenceEquals(ps.BaseObject, ps))
                value = ps.BaseObject;
            return value;
        }

        /// <summary>Hands the WebhookData to the engine: its text, or its fields one by one.</summary>
        private static bool Fill(WebhookRequest request, object data, WebhookOptions options, out ErrorRecord refusal)
        {
            refusal = null;
            if (data is string text)
            {
                // Every character is at least one UTF-8 byte: text this long is over the engine's
                // limit for webhook data, whatever it holds. Refused before it is copied.
                long limit = (long)options.MaxBodyBytes + EnvelopeAllowance;
                if (text.Length > limit)
                {
                    refusal = Error(ErrorIds.WebhookBodyTooLarge, ErrorCategory.LimitsExceeded,
                        $"The webhook data holds {text.Length} characters; at most {limit} bytes are accepted (a body of at most {options.MaxBodyBytes} bytes and its headers). Split the users over several requests.",
                        null);
                    return false;
                }
                using (ByteVector bytes = ToNativeBytes(text))
                {
                    try { request.SetText(bytes); }
                    finally { bytes.Wipe(); }
                }
                return true;
            }

            object name = Field(data, "WebhookName");
            object header = Unwrap(Field(data, "RequestHeader"));
            object body = Unwrap(Field(data, "RequestBody"));
            if (!HasField(data, "WebhookName") && !HasField(data, "RequestHeader") && !HasField(data, "RequestBody"))
            {
                refusal = Error(ErrorIds.WebhookDataInvalid, ErrorCategory.InvalidData,
                    $"The webhook data is a {TypeName(data)} without WebhookName, RequestHeader or RequestBody. Pass the runbook's $WebhookData to -WebhookData unchanged.",
                    null);
                return false;
            }
            if (name != null) request.SetWebhookName(LanguagePrimitives.ConvertTo<string>(name));

            if (header is string)
            {
                refusal = Error(ErrorIds.WebhookDataInvalid, ErrorCategory.InvalidData,
                    "RequestHeader in the webhook data is text, not an object of header names and values. Pass the runbook's $WebhookData to -WebhookData unchanged.",
                    null);
                return false;
            }
            if (header != null)
            {
                foreach (KeyValuePair<string, object> h in Pairs(header)) AddHeader(request, h.Key, h.Value);
            }

            if (body != null)
            {
                if (!(body is string bodyText))
                {
                    refusal = Error(ErrorIds.WebhookBodyInvalid, ErrorCategory.InvalidData,
                        $"RequestBody in the webhook data is a {TypeName(body)}, not the request's text. Pass the runbook's $WebhookData to -WebhookData unchanged; in the test pane, give RequestBody as a JSON string.",
                        null);
                    return false;
                }
                request.SetBody(bodyText);
            }
            return true;
        }

        private static string TypeName(object value) =>
            value is PSObject ps ? (ps.BaseObject is PSCustomObject ? "PSCustomObject" : ps.BaseObject.GetType().Name) : value.GetType().Name;

        private static bool HasField(object data, string name)
        {
            if (data is IDictionary dictionary)
            {
                foreach (object key in dictionary.Keys)
                    if (string.Equals(Convert.ToString(key), name, StringComparison.OrdinalIgnoreCase)) return true;
                return false;
            }
            return PSObject.AsPSObject(data).Properties[name] != null;
        }

        /// <summary>A field of a PSCustomObject, a hashtable or any object, by case-insensitive name.</summary>
        private static object Field(object data, string name)
        {
            if (data is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                    if (string.Equals(Convert.ToString(entry.Key), name, StringComparison.OrdinalIgnoreCase)) return entry.Value;
                return null;
            }
            PSPropertyInfo property = PSObject.AsPSObject(data).Properties[name];
            try
            {
                return property?.Value;
            }
            catch (GetValueException)
            {
                return null;
            }
        }

        /// <summary>RequestHeader's names and values: a PSCustomObject's properties (5.1) or a dictionary's entries.</summary>
        private static IEnumerable<KeyValuePair<string, object>> Pairs(object header)
        {
            if (header is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                    yield return new KeyValuePair<string, object>(Convert.ToString(entry.Key), entry.Value);
                yield break;
            }
            foreach (PSPropertyInfo property in PSObject.AsPSObject(header).Properties)
            {
                if (!property.IsGettable) continue;
                object value;
                try { value = property.Value; }
                catch (GetValueException) { continue; }
                yield return new KeyValuePair<string, object>(property.Name, value);
            }
        }

        private static void AddHeader(WebhookRequest request, string name, object value)
        {
            if (string.IsNullOrEmpty(name)) return;
            value = value is PSObject ps ? ps.BaseObject : value;
            string text;
            if (value == null) text = "";
            else if (value is string s) text = s;
            else if (value is IEnumerable list)
            {
                // A header sent more than once: joined as HTTP does, so it never matches a handshake.
                var parts = new List<string>();
                foreach (object item in list) parts.Add(Convert.ToString(item is PSObject p ? p.BaseObject : item));
                text = string.Join(", ", parts);
            }
            else text = Convert.ToString(value);

            using (ByteVector bytes = ToNativeBytes(text))
            {
                try { request.AddHeader(name, bytes); }
                finally { bytes.Wipe(); }
            }
        }

        /// <summary>
        /// A string as native UTF-8 bytes, through a pinned buffer that is wiped. The caller wipes
        /// and disposes the vector.
        /// </summary>
        private static ByteVector ToNativeBytes(string text)
        {
            byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text)];
            GCHandle pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            ByteVector vector = null;
            try
            {
                Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
                vector = new ByteVector(bytes.Length);  // reserves: the Adds never reallocate
                foreach (byte b in bytes) vector.Add(b);
                ByteVector result = vector;
                vector = null;
                return result;
            }
            finally
            {
                if (vector != null)
                {
                    try { vector.Wipe(); }
                    finally { vector.Dispose(); }
                }
                Array.Clear(bytes, 0, bytes.Length);
                pin.Free();
            }
        }

        private static WebhookRequestData Accepted(WebhookResult result)
        {
            var users = new List<string>();
            using (StringVector vector = result.Users())
            {
                foreach (string user in vector) users.Add(user);
            }
            var errors = new List<ErrorRecord>();
            int count = result.EntryErrorCount();
            for (int i = 0; i < count; i++)
            {
                using (WebhookEntryError entry = result.EntryError(i))
                {
                    errors.Add(Error(ErrorIds.WebhookEntryInvalid, ErrorCategory.InvalidData, entry.Message,
                        "Give every entry of the request body the user's UserPrincipalName, as in [{\"UserPrincipalName\": \"adele@contoso.com\"}].",
                        entry.Index));
                }
            }
            return new WebhookRequestData
            {
                WebhookName = result.WebhookName,
                Shape = result.Shape,
                Users = users,
                EntryCount = result.EntryCount,
                DuplicateCount = result.DuplicateCount,
                EntryErrors = errors,
            };
        }

        private static ErrorRecord Refusal(WebhookResult result)
        {
            string message = result.Message;
            switch (result.Status)
            {
                case WebhookStatus.HandshakeMissing:
                    return Error(ErrorIds.WebhookHandshakeMissing, ErrorCategory.SecurityError, message,
                        "Have the caller send the shared secret in a header named 'message'.");
                case WebhookStatus.HandshakeMismatch:
                    return Error(ErrorIds.WebhookHandshakeMismatch, ErrorCategory.SecurityError, message,
                        "Make the caller's 'message' header and -Handshake (for example the encrypted Automation variable) the same secret.");
                case WebhookStatus.BodyEmpty:
                    return Error(ErrorIds.WebhookBodyEmpty, ErrorCategory.InvalidData, message, null);
                case WebhookStatus.BodyTooLarge:
                    return Error(ErrorIds.WebhookBodyTooLarge, ErrorCategory.LimitsExceeded, message, null);
                case WebhookStatus.BodyInvalid:
                    return Error(ErrorIds.WebhookBodyInvalid, ErrorCategory.InvalidData, message, null);
                default:
                    return Error(ErrorIds.WebhookDataInvalid, ErrorCategory.InvalidData, message, null);
            }
        }

        private static ErrorRecord Error(string id, ErrorCategory category, string message, string action, object target = null)
        {
            var record = new ErrorRecord(new MfaPhoneException(message, id), id, category, target);
            if (action != null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = action };
            return record;
        }

        #endregion
    }
}
