using System;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace MfaPhone.PsHost;

/// <summary>
/// The PSHost: identity, culture, the UI, and the exit request that `exit N` makes.
/// There is no nested prompt (no REPL), so EnterNestedPrompt fails.
/// </summary>
internal sealed class Host : PSHost
{
    private readonly HostUserInterface _ui;
    private readonly object _exitLock = new();

    public Host(HostUserInterface ui)
    {
        _ui = ui;
    }

    public override string Name => "MfaPhone.PsHost";

    public override Version Version { get; } =
        typeof(Host).Assembly.GetName().Version ?? new Version(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override CultureInfo CurrentCulture { get; } = CultureInfo.CurrentCulture;

    public override CultureInfo CurrentUICulture { get; } = CultureInfo.CurrentUICulture;

    public override PSHostUserInterface UI => _ui;

    internal HostUserInterface HostUI => _ui;

    /// <summary>True once the engine asked the host to exit (`exit N`).</summary>
    public bool ShouldExit { get; private set; }

    public int ExitCode { get; private set; }

    public override void SetShouldExit(int exitCode)
    {
        lock (_exitLock)
        {
            ShouldExit = true;
            ExitCode = exitCode;
        }
    }

    public override void EnterNestedPrompt() =>
        throw new PSNotSupportedException("mfaphone-pwsh does not support nested prompts (no interactive session).");

    public override void ExitNestedPrompt() =>
        throw new PSNotSupportedException("mfaphone-pwsh does not support nested prompts (no interactive session).");

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }
}
