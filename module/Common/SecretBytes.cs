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
            ByteVector vector = null;
            try
            {
                unmanaged = Marshal.SecureStringToGlobalAllocUnicode(secret);
                Marshal.Copy(unmanaged, chars, 0, chars.Length);

                int count = Encoding.UTF8.GetByteCount(chars);
                bytes = new byte[count];
                bytesPin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
                Encoding.UTF8.GetBytes(chars, 0, chars.Length, bytes, 0);

                // ByteVector(int capacity) reserves: the Adds below never reallocate.
                vector = new ByteVector(count);
                for (int i = 0; i < bytes.Length; i++) vector.Add(bytes[i]);
                ByteVector result = vector;
                vector = null;
                return result;
            }
            finally
            {
                if (vector != null)
                {
                    // Failed part-way: zero what reached native memory before releasing it.
                    try { vector.Wipe(); }
                    finally { vector.Dispose(); }
                }
                if (bytes != null) Array.Clear(bytes, 0, bytes.Length);
                if (bytesPin.IsAllocated) bytesPin.Free();
                Array.Clear(chars, 0, chars.Length);
                charsPin.Free();
                if (unmanaged != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
            }
        }
    }
}
