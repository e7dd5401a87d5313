using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MfaPhone.Emulator;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        EmulatorOptions opts;
        try { opts = EmulatorOptions.Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine("mfaphone-emulator: " + e.Message);
            return 2;
        }
        if (opts.ShowHelp)
        {
            Console.Out.Write(EmulatorOptions.HelpText);
            return 0;
        }

        TokenService? tokens = null;
        if (opts.SigningKeyFile != null)
        {
            try { tokens = TokenService.FromPemFile(opts.SigningKeyFile); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("mfaphone-emulator: " + e.Message);
                return 2;
            }
        }

        Emu emu;
        try
        {
            emu = new Emu(opts, tokens);
            emu.LoadStartupSeed();
        }
        catch (Exception e) when (e is SeedException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("mfaphone-emulator: cannot load tenant seed: " + e.Message);
            return 2;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("mfaphone-emulator: " + e.Message);
            return 2;
        }

        ThreadPool.GetMinThreads(out int w, out int c);
        ThreadPool.SetMinThreads(Math.Max(w, 32), Math.Max(c, 32));

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders(); // nothing from ASP.NET reaches the console: no URLs, headers or bodies
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(emu);
        X509Certificate2? serverCert = null;
        if (opts.HttpsPort != null)
        {
            try { serverCert = X509Certificate2.CreateFromPemFile(opts.TlsCert!, opts.TlsKey!); }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("mfaphone-emulator: cannot load TLS certificate/key: " + e.Message);
                return 2;
            }
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.MaxConcurrentUpgradedConnections = null;
            k.Limits.Http2.MaxStreamsPerConnection = opts.Http2MaxStreams;
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
            k.Limits.MinRequestBodyDataRate = null;
            k.Limits.MinResponseDataRate = null;
            k.Listen(IPAddress.Loopback, opts.Port, lo => lo.Protocols = HttpProtocols.Http1AndHttp2);
            if (serverCert != null)
                k.Listen(IPAddress.Loopback, opts.HttpsPort!.Value, lo =>
                {
                    lo.Protocols = HttpProtocols.Http1AndHttp2;
                    lo.UseHttps(serverCert);
                });
        });

        var app = builder.Build();
        Routes.Map(app, emu);

        try { await app.StartAsync(); }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            Console.Error.WriteLine("mfaphone-emulator: cannot listen: " + e.Message);
            return 1;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var ordered = addresses.OrderBy(a => a.StartsWith("https", StringComparison.Ordinal) ? 1 : 0).ToList();
        var stdout = Console.Out;
        foreach (var a in ordered)
        {
            var uri = new Uri(a);
            stdout.WriteLine($"mfaphone-emulator listening on {uri.Scheme}://127.0.0.1:{uri.Port}");
        }
        stdout.WriteLine("mfaphone-emulator ready");
        stdout.Flush();

        await app.WaitForShutdownAsync();
        emu.Dispose();
        return 0;
    }
}
