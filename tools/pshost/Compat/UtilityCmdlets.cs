using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Internal;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;
using Microsoft.PowerShell.Commands;
using Microsoft.PowerShell.Commands.Internal.Format;

// The System.Management.Automation NuGet package has only the Microsoft.PowerShell.Core cmdlets
// (plus Out-Default, Out-Host, Out-Null). The stream and formatting cmdlets that every script
// uses live in Microsoft.PowerShell.Commands.Utility, which is not published on NuGet on its own.
// These are small re-implementations with the same names, parameters and behaviour for the
// common cases, so that scripts written for pwsh run unchanged under mfaphone-pwsh.
// Import-Csv and ConvertFrom-Csv (CsvCmdlets.cs) are here too, so pipelines of CSV rows work.
// Nothing else from Microsoft.PowerShell.Utility/Management is provided (no Select-Object,
// Sort-Object, ConvertTo-Json, Get-Content, Test-Path, ...): see README.md.
namespace MfaPhone.PsHost.Compat;

internal static class CompatCmdlets
{
    /// <summary>Adds the compat cmdlets to a session state (Format-* only if the engine hook works).</summary>
    public static void AddTo(InitialSessionState iss)
    {
        void Add(string name, Type type) => iss.Commands.Add(new SessionStateCmdletEntry(name, type, helpFileName: null));

        Add("Write-Host", typeof(WriteHostCommand));
        Add("Write-Output", typeof(WriteOutputCommand));
        Add("Write-Error", typeof(WriteErrorCommand));
        Add("Write-Warning", typeof(WriteWarningCommand));
        Add("Write-Verbose", typeof(WriteVerboseCommand));
        Add("Write-Debug", typeof(WriteDebugCommand));
        Add("Write-Information", typeof(WriteInformationCommand));
        Add("Write-Progress", typeof(WriteProgressCommand));
        Add("Read-Host", typeof(ReadHostCommand));
        Add("Out-String", typeof(OutStringCommand));
        Add("Import-Csv", typeof(ImportCsvCommand));
        Add("ConvertFrom-Csv", typeof(ConvertFromCsvCommand));
        if (EngineInternals.FormatShapesWork)
        {
            Add("Format-Table", typeof(FormatTableCommand));
            Add("Format-List", typeof(FormatListCommand));
        }
    }

    /// <summary>Write-Host's rendering of its -Object: enumerables are flattened and joined.</summary>
    internal static string Render(object? o, object? separator)
    {
        if (o is PSObject pso)
        {
            o = pso.BaseObject;
        }

        if (o == null)
        {
            return string.Empty;
        }

        if (o is string s)
        {
            return s;
        }

        if (o is IEnumerable e)
        {
            var sb = new StringBuilder();
            bool first = true;
            foreach (object? item in e)
            {
                if (!first && separator != null)
                {
                    sb.Append(separator);
                }

                sb.Append(Render(item, separator));
                first = false;
            }

            return sb.ToString();
        }

        return LanguagePrimitives.ConvertTo<string>(o) ?? string.Empty;
    }
}

/// <summary>Write-Host: an information record tagged PSHOST, rendered by the host.</summary>
[Cmdlet(VerbsCommunications.Write, "Host")]
public sealed class WriteHostCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromRemainingArguments = true)]
    [Alias("Msg", "Message")]
    public object? Object { get; set; }

    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    [Parameter]
    public object Separator { get; set; } = " ";

    [Parameter]
    public ConsoleColor ForegroundColor { get; set; }

    [Parameter]
    public ConsoleColor BackgroundColor { get; set; }

    protected override void ProcessRecord()
    {
        var message = new HostInformationMessage
        {
            Message = CompatCmdlets.Render(Object, Separator),
            NoNewLine = NoNewline.IsPresent,
        };
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ForegroundColor)))
        {
            message.ForegroundColor = ForegroundColor;
            message.BackgroundColor = Host.UI.RawUI.BackgroundColor;
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(BackgroundColor)))
        {
            message.BackgroundColor = BackgroundColor;
            message.ForegroundColor ??= Host.UI.RawUI.ForegroundColor;
        }

        WriteInformation(message, new[] { "PSHOST" });
    }
}

/// <summary>Write-Output.</summary>
[Cmdlet(VerbsCommunications.Write, "Output")]
public sealed class WriteOutputCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromRemainingArguments = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public PSObject? InputObject { get; set; }

    [Parameter]
    public SwitchParameter NoEnumerate { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject == null)
        {
            WriteObject(InputObject);
            return;
        }

        WriteObject(InputObject, !NoEnumerate.IsPresent);
    }
}

/// <summary>Write-Error (non-terminating error record).</summary>
[Cmdlet(VerbsCommunications.Write, "Error", DefaultParameterSetName = "NoException")]
public sealed class WriteErrorCommand : PSCmdlet
{
    [Parameter(ParameterSetName = "WithException", Mandatory = true)]
    public Exception? Exception { get; set; }

