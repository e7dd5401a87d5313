using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Moves a SecureString into native memory as UTF-8 bytes without creating a managed string.
    /// Every buffer that holds the secret is pinned while it does (the GC never copies it
    /// elsewhere) and wiped before it is released; the native vector gets its final capacity up
    /// front, so growing it never leaves a freed, unwiped copy behind.
    /// </summary>
    internal static class SecretBytes
    {
        /// <summary>
        /// The secret as a native byte vector. The caller owns it and must call
        /// <c>Wipe()</c> and <c>Dispose()</c> when done.
        /// </summary>
        internal static ByteVector ToNative(SecureString secret)
        {
            if (secret == null || secret.Length == 0)
                throw new MfaPhoneInvalidInputException("The secret is empty. Give a non-empty SecureString.");

            // Allocate and pin first, then put the secret in.
            char[] chars = new char[secret.Length];
            GCHandle charsPin = GCHandle.Alloc(chars, GCHandleType.Pinned);
            byte[] bytes = null;
            GCHandle bytesPin = default;
            IntPtr unmanaged = IntPtr.Zero;
            try
            {
                unmanaged = Marshal.SecureStringToGlobalAllocUnicode(secret);
                Marshal.Copy(unmanaged, chars, 0, chars.Length);

                int count = Encoding.UTF8.GetByteCount(chars);
                bytes = new byte[count];
                bytesPin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
                Encoding.UTF8.GetBytes(chars, 0, chars.Length, bytes, 0);

                return CopyToNative(bytes);
            }
            finally
            {
                if (bytes != null) Array.Clear(bytes, 0, bytes.Length);
                if (bytesPin.IsAllocated) bytesPin.Free();
                Array.Clear(chars, 0, chars.Length);
                charsPin.Free();
                if (unmanaged != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
            }
        }

        /// <summary>
        /// Copies secret bytes (the caller keeps them pinned and wipes them) into a new native
        /// vector. It gets its final capacity up front, so the copy never reallocates; if the copy
        /// fails part-way, what reached native memory is zeroed before it is released.
        /// </summary>
        internal static ByteVector CopyToNative(byte[] bytes)
        {
            var vector = new ByteVector(bytes.Length);
            try
            {
                for (int i = 0; i < bytes.Length; i++) vector.Add(bytes[i]);
                return vector;
            }
            catch
            {
                try { vector.Wipe(); }
                finally { vector.Dispose(); }
                throw;
            }
        }
    }
}
