using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Security;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// The module's reading of $WebhookData (MfaPhone.Commands.WebhookInput): objects built in the
/// hosted runspace exactly as runbooks receive them, handed to the internal reader. Error ids,
/// categories, and that no header value or body text reaches an error.
/// </summary>
public sealed class WebhookInputTests : IDisposable
{
    private const string Secret = "Hs~7f3k9QzX2w-Zoë-Å";
    private const string BodyMarker = "bm-7q2-unique";
    private const string Body = "[{\"UserPrincipalName\":\"adele.vance@contoso.com\"},{\"userPrincipalName\":\"zoë.ångström@contoso.com\"}]";

    private readonly PowerShellHarness _ps = new();
    private readonly Type _input;

    public WebhookInputTests()
    {
        _input = ModuleReflection.Type(ModuleReflection.Assembly(_ps), "MfaPhone.Commands.WebhookInput");
    }

    public void Dispose() => _ps.Dispose();

    private sealed record Outcome(object? Request, ErrorRecord? Refusal)
    {
        public IReadOnlyList<string> Users => (IReadOnlyList<string>)ModuleReflection.Get(Request!, "Users")!;
        public IReadOnlyList<ErrorRecord> EntryErrors => (IReadOnlyList<ErrorRecord>)ModuleReflection.Get(Request!, "EntryErrors")!;
        public string Shape => (string)ModuleReflection.Get(Request!, "Shape")!;
    }

    /// <summary>Builds $WebhookData with <paramref name="script"/> in the runspace, then reads it.</summary>
    private Outcome Read(string script, string handshake = Secret)
    {
        var built = _ps.Run(script);
        Assert.Null(built.Terminating);
        object? data = built.Output.Count == 0 ? null : built.Output.Single();
        return ReadObject(data, handshake);
    }

    private Outcome ReadObject(object? data, string handshake = Secret)
    {
        var secure = (SecureString)_ps.Run("[System.Net.NetworkCredential]::new('', $args[0]).SecurePassword", handshake).Output.Single().BaseObject;
        var args = new object?[] { data, secure, null };
        object? request;
        try
        {
            request = _input.GetMethod("Read", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, args);
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            throw e.InnerException;
        }
        Assert.Equal(handshake.Length, secure.Length);  // the caller's SecureString is left as it was
        var outcome = new Outcome(request, (ErrorRecord?)args[2]);
        Assert.True((outcome.Request == null) != (outcome.Refusal == null));
        if (outcome.Refusal != null) AssertQuiet(outcome.Refusal);
        return outcome;
    }

    /// <summary>No header value, handshake or body text in an error's text.</summary>
    private static void AssertQuiet(ErrorRecord e, params string[] more)
    {
        string text = string.Join("\n", e.ToString(), e.Exception.ToString(), e.ErrorDetails?.Message,
            e.ErrorDetails?.RecommendedAction, Convert.ToString(e.TargetObject), e.CategoryInfo.ToString());
        foreach (var s in new[] { Secret, "wrong-" + Secret, BodyMarker, "adele.vance", "Keep-Alive", "x-ms-request-id-value" }.Concat(more))
            Assert.DoesNotContain(s, text);
    }

    private static string Object51(string header, string body = Body) =>
        "[pscustomobject]@{ WebhookName = 'mfa-sync'; RequestBody = '" + body.Replace("'", "''") + "'; " +
        "RequestHeader = [pscustomobject]@{ Connection = 'Keep-Alive'; " + header + "; 'x-ms-request-id' = 'x-ms-request-id-value' } }";

    private static void AssertRefused(Outcome o, string id, ErrorCategory category, string says)
    {
        Assert.NotNull(o.Refusal);
        Assert.Equal(id, o.Refusal!.FullyQualifiedErrorId);
        Assert.Equal(category, o.Refusal.CategoryInfo.Category);
        Assert.Contains(says, o.Refusal.Exception.Message);
    }

