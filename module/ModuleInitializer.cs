using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone
{
    /// <summary>Loads the native library from the module folder when the module is imported.</summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public void OnImport() => NativeLoader.EnsureLoaded();
    }
}
