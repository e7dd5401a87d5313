using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace MfaPhone.PsHost;

/// <summary>
/// The process's standard streams, always UTF-8 (no BOM) whatever the locale, plus what we know
/// about them: whether each is a terminal and whether ANSI colour may be written to it.
/// Every write from the host goes through here under one lock so stdout/stderr lines and the
/// progress line never interleave mid-line.
/// </summary>
internal sealed partial class ConsoleIO
{
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public TextReader In { get; }

    public bool OutIsTerminal { get; }

    public bool ErrIsTerminal { get; }

    public bool InIsTerminal { get; }

    /// <summary>ANSI escape sequences are kept on stdout (a terminal, NO_COLOR unset, TERM not dumb).</summary>
    public bool OutAnsi { get; }

    /// <summary>ANSI escape sequences are kept on stderr.</summary>
    public bool ErrAnsi { get; }

    public object Lock { get; } = new();

    /// <summary>Text of the progress line currently drawn on the terminal (stderr), if any.</summary>
    private string? _progressLine;

    public ConsoleIO()
    {
        OutIsTerminal = !Console.IsOutputRedirected;
        ErrIsTerminal = !Console.IsErrorRedirected;
        InIsTerminal = !Console.IsInputRedirected;

        bool colorAllowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        OutAnsi = colorAllowed && OutIsTerminal;
        ErrAnsi = colorAllowed && ErrIsTerminal;

        // Console.*Encoding also governs how child processes' text is decoded by .NET and what
        // [Console]::OutputEncoding reports to scripts. Setting it can fail on exotic terminals.
        try
        {
            Console.OutputEncoding = Utf8;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or ArgumentException)
        {
        }

        // Touching Console.InputEncoding/Console.In with a terminal on stdin makes .NET switch
        // the terminal to keypad-transmit mode ("ESC[?1h ESC="); only do it for redirected input.
        if (!InIsTerminal)
        {
            try
            {
                Console.InputEncoding = Utf8;
            }
            catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or ArgumentException)
            {
            }
        }

        Out = TextWriter.Synchronized(new StreamWriter(OpenOutput(1), Utf8, 4096) { AutoFlush = true, NewLine = "\n" });
        Err = TextWriter.Synchronized(new StreamWriter(OpenOutput(2), Utf8, 4096) { AutoFlush = true, NewLine = "\n" });
        In = new StreamReader(Console.OpenStandardInput(), Utf8, detectEncodingFromByteOrderMarks: false);
        Console.SetOut(Out);
        Console.SetError(Err);
        if (!InIsTerminal)
        {
            Console.SetIn(TextReader.Synchronized(In));
        }
    }

    /// <summary>
    /// stdout/stderr as plain streams. Off Windows this is the file descriptor itself, written
    /// with write(2) through <see cref="FdStream"/>: .NET's console stream would, on its first
    /// write, put a terminal on stdin into keypad-transmit mode (it writes ESC[?1h ESC=) and leave
    /// it so; and a FileStream over a redirected file writes at a position of its own, so stdout
    /// and stderr redirected to one file (`> log 2>&1`) would overwrite each other's lines.
    /// </summary>
    private static Stream OpenOutput(int fd)
    {
        if (!OperatingSystem.IsWindows())
        {
            // A closed descriptor: fall back to what .NET offers (a null stream).
            if (FdStream.IsOpen(fd))
            {
                return new FdStream(fd);
            }
        }

        return fd == 1 ? Console.OpenStandardOutput() : Console.OpenStandardError();
    }

    [GeneratedRegex(@"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")]
    private static partial Regex AnsiRegex();

    public static string StripAnsi(string text) =>
        text.IndexOf('\x1b') < 0 ? text : AnsiRegex().Replace(text, string.Empty);

    public void WriteOut(string text)
    {
        lock (Lock)
        {
            ClearProgressLocked();
            SafeWrite(Out, OutAnsi ? text : StripAnsi(text));
        }
    }

    public void WriteErr(string text)
    {
        lock (Lock)
        {
            ClearProgressLocked();
            SafeWrite(Err, ErrAnsi ? text : StripAnsi(text));
        }
    }

    /// <summary>
    /// Writes, ignoring a reader that went away (`| head`) or a closed descriptor, as .NET's
    /// console streams and pwsh do: the script goes on, its output is dropped.
    /// </summary>
    private static void SafeWrite(TextWriter writer, string text)
    {
        try
        {
            writer.Write(text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Draws (or replaces) the one-line progress display on the stderr terminal.</summary>
    public void DrawProgress(string line)
    {
        lock (Lock)
        {
            if (line == _progressLine)
            {
                return;
            }

            string pad = _progressLine != null && _progressLine.Length > line.Length
                ? new string(' ', _progressLine.Length - line.Length)
                : string.Empty;
            SafeWrite(Err, "\r" + line + pad + "\r");
            _progressLine = line;
        }
    }

    public void ClearProgress()
    {
        lock (Lock)
        {
            ClearProgressLocked();
        }
    }

    private void ClearProgressLocked()
    {
        if (_progressLine != null)
        {
            SafeWrite(Err, "\r" + new string(' ', _progressLine.Length) + "\r");
            _progressLine = null;
        }
    }

    /// <summary>Blank the progress line and flush both streams (used before exiting).</summary>
    public void Finish()
    {
        lock (Lock)
        {
            ClearProgressLocked();
            try
            {
                Out.Flush();
                Err.Flush();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // Reader went away (e.g. `| head`); nothing more to say.
            }
        }
    }
}
