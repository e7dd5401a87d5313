using System;
using System.IO;
using System.Runtime.InteropServices;

namespace MfaPhone.PsHost;

/// <summary>
/// A write-only stream over a Unix file descriptor that calls write(2) and nothing else.
/// It keeps no position of its own: the kernel's file offset, shared by every descriptor that
/// refers to the same open file, decides where bytes land. So `host > log 2>&1` (stdout and
/// stderr sharing one offset) and `host >> log` (O_APPEND) keep every line, in order.
/// (A FileStream over a regular file writes with pwrite(2) at its own remembered position: two
/// of them over one file overwrite each other's lines.)
/// </summary>
internal sealed class FdStream : Stream
{
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int POLLOUT = 4;

    private readonly int _fd;

    public FdStream(int fd)
    {
        _fd = fd;
    }

    /// <summary>Whether <paramref name="fd"/> is an open descriptor (fcntl F_GETFD succeeds).</summary>
    public static bool IsOpen(int fd) => fcntl(fd, 1 /* F_GETFD */) >= 0;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - offset);
        Write(new ReadOnlySpan<byte>(buffer, offset, count));
    }

    /// <summary>Writes all of <paramref name="data"/>, resuming after partial writes and EINTR.</summary>
    public override void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            nint n = write(_fd, ref MemoryMarshal.GetReference(data), (nuint)data.Length);
            if (n >= 0)
            {
                data = data.Slice((int)n);
                continue;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if (errno == EAGAIN)
            {
                // A non-blocking descriptor (inherited from the parent) that is full: wait until it drains.
                var pfd = new PollFd { Fd = _fd, Events = POLLOUT };
                _ = poll(ref pfd, 1, 1000);
                continue;
            }

            throw new IOException($"write to file descriptor {_fd} failed: errno {errno}", errno);
        }
    }

    public override void WriteByte(byte value)
    {
        Span<byte> one = stackalloc byte[1];
        one[0] = value;
        Write(one);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint write(int fd, ref byte buffer, nuint count);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int poll(ref PollFd fds, nuint count, int timeout);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int fcntl(int fd, int command);
}