    [Parameter(Position = 0, ParameterSetName = "NoException", Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = "WithException")]
    [AllowNull]
    [AllowEmptyString]
    [Alias("Msg")]
    public string? Message { get; set; }

    [Parameter(ParameterSetName = "ErrorRecord", Mandatory = true)]
    public ErrorRecord? ErrorRecord { get; set; }

    [Parameter(ParameterSetName = "NoException")]
    [Parameter(ParameterSetName = "WithException")]
    public ErrorCategory Category { get; set; } = ErrorCategory.NotSpecified;

    [Parameter(ParameterSetName = "NoException")]
    [Parameter(ParameterSetName = "WithException")]
    public string? ErrorId { get; set; }

    [Parameter(ParameterSetName = "NoException")]
    [Parameter(ParameterSetName = "WithException")]
    public object? TargetObject { get; set; }

    [Parameter]
    public string? RecommendedAction { get; set; }

    [Parameter]
    [Alias("Activity")]
    public string? CategoryActivity { get; set; }

    [Parameter]
    [Alias("Reason")]
    public string? CategoryReason { get; set; }

    [Parameter]
    [Alias("TargetName")]
    public string? CategoryTargetName { get; set; }

    [Parameter]
    [Alias("TargetType")]
    public string? CategoryTargetType { get; set; }

    protected override void ProcessRecord()
    {
        ErrorRecord record;
        if (ErrorRecord != null)
        {
            record = new ErrorRecord(ErrorRecord, replaceParentContainsErrorRecordException: null);
        }
        else
        {
            Exception e = Exception ?? new WriteErrorException(Message ?? string.Empty);
            string id = string.IsNullOrEmpty(ErrorId) ? e.GetType().FullName! : ErrorId;
            record = new ErrorRecord(e, id, Category, TargetObject);
            if (Exception != null && !string.IsNullOrEmpty(Message))
            {
                record.ErrorDetails = new ErrorDetails(Message);
            }
        }

        if (!string.IsNullOrEmpty(RecommendedAction))
        {
            record.ErrorDetails ??= new ErrorDetails(record.ToString());
            record.ErrorDetails.RecommendedAction = RecommendedAction;
        }

        if (!string.IsNullOrEmpty(CategoryActivity))
        {
            record.CategoryInfo.Activity = CategoryActivity;
        }

        if (!string.IsNullOrEmpty(CategoryReason))
        {
            record.CategoryInfo.Reason = CategoryReason;
        }

        if (!string.IsNullOrEmpty(CategoryTargetName))
        {
            record.CategoryInfo.TargetName = CategoryTargetName;
        }

        if (!string.IsNullOrEmpty(CategoryTargetType))
        {
            record.CategoryInfo.TargetType = CategoryTargetType;
        }

        // Attribute the error to the caller, as pwsh's Write-Error does.
        if (GetVariableValue("MyInvocation") is InvocationInfo caller
            && EngineInternals.TrySetCallerInvocationInfo(record, caller))
        {
            record.CategoryInfo.Activity = string.IsNullOrEmpty(CategoryActivity) ? "Write-Error" : CategoryActivity;
        }

        WriteError(record);
    }
}

/// <summary>Write-Warning.</summary>
[Cmdlet(VerbsCommunications.Write, "Warning")]
public sealed class WriteWarningCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("Msg")]
    public string Message { get; set; } = string.Empty;

    protected override void ProcessRecord() => WriteWarning(Message);
}

/// <summary>Write-Verbose (shown when $VerbosePreference is Continue or -Verbose is in effect).</summary>
[Cmdlet(VerbsCommunications.Write, "Verbose")]
public sealed class WriteVerboseCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("Msg")]
    public string Message { get; set; } = string.Empty;

    protected override void ProcessRecord() => WriteVerbose(Message);
}

/// <summary>Write-Debug (shown when $DebugPreference is Continue or -Debug is in effect).</summary>
[Cmdlet(VerbsCommunications.Write, "Debug")]
public sealed class WriteDebugCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("Msg")]
    public string Message { get; set; } = string.Empty;

    protected override void ProcessRecord() => WriteDebug(Message);
}

/// <summary>Write-Information (shown when $InformationPreference is Continue).</summary>
[Cmdlet(VerbsCommunications.Write, "Information")]
public sealed class WriteInformationCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true)]
    [AllowEmptyString]
    [AllowNull]
    [Alias("Msg", "Message")]
    public object? MessageData { get; set; }

    [Parameter(Position = 1)]
    public string[]? Tags { get; set; }

    protected override void ProcessRecord() => WriteInformation(MessageData, Tags);
}

/// <summary>Write-Progress.</summary>
[Cmdlet(VerbsCommunications.Write, "Progress")]
public sealed class WriteProgressCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    public string? Activity { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Status { get; set; } = "Processing";

    [Parameter(Position = 2)]
    [ValidateRange(0, int.MaxValue)]
    public int Id { get; set; }

    [Parameter]
    [ValidateRange(-1, 100)]
    public int PercentComplete { get; set; } = -1;

