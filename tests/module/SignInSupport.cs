using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MfaPhone.Testing;

namespace MfaPhone.Module.Tests;

/// <summary>
/// A second tenant (fabrikam) for the sign-in tests: a confidential app (secret, expired secret,
/// certificates added per test), public clients (one blocked by Conditional Access), users with
/// passwords (one needing MFA, one Authentication Administrator) and two managed identities.
/// Seeding replaces the tenant, so every test starts from the same state.
/// </summary>
public static class SignInSeed
{
    public const string Tenant = "fabrikam.onmicrosoft.com";
    public const string TenantGuid = "3f2e1d0c-9b8a-4765-8432-10fedcba9876";
    public const string App = "f1a2b3c4-0000-4000-8000-000000000001";
    public const string AppSecret = "Fab~Secret-Value-1x9Q";
    public const string ExpiredSecret = "Fab~Expired-Value-2k7W";
    public const string PublicClient = "f1a2b3c4-0000-4000-8000-000000000002";
    public const string BlockedClient = "f1a2b3c4-0000-4000-8000-000000000003";
    public const string SystemIdentity = "f1a2b3c4-0000-4000-8000-0000000000a0";
    public const string SystemIdentityObject = "f1a2b3c4-0000-4000-8000-0000000000b0";
    public const string UserIdentity = "f1a2b3c4-0000-4000-8000-0000000000a1";
    public const string UserIdentityObject = "f1a2b3c4-0000-4000-8000-0000000000b1";
    public const string UserIdentityResource = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/fab-ua";
    public const string User = "ada@fabrikam.onmicrosoft.com";
    public const string ServiceAccount = "svc@fabrikam.onmicrosoft.com";
    public const string ServicePassword = "Svc~Passw0rd-1Lq8";
    public const string Helpdesk = "helpdesk@fabrikam.onmicrosoft.com";
    public const string HelpdeskPassword = "Help~Passw0rd-2Zr5";
    public const string MfaUser = "mfa@fabrikam.onmicrosoft.com";
    public const string MfaPassword = "Mfa~Passw0rd-3Vb6";
    public const string IdentityHeader = "emulator-identity-header";

    public static async Task SeedAsync(EmulatorControl control)
    {
        var seed = new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = TenantGuid,
                ["displayName"] = "Fabrikam (sign-in tests)",
                ["domains"] = new JsonArray(Tenant),
                ["apps"] = new JsonArray(
                    new JsonObject
                    {
                        ["clientId"] = App,
                        ["displayName"] = "Fabrikam sync",
                        ["applicationPermissions"] = new JsonArray("User.Read.All", "UserAuthMethod-Phone.Read.All"),
                        ["secrets"] = new JsonArray(
                            new JsonObject { ["value"] = AppSecret },
                            new JsonObject { ["value"] = ExpiredSecret, ["expires"] = "2020-01-01T00:00:00Z" }),
                    },
                    new JsonObject
                    {
                        ["clientId"] = PublicClient,
                        ["displayName"] = "Fabrikam console",
                        ["publicClient"] = true,
                        ["delegatedPermissions"] = new JsonArray("User.Read.All", "UserAuthenticationMethod.ReadWrite.All"),
                    },
                    new JsonObject
                    {
                        ["clientId"] = BlockedClient,
                        ["displayName"] = "Fabrikam blocked",
                        ["publicClient"] = true,
                        ["conditionalAccessBlocked"] = true,
                        ["delegatedPermissions"] = new JsonArray("User.Read.All", "UserAuthenticationMethod.ReadWrite.All"),
                    }),
                ["managedIdentities"] = new JsonArray(
                    new JsonObject
                    {
                        ["clientId"] = SystemIdentity,
                        ["objectId"] = SystemIdentityObject,
                        ["resourceId"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/fab",
                        ["systemAssigned"] = true,
                        ["applicationPermissions"] = new JsonArray("User.Read.All", "UserAuthMethod-Phone.ReadWrite.All"),
                    },
                    new JsonObject
                    {
                        ["clientId"] = UserIdentity,
                        ["objectId"] = UserIdentityObject,
                        ["resourceId"] = UserIdentityResource,
                        ["systemAssigned"] = false,
                        ["applicationPermissions"] = new JsonArray("User.Read.All", "UserAuthMethod-Phone.Read.All"),
                    }),
                ["users"] = new JsonArray(
                    new JsonObject
                    {
                        ["userPrincipalName"] = User,
                        ["phoneMethods"] = new JsonArray(new JsonObject { ["phoneType"] = "mobile", ["phoneNumber"] = "+44 7700900111" }),
                    },
                    new JsonObject
                    {
                        ["userPrincipalName"] = ServiceAccount,
                        ["password"] = ServicePassword,
                        ["directoryRoles"] = new JsonArray("Privileged Authentication Administrator"),
                    },
                    new JsonObject
                    {
                        ["userPrincipalName"] = Helpdesk,
                        ["password"] = HelpdeskPassword,
                        ["directoryRoles"] = new JsonArray("Authentication Administrator"),
                    },
                    new JsonObject
                    {
                        ["userPrincipalName"] = MfaUser,
                        ["password"] = MfaPassword,
                        ["mfaRequired"] = true,
                    }),
            }),
        };
        await control.SeedAsync(seed);
    }

    /// <summary>A script line that makes <c>$name</c> a SecureString of <paramref name="value"/>.</summary>
    public static string Secure(string name, string value) =>
        $"${name} = [System.Net.NetworkCredential]::new('', '{value}').SecurePassword\n";

    public static string Hosts(string endpoint) => $"-AuthorityHost '{endpoint}' -GraphEndpoint '{endpoint}'";
}

