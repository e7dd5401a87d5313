using System.Management.Automation;
using System.Text.Json.Nodes;
using MfaPhone.Testing;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>A private emulator for the tests that change phone methods; each test seeds it again.</summary>
public sealed class PhoneChangeFixture : IDisposable
{
    public const string Tenant = "contoso.onmicrosoft.com";
    public const string TenantGuid = "8d5b6a6c-1f5e-4c2b-9d3e-0a7b1c2d3e4f";
    public const string PhoneOnlyApp = "7c0b2a3d-9e5f-4a6b-8c7d-4e5f6a7b8c9d";
    public const string PhoneOnlySecret = "PhoneOnly~Secret-3m9Lq";
    public const string PhoneWriteApp = "7c0b2a3d-1111-4a6b-8c7d-4e5f6a7b8c9d";
    public const string PhoneWriteSecret = "PhoneWrite~Secret-8k2Wp";
    public const string NoneId = "40000000-0000-4000-8000-000000000001";

    public EmulatorProcess Emulator { get; }

    public PhoneChangeFixture()
    {
        string tenant = Path.Combine(PowerShellHarness.RepoRoot, "tests", "module", "tenant.json");
        Emulator = EmulatorProcess.Start("--tenant", tenant, "--seed", "13");
    }

    public string Endpoint => Emulator.BaseUrl.ToString().TrimEnd('/');

    public string Connect(string clientId = ModuleFixture.ClientId, string secret = ModuleFixture.ClientSecret, string extra = "") =>
        ModuleFixture.ConnectScript(Endpoint, clientId, secret, extra);

    private static JsonObject Phone(string type, string number, string? state = null)
    {
        var o = new JsonObject { ["phoneType"] = type, ["phoneNumber"] = number };
        if (state != null) o["smsSignInState"] = state;
        return o;
    }

