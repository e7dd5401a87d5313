using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Moves a SecureString into native zeroing storage as UTF-8 bytes without creating a
    /// managed string; every intermediate buffer is wiped.
    /// </summary>
    internal static class SecretBytes
    {
        internal static ByteVector ToNative(SecureString secret)
        {
            if (secret == null || secret.Length == 0)
                throw new MfaPhoneInvalidInputException("The secret is empty. Give a non-empty SecureString.");
            IntPtr unmanaged = Marshal.SecureStringToGlobalAllocUnicode(secret);
            char[] chars = new char[secret.Length];
            byte[] bytes = null;
            try
            {
                Marshal.Copy(unmanaged, chars, 0, chars.Length);
                bytes = Encoding.UTF8.GetBytes(chars);
                var vector = new ByteVector();
                foreach (byte b in bytes) vector.Add(b);
                return vector;
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
                if (bytes != null) Array.Clear(bytes, 0, bytes.Length);
                Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
            }
        }
    }
}
