using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace MfaPhone.PsHost;

/// <summary>
/// Line-oriented UI with pwsh's stream routing:
/// <list type="bullet">
/// <item>output (Out-Default / Out-Host), Write-Host, information, WARNING:, VERBOSE:, DEBUG: → stdout, as pwsh does;</item>
/// <item>error records (Out-Default's error view, terminating errors) → stderr;</item>
/// <item>progress → one line redrawn in place on stderr when stderr is a terminal, otherwise
///   nothing (MFAPHONE_PSHOST_PROGRESS=plain prints one line per change to stderr, =none hides it).</item>
/// </list>
/// Prompts (Read-Host, PromptForCredential, PromptForChoice, mandatory-parameter prompts) read
/// lines from stdin (a terminal or a pipe). With -NonInteractive they fail at once instead, with
/// pwsh's message; at end of input they fail instead of blocking.
/// </summary>
internal sealed class HostUserInterface : PSHostUserInterface, IHostUISupportsMultipleChoiceSelection
{
    private const string NonInteractiveMessage =
        "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.";

    private readonly ConsoleIO _io;
    private readonly HostRawUserInterface _rawUI;
    private readonly bool _nonInteractive;
    private readonly ProgressMode _progressMode;
    private readonly Dictionary<(long Source, int Activity), ProgressRecord> _progress = new();
    private (long Source, int Activity)? _lastProgressKey;
    private string? _lastPlainProgress;
    private const int ProgressRedrawMs = 50;
    private readonly System.Diagnostics.Stopwatch _progressClock = System.Diagnostics.Stopwatch.StartNew();
    private bool _progressDrawn;

    /// <summary>Out-String's capture buffers, per thread (the pipeline thread that formats into them).</summary>
    [ThreadStatic]
    private static Stack<Capture>? t_captures;

    private enum ProgressMode
    {
        Auto,
        Plain,
        None,
    }

    private sealed class Capture
    {
        public readonly StringBuilder Text = new();
        public int? Width;
    }

    public HostUserInterface(ConsoleIO io, bool nonInteractive)
    {
        _io = io;
        _rawUI = new HostRawUserInterface(io, () => CaptureWidth);
        Current = this;
        _nonInteractive = nonInteractive;
        _progressMode = (Environment.GetEnvironmentVariable("MFAPHONE_PSHOST_PROGRESS") ?? string.Empty).Trim().ToLowerInvariant() switch
        {
            "plain" or "line" or "lines" => ProgressMode.Plain,
            "none" or "off" or "0" => ProgressMode.None,
            _ => ProgressMode.Auto,
        };
    }

    /// <summary>The process's one UI (the compat cmdlets reach it through here).</summary>
    internal static HostUserInterface? Current { get; private set; }

    public override PSHostRawUserInterface RawUI => _rawUI;

    public override bool SupportsVirtualTerminal => _io.OutAnsi;

    // ---------------------------------------------------------------- capture (Out-String)

    /// <summary>Start capturing this thread's formatted output (Write/WriteLine/WriteErrorLine).</summary>
    internal void BeginCapture(int? width)
    {
        t_captures ??= new Stack<Capture>();
        t_captures.Push(new Capture { Width = width });
    }

    /// <summary>Stop the innermost capture and return what it collected.</summary>
    internal string EndCapture()
    {
        if (t_captures == null || t_captures.Count == 0)
        {
            throw new InvalidOperationException("EndCapture without BeginCapture.");
        }

        return t_captures.Pop().Text.ToString();
    }

    /// <summary>The width formatting should use right now (a capture's -Width wins).</summary>
    internal int? CaptureWidth => t_captures is { Count: > 0 } s ? s.Peek().Width : null;

    private static bool TryCapture(string text)
    {
        if (t_captures is { Count: > 0 } s)
        {
            s.Peek().Text.Append(text);
            return true;
        }

        return false;
    }

    // ---------------------------------------------------------------- writing