    /// <summary>
    /// none (no phone), mob (a mobile, in SMS sign-in scope), full (mobile, alternateMobile, office),
    /// deflt (office is the default MFA method), nopolicy (outside the SMS sign-in policy), holder
    /// (holds +1 2065550177 for SMS sign-in), ready (SMS sign-in on). Apps: the full one (tenant.json's
    /// id), one with phone permissions only, one with none.
    /// </summary>
    public async Task SeedAsync()
    {
        await Emulator.Control.ResetAsync();
        JsonObject User(string name, params JsonObject[] phones) => new()
        {
            ["userPrincipalName"] = name + "@contoso.com",
            ["usageLocation"] = "US",
            ["preferredMethod"] = "push",
            ["otherMethods"] = new JsonArray("microsoftAuthenticator"),
            ["phoneMethods"] = new JsonArray(phones.Select(p => (JsonNode)p).ToArray()),
        };
        var users = new JsonArray
        {
            new JsonObject { ["id"] = NoneId, ["userPrincipalName"] = "none@contoso.com", ["usageLocation"] = "US", ["phoneMethods"] = new JsonArray() },
            User("mob", Phone("mobile", "+1 2065550101")),
            User("full", Phone("mobile", "+1 2065550102"), Phone("alternateMobile", "+1 2065550103"), Phone("office", "+1 4255550123x42")),
            User("holder", Phone("mobile", "+1 2065550177", "ready")),
            User("ready", Phone("mobile", "+1 2065550105", "ready")),
        };
        var deflt = User("deflt", Phone("office", "+1 4255550199"));
        deflt["preferredMethod"] = "voiceOffice";
        users.Add(deflt);
        var nopolicy = User("nopolicy", Phone("mobile", "+1 2065550104"));
        nopolicy["smsSignInEnabledByPolicy"] = false;
        users.Add(nopolicy);
        await Emulator.Control.SeedAsync(new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = TenantGuid,
                ["domains"] = new JsonArray("contoso.onmicrosoft.com", "contoso.com"),
                ["users"] = users,
                ["apps"] = new JsonArray(
                    new JsonObject
                    {
                        ["clientId"] = ModuleFixture.ClientId,
                        ["applicationPermissions"] = new JsonArray("UserAuthenticationMethod.ReadWrite.All", "User.Read.All"),
                        ["secrets"] = new JsonArray(new JsonObject { ["value"] = ModuleFixture.ClientSecret }),
                    },
                    new JsonObject
                    {
                        ["clientId"] = PhoneOnlyApp,
                        ["applicationPermissions"] = new JsonArray("UserAuthMethod-Phone.Read.All"),
                        ["secrets"] = new JsonArray(new JsonObject { ["value"] = PhoneOnlySecret }),
                    },
                    new JsonObject
                    {
                        ["clientId"] = PhoneWriteApp,
                        ["applicationPermissions"] = new JsonArray("UserAuthMethod-Phone.ReadWrite.All", "User.Read.All"),
                        ["secrets"] = new JsonArray(new JsonObject { ["value"] = PhoneWriteSecret }),
                    },
                    new JsonObject
                    {
                        ["clientId"] = ModuleFixture.NoPermissionClientId,
                        ["applicationPermissions"] = new JsonArray(),
                        ["secrets"] = new JsonArray(new JsonObject { ["value"] = ModuleFixture.NoPermissionSecret }),
                    }),
                ["managedIdentities"] = new JsonArray(new JsonObject
                {
                    ["clientId"] = "7c0b2a3d-0000-4000-8000-0000000000a0",
                    ["objectId"] = "7c0b2a3d-0000-4000-8000-0000000000b0",
                    ["resourceId"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/contoso",
                    ["systemAssigned"] = true,
                    ["applicationPermissions"] = new JsonArray("UserAuthMethod-Phone.Read.All"),
                }),
            }),
        });
    }

    public async Task<Dictionary<string, string>> NumbersAsync(string upn)
    {
        var user = await Emulator.Control.GetUserAsync(Tenant, upn);
        var numbers = new Dictionary<string, string>();
        foreach (var m in user["phoneMethods"]!.AsArray())
            numbers[(string)m!["phoneType"]!] = (string)m["phoneNumber"]!;
        return numbers;
    }

    public async Task<string> SmsStateAsync(string upn)
    {
        var user = await Emulator.Control.GetUserAsync(Tenant, upn);
        foreach (var m in user["phoneMethods"]!.AsArray())
            if ((string)m!["phoneType"]! == "mobile") return (string)m["smsSignInState"]!;
        return "";
    }

    /// <summary>Writes Graph received per user (retries included), from the emulator's counters.</summary>
    public async Task<long> WritesAsync(string upn)
    {
        var counters = await Emulator.Control.GetCountersAsync();
        return counters["writesByUser"] is JsonObject o && o[upn] is JsonNode n ? n.GetValue<long>() : 0;
    }

    public void Dispose() => Emulator.Dispose();
}

/// <summary>
/// Set-MfaPhone, Remove-MfaPhone, Enable-MfaSmsSignIn and Disable-MfaSmsSignIn against the emulator:
/// what they write (and how often), what they refuse with which error id, pipeline binding, -WhatIf,
/// -PassThru and -Session.
/// </summary>
public sealed class PhoneChangeTests : IClassFixture<PhoneChangeFixture>
{
    private readonly PhoneChangeFixture _f;
    public PhoneChangeTests(PhoneChangeFixture f) => _f = f;

    private static string Prop(PSObject o, string name) => Convert.ToString(o.Properties[name]?.Value) ?? "";

    private static string Id(ErrorRecord e) => e.FullyQualifiedErrorId;

    // ---- Set-MfaPhone ----

