using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// examples/runbooks/Invoke-MfaPhoneWebhook.ps1, the caller's side of the webhook contract, run in
/// the hosted runspace against a stand-in webhook endpoint on 127.0.0.1.
/// </summary>
public sealed class WebhookInvokerTests : IDisposable
{
    public const string Handshake = "Hs~invoker-7f3k9QzX2w";
    private readonly PowerShellHarness _ps = new();
    private readonly WebhookReceiver _receiver = new();

    public static string Script => Path.Combine(PowerShellHarness.RepoRoot, "examples", "runbooks", "Invoke-MfaPhoneWebhook.ps1");

    public void Dispose()
    {
        _receiver.Dispose();
        _ps.Dispose();
    }

    /// <summary>Runs the invoker; $users is args[0], the URL and handshake are SecureStrings.</summary>
    private PsResult Invoke(object users, string extra = "", string? url = null) =>
        _ps.Run("$url = [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword\n" +
                "$hs = [System.Net.NetworkCredential]::new('', $args[2]).SecurePassword\n" +
                "& $args[3] -UserPrincipalName $args[0] -WebhookUrl $url -Handshake $hs " + extra,
                users, url ?? _receiver.Url, Handshake, Script);

    private static string[] Upns(string body) =>
        JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.GetProperty("UserPrincipalName").GetString()!).ToArray();

    private void AssertNoSecrets(PsResult r)
    {
        string all = r.AllText();
        Assert.DoesNotContain(Handshake, all);
        Assert.DoesNotContain(WebhookReceiver.Token, all);
        Assert.DoesNotContain("token=", all);
    }

    [Fact]
    public void PostsTheClassicContractWithTheHandshakeInTheMessageHeader()
    {
        var r = Invoke(new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com", "ADELE.VANCE@contoso.com", " ", "quo\"te\\d@contoso.com" });
        Assert.Null(r.Terminating);
        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/webhooks?token=" + WebhookReceiver.Token, received.PathAndQuery);
        Assert.Equal("application/json; charset=utf-8", received.ContentType);
        Assert.Equal(Handshake, received.Header("message"));
        Assert.Equal(new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com", "quo\"te\\d@contoso.com" }, Upns(received.Body));

        var output = Assert.Single(r.Output);
        Assert.Equal("MfaPhone.WebhookInvocation", output.TypeNames[0]);
        Assert.Equal(3, output.Properties["Users"].Value);
        Assert.Equal(202, output.Properties["StatusCode"].Value);
        Assert.Equal(WebhookReceiver.JobId(1), output.Properties["JobId"].Value);

        var empty = Assert.Single(r.Errors);  // the blank name, left out with an error
        Assert.StartsWith("EmptyUserPrincipalName", empty.FullyQualifiedErrorId);
        AssertNoSecrets(r);
    }

    [Fact]
    public void WhatTheInvokerSendsIsWhatTheRunbookSideReadsInEveryRuntimeShape()
    {
        var sent = new[] { "adele.vance@contoso.com", "zoë.ångström@contoso.com", "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com" };
        Assert.Null(Invoke(sent).Terminating);
        var received = Assert.Single(_receiver.Requests);

        var read = ModuleReflection.Type(ModuleReflection.Assembly(_ps), "MfaPhone.Commands.WebhookInput")
            .GetMethod("Read", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var handshake = (System.Security.SecureString)_ps.Run("[System.Net.NetworkCredential]::new('', $args[0]).SecurePassword", Handshake).Output.Single().BaseObject;
        foreach (object data in new object[] { AutomationWebhookData.Object(received), AutomationWebhookData.Json(received), AutomationWebhookData.UnquotedText(received) })
        {
            var args = new object?[] { data, handshake, null };
            object? request = read.Invoke(null, args);
            Assert.Null(args[2]);
            Assert.Equal(sent, (System.Collections.Generic.IReadOnlyList<string>)ModuleReflection.Get(request!, "Users")!);
        }
    }

    [Fact]
    public void OneUserIsSentAsAnArrayAndObjectsBindByProperty()
    {
        var r = _ps.Run("$url = [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword\n" +
                        "$hs = [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword\n" +
                        "[pscustomobject]@{ UserPrincipalName = 'adele.vance@contoso.com'; Department = 'x' } | & $args[2] -WebhookUrl $url -Handshake $hs",
                        _receiver.Url, Handshake, Script);
        Assert.Null(r.Terminating);
        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("[{\"UserPrincipalName\":\"adele.vance@contoso.com\"}]", received.Body);
    }

    [Fact]
    public void LongListsAreSplitIntoBatchesInOrder()
    {
        var users = Enumerable.Range(0, 2500).Select(i => $"user{i:D4}@contoso.com").ToArray();
        var r = Invoke(users, "-BatchSize 1000");
        Assert.Null(r.Terminating);
        var requests = _receiver.Requests.ToArray();
        Assert.Equal(new[] { 1000, 1000, 500 }, requests.Select(q => Upns(q.Body).Length));
        Assert.Equal(users, requests.SelectMany(q => Upns(q.Body)));
        Assert.Equal(new object[] { 1000, 1000, 500 }, r.Output.Select(o => o.Properties["Users"].Value));
        Assert.Equal(new[] { 1, 2, 3 }.Select(WebhookReceiver.JobId), r.Output.Select(o => (string)o.Properties["JobId"].Value));
    }

    [Fact]
    public void AnAnswerOtherThan202StopsWithTheStatusAndNoSecret()
    {
        _receiver.AnswerStatus = 404;
        var r = Invoke(new[] { "adele.vance@contoso.com" });
        Assert.NotNull(r.Terminating);
        Assert.Contains("HTTP 404 instead of 202", r.Terminating!.Message);
        Assert.Contains("no longer exists", r.Terminating.Message);
        Assert.Single(_receiver.Requests);
        AssertNoSecrets(r);
    }

    [Fact]
    public void APlainHttpUrlOffThisMachineIsRefusedBeforeAnythingIsSent()
    {
        var r = Invoke(new[] { "adele.vance@contoso.com" }, url: "http://automation.example.com/webhooks?token=" + WebhookReceiver.Token);
        Assert.NotNull(r.Terminating);
        Assert.Contains("must use https", r.Terminating!.Message);
        Assert.Empty(_receiver.Requests);
        AssertNoSecrets(r);
    }

    [Fact]
    public void AnUnreachableWebhookIsNamedWithoutItsUrl()
    {
        int port = _receiver.Port;
        _receiver.Dispose();
        var r = Invoke(new[] { "adele.vance@contoso.com" }, url: $"http://127.0.0.1:{port}/webhooks?token={WebhookReceiver.Token}");
        Assert.NotNull(r.Terminating);
        Assert.Contains("could not be reached", r.Terminating!.Message);
        AssertNoSecrets(r);
    }
}
