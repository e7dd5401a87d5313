using System;
using System.Runtime.InteropServices;
using System.Management.Automation.Host;

namespace MfaPhone.PsHost;

/// <summary>
/// Minimal raw UI. Its main job is to tell the formatter how wide a line is (BufferSize): the
/// COLUMNS environment variable if set, else the terminal width when stdout is a terminal, else
/// 120 (what pwsh uses when there is no console). Colours are remembered but only used as the
/// "default" when the UI is asked to write in a colour. Screen-buffer operations are not
/// supported (there is no screen buffer when output is a pipe).
/// </summary>
internal sealed class HostRawUserInterface : PSHostRawUserInterface
{
    private readonly ConsoleIO _io;
    private readonly Func<int?> _widthOverride;
    private int _width;
    private string _title = "mfaphone-pwsh";

    /// <param name="io">The streams.</param>
    /// <param name="widthOverride">A width that wins while set (Out-String's capture).</param>
    public HostRawUserInterface(ConsoleIO io, Func<int?> widthOverride)
    {
        _io = io;
        _widthOverride = widthOverride;
        _width = DetectWidth(io);
    }

    private int Width => _widthOverride() ?? _width;

    private static int DetectWidth(ConsoleIO io)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int cols) && cols >= 20 && cols <= 10000)
        {
            return cols;
        }

        if (io.OutIsTerminal)
        {
            if (OperatingSystem.IsLinux())
            {
                return TerminalColumns(1) is int linuxWidth and >= 20 ? linuxWidth : 120;
            }

            try
            {
                // Off Linux only: on Unix this initialises .NET's terminal handling, which puts
                // the terminal into keypad-transmit mode.
                int w = Console.WindowWidth;
                if (w >= 20)
                {
                    return w;
                }
            }
            catch (Exception ex) when (ex is System.IO.IOException or PlatformNotSupportedException or InvalidOperationException)
            {
            }
        }

        return 120;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Cols;
        public ushort XPixel;
        public ushort YPixel;
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, nuint request, out WinSize size);

    /// <summary>The terminal's width through TIOCGWINSZ (Linux), or null.</summary>
    private static int? TerminalColumns(int fd)
    {
        const nuint TIOCGWINSZ = 0x5413;
        try
        {
            return Ioctl(fd, TIOCGWINSZ, out WinSize ws) == 0 && ws.Cols > 0 ? ws.Cols : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override Coordinates CursorPosition { get; set; }

    public override Coordinates WindowPosition { get; set; }

    public override int CursorSize { get; set; } = 25;

    public override Size BufferSize
    {
        get => new(Width, 9999);
        set
        {
            if (value.Width > 0)
            {
                _width = value.Width;
            }
        }
    }

    public override Size WindowSize
    {
        get => new(Width, 50);
        set
        {
            if (value.Width > 0)
            {
                _width = value.Width;
            }
        }
    }

    public override Size MaxWindowSize => new(Width, 50);

    public override Size MaxPhysicalWindowSize => new(Width, 50);

    public override bool KeyAvailable => false;

    public override string WindowTitle
    {
        get => _title;
        set => _title = value ?? string.Empty;
    }

    public override void FlushInputBuffer()
    {
    }

    public override KeyInfo ReadKey(ReadKeyOptions options) =>
        throw new NotSupportedException("ReadKey is not supported by mfaphone-pwsh (no interactive console).");

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
        throw new NotSupportedException("The screen buffer is not available in mfaphone-pwsh.");

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
    {
        // Clear-Host calls this with a blank fill. Nothing sensible to do on a stream.
    }

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
    {
    }

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
    {
    }

    public override int LengthInBufferCells(string source) => source == null ? 0 : ConsoleIO.StripAnsi(source).Length;
}
