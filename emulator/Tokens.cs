using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MfaPhone.Emulator;

/// <summary>A parsed (not yet trusted) compact JWS.</summary>
public sealed class Jwt
{
    public required JsonObject Header { get; init; }
    public required JsonObject Payload { get; init; }
    public required byte[] SigningInput { get; init; }
    public required byte[] Signature { get; init; }

    public static Jwt? Parse(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        var h = Base64Url.Decode(parts[0]);
        var p = Base64Url.Decode(parts[1]);
        var s = Base64Url.Decode(parts[2]);
        if (h == null || p == null || s == null) return null;
        try
        {
            if (JsonNode.Parse(h) is not JsonObject header || JsonNode.Parse(p) is not JsonObject payload) return null;
            return new Jwt { Header = header, Payload = payload, SigningInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Signature = s };
        }
        catch (JsonException) { return null; }
        catch (ArgumentException) { return null; }
    }

    public long? NumClaim(string name) => Payload.Num(name) is double d ? (long)d : null;
}

/// <summary>The emulator's token-signing key (RS256) with a self-signed certificate for the JWKS.
/// The certificate is derived from the key alone (fixed subject, validity and a serial number
/// hashed from the public key; RSASSA-PKCS1-v1_5 signatures are deterministic), so the same key
/// (<c>--signing-key</c>) gives the same kid, x5t, JWKS and token signatures on every run.</summary>
public sealed class TokenService : IDisposable
{
    private readonly RSA _key;
    private readonly X509Certificate2 _cert;
    public string Kid { get; }
    public string X5t { get; }

    private static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2045, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh 2048-bit key (new on every start).</summary>
    public TokenService() : this(RSA.Create(2048)) { }

    private TokenService(RSA key)
    {
        _key = key;
        var req = new CertificateRequest("CN=mfaphone-emulator token signing", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var serial = SHA256.HashData(_key.ExportSubjectPublicKeyInfo())[..16];
        serial[0] &= 0x7f; // a positive INTEGER
        serial[0] |= 0x40; // and no leading zero byte to strip
        _cert = req.Create(req.SubjectName, X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1), NotBefore, NotAfter, serial);
        X5t = Base64Url.Encode(_cert.GetCertHash(HashAlgorithmName.SHA1));
        Kid = X5t; // Entra uses the SHA-1 thumbprint as kid as well
    }

    /// <summary>Loads a PEM RSA private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY",
    /// unencrypted, 2048 bits or more). Throws <see cref="ArgumentException"/> with a message
    /// that names the file but never echoes its content.</summary>
    public static TokenService FromPemFile(string path)
    {
        string pem;
        try { pem = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--signing-key {path}: cannot read the file ({e.GetType().Name})");
        }
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            rsa.ExportParameters(includePrivateParameters: true); // a public key alone cannot sign
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new ArgumentException($"--signing-key {path}: not an unencrypted PEM RSA private key");
        }
        if (rsa.KeySize < 2048)
        {
            int bits = rsa.KeySize;
            rsa.Dispose();
            throw new ArgumentException($"--signing-key {path}: the key has {bits} bits; 2048 or more are needed");
        }
        return new TokenService(rsa);
    }

    public string Sign(JsonObject payload)
    {
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["x5t"] = X5t, ["kid"] = Kid };
        string input = Base64Url.Encode(Json.Serialize(header)) + "." + Base64Url.Encode(Json.Serialize(payload));
        var sig = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.Encode(sig);
    }

    public bool Verify(Jwt jwt) =>
        jwt.Header.Str("alg") == "RS256" &&
        _key.VerifyData(jwt.SigningInput, jwt.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public JsonObject Jwks()
    {
        var p = _key.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = Kid,
                ["x5t"] = X5t,
                ["n"] = Base64Url.Encode(p.Modulus!),
                ["e"] = Base64Url.Encode(p.Exponent!),
                ["x5c"] = new JsonArray(Convert.ToBase64String(_cert.RawData)),
            }),
        };
    }

    public void Dispose()
    {
        _key.Dispose();
        _cert.Dispose();
    }

    /// <summary>Verifies a client assertion signed by an app's registered certificate.</summary>
    public static bool VerifyWithCertificate(Jwt jwt, X509Certificate2 cert, string alg)
    {
        using var rsa = cert.GetRSAPublicKey();
        if (rsa == null) return false;
        var padding = alg switch
        {
            "RS256" => RSASignaturePadding.Pkcs1,
            "PS256" => RSASignaturePadding.Pss, // .NET uses salt length = hash length (32), as Entra expects
            _ => null,
        };
        if (padding == null) return false;
        try { return rsa.VerifyData(jwt.SigningInput, jwt.Signature, HashAlgorithmName.SHA256, padding); }
        catch (CryptographicException) { return false; }
    }
}

/// <summary>Who called Graph, as established from a validated access token.</summary>
public sealed class Caller
{
    public required Tenant Tenant { get; init; }
    public required string AppId { get; init; }
    public required bool AppOnly { get; init; }
    public HashSet<string> Roles { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> Scopes { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> Wids { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public Guid? UserId { get; init; }
    public string Oid { get; init; } = "";

    public bool HasAny(params string[] permissions) =>
        permissions.Any(p => AppOnly ? Roles.Contains(p) : Scopes.Contains(p));

    public bool HasRole(params string[] wids) => wids.Any(Wids.Contains);
}
