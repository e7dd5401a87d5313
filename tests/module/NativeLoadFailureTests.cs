using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// When the native library cannot be loaded, every cmdlet stops with an ErrorRecord that
/// carries the loader's error id, not with a raw exception. The loader is process-wide state,
/// so these tests run alone.
/// </summary>
[Collection("native loader")]
public sealed class NativeLoadFailureTests
{
    public static IEnumerable<object[]> Cmdlets() => new[]
    {
        new object[] { "GetMfaGraphContextCommand", "Get-MfaGraphContext" },
        new object[] { "GetMfaPhoneCommand", "Get-MfaPhone -UserId adele.vance@contoso.com" },
        new object[] { "DisconnectMfaGraphCommand", "Disconnect-MfaGraph" },
        new object[] { "ConnectMfaGraphCommand", ModuleFixture.ConnectScript("http://127.0.0.1:9") },
        new object[] { "ConvertToMfaPhoneNumberCommand", "ConvertTo-MfaPhoneNumber -PhoneNumber '+46 701234567'" },
    };

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void ACmdletStopsWithTheLoadersErrorId(string cmdlet, string script)
    {
        using var ps = new PowerShellHarness();
        var loader = ModuleReflection.Type(ModuleReflection.Assembly(ps), "MfaPhone.Native.NativeLoader");
        string missing = Path.Combine(Path.GetTempPath(), "mfaphone-absent-" + Guid.NewGuid().ToString("N"), "libmfaphone_native.so");
        ModuleReflection.CallStatic(loader, "OverridePathForTests", missing);
        PsResult r;
        try
        {
            r = ps.Run(script);
        }
        finally
        {
            ModuleReflection.CallStatic(loader, "OverridePathForTests", new object?[] { null });
        }
        Assert.NotNull(r.Terminating);
        Assert.Equal("NativeLibraryMissing,MfaPhone.Commands." + cmdlet, r.FirstErrorId);
        var record = ((RuntimeException)r.Terminating!).ErrorRecord;
        Assert.Equal(ErrorCategory.ResourceUnavailable, record.CategoryInfo.Category);
        Assert.Contains(missing, r.Terminating!.Message);

        // Back to the loaded library: the module works again.
        var after = ps.Run("@(Get-MfaGraphContext).Count");
        Assert.Null(after.Terminating);
        Assert.Equal(0, after.Output.Single().BaseObject);
    }
}

[CollectionDefinition("native loader", DisableParallelization = true)]
public sealed class NativeLoaderCollection { }
