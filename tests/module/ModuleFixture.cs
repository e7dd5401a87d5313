using System;
using System.IO;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>One live emulator, seeded with tenant.json, shared by the tests of a class.</summary>
public sealed class ModuleFixture : IDisposable
{
    public const string TenantId = "contoso.onmicrosoft.com";
    public const string ClientId = "5a8f0e1b-7c3d-4e2f-9a1b-2c3d4e5f6a7b";
    public const string ClientSecret = "Mod~Test.Secret-7f3k9QzX2w";
    public const string NoPermissionClientId = "6b9a1f2c-8d4e-4f3a-8b2c-3d4e5f6a7b8c";
    public const string NoPermissionSecret = "NoPerm~Secret-4h8j2Kq";

    public EmulatorProcess Emulator { get; }

    public ModuleFixture()
    {
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        Emulator = EmulatorProcess.Start("--tenant", tenant, "--seed", "7");
    }

    public string Endpoint => Emulator.BaseUrl.ToString().TrimEnd('/');

    /// <summary>A script prefix that signs in to the emulator with the given app.</summary>
    public string Connect(string clientId = ClientId, string secret = ClientSecret, string extra = "") =>
        ConnectScript(Endpoint, clientId, secret, extra);

    /// <summary>A script prefix that signs in to the emulator at <paramref name="endpoint"/>.</summary>
    public static string ConnectScript(string endpoint, string clientId = ClientId, string secret = ClientSecret, string extra = "") =>
        "$secret = [System.Net.NetworkCredential]::new('', '" + secret + "').SecurePassword\n" +
        $"Connect-MfaGraph -TenantId '{TenantId}' -ClientId '{clientId}' -ClientSecret $secret " +
        $"-AuthorityHost '{endpoint}' -GraphEndpoint '{endpoint}' {extra}\n";

    public void Dispose() => Emulator.Dispose();
}

[CollectionDefinition("emulator")]
public sealed class EmulatorCollection : ICollectionFixture<ModuleFixture> { }
