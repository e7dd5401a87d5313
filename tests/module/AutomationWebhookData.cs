using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace MfaPhone.Module.Tests;

/// <summary>
/// The $WebhookData Azure Automation hands a runbook for a request, in each runtime's shape.
/// </summary>
public static class AutomationWebhookData
{
    public const string WebhookName = "mfa-sync";

    /// <summary>Windows PowerShell 5.1: a PSCustomObject whose RequestHeader is a PSCustomObject.</summary>
    public static PSObject Object(ReceivedRequest request)
    {
        var header = new PSObject();
        foreach (var h in request.Headers) header.Properties.Add(new PSNoteProperty(h.Key, h.Value));
        var data = new PSObject();
        data.Properties.Add(new PSNoteProperty("WebhookName", WebhookName));
        data.Properties.Add(new PSNoteProperty("RequestBody", request.Body));
        data.Properties.Add(new PSNoteProperty("RequestHeader", header));
        return data;
    }

    /// <summary>PowerShell 7.x: the same as JSON text.</summary>
    public static string Json(ReceivedRequest request) =>
        JsonSerializer.Serialize(new
        {
            WebhookName,
            RequestBody = request.Body,
            RequestHeader = request.Headers.GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.Last().Value),
        });

    /// <summary>PowerShell 7.x as some runtimes produce it: no quotes, the body verbatim.</summary>
    public static string UnquotedText(ReceivedRequest request) =>
        "{WebhookName:" + WebhookName + ",RequestBody:" + request.Body + ",RequestHeader:{" +
        string.Join(",", request.Headers.Select(h => h.Key + ":" + h.Value)) + "}}";
}
