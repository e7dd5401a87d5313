using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MfaPhone.Commands;
using MfaPhone.Native;

namespace MfaPhone
{
    /// <summary>
    /// Loads the native library from the module folder and registers argument completers when
    /// the module is imported, and signs the runspace out (releasing its native session) when
    /// the module is removed from it.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            NativeLoader.EnsureLoaded();
            Completers.Register();
        }

        public void OnRemove(PSModuleInfo psModuleInfo) => MfaSession.Release(Runspace.DefaultRunspace);
    }
}