    [Fact]
    public async Task SetAddsANormalisedNumberAndWritesNothingToTheOutputWithoutPassThru()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Set-MfaPhone -UserId none@contoso.com -PhoneNumber '(206) 555-0150'");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Equal("+1 2065550150", (await _f.NumbersAsync("none@contoso.com"))["mobile"]);  // read in the usageLocation (US)
        Assert.Equal(1, await _f.WritesAsync("none@contoso.com"));
    }

    [Fact]
    public async Task SetUpdatesInPlaceOnceAndLeavesAnEqualNumberAlone()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            Set-MfaPhone -UserId mob@contoso.com -PhoneNumber '+1 206 555 0160' -PassThru
            Set-MfaPhone -UserId mob@contoso.com -PhoneNumber '2065550160' -DefaultRegion us -PassThru
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(2, r.Output.Count);
        Assert.Equal("MfaPhone.SyncResult", r.Output[0].TypeNames[0]);
        Assert.Equal(new[] { "mobile", "Update", "Succeeded", "+1 2065550101", "+1 2065550160" },
            new[] { "PhoneType", "Action", "Status", "Before", "After" }.Select(n => Prop(r.Output[0], n)));
        Assert.Equal("mob@contoso.com", Prop(r.Output[0], "UserPrincipalName"));
        Assert.Equal(new[] { "NoChange", "Succeeded" }, new[] { "Action", "Status" }.Select(n => Prop(r.Output[1], n)));
        Assert.Equal("+1 2065550160", (await _f.NumbersAsync("mob@contoso.com"))["mobile"]);
        Assert.Equal(1, await _f.WritesAsync("mob@contoso.com"));  // one PATCH: no delete-then-add, nothing for the equal number
    }

    [Fact]
    public async Task SetRefusesAnUnusableNumberBeforeWritingAnything()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            Set-MfaPhone -UserId mob@contoso.com -PhoneNumber '+1 206 CALL NOW'
            Set-MfaPhone -UserId mob@contoso.com -PhoneNumber '+1 206'
            Set-MfaPhone -UserId mob@contoso.com -PhoneNumber ''
            Set-MfaPhone -UserId none@contoso.com -PhoneNumber '12' -PhoneType office
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(4, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.StartsWith("InvalidPhoneNumber,", Id(e)));
        Assert.All(r.Errors, e => Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category));
        Assert.Contains("Nothing was written", r.Errors[0].Exception.Message);
        Assert.Contains("Remove-MfaPhone", r.Errors[2].Exception.Message);
        Assert.Equal("mob@contoso.com", r.Errors[0].TargetObject);
        Assert.Equal(0, await _f.WritesAsync("mob@contoso.com"));
        Assert.Equal(0, await _f.WritesAsync("none@contoso.com"));
    }

    [Fact]
    public async Task SetReadsANationalNumberInTheUsageLocationAndRefusesItWhenThatCannotReadIt()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        // 070-123 45 67 is a Swedish mobile number; in the US it is not a number at all.
        var r = ps.Run(_f.Connect() + "Set-MfaPhone -UserId none@contoso.com -PhoneNumber '070-123 45 67'");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("InvalidPhoneNumber,", Id(error));
        Assert.Equal(0, await _f.WritesAsync("none@contoso.com"));
    }

    [Fact]
    public async Task SetRefusesAnAlternateMobileWithoutAMobile()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Set-MfaPhone -UserId none@contoso.com -PhoneNumber '+1 2065550170' -PhoneType alternateMobile");
        Assert.Null(r.Terminating);
        Assert.StartsWith("AlternateMobileNeedsMobile,", Id(Assert.Single(r.Errors)));
        Assert.Contains("-PhoneType mobile", r.Errors[0].Exception.Message);
        Assert.Empty(await _f.NumbersAsync("none@contoso.com"));
        Assert.Equal(0, await _f.WritesAsync("none@contoso.com"));
    }

    [Fact]
    public async Task SetBindsUserNumberAndTypeFromPipedRowsAndGoesOnAfterAFailedUser()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            @(
                [pscustomobject]@{ UserPrincipalName = 'none@contoso.com'; PhoneNumber = '206-555-0180'; PhoneType = 'mobile' }
                [pscustomobject]@{ UserPrincipalName = 'nobody@contoso.com'; PhoneNumber = '206-555-0181' }
                [pscustomobject]@{ Id = 'full@contoso.com'; Number = '+1 425 555 0124 ext 7'; PhoneType = 'office' }
                [pscustomobject]@{ UserPrincipalName = 'mob@contoso.com'; PhoneNumber = '206-555-0182'; PhoneType = 'alternateMobile' }
            ) | Set-MfaPhone -DefaultRegion US -PassThru
            """);
        Assert.Null(r.Terminating);
        Assert.StartsWith("UserNotFound,", Id(Assert.Single(r.Errors)));
        Assert.Equal("nobody@contoso.com", r.Errors[0].TargetObject);
        Assert.Equal(new[] { "none@contoso.com|mobile|Add", "full@contoso.com|office|Update", "mob@contoso.com|alternateMobile|Add" },
            r.Output.Select(o => Prop(o, "UserPrincipalName") + "|" + Prop(o, "PhoneType") + "|" + Prop(o, "Action")));
        Assert.Equal("+1 2065550180", (await _f.NumbersAsync("none@contoso.com"))["mobile"]);
        Assert.Equal("+1 4255550124x7", (await _f.NumbersAsync("full@contoso.com"))["office"]);
        Assert.Equal("+1 2065550182", (await _f.NumbersAsync("mob@contoso.com"))["alternateMobile"]);
    }

    [Fact]
    public async Task SetFromImportCsvInTheBundledHost()
    {
        await _f.SeedAsync();
        string dir = Directory.CreateTempSubdirectory("mfaphone-set-csv-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "numbers.csv"),
                "UserPrincipalName,PhoneNumber,PhoneType\n" +
                "none@contoso.com,(206) 555-0190,mobile\n" +
                "mob@contoso.com,not a number,mobile\n");
            var r = BundledHost.Run("Import-Module MfaPhone\n" + _f.Connect() + "Import-Csv numbers.csv | Set-MfaPhone\n", workingDirectory: dir);
            Assert.Contains("Set-MfaPhone:", r.StdErr);
            Assert.Contains("is not a usable phone number", r.StdErr);
            Assert.Contains("mob@contoso.com", r.StdErr);
            Assert.Equal("+1 2065550190", (await _f.NumbersAsync("none@contoso.com"))["mobile"]);
            Assert.Equal("+1 2065550101", (await _f.NumbersAsync("mob@contoso.com"))["mobile"]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task SetWhatIfWritesNothingAndSaysWhatItWouldDoWithTheNumberMasked()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Set-MfaPhone -UserId mob@contoso.com -PhoneNumber '+1 2065550161' -WhatIf -PassThru");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Equal("+1 2065550101", (await _f.NumbersAsync("mob@contoso.com"))["mobile"]);
        Assert.Equal(0, await _f.WritesAsync("mob@contoso.com"));
    }

    [Fact]
    public async Task SetANumberAnotherUserHoldsForSmsSignInWritesItOnceWithAWarning()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Set-MfaPhone -UserId mob@contoso.com -PhoneNumber '+1 2065550177' -PassThru");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal("Succeeded", Prop(Assert.Single(r.Output), "Status"));
        Assert.Contains(r.Warning, w => w.Contains("another user holds this number"));
        Assert.Equal("+1 2065550177", (await _f.NumbersAsync("mob@contoso.com"))["mobile"]);
        Assert.Equal(1, await _f.WritesAsync("mob@contoso.com"));
    }

    [Fact]
    public async Task SetNeverOverwritesANumberGraphShowsMasked()
    {
        await _f.SeedAsync();
        string token = await _f.Emulator.Control.MintTokenAsync(new
        {
            tenant = PhoneChangeFixture.Tenant, clientId = ModuleFixture.ClientId, userPrincipalName = "mob@contoso.com",
            scopes = new[] { "UserAuthenticationMethod.ReadWrite.All", "User.Read.All" }, wids = new[] { "Authentication Administrator" },
        });
        using var ps = new PowerShellHarness();
        var r = ps.Run("$t = [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword\n" +
                       $"Connect-MfaGraph -AccessToken $t -GraphEndpoint '{_f.Endpoint}'\n" +
                       "Set-MfaPhone -UserId full@contoso.com -PhoneNumber '+1 2065550111'", token);
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("PhoneNumberMasked,", error.FullyQualifiedErrorId);
        Assert.Contains("app-only", error.Exception.Message);
        Assert.Equal("+1 2065550102", (await _f.NumbersAsync("full@contoso.com"))["mobile"]);
        Assert.Equal(0, await _f.WritesAsync("full@contoso.com"));
    }

    [Fact]
    public async Task SetUsesTheSessionItIsGiven()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(extra: "-PassThru").Replace("Connect-MfaGraph", "$full = Connect-MfaGraph") +
                       _f.Connect(ModuleFixture.NoPermissionClientId, ModuleFixture.NoPermissionSecret) + """
            Set-MfaPhone -UserId none@contoso.com -PhoneNumber '+1 2065550151'
            Set-MfaPhone -UserId none@contoso.com -PhoneNumber '+1 2065550152' -Session $full
            """);
        Assert.Null(r.Terminating);
        Assert.StartsWith("PermissionDenied,", Id(Assert.Single(r.Errors)));
        Assert.Equal("+1 2065550152", (await _f.NumbersAsync("none@contoso.com"))["mobile"]);
    }

    [Fact]
    public void WithoutASignInEachCmdletStopsWithNotConnected()
    {
        using var ps = new PowerShellHarness();
        foreach (string command in new[]
                 {
                     "Set-MfaPhone -UserId a@contoso.com -PhoneNumber '+1 2065550101'", "Remove-MfaPhone a@contoso.com office -Confirm:$false",
                     "Enable-MfaSmsSignIn a@contoso.com", "Disable-MfaSmsSignIn a@contoso.com",
                 })
        {
            var r = ps.Run(command);
            Assert.NotNull(r.Terminating);
            Assert.StartsWith("NotConnected,", r.FirstErrorId);
        }
    }

    // ---- Remove-MfaPhone ----

    [Fact]
    public async Task RemoveDeletesTheNamedTypeOnlyAndIsHighImpact()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            Remove-MfaPhone -UserId full@contoso.com -PhoneType office -Confirm:$false -PassThru
            Remove-MfaPhone -UserId none@contoso.com -PhoneType office -Confirm:$false -PassThru
            (Get-Command Remove-MfaPhone).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact.ToString()
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "office|Remove|Succeeded", "office|NoChange|Succeeded" },
            r.Output.Take(2).Select(o => Prop(o, "PhoneType") + "|" + Prop(o, "Action") + "|" + Prop(o, "Status")));
        Assert.Equal("High", r.Output[2].BaseObject);
        var numbers = await _f.NumbersAsync("full@contoso.com");
        Assert.False(numbers.ContainsKey("office"));
        Assert.True(numbers.ContainsKey("mobile") && numbers.ContainsKey("alternateMobile"));
        Assert.Equal(1, await _f.WritesAsync("full@contoso.com"));
        Assert.Equal(0, await _f.WritesAsync("none@contoso.com"));
    }

    [Fact]
    public async Task RemoveNeverDeletesTheDefaultMethod()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Remove-MfaPhone -UserId deflt@contoso.com -PhoneType office -Confirm:$false");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("DefaultMethodNotRemovable,", Id(error));
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("default", error.Exception.Message);
        Assert.True((await _f.NumbersAsync("deflt@contoso.com")).ContainsKey("office"));
        Assert.Equal(0, await _f.WritesAsync("deflt@contoso.com"));  // no DELETE was tried
    }

    [Fact]
    public async Task RemoveDeletesNothingWhenTheDefaultMethodCannotBeRead()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        // The phone-only permission does not cover signInPreferences (the default MFA method).
        var r = ps.Run(_f.Connect(PhoneChangeFixture.PhoneWriteApp, PhoneChangeFixture.PhoneWriteSecret) +
                       "Remove-MfaPhone -UserId full@contoso.com -PhoneType office -Confirm:$false");
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("PermissionDenied,", error.FullyQualifiedErrorId);
        Assert.Contains("default MFA method could not be read", error.Exception.Message);
        Assert.True((await _f.NumbersAsync("full@contoso.com")).ContainsKey("office"));
        Assert.Equal(0, await _f.WritesAsync("full@contoso.com"));
    }

    [Fact]
    public async Task RemoveTakesAlternateMobileBeforeMobileAndRefusesMobileAloneWhileAnAlternateStays()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var alone = ps.Run(_f.Connect() + "Remove-MfaPhone -UserId full@contoso.com -PhoneType mobile -Confirm:$false");
        Assert.Null(alone.Terminating);
        Assert.StartsWith("MobileNeededByAlternateMobile,", Id(Assert.Single(alone.Errors)));
        Assert.Contains("-PhoneType alternateMobile, mobile", alone.Errors[0].Exception.Message);
        Assert.Equal(0, await _f.WritesAsync("full@contoso.com"));

        var both = ps.Run("Remove-MfaPhone -UserId full@contoso.com -PhoneType mobile, alternateMobile -Confirm:$false -PassThru");
        Assert.Null(both.Terminating);
        Assert.Empty(both.Errors);
        Assert.Equal(new[] { "mobile|Remove|Succeeded", "alternateMobile|Remove|Succeeded" },
            both.Output.Select(o => Prop(o, "PhoneType") + "|" + Prop(o, "Action") + "|" + Prop(o, "Status")));
        Assert.Equal(new[] { "office" }, (await _f.NumbersAsync("full@contoso.com")).Keys);
        Assert.Equal(2, await _f.WritesAsync("full@contoso.com"));
    }

    [Fact]
    public async Task RemoveWhatIfAndPipedGetMfaPhoneOutput()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var whatIf = ps.Run(_f.Connect() + "Get-MfaPhone -UserId full@contoso.com, deflt@contoso.com -PhoneType office | Remove-MfaPhone -WhatIf");
        Assert.Null(whatIf.Terminating);
        Assert.Equal(0, await _f.WritesAsync("full@contoso.com"));
        Assert.True((await _f.NumbersAsync("full@contoso.com")).ContainsKey("office"));

        var r = ps.Run("Get-MfaPhone -UserId full@contoso.com, mob@contoso.com -PhoneType office | Remove-MfaPhone -Confirm:$false");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.False((await _f.NumbersAsync("full@contoso.com")).ContainsKey("office"));
        Assert.Equal(0, await _f.WritesAsync("mob@contoso.com"));  // mob has no office number: nothing piped for it
    }

    // ---- Enable-MfaSmsSignIn / Disable-MfaSmsSignIn ----

    [Fact]
    public async Task EnableTurnsSmsSignInOnOnceAndLeavesTheNumberAlone()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + """
            'mob@contoso.com', 'ready@contoso.com' | Enable-MfaSmsSignIn -PassThru
            Enable-MfaSmsSignIn -UserId mob@contoso.com -PassThru
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "mob@contoso.com|NoChange|Enable", "ready@contoso.com|NoChange|", "mob@contoso.com|NoChange|" },
            r.Output.Select(o => Prop(o, "UserPrincipalName") + "|" + Prop(o, "Action") + "|" + Prop(o, "SmsSignIn")));
        Assert.Equal("ready", await _f.SmsStateAsync("mob@contoso.com"));
        Assert.Equal("+1 2065550101", (await _f.NumbersAsync("mob@contoso.com"))["mobile"]);
        Assert.Equal(1, await _f.WritesAsync("mob@contoso.com"));
        Assert.Equal(0, await _f.WritesAsync("ready@contoso.com"));
    }

    [Fact]
    public async Task EnableRefusesUsersWithoutAMobileOrOutsideThePolicyWithoutSendingAnything()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + "Enable-MfaSmsSignIn -UserId none@contoso.com, nopolicy@contoso.com, mob@contoso.com");
        Assert.Null(r.Terminating);
        Assert.Equal(2, r.Errors.Count);
        Assert.StartsWith("NoMobileNumber,", Id(r.Errors[0]));
        Assert.Equal("none@contoso.com", r.Errors[0].TargetObject);
        Assert.StartsWith("SmsSignInNotAvailable,", Id(r.Errors[1]));
        Assert.Contains("notAllowedByPolicy", r.Errors[1].Exception.Message);
        Assert.Equal(0, await _f.WritesAsync("nopolicy@contoso.com"));
        Assert.Equal("ready", await _f.SmsStateAsync("mob@contoso.com"));  // the others go on
    }

    [Fact]
    public async Task DisableTurnsSmsSignInOffOnlyWhereItIsOn()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var whatIf = ps.Run(_f.Connect() + "Disable-MfaSmsSignIn -UserId ready@contoso.com -WhatIf");
        Assert.Null(whatIf.Terminating);
        Assert.Equal("ready", await _f.SmsStateAsync("ready@contoso.com"));

        var r = ps.Run("[pscustomobject]@{ UserPrincipalName = 'ready@contoso.com' }, 'mob@contoso.com', 'none@contoso.com' | Disable-MfaSmsSignIn -PassThru");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "Disable", "", "" }, r.Output.Select(o => Prop(o, "SmsSignIn")));
        Assert.Equal("notEnabled", await _f.SmsStateAsync("ready@contoso.com"));
        Assert.Equal("+1 2065550105", (await _f.NumbersAsync("ready@contoso.com"))["mobile"]);
        Assert.Equal(1, await _f.WritesAsync("ready@contoso.com"));
        Assert.Equal(0, await _f.WritesAsync("mob@contoso.com"));
    }

    [Fact]
    public async Task GetMfaPhoneOutputPipedToCompareAddressesTheUserNotThePhoneMethodId()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        // Its objects carry the user's id as UserId and the phone method's id as Id.
        var r = ps.Run(_f.Connect() + "Get-MfaPhone -UserId mob@contoso.com -PhoneType mobile | Compare-MfaPhone");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var result = Assert.Single(r.Output);
        Assert.Equal("mob@contoso.com", Prop(result, "UserPrincipalName"));
        Assert.Equal("NoChange", Prop(result, "Action"));
    }

    // ---- Get-MfaPhone: ids, UPNs and -IncludeEmpty ----

    [Fact]
    public async Task GetMfaPhoneCarriesTheObjectIdAndUpnAndIncludesUsersWithoutPhones()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect() + $"""
            Get-MfaPhone -UserId mob@contoso.com, '{PhoneChangeFixture.NoneId}' -IncludeEmpty
            '---'
            Get-MfaPhone -UserId none@contoso.com
            Get-MfaPhone -UserId mob@contoso.com -PhoneType office -IncludeEmpty
            """);
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        var mob = r.Output[0];
        Assert.True(Guid.TryParse(Prop(mob, "UserId"), out _), Prop(mob, "UserId"));
        Assert.Equal("mob@contoso.com", Prop(mob, "UserPrincipalName"));
        Assert.Equal("mobile", Prop(mob, "PhoneType"));
        var none = r.Output[1];
        Assert.Equal(PhoneChangeFixture.NoneId, Prop(none, "UserId"));
        Assert.Equal("none@contoso.com", Prop(none, "UserPrincipalName"));
        Assert.Equal("", Prop(none, "PhoneType"));
        Assert.Equal("", Prop(none, "PhoneNumber"));
        Assert.Equal("MfaPhone.PhoneMethod", none.TypeNames[0]);
        Assert.Equal("---", r.Output[2].BaseObject);
        // Without -IncludeEmpty nothing for none; with a -PhoneType the user lacks, one empty row.
        var empty = Assert.Single(r.Output.Skip(3));
        Assert.Equal("mob@contoso.com", Prop(empty, "UserPrincipalName"));
        Assert.Equal("", Prop(empty, "PhoneType"));
    }

    [Fact]
    public async Task GetMfaPhoneWithoutUserReadPermissionStillReadsPhonesAndReportsTheUserAsGiven()
    {
        await _f.SeedAsync();
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(PhoneChangeFixture.PhoneOnlyApp, PhoneChangeFixture.PhoneOnlySecret) +
                       $"Get-MfaPhone -UserId mob@contoso.com, full@contoso.com, '{PhoneChangeFixture.NoneId}' -PhoneType mobile -IncludeEmpty -Verbose");
        Assert.Null(r.Terminating);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "mob@contoso.com|mob@contoso.com|+1 2065550101", "full@contoso.com|full@contoso.com|+1 2065550102", $"{PhoneChangeFixture.NoneId}||" },
            r.Output.Select(o => Prop(o, "UserId") + "|" + Prop(o, "UserPrincipalName") + "|" + Prop(o, "PhoneNumber")));
        Assert.Single(r.Verbose, v => v.Contains("reading users was refused"));
    }

    [Fact]
    public async Task PhoneTableShowsTheUpnAndTheListShowsBothIds()
    {
        await _f.SeedAsync();
        var r = BundledHost.Run("Import-Module MfaPhone\n" + _f.Connect() + """
            $m = Get-MfaPhone -UserId full@contoso.com, none@contoso.com -IncludeEmpty
            $m | Format-Table | Out-String -Width 80
            '=== list'
            $m[0] | Format-List | Out-String -Width 80
            """, new Dictionary<string, string> { ["COLUMNS"] = "80" });
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] parts = r.StdOut.Split("=== list");
        Assert.Matches(@"UserPrincipalName\s+PhoneType\s+PhoneNumber\s+SmsSignInState", parts[0]);
        Assert.Matches(@"(?m)^full@contoso\.com\s+office\s+\+1 4255550123x42\s+notSupported", parts[0]);
        Assert.Matches(@"(?m)^none@contoso\.com\s*$", parts[0]);
        Assert.Matches(@"(?m)^UserPrincipalName\s+: full@contoso\.com", parts[1]);
        Assert.Matches(@"(?m)^UserId\s+: [0-9a-f]{8}-", parts[1]);
        Assert.All(r.StdOut.Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= 80, l));
    }
}
