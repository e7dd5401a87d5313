using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace MfaPhone.Module.Tests;

/// <summary>
/// Reaches the module's internal types (SWIG proxies, helpers) by reflection: scripts cannot,
/// tests sometimes must.
/// </summary>
internal static class ModuleReflection
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    /// <summary>The MfaPhone assembly the harness's runspace imported.</summary>
    public static Assembly Assembly(PowerShellHarness ps)
    {
        var r = ps.Run("[MfaPhone.Commands.ErrorIds].Assembly");
        if (r.Terminating != null) throw new InvalidOperationException("MfaPhone is not imported: " + r.Terminating);
        return (Assembly)r.Output.Single().BaseObject;
    }

    public static Type Type(Assembly assembly, string fullName) => assembly.GetType(fullName, throwOnError: true)!;

    /// <summary>Creates an instance through its public constructor (the type itself is internal).</summary>
    public static object New(Assembly assembly, string fullName, params object?[] args) =>
        Unwrap(() => Activator.CreateInstance(Type(assembly, fullName), args)!);

    public static object? Call(object target, string method, params object?[] args) =>
        Unwrap(() => target.GetType().GetMethod(method, Any)!.Invoke(target, args));

    public static object? CallStatic(Type type, string method, params object?[] args) =>
        Unwrap(() => type.GetMethod(method, Any)!.Invoke(null, args));

    public static object? Get(object target, string property) =>
        Unwrap(() => target.GetType().GetProperty(property, Any)!.GetValue(target));

    public static void Set(object target, string property, object? value) =>
        Unwrap<object?>(() => { target.GetType().GetProperty(property, Any)!.SetValue(target, value); return null; });

    public static object? Item(object list, int index) =>
        Unwrap(() => list.GetType().GetProperty("Item", Any)!.GetValue(list, new object[] { index }));

    public static object? GetStatic(Type type, string property) =>
        Unwrap(() => type.GetProperty(property, Any)!.GetValue(null));

    /// <summary>Whether a SWIG proxy owns (and will delete) its native object, rather than viewing another's.</summary>
    public static bool OwnsMemory(object proxy) =>
        (bool)FindField(proxy.GetType(), "swigCMemOwn").GetValue(proxy)!;

    /// <summary>Whether a SWIG proxy has released its native object.</summary>
    public static bool IsReleased(object proxy) =>
        ((HandleRef)FindField(proxy.GetType(), "swigCPtr").GetValue(proxy)!).Handle == IntPtr.Zero;

    /// <summary>The stable error id of an MfaPhoneException.</summary>
    public static string ErrorId(Exception e) => (string)e.GetType().GetProperty("ErrorId")!.GetValue(e)!;

    private static FieldInfo FindField(Type type, string name)
    {
        for (Type? t = type; t != null; t = t.BaseType)
        {
            FieldInfo? f = t.GetField(name, BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance);
            if (f != null) return f;
        }
        throw new MissingFieldException(type.FullName, name);
    }

    private static T Unwrap<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
