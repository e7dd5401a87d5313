using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace MfaPhone.PsHost;

/// <summary>
/// The few things pwsh's own console host does through internal engine members, reached here by
/// reflection because System.Management.Automation offers no public way. Every accessor is
/// optional: if a future SMA renames a member, the accessor reports false and the host falls
/// back to a slightly less faithful behaviour (documented at each call site). The test suite
/// covers each of them, so such a change shows up as a failing test, not silently.
/// </summary>
internal static class EngineInternals
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    /// <summary>
    /// pwsh -File sets ExecutionContext.ScriptCommandProcessorShouldRethrowExit so that `exit N`
    /// inside the script file reaches PSHost.SetShouldExit (otherwise it only ends the script and
    /// sets $LASTEXITCODE).
    /// </summary>
    public static bool TrySetRethrowExit(Runspace runspace, bool value)
    {
        try
        {
            object? context = typeof(Runspace).GetProperty("ExecutionContext", Instance)?.GetValue(runspace);
            PropertyInfo? flag = context?.GetType().GetProperty("ScriptCommandProcessorShouldRethrowExit", Instance);
            if (context == null || flag == null || flag.PropertyType != typeof(bool))
            {
                return false;
            }

            flag.SetValue(context, value);
            return true;
        }
        catch (Exception ex) when (ex is TargetInvocationException or MemberAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Marks a PSObject as coming from the error stream (PSObject.WriteStream = Error), which is
    /// what makes Out-Default render an ErrorRecord with the error view on the host's error
    /// output, exactly as pwsh's ConsoleHost.ReportException does for terminating errors.
    /// </summary>
    public static bool TryMarkAsErrorStream(PSObject obj)
    {
        try
        {
            PropertyInfo? p = typeof(PSObject).GetProperty("WriteStream", Instance);
            if (p == null || !p.PropertyType.IsEnum || !p.CanWrite)
            {
                return false;
            }

            p.SetValue(obj, Enum.Parse(p.PropertyType, "Error"));
            return true;
        }
        catch (Exception ex) when (ex is TargetInvocationException or MemberAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Builds the engine's InnerFormatShapeCommand for a shape ("Table", "List") and plugs it
    /// into a Format-* front end, as Microsoft.PowerShell.Commands.Utility's Format-Table and
    /// Format-List constructors do (that assembly is not part of the SMA package).
    /// </summary>
    public static bool TryAttachFormatShape(object frontEnd, string shape)
    {
        try
        {
            Assembly sma = typeof(PSObject).Assembly;
            Type? inner = sma.GetType("Microsoft.PowerShell.Commands.Internal.Format.InnerFormatShapeCommand");
            Type? shapeType = sma.GetType("Microsoft.PowerShell.Commands.Internal.Format.FormatShape");
            Type? baseType = sma.GetType("Microsoft.PowerShell.Commands.Internal.Format.FrontEndCommandBase");
            FieldInfo? field = baseType?.GetField("implementation", Instance);
            if (inner == null || shapeType == null || field == null)
            {
                return false;
            }

            object implementation = Activator.CreateInstance(inner, Instance, binder: null,
                args: new[] { Enum.Parse(shapeType, shape) }, culture: null)!;
            field.SetValue(frontEnd, implementation);
            return true;
        }
        catch (Exception ex) when (ex is TargetInvocationException or MemberAccessException or ArgumentException
                                       or MissingMethodException or NullReferenceException)
        {
            return false;
        }
    }

    /// <summary>
    /// What pwsh's Write-Error does so that the error is attributed to its caller (the concise
    /// view then says "MyFunction: message" instead of "Write-Error: message"):
    /// ErrorRecord.SetInvocationInfo(callerInvocation) and PreserveInvocationInfoOnce = true.
    /// </summary>
    public static bool TrySetCallerInvocationInfo(ErrorRecord record, InvocationInfo caller)
    {
        try
        {
            MethodInfo? set = typeof(ErrorRecord).GetMethod("SetInvocationInfo", Instance, new[] { typeof(InvocationInfo) });
            PropertyInfo? preserve = typeof(ErrorRecord).GetProperty("PreserveInvocationInfoOnce", Instance);
            if (set == null || preserve == null || preserve.PropertyType != typeof(bool))
            {
                return false;
            }

            set.Invoke(record, new object[] { caller });
            preserve.SetValue(record, true);
            return true;
        }
        catch (Exception ex) when (ex is TargetInvocationException or MemberAccessException or ArgumentException)
        {
            return false;
        }
    }

    private static bool? s_formatShapesWork;

    /// <summary>True when <see cref="TryAttachFormatShape"/> works with this SMA (checked once).</summary>
    public static bool FormatShapesWork =>
        s_formatShapesWork ??= TryAttachFormatShape(new Compat.FormatListCommand(probe: true), "List");
}