    [Parameter]
    public int SecondsRemaining { get; set; } = -1;

    [Parameter]
    public string? CurrentOperation { get; set; }

    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int ParentId { get; set; } = -1;

    [Parameter]
    public SwitchParameter Completed { get; set; }

    [Parameter]
    public int SourceId { get; set; }

    protected override void ProcessRecord()
    {
        ProgressRecord record;
        if (string.IsNullOrEmpty(Activity))
        {
            if (!Completed)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Cannot bind argument to parameter 'Activity' because it is null or empty."),
                    "ParameterArgumentValidationErrorEmptyStringNotAllowed", ErrorCategory.InvalidArgument, null));
            }

            record = new ProgressRecord(Id, " ", " ");
        }
        else
        {
            record = new ProgressRecord(Id, Activity, Status);
        }

        record.ParentActivityId = ParentId;
        record.PercentComplete = PercentComplete;
        record.SecondsRemaining = SecondsRemaining;
        record.CurrentOperation = CurrentOperation;
        record.RecordType = Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing;
        WriteProgress(record);
    }
}

/// <summary>Read-Host: a line from the host (stdin); fails under -NonInteractive or at end of input.</summary>
[Cmdlet(VerbsCommunications.Read, "Host", DefaultParameterSetName = "AsString")]
public sealed class ReadHostCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromRemainingArguments = true)]
    [AllowNull]
    public object? Prompt { get; set; }

    [Parameter(ParameterSetName = "AsSecureString")]
    public SwitchParameter AsSecureString { get; set; }

    [Parameter(ParameterSetName = "AsString")]
    public SwitchParameter MaskInput { get; set; }

    protected override void BeginProcessing()
    {
        if (Prompt != null)
        {
            Host.UI.Write(CompatCmdlets.Render(Prompt, " ") + ": ");
        }

        if (AsSecureString)
        {
            SecureString s = Host.UI.ReadLineAsSecureString();
            WriteObject(s);
        }
        else
        {
            WriteObject(Host.UI.ReadLine());
        }
    }
}

/// <summary>
/// Out-String: formats its input with the same engine Out-Default uses (so format.ps1xml views
/// apply) by running Out-Default while the host captures what it would have written.
/// Default width is 4096 columns (pwsh: unlimited); -Width overrides. ANSI decoration is removed
/// unless $PSStyle.OutputRendering is 'Ansi'.
/// </summary>
[Cmdlet(VerbsData.Out, "String", DefaultParameterSetName = "NoNewLineFormatting")]
[OutputType(typeof(string))]
public sealed class OutStringCommand : PSCmdlet
{
    private readonly List<object?> _input = new();

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(ParameterSetName = "StreamFormatting")]
    public SwitchParameter Stream { get; set; }

    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int Width { get; set; }

    [Parameter(ParameterSetName = "NoNewLineFormatting")]
    public SwitchParameter NoNewline { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject != null && InputObject != AutomationNull.Value)
        {
            _input.Add(InputObject);
        }
    }

    protected override void EndProcessing()
    {
        HostUserInterface ui = HostUserInterface.Current
            ?? throw new PSInvalidOperationException("Out-String needs the mfaphone-pwsh host.");
        int width = MyInvocation.BoundParameters.ContainsKey(nameof(Width)) ? Width : 4096;
        string text;
        ui.BeginCapture(width);
        try
        {
            if (_input.Count > 0)
            {
                InvokeCommand.InvokeScript(false, ScriptBlock.Create("$input | Out-Default"), _input);
            }
        }
        finally
        {
            text = ui.EndCapture();
        }

        if (PSStyle.Instance.OutputRendering != OutputRendering.Ansi)
        {
            text = ConsoleIO.StripAnsi(text);
        }

        var lines = new List<string>(text.Split('\n'));
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1); // text ended with a newline
        }

        if (Stream)
        {
            foreach (string line in lines)
            {
                WriteObject(line);
            }

            return;
        }

        var sb = new StringBuilder();
        foreach (string line in lines)
        {
            sb.Append(line);
            if (!NoNewline)
            {
                sb.Append(Environment.NewLine);
            }
        }

        WriteObject(sb.ToString());
    }
}

/// <summary>Format-Table over the engine's own table formatter.</summary>
[Cmdlet(VerbsCommon.Format, "Table")]
public sealed class FormatTableCommand : OuterFormatTableBase
{
    public FormatTableCommand()
    {
        EngineInternals.TryAttachFormatShape(this, "Table");
    }
}

/// <summary>Format-List over the engine's own list formatter.</summary>
[Cmdlet(VerbsCommon.Format, "List")]
public sealed class FormatListCommand : OuterFormatTableAndListBase
{
    public FormatListCommand()
    {
        EngineInternals.TryAttachFormatShape(this, "List");
    }

    internal FormatListCommand(bool probe)
    {
        _ = probe; // used only to check that the engine hook works, without attaching twice
    }
}
