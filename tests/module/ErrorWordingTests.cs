using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// How engine errors reach an admin: a category that says what kind of failure it is (retries
/// that ran out on throttling, on a failing service or on the network are not NotSpecified), a
/// message that says what is wrong and what to do, and no Entra ID trailer.
/// </summary>
public sealed class ErrorWordingTests : IClassFixture<ErrorWordingTests.Shell>
{
    private const int RequestFailed = 3, Transport = 4, Auth = 2;

    public sealed class Shell : IDisposable
    {
        public PowerShellHarness Ps { get; } = new();

        public void Dispose() => Ps.Dispose();
    }

    private readonly System.Reflection.Assembly _module;

    public ErrorWordingTests(Shell shell) => _module = ModuleReflection.Assembly(shell.Ps);

    private Exception Create(int kind, string message, int status = 0, string code = "", string requestId = "") =>
        (Exception)ModuleReflection.CallStatic(ModuleReflection.Type(_module, "MfaPhone.Native.NativeErrors"), "Create",
            kind, message, status, code, requestId)!;

    private ErrorRecord Record(Exception error) =>
        (ErrorRecord)ModuleReflection.CallStatic(ModuleReflection.Type(_module, "MfaPhone.Commands.EventPump"), "ToErrorRecord",
            error, "adele.vance@contoso.com")!;

    [Theory]
    // Today's engine: the last answer after the retries, as a plain request failure.
    [InlineData(429, "TooManyRequests", "Throttled", ErrorCategory.LimitsExceeded, "wait a few minutes")]
    [InlineData(503, "serviceUnavailable", "GraphRequestFailed", ErrorCategory.ResourceUnavailable, "on Microsoft Graph's side")]
    [InlineData(500, "", "GraphRequestFailed", ErrorCategory.ResourceUnavailable, "give Microsoft support the request id")]
    [InlineData(504, "", "GraphRequestFailed", ErrorCategory.ResourceUnavailable, "run the command again in a few minutes")]
    // The engine's retriesExhausted code (last status, attempts and time in the message).
    [InlineData(429, "retriesExhausted", "RetriesExhausted", ErrorCategory.LimitsExceeded, "-ThrottleLimit")]
    [InlineData(503, "retriesExhausted", "RetriesExhausted", ErrorCategory.ResourceUnavailable, "on Microsoft Graph's side")]
    [InlineData(0, "retriesExhausted", "RetriesExhausted", ErrorCategory.OperationTimeout, "-TimeoutSec")]
    public void RetriesThatRanOutGetACategoryAndSayWhatToDo(int status, string code, string id, ErrorCategory category, string advice)
    {
        string message = $"Graph kept failing: 7 attempts over 41.2 s; the last answer was HTTP {status} (request-id 5f1c).";
        ErrorRecord record = Record(Create(RequestFailed, message, status, code, "5f1c"));

        Assert.Equal(id, record.FullyQualifiedErrorId);
        Assert.Equal(category, record.CategoryInfo.Category);
        Assert.NotEqual(ErrorCategory.NotSpecified, record.CategoryInfo.Category);
        Assert.StartsWith(message, record.ErrorDetails.Message, StringComparison.Ordinal); // what is wrong, as the engine said it
        Assert.Contains(advice, record.ErrorDetails.Message);                                // and what to do
        Assert.Equal(record.ErrorDetails.RecommendedAction, record.ErrorDetails.Message.Substring(message.Length + 1));
        Assert.Equal(message, record.Exception.Message);
    }

