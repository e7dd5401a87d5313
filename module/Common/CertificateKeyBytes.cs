using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Hands a certificate's RSA private key to native code as DER (PKCS#1 RSAPrivateKey) bytes,
    /// built in a pinned buffer that is wiped afterwards, without writing anything to disk. The
    /// key parameters .NET exports are cleared as soon as they are encoded.
    /// </summary>
    internal static class CertificateKeyBytes
    {
        internal static ByteVector ToNative(X509Certificate2 certificate)
        {
            if (!certificate.HasPrivateKey)
                throw new MfaPhoneInvalidInputException(
                    $"The certificate {certificate.Thumbprint} has no private key here. Import it with its private key, or give -CertificatePath with a PFX or PEM.");
            RSAParameters p;
            using (RSA rsa = certificate.GetRSAPrivateKey())
            {
                if (rsa == null)
                    throw new MfaPhoneInvalidInputException($"The certificate {certificate.Thumbprint} does not have an RSA key; Entra ID client assertions need RSA.");
                try
                {
                    p = rsa.ExportParameters(true);
                }
                catch (CryptographicException)
                {
                    throw new MfaPhoneInvalidInputException(
                        $"The private key of certificate {certificate.Thumbprint} cannot be exported (it was imported as non-exportable). Import it as exportable, or give -CertificatePath with a PFX or PEM.");
                }
            }
            byte[][] parts = { new byte[] { 0 }, p.Modulus, p.Exponent, p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ };
            byte[] der = null;
            GCHandle pin = default;
            try
            {
                int body = 0;
                foreach (byte[] part in parts) body += IntegerLength(part);
                der = new byte[1 + LengthOfLength(body) + body];
                pin = GCHandle.Alloc(der, GCHandleType.Pinned);
                int at = 0;
                der[at++] = 0x30;
                at = WriteLength(der, at, body);
                foreach (byte[] part in parts) at = WriteInteger(der, at, part);

                return SecretBytes.CopyToNative(der);
            }
            finally
            {
                if (der != null) Array.Clear(der, 0, der.Length);
                if (pin.IsAllocated) pin.Free();
                foreach (byte[] part in parts)
                    if (part != null) Array.Clear(part, 0, part.Length);
            }
        }

        // Big-endian unsigned integer without leading zeros, plus a 0x00 when the top bit is set.
        private static int Significant(byte[] value, out int skip)
        {
            skip = 0;
            while (skip < value.Length - 1 && value[skip] == 0) skip++;
            return value.Length - skip;
        }

        private static int IntegerLength(byte[] value)
        {
            int n = Significant(value, out int skip) + ((value[skip] & 0x80) != 0 ? 1 : 0);
            return 1 + LengthOfLength(n) + n;
        }

        private static int WriteInteger(byte[] der, int at, byte[] value)
        {
            int n = Significant(value, out int skip);
            bool pad = (value[skip] & 0x80) != 0;
            der[at++] = 0x02;
            at = WriteLength(der, at, n + (pad ? 1 : 0));
            if (pad) der[at++] = 0;
            Buffer.BlockCopy(value, skip, der, at, n);
            return at + n;
        }

        private static int LengthOfLength(int n) => n < 0x80 ? 1 : n <= 0xFF ? 2 : n <= 0xFFFF ? 3 : 4;

        private static int WriteLength(byte[] der, int at, int n)
        {
            if (n < 0x80)
            {
                der[at++] = (byte)n;
            }
            else if (n <= 0xFF)
            {
                der[at++] = 0x81;
                der[at++] = (byte)n;
            }
            else if (n <= 0xFFFF)
            {
                der[at++] = 0x82;
                der[at++] = (byte)(n >> 8);
                der[at++] = (byte)n;
            }
            else
            {
                der[at++] = 0x83;
                der[at++] = (byte)(n >> 16);
                der[at++] = (byte)(n >> 8);
                der[at++] = (byte)n;
            }
            return at;
        }
    }
}