    [Fact]
    public void TheWindowsPowerShellObjectFormIsRead()
    {
        var o = Read(Object51("Message = '" + Secret + "'"));
        Assert.Null(o.Refusal);
        Assert.Equal(new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com" }, o.Users);
        Assert.Equal("object", o.Shape);
        Assert.Equal("mfa-sync", ModuleReflection.Get(o.Request!, "WebhookName"));
        Assert.Empty(o.EntryErrors);
    }

    [Fact]
    public void AHashtableWebhookDataAndHeaderAreReadToo()
    {
        var o = Read("@{ webhookname = 'h'; requestheader = @{ MESSAGE = '" + Secret + "' }; requestbody = '" + Body + "' }");
        Assert.Null(o.Refusal);
        Assert.Equal(2, o.Users.Count);
    }

    [Fact]
    public void TheTextFormsOfPowerShell7AreRead()
    {
        string json = "{\"WebhookName\":\"mfa-sync\",\"RequestBody\":\"" + Body.Replace("\"", "\\\"") +
                      "\",\"RequestHeader\":{\"Connection\":\"Keep-Alive\",\"message\":\"" + Secret + "\"}}";
        var fromJson = ReadObject(json);
        Assert.Null(fromJson.Refusal);
        Assert.Equal("json", fromJson.Shape);
        Assert.Equal(2, fromJson.Users.Count);

        string unquoted = "{WebhookName:mfa-sync,RequestBody:" + Body + ",RequestHeader:{Connection:Keep-Alive,Host:h.webhook.we.azure-automation.net,message:" +
                          Secret + ",x-ms-request-id:x-ms-request-id-value}}";
        var fromText = Read("'" + unquoted.Replace("'", "''") + "'");
        Assert.Null(fromText.Refusal);
        Assert.Equal("text", fromText.Shape);
        Assert.Equal(new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com" }, fromText.Users);
    }

    [Fact]
    public void TheTestPaneWithoutAHeaderIsRefusedAsAMissingHandshake()
    {
        var o = ReadObject("{\"WebhookName\":\"mywebhook\",\"RequestBody\":\"[{\\\"UserPrincipalName\\\":\\\"" + BodyMarker + "@contoso.com\\\"}]\"}");
        AssertRefused(o, "WebhookHandshakeMissing", ErrorCategory.SecurityError, "no 'message' header");
        Assert.Contains("test pane", o.Refusal!.Exception.Message);
        Assert.Contains("'message'", o.Refusal.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void AWrongHandshakeIsASecurityErrorThatRepeatsNothing()
    {
        var o = Read(Object51("message = 'wrong-" + Secret + "'", "[{\"UserPrincipalName\":\"" + BodyMarker + "@contoso.com\"}]"));
        AssertRefused(o, "WebhookHandshakeMismatch", ErrorCategory.SecurityError, "does not match the configured handshake");
        Assert.Contains("-Handshake", o.Refusal!.ErrorDetails.RecommendedAction);
        Assert.Null(o.Refusal.TargetObject);

        var twice = Read("[pscustomobject]@{ RequestBody = '" + Body + "'; RequestHeader = @{ message = @('" + Secret + "', '" + Secret + "') } }");
        AssertRefused(twice, "WebhookHandshakeMismatch", ErrorCategory.SecurityError, "does not match");

        var missing = Read(Object51("Host = 'h'"));
        AssertRefused(missing, "WebhookHandshakeMissing", ErrorCategory.SecurityError, "no 'message' header");
    }

    [Fact]
    public void BodyProblemsHaveTheirOwnIds()
    {
        AssertRefused(Read(Object51("message = '" + Secret + "'", "")), "WebhookBodyEmpty", ErrorCategory.InvalidData, "is empty");
        AssertRefused(Read("[pscustomobject]@{ WebhookName = 'h'; RequestHeader = @{ message = '" + Secret + "' } }"),
            "WebhookBodyEmpty", ErrorCategory.InvalidData, "no body");
        AssertRefused(Read(Object51("message = '" + Secret + "'", BodyMarker + "@contoso.com")),
            "WebhookBodyInvalid", ErrorCategory.InvalidData, "not valid JSON");
        AssertRefused(Read(Object51("message = '" + Secret + "'", "[" + new string(' ', 1024 * 1024) + "]")),
            "WebhookBodyTooLarge", ErrorCategory.LimitsExceeded, "at most 1.0 MiB");
        var many = "[" + string.Join(",", Enumerable.Range(0, 10001).Select(i => "{\"UserPrincipalName\":\"u" + i + "@contoso.com\"}")) + "]";
        AssertRefused(Read(Object51("message = '" + Secret + "'", many)), "WebhookBodyTooLarge", ErrorCategory.LimitsExceeded, "at most 10000");
        AssertRefused(ReadObject("{\"RequestHeader\":{\"message\":\"" + Secret + "\"},\"RequestBody\":\"[" + new string(' ', 4 * 1024 * 1024) + "]\"}"),
            "WebhookBodyTooLarge", ErrorCategory.LimitsExceeded, "Split the users");
        AssertRefused(Read("[pscustomobject]@{ RequestHeader = @{ message = '" + Secret + "' }; RequestBody = @(@{ UserPrincipalName = 'a@contoso.com' }) }"),
            "WebhookBodyInvalid", ErrorCategory.InvalidData, "not the request's text");
    }

    [Fact]
    public void EntriesWithoutAUsableUserAreErrorsByPositionAndTheRestGoOn()
    {
        var o = Read(Object51("message = '" + Secret + "'",
            "[{\"UserPrincipalName\":\"adele.vance@contoso.com\"},{\"Name\":\"" + BodyMarker + "\"},{\"UserPrincipalName\":\"" + BodyMarker + "\"}]"));
        Assert.Null(o.Refusal);
        Assert.Equal(new[] { "adele.vance@contoso.com" }, o.Users);
        Assert.Equal(2, o.EntryErrors.Count);
        Assert.Equal(new object[] { 2, 3 }, o.EntryErrors.Select(e => e.TargetObject));
        foreach (var e in o.EntryErrors)
        {
            Assert.Equal("WebhookEntryInvalid", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            AssertQuiet(e);
        }
        Assert.Contains("Entry 2 of the request body has no UserPrincipalName", o.EntryErrors[0].Exception.Message);
    }

    [Fact]
    public void WhatIsNoWebhookDataIsNamed()
    {
        AssertRefused(ReadObject(null), "WebhookDataInvalid", ErrorCategory.InvalidData, "-WebhookData");
        AssertRefused(Read("@{ UserPrincipalName = 'a@contoso.com' }"), "WebhookDataInvalid", ErrorCategory.InvalidData,
            "without WebhookName, RequestHeader or RequestBody");
        AssertRefused(Read("[pscustomobject]@{ RequestBody = '[]'; RequestHeader = 'message: x' }"), "WebhookDataInvalid",
            ErrorCategory.InvalidData, "RequestHeader in the webhook data is text");
        AssertRefused(ReadObject(Body), "WebhookDataInvalid", ErrorCategory.InvalidData, "looks like a request body");
        AssertRefused(ReadObject("not webhook data " + BodyMarker), "WebhookDataInvalid", ErrorCategory.InvalidData, "neither JSON");
    }

    [Fact]
    public void AnEmptyHandshakeIsAnInputError()
    {
        AssertRefused(Read(Object51("message = ''"), ""), "InvalidInput", ErrorCategory.InvalidArgument, "The handshake is empty");
    }
}
