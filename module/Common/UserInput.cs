using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Turns what a bulk cmdlet received for a user (a string, or an object from Get-ADUser,
    /// Get-MgUser, Import-Csv, a hashtable) into a user id, or into the input error that says
    /// why it names no user. An object is never turned into a string to address a user.
    /// </summary>
    internal static class UserInput
    {
        /// <summary>The properties an input object's user id is read from, in order of preference.</summary>
        internal static readonly string[] IdProperties = { "UserId", "Id", "ObjectId", "UserPrincipalName", "UPN" };

        /// <summary>What the error messages list (the names a script is told to use).</summary>
        internal const string IdPropertiesText = "UserPrincipalName, Id, ObjectId or UserId";

        /// <summary>
        /// The user id <paramref name="input"/> gives, trimmed; or null with <paramref name="error"/>
        /// set when it gives none (empty, a NUL character, an object without an id property).
        /// </summary>
        internal static string IdOf(object input, out ErrorRecord error)
        {
            error = null;
            object value = input is PSObject wrapped ? wrapped.BaseObject : input;
            string id;
            switch (value)
            {
                case null:
                case string _:
                    id = (string)value;
                    break;
                case Guid guid:
                    id = guid.ToString("D");
                    break;
                default:
                    id = FromProperties(input, value);
                    if (id == null)
                    {
                        error = EventPump.ToErrorRecord(new MfaPhoneInvalidInputException(
                            $"The input object ({value.GetType().Name}) names no user: it has none of the properties {IdPropertiesText} with a value. " +
                            "Give user principal names or object ids, or objects with one of those properties."), input);
                        return null;
                    }
                    break;
            }
            return Check(id, input, out error);
        }

        /// <summary>A valid user id, or the input error for it (empty, whitespace, NUL character).</summary>
        private static string Check(string id, object input, out ErrorRecord error)
        {
            error = null;
            if (string.IsNullOrWhiteSpace(id))
            {
                error = EventPump.ToErrorRecord(
                    new MfaPhoneInvalidInputException("A user id is empty. Give an object id or a user principal name."), input);
                return null;
            }
            if (id.IndexOf('\0') >= 0)
            {
                // Native code would cut the id at the NUL and address another user.
                error = EventPump.ToErrorRecord(new MfaPhoneInvalidInputException(
                    $"The user id '{id.Replace("\0", "\\0")}' contains a NUL character (\\0). Give an object id or a user principal name without it."),
                    input);
                return null;
            }
            return id.Trim();
        }

        private static string FromProperties(object input, object value)
        {
            foreach (string name in IdProperties)
            {
                object property = Property(input, value, name);
                string text = property is PSObject p ? Convert.ToString(p.BaseObject, CultureInfo.InvariantCulture)
                                                     : Convert.ToString(property, CultureInfo.InvariantCulture);
                if (!string.IsNullOrWhiteSpace(text)) return text;
            }
            return null;
        }

        /// <summary>A property of an input object (or a key of a hashtable), compared case-insensitively; null when absent.</summary>
        internal static object Property(object input, string name) =>
            Property(input, input is PSObject wrapped ? wrapped.BaseObject : input, name);

        private static object Property(object input, object value, string name)
        {
            if (value is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (string.Equals(Convert.ToString(entry.Key, CultureInfo.InvariantCulture), name, StringComparison.OrdinalIgnoreCase))
                        return entry.Value;
                }
                return null;
            }
            PSObject wrapped = input as PSObject ?? PSObject.AsPSObject(value);
            try
            {
                return wrapped.Properties[name]?.Value;
            }
            catch (GetValueException)
            {
                return null;
            }
        }
    }
}
