using System.Management.Automation;

namespace MfaPhone.PsHost.Tests;

/// <summary>
/// A binary cmdlet for the interrupt test: it announces itself, then blocks until the engine
/// calls StopProcessing (what Ctrl+C must cause), which leaves a marker file behind.
/// The host imports this test assembly as a module: <c>Import-Module MfaPhone.PsHost.Tests.dll</c>.
/// </summary>
[Cmdlet("Wait", "MfaStopSignal")]
public sealed class WaitMfaStopSignalCommand : PSCmdlet
{
    private readonly ManualResetEventSlim _stopped = new();

    [Parameter(Mandatory = true)]
    public string MarkerPath { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        WriteObject("cmdlet waiting");
        _stopped.Wait(TimeSpan.FromSeconds(120));
    }

    protected override void StopProcessing()
    {
        File.WriteAllText(MarkerPath, "StopProcessing ran");
        _stopped.Set();
    }
}
