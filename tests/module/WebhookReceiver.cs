using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace MfaPhone.Module.Tests;

/// <summary>One request the receiver got, as Azure Automation would see it.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, string? ContentType,
                                     IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public string? Header(string name) =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).SingleOrDefault();
}

/// <summary>
/// A stand-in for an Azure Automation webhook endpoint on 127.0.0.1: records every request and
/// answers as Automation does (202 {"JobIds":["..."]}), or with the status a test sets.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _jobs;
    private bool _disposed;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    public int AnswerStatus { get; set; } = 202;
    public int Port { get; }
    public const string Token = "tok3n-secret-Q9v";

    public WebhookReceiver()
    {
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            try
            {
                _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Prefixes.Clear();
            }
        }
        _loop = Task.Run(Serve);
    }

    /// <summary>The webhook URL, token in the query as Automation issues it.</summary>
    public string Url => $"http://127.0.0.1:{Port}/webhooks?token={Token}";

    public static string JobId(int n) => $"00000000-0000-4000-8000-{n:D12}";

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            string body;
            using (var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
            var headers = new List<KeyValuePair<string, string>>();
            foreach (string? name in ctx.Request.Headers.AllKeys)
                if (name != null) headers.Add(new(name, ctx.Request.Headers[name] ?? ""));
            Requests.Enqueue(new ReceivedRequest(ctx.Request.HttpMethod, ctx.Request.Url!.PathAndQuery, ctx.Request.ContentType, headers, body));
            ctx.Response.StatusCode = AnswerStatus;
            byte[] answer = Encoding.UTF8.GetBytes(AnswerStatus == 202
                ? "{\"JobIds\":[\"" + JobId(System.Threading.Interlocked.Increment(ref _jobs)) + "\"]}"
                : "{\"Message\":\"The webhook is not valid.\"}");
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await ctx.Response.OutputStream.WriteAsync(answer);
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
