using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Turns what PowerShell hosts hand a script (Azure Automation's WebhookData, an Azure
    /// Functions request's Body and Headers, route hashtables or a route file) into the relay
    /// facade's inputs. Errors are worded for PowerShell; webhook URLs are never quoted.
    /// </summary>
    internal static class RelayInput
    {
        // A [pscustomobject] lives in its PSObject wrapper: keep that, its properties are there.
        private static object Unwrap(object value) =>
            value is PSObject ps && !(ps.BaseObject is PSCustomObject) ? ps.BaseObject : value;

        /// <summary>A member of a hashtable (case-insensitive) or of an object's properties; null when absent.</summary>
        internal static object Member(object container, string name)
        {
            object raw = Unwrap(container);
            if (raw == null) return null;
            if (raw is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                    if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase)) return Unwrap(entry.Value);
                return null;
            }
            PSObject ps = raw as PSObject ?? container as PSObject ?? PSObject.AsPSObject(raw);
            foreach (PSPropertyInfo property in ps.Properties)
            {
                if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) continue;
                try { return Unwrap(property.Value); }
                catch (GetValueException) { return null; }
            }
            return null;
        }

        /// <summary>
        /// The request's content type; when the host dropped it, what Twilio sends: JSON when the
        /// URL carries bodySHA256, otherwise a form.
        /// </summary>
        internal static string ContentType(object headers, string url, string body)
        {
            string type = Header(headers, "Content-Type");
            if (type.Length > 0 || body.Length == 0) return type;
            return url.IndexOf("bodySHA256=", StringComparison.Ordinal) >= 0 ? "application/json" : "application/x-www-form-urlencoded";
        }

        /// <summary>A header's first value from a hashtable or object of headers; empty when absent.</summary>
        internal static string Header(object headers, string name)
        {
            object value = Member(headers, name);
            if (value is IEnumerable list && !(value is string)) value = list.Cast<object>().FirstOrDefault();
            return Unwrap(value)?.ToString() ?? string.Empty;
        }

        /// <summary>The raw body: text as given, or a parsed form (hashtable) encoded again.</summary>
        internal static string Body(object body)
        {
            object raw = Unwrap(body);
            switch (raw)
            {
                case null: return string.Empty;
                case string text: return text;
                case byte[] bytes: return Encoding.UTF8.GetString(bytes);
                case IDictionary form:
                    // Parameters are signed sorted by name, so the order of a parsed form is irrelevant.
                    var parts = new List<string>();
                    foreach (DictionaryEntry entry in form)
                    {
                        string key = Uri.EscapeDataString(entry.Key?.ToString() ?? string.Empty);
                        object value = Unwrap(entry.Value);
                        IEnumerable values = value is IEnumerable many && !(value is string) ? many : new[] { value };
                        foreach (object v in values)
                            parts.Add(key + "=" + Uri.EscapeDataString(Unwrap(v)?.ToString() ?? string.Empty));
                    }
                    return string.Join("&", parts);
                default:
                    throw new MfaPhoneInvalidInputException(
                        "The body must be the request's raw text (or its form fields as a hashtable); got a " + raw.GetType().Name + ".");
            }
        }

        /// <summary>Body and headers of Azure Automation's WebhookData (RequestBody, RequestHeader).</summary>
        internal static (string Body, object Headers) FromWebhookData(object webhookData)
        {
            object raw = Unwrap(webhookData);
            if (raw is string)
                throw new MfaPhoneInvalidInputException(
                    "-WebhookData is text, not the webhook object. Declare the runbook parameter as [object] $WebhookData and pass it as it is.");
            object body = Member(webhookData, "RequestBody");
            object headers = Member(webhookData, "RequestHeader");
            if (body == null && headers == null)
                throw new MfaPhoneInvalidInputException(
                    "-WebhookData has neither RequestBody nor RequestHeader; pass the $WebhookData object Azure Automation gives the runbook.");
            return (Body(body), headers);
        }

        private static string Plain(object value, string where)
        {
            object raw = Unwrap(value);
            if (raw is SecureString secure)
            {
                IntPtr p = Marshal.SecureStringToGlobalAllocUnicode(secure);
                try { return Marshal.PtrToStringUni(p); }
                finally { Marshal.ZeroFreeGlobalAllocUnicode(p); }
            }
            if (raw is string s) return s;
            throw new MfaPhoneInvalidInputException($"{where} must be a string or a SecureString.");
        }

        private static readonly string[] RouteKeys = { "Tenant", "To", "AccountSid", "Redact", "Teams", "Slack", "Sinks" };
        private static readonly string[] SinkKeys = { "Name", "Kind", "Url" };

        private static void CheckKeys(IDictionary table, string[] known, string where)
        {
            foreach (DictionaryEntry entry in table)
            {
                string key = entry.Key?.ToString() ?? string.Empty;
                if (!known.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)))
                    throw new MfaPhoneInvalidInputException($"{where} has an unknown key '{key}'. Known keys: {string.Join(", ", known)}.");
            }
        }

        private static IEnumerable<object> Items(object value)
        {
            object raw = Unwrap(value);
            if (raw == null) return Array.Empty<object>();
            if (raw is IEnumerable list && !(raw is string) && !(raw is IDictionary)) return list.Cast<object>().Select(Unwrap);
            return new[] { raw };
        }

        private static RelayRoute ToRoute(IDictionary table, string where)
        {
            CheckKeys(table, RouteKeys, where);
            var route = new RelayRoute
            {
                Tenant = Member(table, "Tenant")?.ToString() ?? string.Empty,
                To = Member(table, "To")?.ToString() ?? string.Empty,
                AccountSid = Member(table, "AccountSid")?.ToString() ?? string.Empty,
                Redact = LanguagePrimitives.IsTrue(Member(table, "Redact")),
            };
            if (route.Tenant.Length == 0)
                throw new MfaPhoneInvalidInputException($"{where} needs a Tenant: the label shown with the code, such as 'Contoso'.");
            int n = 0;
            foreach (var (kind, key) in new[] { ("teams", "Teams"), ("slack", "Slack") })
                foreach (object url in Items(Member(table, key)))
                {
                    using (var sink = new RelaySink { Name = $"{route.Tenant}-{kind}" + (n > 0 ? "-" + n : ""), Kind = kind, Url = Plain(url, $"{where}.{key}") })
                        route.AddSink(sink);
                    n++;
                }
            foreach (object item in Items(Member(table, "Sinks")))
            {
                if (!(item is IDictionary sinkTable))
                    throw new MfaPhoneInvalidInputException($"{where}.Sinks must hold hashtables such as @{{ Kind = 'teams'; Url = $url }}.");
                CheckKeys(sinkTable, SinkKeys, $"{where}.Sinks");
                string kind = Member(sinkTable, "Kind")?.ToString() ?? "teams";
                using (var sink = new RelaySink
                {
                    Name = Member(sinkTable, "Name")?.ToString() ?? $"{route.Tenant}-{kind}" + (n > 0 ? "-" + n : ""),
                    Kind = kind,
                    Url = Plain(Member(sinkTable, "Url") ?? string.Empty, $"{where}.Sinks.Url"),
                })
                    route.AddSink(sink);
                n++;
            }
            if (route.SinkCount() == 0)
                throw new MfaPhoneInvalidInputException($"{where} has no sink: add Teams = <Workflows webhook URL> or Slack = <incoming webhook URL>.");
            return route;
        }

        /// <summary>
        /// Adds -Route to the relay: a hashtable (one route), an array of hashtables, or the path
        /// of a JSON route file (webhook URLs in files or environment variables it names).
        /// </summary>
        internal static void AddRoutes(Relay relay, object route, PSCmdlet cmdlet)
        {
            object raw = Unwrap(route);
            if (raw is string path)
            {
                string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                if (!File.Exists(full))
                    throw new MfaPhoneInvalidInputException(
                        $"-Route '{path}' is neither a hashtable nor an existing JSON route file.");
                try
                {
                    relay.AddRoutesJson(File.ReadAllText(full));
                }
                catch (MfaPhoneInvalidInputException e)
                {
                    throw new MfaPhoneInvalidInputException($"The route file '{path}' is not usable: {e.Message}");
                }
                return;
            }
            var tables = Items(raw).ToList();
            if (tables.Count == 0 || tables.Any(t => !(t is IDictionary)))
                throw new MfaPhoneInvalidInputException(
                    "-Route must be a hashtable such as @{ Tenant = 'Contoso'; To = '+15005550006'; Teams = $workflowUrl }, an array of them, or the path of a JSON route file.");
            for (int i = 0; i < tables.Count; i++)
            {
                string where = tables.Count == 1 ? "-Route" : $"-Route[{i}]";
                using (RelayRoute r = ToRoute((IDictionary)tables[i], where))
                {
                    try
                    {
                        relay.AddRoute(r);
                    }
                    catch (MfaPhoneInvalidInputException e)
                    {
                        throw new MfaPhoneInvalidInputException($"{where}: {e.Message}");
                    }
                }
            }
        }
    }
}
