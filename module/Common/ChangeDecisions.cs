using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// ShouldProcess for the planned changes of one user, shared by Sync-MfaPhone and the cmdlets
    /// that change one method by hand: each change that writes is asked about (numbers masked),
    /// and the engine is told which to apply, which -WhatIf showed and which were declined.
    /// </summary>
    internal static class ChangeDecisions
    {
        internal static void Ask(Cmdlet cmdlet, SyncOperation operation, SyncUserResult result, Event ev, string target)
        {
            int count = result.ChangeCount();
            using (var decisions = new StringVector())
            {
                for (int i = 0; i < count; i++)
                {
                    using (SyncChange change = result.Change(i))
                    {
                        if (!change.Writes)
                        {
                            decisions.Add("Apply");
                            continue;
                        }
                        string action = Describe(change);
                        bool yes = cmdlet.ShouldProcess($"Performing \"{action}\" on target \"{target}\".",
                            $"Are you sure you want to {char.ToLowerInvariant(action[0]) + action.Substring(1)} for \"{target}\"?", "Confirm",
                            out ShouldProcessReason reason);
                        decisions.Add(yes ? "Apply" : reason == ShouldProcessReason.WhatIf ? "WhatIf" : "Decline");
                    }
                }
                operation.Decide(ev.Index, decisions);
            }
        }

        /// <summary>"Update mobile phone to +46 *******67; enable SMS sign-in", "Enable SMS sign-in on the mobile phone" (numbers masked).</summary>
        internal static string Describe(SyncChange change)
        {
            string sms = change.SmsSignIn == "Enable" ? "enable SMS sign-in" : change.SmsSignIn == "Disable" ? "disable SMS sign-in" : "";
            string text;
            switch (change.Action)
            {
                case "Add": text = $"Add {change.PhoneType} phone {Masked(change.After)}"; break;
                case "Update": text = $"Update {change.PhoneType} phone to {Masked(change.After)}"; break;
                case "Remove": text = $"Remove {change.PhoneType} phone {Masked(change.Before)}"; break;
                default:
                    return sms.Length > 0 ? char.ToUpperInvariant(sms[0]) + sms.Substring(1) + $" on the {change.PhoneType} phone" : change.Action;
            }
            return sms.Length > 0 ? text + "; " + sms : text;
        }

        private static string Masked(string number) => string.IsNullOrEmpty(number) ? "" : MfaPhoneNative.MaskPhoneNumber(number);
    }
}
