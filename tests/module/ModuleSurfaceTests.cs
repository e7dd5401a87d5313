using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace MfaPhone.Module.Tests;

public sealed class ModuleSurfaceTests
{
    private static readonly string[] CommonParameters =
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };

    [Fact]
    public void TheStagedFolderImportsFromACopyWithNoEnvironment()
    {
        string copy = Path.Combine(Path.GetTempPath(), "mfaphone-copy-" + Guid.NewGuid().ToString("N"), "MfaPhone");
        CopyDirectory(PowerShellHarness.ModuleDir, copy);
        try
        {
            using var ps = new PowerShellHarness(copy);
            var r = ps.Run("""
                (Get-Module MfaPhone).ModuleBase
                [string[]] $names = (Get-Command -Module MfaPhone).Name; [Array]::Sort($names); $names
                [MfaPhone.Commands.ErrorIds].Assembly.GetType('MfaPhone.Native.Session', $true).GetMethod('Version').Invoke($null, @())
                """);
            Assert.Null(r.Terminating);
            Assert.Equal(copy, r.Output[0].BaseObject);
            Assert.Equal(new[]
                {
                    "Compare-MfaPhone", "Connect-MfaGraph", "ConvertTo-MfaPhoneNumber", "Disable-MfaSmsSignIn", "Disconnect-MfaGraph",
                    "Enable-MfaSmsSignIn", "Get-MfaGraphContext", "Get-MfaPhone", "Receive-MfaSms", "Remove-MfaPhone", "Set-MfaPhone",
                    "Sync-MfaPhone", "Test-MfaPhoneSetup", "Test-MfaSmsSignature",
                },
                r.Output.Skip(1).Take(14).Select(o => o.BaseObject));
            Assert.Matches(@"^\d+\.\d+\.\d+$", (string)r.Output[15].BaseObject);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, true);
        }
    }

    [Fact]
    public void ManifestDeclaresBothEditionsFormatsAndExplicitExports()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("$m = Get-Module MfaPhone; $m.CompatiblePSEditions -join ','; $m.ExportedFunctions.Count; $m.ExportedAliases.Count; $m.PowerShellVersion.ToString(); $m.ExportedFormatFiles.Count");
        Assert.Null(r.Terminating);
        Assert.Equal(new object[] { "Desktop,Core", 0, 0, "5.1", 1 }, r.Output.Select(o => o.BaseObject));
    }

    public static IEnumerable<object[]> ExpectedParameters() => new[]
    {
        new object[] { "Connect-MfaGraph", "AccessToken,AuthorityHost,CaBundle,Certificate,CertificatePassword,CertificatePath,CertificateThumbprint,ClientId,ClientSecret,ClientSecretCredential,Credential,Environment,GraphEndpoint,Identity,ManagedIdentityClientId,ManagedIdentityObjectId,ManagedIdentityResourceId,PassThru,SignatureAlgorithm,TenantId,TimeoutSec,UseDeviceCode" },
        new object[] { "Disconnect-MfaGraph", "Session" },
        new object[] { "Get-MfaGraphContext", "Session" },
        new object[] { "Get-MfaPhone", "IncludeEmpty,PhoneType,Session,ThrottleLimit,UserId" },
        new object[] { "Set-MfaPhone", "DefaultRegion,PassThru,PhoneNumber,PhoneType,Session,UserId" },
        new object[] { "Remove-MfaPhone", "PassThru,PhoneType,Session,UserId" },
        new object[] { "Enable-MfaSmsSignIn", "PassThru,PhoneType,Session,UserId" },
        new object[] { "Disable-MfaSmsSignIn", "PassThru,PhoneType,Session,UserId" },
        new object[] { "Test-MfaPhoneSetup", "Session,UserId" },
        new object[] { "ConvertTo-MfaPhoneNumber", "DefaultRegion,PhoneNumber" },
        new object[] { "Receive-MfaSms", "AccountSid,AuthToken,Body,DedupePath,Headers,Method,Route,ShowCode,TimeoutSec,TwilioEndpoint,Url,WebhookData" },
        new object[] { "Test-MfaSmsSignature", "AuthToken,Body,Signature,Url" },
        new object[] { "Sync-MfaPhone", "All,DefaultRegion,Delta,DeltaLink,FailOnError,Filter,Handshake,OnlySetWhenEmpty,RemoveWhenSourceEmpty,Session,ShowFullNumber,SmsSignIn,SourceProperty,SummaryVariable,ThrottleLimit,UserId,WebhookData" },
        new object[] { "Compare-MfaPhone", "All,DefaultRegion,Filter,OnlySetWhenEmpty,RemoveWhenSourceEmpty,Session,ShowFullNumber,SmsSignIn,SourceProperty,SummaryVariable,ThrottleLimit,UserId" },
    };

    [Theory]
    [MemberData(nameof(ExpectedParameters))]
    public void EachCmdletHasExactlyTheExpectedParameters(string cmdlet, string expected)
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("(Get-Command $args[0]).Parameters.Keys", cmdlet);
        Assert.Null(r.Terminating);
        var names = r.Output.Select(o => (string)o.BaseObject).Except(CommonParameters).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(expected, string.Join(",", names));
    }

    [Fact]
    public void GetMfaPhoneBindsIdsFromPipelineObjectsUnderTheirUsualNames()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("$p = (Get-Command Get-MfaPhone).Parameters['UserId']; $p.Aliases; $p.Attributes.Where({ $_ -is [Parameter] }).ForEach({ $_.ValueFromPipeline; $_.ValueFromPipelineByPropertyName })");
        Assert.Null(r.Terminating);
        var values = r.Output.Select(o => o.BaseObject).ToList();
        foreach (var alias in new[] { "Id", "UserPrincipalName", "ObjectId", "UPN" }) Assert.Contains(alias, values);
        Assert.Equal(new object[] { true, true }, values.Skip(values.Count - 2));
    }

    [Fact]
    public void ErrorIdsAreUnique()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("[MfaPhone.Commands.ErrorIds].GetFields().ForEach({ $_.GetValue($null) })");
        Assert.Null(r.Terminating);
        var ids = r.Output.Select(o => (string)o.BaseObject).ToList();
        Assert.True(ids.Count >= 10);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void HelpIsAvailableForEveryCmdlet()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("(Get-Command -Module MfaPhone).ForEach({ $h = Get-Help $_.Name -Full; '{0}|{1}|{2}' -f $_.Name, $h.Synopsis, @($h.Examples.Example).Count })");
        Assert.Null(r.Terminating);
        Assert.Equal(14, r.Output.Count);
        foreach (var line in r.Output.Select(o => (string)o.BaseObject))
        {
            var parts = line.Split('|');
            Assert.False(string.IsNullOrWhiteSpace(parts[1]), line);
            Assert.DoesNotContain(parts[0], parts[1]);  // a real synopsis, not the generated syntax line
            Assert.True(int.Parse(parts[2]) >= 1, line);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }
}