    public override void Write(string value)
    {
        if (string.IsNullOrEmpty(value) || TryCapture(value))
        {
            return;
        }

        _io.WriteOut(value);
    }

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value)
    {
        if (string.IsNullOrEmpty(value) || TryCapture(value))
        {
            return;
        }

        _io.WriteOut(_io.OutAnsi ? Colorize(foregroundColor, backgroundColor, value) : value);
    }

    public override void WriteLine() => Write("\n");

    public override void WriteLine(string value) => Write((value ?? string.Empty) + "\n");

    public override void WriteLine(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value)
    {
        if (TryCapture((value ?? string.Empty) + "\n"))
        {
            return;
        }

        string text = value ?? string.Empty;
        _io.WriteOut((_io.OutAnsi ? Colorize(foregroundColor, backgroundColor, text) : text) + "\n");
    }

    public override void WriteErrorLine(string value)
    {
        if (TryCapture((value ?? string.Empty) + "\n"))
        {
            return;
        }

        string text = value ?? string.Empty;

        // The error view already colours its text with $PSStyle; add red only for plain lines.
        if (_io.ErrAnsi && text.IndexOf('\x1b') < 0 && text.Length > 0)
        {
            text = Colorize(ConsoleColor.Red, _rawUI.BackgroundColor, text);
        }

        _io.WriteErr(text + "\n");
    }

    public override void WriteDebugLine(string message) =>
        WriteStreamLine(ConsoleColor.Yellow, "DEBUG: " + message);

    public override void WriteVerboseLine(string message) =>
        WriteStreamLine(ConsoleColor.Yellow, "VERBOSE: " + message);

    public override void WriteWarningLine(string message) =>
        WriteStreamLine(ConsoleColor.Yellow, "WARNING: " + message);

    private void WriteStreamLine(ConsoleColor color, string line)
    {
        _io.WriteOut((_io.OutAnsi ? Colorize(color, _rawUI.BackgroundColor, line) : line) + "\n");
    }

    /// <summary>
    /// Receives every information record (for hosts that store them), whatever the preference.
    /// The engine itself displays the ones whose action is Continue — Write-Host's through
    /// Write(fg, bg, text), others through WriteLine — so, like pwsh's ConsoleHost, this does nothing.
    /// </summary>
    public override void WriteInformation(InformationRecord record)
    {
    }

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        if (record == null || _progressMode == ProgressMode.None)
        {
            return;
        }

        var key = (sourceId, record.ActivityId);
        if (_progressMode == ProgressMode.Plain)
        {
            string line = FormatProgress(record, int.MaxValue);
            if (record.RecordType == ProgressRecordType.Completed)
            {
                _lastPlainProgress = null;
                return;
            }

            if (line != _lastPlainProgress)
            {
                _lastPlainProgress = line;
                _io.WriteErr(line + "\n");
            }

            return;
        }

        // Auto: a single line redrawn in place, only on a terminal.
        if (!_io.ErrIsTerminal)
        {
            return;
        }

        lock (_progress)
        {
            if (record.RecordType == ProgressRecordType.Completed)
            {
                _progress.Remove(key);
                if (_lastProgressKey == key)
                {
                    _lastProgressKey = null;
                }
            }
            else
            {
                _progress[key] = record;
                _lastProgressKey = key;
            }

            ProgressRecord? show = null;
            if (_lastProgressKey is { } k && _progress.TryGetValue(k, out var r))
            {
                show = r;
            }
            else
            {
                foreach (var r2 in _progress.Values)
                {
                    show = r2;
                }
            }

            if (show == null)
            {
                _io.ClearProgress();
            }
            else if (_progressClock.ElapsedMilliseconds >= ProgressRedrawMs || !_progressDrawn)
            {
                // Redraw at most ~20 times a second: tight loops call Write-Progress far more often.
                _io.DrawProgress(FormatProgress(show, Math.Max(20, _rawUI.BufferSize.Width - 1)));
                _progressClock.Restart();
            }

            _progressDrawn = show != null;
        }
    }

    /// <summary>Forget any progress state (between pipelines), erasing the line.</summary>
    internal void ResetProgress()
    {
        lock (_progress)
        {
            _progress.Clear();
            _lastProgressKey = null;
            _lastPlainProgress = null;
            _progressDrawn = false;
            _io.ClearProgress();
        }
    }

    internal static string FormatProgress(ProgressRecord record, int width)
    {
        var sb = new StringBuilder();
        sb.Append(record.Activity);
        if (!string.IsNullOrEmpty(record.StatusDescription) && record.StatusDescription != record.Activity)
        {
            sb.Append(": ").Append(record.StatusDescription);
        }

        if (record.PercentComplete >= 0)
        {
            sb.Append(" [").Append(Math.Min(record.PercentComplete, 100).ToString(CultureInfo.InvariantCulture)).Append("%]");
        }

        if (record.SecondsRemaining >= 0)
        {
            sb.Append(' ').Append(TimeSpan.FromSeconds(record.SecondsRemaining).ToString("c", CultureInfo.InvariantCulture)).Append(" left");
        }

        if (!string.IsNullOrEmpty(record.CurrentOperation))
        {
            sb.Append(" - ").Append(record.CurrentOperation);
        }

        string text = ConsoleIO.StripAnsi(sb.ToString()).Replace('\n', ' ').Replace('\r', ' ');
        if (text.Length > width)
        {
            text = text.Substring(0, Math.Max(0, width - 1)) + "\u2026";
        }

        return text;
    }

    // ---------------------------------------------------------------- colours

    private static string Colorize(ConsoleColor fg, ConsoleColor bg, string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        // Colour only the foreground: the terminal's own background is left alone, as pwsh does
        // when the requested background equals the console's.
        return "\x1b[" + AnsiForeground(fg) + "m" + text + "\x1b[0m";
    }

    private static int AnsiForeground(ConsoleColor c) => c switch
    {
        ConsoleColor.Black => 30,
        ConsoleColor.DarkRed => 31,
        ConsoleColor.DarkGreen => 32,
        ConsoleColor.DarkYellow => 33,
        ConsoleColor.DarkBlue => 34,
        ConsoleColor.DarkMagenta => 35,
        ConsoleColor.DarkCyan => 36,
        ConsoleColor.Gray => 37,
        ConsoleColor.DarkGray => 90,
        ConsoleColor.Red => 91,
        ConsoleColor.Green => 92,
        ConsoleColor.Yellow => 93,
        ConsoleColor.Blue => 94,
        ConsoleColor.Magenta => 95,
        ConsoleColor.Cyan => 96,
        _ => 97,
    };

    // ---------------------------------------------------------------- input

    private void EnsureCanPrompt()
    {
        if (_nonInteractive)
        {
            throw new PSInvalidOperationException(NonInteractiveMessage);
        }
    }

    /// <summary>
    /// Reads one line from stdin. When stdin is not a terminal the line is echoed (masked if
    /// <paramref name="secret"/>) so that the transcript on stdout reads like a terminal session.
    /// </summary>
    private string ReadInputLine(bool secret = false)
    {
        EnsureCanPrompt();
        _io.ClearProgress();
        string? line = _io.In.ReadLine();
        if (line == null)
        {
            throw new PSInvalidOperationException(
                "Cannot read input: standard input is closed or at end of file (mfaphone-pwsh reads prompts from stdin).");
        }

        if (!_io.InIsTerminal)
        {
            _io.WriteOut((secret ? new string('*', line.Length) : line) + "\n");
        }

        return line;
    }

    public override string ReadLine() => ReadInputLine();

    public override SecureString ReadLineAsSecureString()
    {
        // Echo cannot be turned off portably without a console; stdin is usually a pipe here.
        string line = ReadInputLine(secret: true);
        var secure = new SecureString();
        foreach (char c in line)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    private void WriteCaption(string? caption, string? message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            WriteLine(caption);
        }

        if (!string.IsNullOrEmpty(message))
        {
            WriteLine(message);
        }
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        EnsureCanPrompt();
        ArgumentNullException.ThrowIfNull(descriptions);
        WriteCaption(caption, message);
        var results = new Dictionary<string, PSObject>(StringComparer.OrdinalIgnoreCase);
        foreach (FieldDescription fd in descriptions)
        {
            string label = string.IsNullOrEmpty(fd.Label) ? fd.Name : fd.Label.Replace("&", string.Empty, StringComparison.Ordinal);
            string typeName = fd.ParameterTypeFullName ?? string.Empty;
            if (typeName == typeof(SecureString).FullName)
            {
                Write(label + ": ");
                results[fd.Name] = new PSObject(ReadLineAsSecureString());
            }
            else if (typeName == typeof(PSCredential).FullName)
            {
                results[fd.Name] = new PSObject(PromptForCredential(caption ?? string.Empty, message ?? string.Empty, null!, string.Empty));
            }
            else if (typeName.EndsWith("[]", StringComparison.Ordinal))
            {
                // Arrays: one element per line until an empty line, like pwsh.
                var items = new List<string>();
                for (int n = 0; ; n++)
                {
                    Write(label + "[" + n.ToString(CultureInfo.InvariantCulture) + "]: ");
                    string line = ReadInputLine();
                    if (line.Length == 0)
                    {
                        break;
                    }

                    items.Add(line);
                }

                results[fd.Name] = new PSObject(items.ToArray());
            }
            else
            {
                Write(label + ": ");
                results[fd.Name] = new PSObject(ReadInputLine());
            }
        }

        return results;
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
    {
        EnsureCanPrompt();
        WriteCaption(caption, message);
        string user = userName;
        if (string.IsNullOrEmpty(user))
        {
            Write("User: ");
            user = ReadInputLine();
        }

        Write("Password for user " + user + ": ");
        SecureString password = ReadLineAsSecureString();
        return new PSCredential(user, password);
    }

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        Collection<int> picked = PromptForChoiceCore(caption, message, choices, defaultChoice < 0 ? Array.Empty<int>() : new[] { defaultChoice }, multiple: false);
        return picked.Count > 0 ? picked[0] : defaultChoice;
    }

    public Collection<int> PromptForChoice(string? caption, string? message, Collection<ChoiceDescription> choices, IEnumerable<int>? defaultChoices) =>
        PromptForChoiceCore(caption, message, choices, defaultChoices ?? Array.Empty<int>(), multiple: true);

    private Collection<int> PromptForChoiceCore(string? caption, string? message, Collection<ChoiceDescription> choices,
        IEnumerable<int> defaults, bool multiple)
    {
        EnsureCanPrompt();
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0)
        {
            throw new ArgumentException("At least one choice is required.", nameof(choices));
        }

        var hotkeys = new string[choices.Count];
        var labels = new string[choices.Count];
        var line = new StringBuilder();
        for (int n = 0; n < choices.Count; n++)
        {
            string label = choices[n].Label ?? string.Empty;
            int amp = label.IndexOf('&');
            hotkeys[n] = amp >= 0 && amp + 1 < label.Length ? label.Substring(amp + 1, 1) : (label.Length > 0 ? label.Substring(0, 1) : n.ToString(CultureInfo.InvariantCulture));
            labels[n] = label.Replace("&", string.Empty, StringComparison.Ordinal);
            line.Append('[').Append(hotkeys[n]).Append("] ").Append(labels[n]).Append("  ");
        }

        var defaultList = new List<int>(defaults);
        if (defaultList.Count > 0)
        {
            var names = new List<string>();
            foreach (int d in defaultList)
            {
                if (d >= 0 && d < choices.Count)
                {
                    names.Add(hotkeys[d]);
                }
            }

            line.Append("(default is \"").Append(string.Join(",", names)).Append("\")");
        }

        WriteCaption(caption, message);
        var result = new Collection<int>();
        while (true)
        {
            Write(line.ToString().TrimEnd() + ": ");
            string answer = ReadInputLine().Trim();
            if (answer.Length == 0)
            {
                if (multiple && result.Count > 0)
                {
                    return result;
                }

                foreach (int d in defaultList)
                {
                    result.Add(d);
                }

                if (result.Count > 0 || multiple)
                {
                    return result;
                }

                continue;
            }

            if (answer == "?")
            {
                for (int n = 0; n < choices.Count; n++)
                {
                    WriteLine(hotkeys[n] + " - " + (choices[n].HelpMessage ?? labels[n]));
                }

                continue;
            }

            int match = -1;
            for (int n = 0; n < choices.Count; n++)
            {
                if (string.Equals(answer, hotkeys[n], StringComparison.OrdinalIgnoreCase)
                    || string.Equals(answer, labels[n], StringComparison.OrdinalIgnoreCase))
                {
                    match = n;
                    break;
                }
            }

            if (match < 0)
            {
                continue;
            }

            result.Add(match);
            if (!multiple)
            {
                return result;
            }
        }
    }
}