    [Fact]
    public void TransportFailuresAreConnectionErrorsThatSayWhatToCheck()
    {
        ErrorRecord record = Record(Create(Transport, "GET https://graph.microsoft.com/v1.0/users failed: Could not resolve host"));

        Assert.Equal("TransportFailed", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        Assert.Contains("HTTPS_PROXY", record.ErrorDetails.Message);
        Assert.Contains("-CaBundle", record.ErrorDetails.Message);
    }

    [Fact]
    public void ErrorsWithNothingToAddKeepTheEngineMessage()
    {
        ErrorRecord record = Record(Create(RequestFailed, "Graph answered HTTP 400 badRequest: Invalid phone number.", 400, "badRequest", "r1"));

        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Null(record.ErrorDetails);
        Assert.Equal("Graph answered HTTP 400 badRequest: Invalid phone number.", record.ToString());
    }

    [Fact]
    public void EntraTrailerIsDroppedAndTheCorrelationIdKeptOnce()
    {
        const string description =
            "Sign-in failed (invalid_client, AADSTS7000215). Entra ID said: AADSTS7000215: Invalid client secret provided.\r\n" +
            "Trace ID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\nCorrelation ID: 11112222-3333-4444-5555-666677778888\r\n" +
            "Timestamp: 2025-03-04 05:06:07Z";

        string message = Create(Auth, description, 401, "invalid_client", "11112222-3333-4444-5555-666677778888").Message;

        Assert.Equal("Sign-in failed (invalid_client, AADSTS7000215). Entra ID said: AADSTS7000215: Invalid client secret provided. " +
                     "Correlation id: 11112222-3333-4444-5555-666677778888.", message);

        // Already named by the engine: not repeated.
        string named = Create(Auth, "Sign-in failed. Correlation id: 11112222-3333-4444-5555-666677778888. " +
                                    "Trace ID: 0f1e2d3c-4b5a Correlation ID: 11112222-3333-4444-5555-666677778888 Timestamp: 2025-03-04 05:06:07Z").Message;
        Assert.Equal("Sign-in failed. Correlation id: 11112222-3333-4444-5555-666677778888.", named);
    }
}

/// <summary>The same, end to end against the emulator.</summary>
[Collection("emulator")]
public sealed class ErrorWordingEndToEndTests
{
    private readonly ModuleFixture _f;

    public ErrorWordingEndToEndTests(ModuleFixture f) => _f = f;

    [Fact]
    public async Task ThrottlingThatCannotBeWaitedOutIsLimitsExceededWithAdvice()
    {
        using var ps = new PowerShellHarness();
        var connect = ps.Run(_f.Connect());
        Assert.Null(connect.Terminating);
        // Graph answers 429 asking for a longer wait than the client waits for one Retry-After.
        await _f.Emulator.Control.SetFaultsAsync(new { script = new[] { "429" }, stormRetryAfter = 400 });
        try
        {
            var r = ps.Run("Get-MfaPhone -UserId adele.vance@contoso.com");

            ErrorRecord error = Assert.Single(r.Errors);
            Assert.Equal("RetriesExhausted,MfaPhone.Commands.GetMfaPhoneCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            Assert.StartsWith(error.Exception.Message, error.ErrorDetails.Message);   // the engine's account of it
            Assert.Contains("429", error.ErrorDetails.Message);
            Assert.Contains("wait a few minutes", error.ErrorDetails.Message);    // and what to do
            Assert.Contains("-ThrottleLimit", error.ErrorDetails.RecommendedAction);
            Assert.Equal("adele.vance@contoso.com", error.TargetObject);
        }
        finally
        {
            await _f.Emulator.Control.SetFaultsAsync(new { reset = true });
        }
    }

    [Fact]
    public void AnUnreachableHostIsAConnectionErrorThatSaysWhatToCheck()
    {
        using var ps = new PowerShellHarness();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now

        var r = ps.Run(ModuleFixture.ConnectScript($"http://127.0.0.1:{port}"));

        var record = ((RuntimeException)r.Terminating!).ErrorRecord;
        Assert.Equal("TransportFailed,MfaPhone.Commands.ConnectMfaGraphCommand", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        Assert.Contains($"127.0.0.1:{port}", record.ErrorDetails.Message);
        Assert.Contains("proxy", record.ErrorDetails.Message);
    }

    [Fact]
    public void AWrongSecretSaysWhatToDoWithoutEntrasTrailer()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run(_f.Connect(secret: "Wrong~Secret"));

        string message = ((RuntimeException)r.Terminating!).ErrorRecord.ToString();
        Assert.Contains("AADSTS7000215", message);
        Assert.Contains("Value, not its Secret", message);
        Assert.DoesNotContain("Trace ID", message);
        Assert.DoesNotContain("Timestamp", message);
        Assert.Single(Regex.Matches(message, "Correlation id", RegexOptions.IgnoreCase));
    }
}
