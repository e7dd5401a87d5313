using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using MfaPhone.Commands;

namespace MfaPhone.Native
{
    /// <summary>
    /// Finds the native library in the module's own folder (runtimes/&lt;rid&gt;/native/) so the
    /// module works from any copy of its folder with no environment variables.
    /// </summary>
    internal static class NativeLoader
    {
        internal const string LibraryName = "mfaphone_native";
        private static readonly object Gate = new object();
        private static bool s_initialized;
        private static IntPtr s_handle;
        private static string s_testPath;

        internal static string RuntimeIdentifier
        {
            get
            {
                string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                    : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
                string arch = RuntimeInformation.ProcessArchitecture switch
                {
                    Architecture.Arm64 => "arm64",
                    Architecture.X86 => "x86",
                    Architecture.Arm => "arm",
                    _ => "x64",
                };
                return os + "-" + arch;
            }
        }

        internal static string FileName =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? LibraryName + ".dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "lib" + LibraryName + ".dylib"
            : "lib" + LibraryName + ".so";

        internal static string LibraryPath
        {
            get
            {
                string moduleDir = Path.GetDirectoryName(typeof(NativeLoader).Assembly.Location) ?? ".";
                return Path.Combine(moduleDir, "runtimes", RuntimeIdentifier, "native", FileName);
            }
        }

        /// <summary>Loads the native library once; safe to call from every cmdlet.</summary>
        internal static void EnsureLoaded()
        {
            lock (Gate)
            {
                if (s_initialized) return;
                s_handle = Load(s_testPath ?? LibraryPath);
                s_initialized = true;
            }
        }

        /// <summary>
        /// Tests only: the next <see cref="EnsureLoaded"/> loads <paramref name="path"/> (and
        /// fails as that file would); null goes back to the library already loaded.
        /// </summary>
        internal static void OverridePathForTests(string path)
        {
            lock (Gate)
            {
                s_testPath = path;
                s_initialized = path == null && s_handle != IntPtr.Zero;
            }
        }

        /// <summary>
        /// Loads the library at <paramref name="path"/> and makes this assembly's DllImports of
        /// "mfaphone_native" resolve to it. Failures are MfaPhoneExceptions that name the file
        /// and what the OS loader said (on Linux and macOS, the missing dependency).
        /// </summary>
        internal static IntPtr Load(string path)
        {
            if (!File.Exists(path))
            {
                throw new MfaPhoneException(
                    $"The native library was not found at '{path}'. The module folder is incomplete: reinstall MfaPhone or rebuild it (./build.sh build).",
                    ErrorIds.NativeLibraryMissing);
            }
            // PowerShell 7 (.NET Core 3+): resolve our DllImports to this exact file.
            Type nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary, System.Runtime.InteropServices", false)
                ?? typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false);
            if (nativeLibrary != null)
            {
                MethodInfo load = nativeLibrary.GetMethod("Load", new[] { typeof(string) });
                IntPtr handle;
                try
                {
                    handle = (IntPtr)load.Invoke(null, new object[] { path });
                }
                catch (TargetInvocationException e) when (e.InnerException != null)
                {
                    throw LoadFailed(path, e.InnerException);
                }
                Type resolverType = nativeLibrary.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", true);
                MethodInfo resolve = typeof(NativeLoader).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static);
                Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);
                MethodInfo setResolver = nativeLibrary.GetMethod("SetDllImportResolver");
                try
                {
                    setResolver.Invoke(null, new object[] { typeof(NativeLoader).Assembly, resolver });
                }
                catch (TargetInvocationException e) when (e.InnerException is InvalidOperationException)
                {
                    // A resolver is already set for this assembly (module imported twice).
                }
                catch (TargetInvocationException e) when (e.InnerException != null)
                {
                    throw LoadFailed(path, e.InnerException);
                }
                return handle;
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // Windows PowerShell 5.1: a module loaded by full path satisfies later
                // DllImports by name.
                IntPtr handle = LoadLibraryW(path);
                if (handle == IntPtr.Zero)
                {
                    int code = Marshal.GetLastWin32Error();
                    string why = code == 126
                        ? "a DLL it depends on was not found (install the Visual C++ 2015-2022 runtime)"
                        : $"Win32 error {code}";
                    throw new MfaPhoneException(
                        $"The native library at '{path}' could not be loaded: {why}.",
                        ErrorIds.NativeLibraryLoadFailed);
                }
                return handle;
            }
            return IntPtr.Zero;
        }

        // NativeLibrary.Load reports a missing dependency as a DllNotFoundException whose last
        // line is the OS loader's own text, which names the file it could not find
        // ("libcurl.so.4: cannot open shared object file: No such file or directory").
        private static MfaPhoneException LoadFailed(string path, Exception inner)
        {
            string[] lines = (inner.Message ?? "").Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries);
            string detail = lines.Length == 0 ? inner.GetType().Name : lines[lines.Length - 1].Trim().TrimEnd('.');
            return new MfaPhoneException(
                $"The native library at '{path}' could not be loaded: {detail}. " +
                "Install the missing library (MfaPhone needs libcurl 4 and OpenSSL 3 on Linux and macOS) or reinstall MfaPhone.",
                ErrorIds.NativeLibraryLoadFailed, inner);
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            return libraryName == LibraryName ? s_handle : IntPtr.Zero;
        }

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string path);
    }
}