/// <summary>Sets environment variables for a test and restores the previous values.</summary>
public sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _previous = new();

    public EnvironmentScope(params (string Name, string? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            _previous[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>No managed identity environment at all (so nothing can reach a real metadata address).</summary>
    public static EnvironmentScope WithoutIdentity(params (string Name, string? Value)[] values) =>
        new(new (string, string?)[]
        {
            ("IDENTITY_ENDPOINT", null), ("IDENTITY_HEADER", null), ("AZUREPS_HOST_ENVIRONMENT", null),
            ("AZURE_POD_IDENTITY_AUTHORITY_HOST", null),
        }.Concat(values).ToArray());

    public void Dispose()
    {
        foreach (var (name, value) in _previous) Environment.SetEnvironmentVariable(name, value);
    }
}

/// <summary>A self-signed RSA certificate made for a test, as PEM, PFX and X509Certificate2.</summary>
public sealed class TestCertificate : IDisposable
{
    public const string PfxPassword = "Pfx~Pass-Word-8Hn2";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mfaphone-cert-" + Guid.NewGuid().ToString("N"));

    public TestCertificate()
    {
        Directory.CreateDirectory(_dir);
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=mfaphone-signin-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        CertificatePem = cert.ExportCertificatePem();
        KeyPem = rsa.ExportPkcs8PrivateKeyPem();
        Thumbprint = cert.Thumbprint;
        PemPath = Path.Combine(_dir, "bundle.pem");
        File.WriteAllText(PemPath, CertificatePem + "\n" + KeyPem + "\n");
        PfxPath = Path.Combine(_dir, "cert.pfx");
        PfxBytes = cert.Export(X509ContentType.Pfx, PfxPassword);
        File.WriteAllBytes(PfxPath, PfxBytes);
    }

    public string CertificatePem { get; }
    public string KeyPem { get; }
    public string Thumbprint { get; }
    public string PemPath { get; }
    public string PfxPath { get; }
    public byte[] PfxBytes { get; }

    /// <summary>Registers the certificate (public part) with an app of the emulator.</summary>
    public Task RegisterAsync(EmulatorControl control, string tenant, string clientId) =>
        control.PostAsync($"/control/tenants/{tenant}/apps/{clientId}/certificates", new JsonObject { ["pem"] = CertificatePem });

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
