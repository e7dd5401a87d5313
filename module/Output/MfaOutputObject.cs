using System.Management.Automation;

namespace MfaPhone
{
    /// <summary>
    /// Base of the MfaPhone output classes: gives each instance the PSTypeName its format views,
    /// help and scripts use (for example MfaPhone.PhoneMethod), ahead of the .NET class name.
    /// PowerShell keeps type names added to an object's PSObject wrapper with the object itself,
    /// so the name is there however and wherever the object is written to the pipeline.
    /// </summary>
    public abstract class MfaOutputObject
    {
        /// <param name="psTypeName">The PSTypeName, "MfaPhone.&lt;Noun&gt;".</param>
        protected MfaOutputObject(string psTypeName)
        {
            PSObject.AsPSObject(this).TypeNames.Insert(0, psTypeName);
        }
    }
}
