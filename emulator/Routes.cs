using System.Diagnostics;
using System.Globalization;

namespace MfaPhone.Emulator;

/// <summary>Maps every service onto one listener, disjoint by path.</summary>
public static class Routes
{
    public static void Map(WebApplication app, Emu emu)
    {
        // Counters and (optional, secret-free) request log.
        app.Use(async (ctx, next) =>
        {
            // control calls are the harness, not service traffic: they are not counted as requests
            bool service = !ctx.Request.Path.StartsWithSegments("/control");
            if (service) emu.Counters.Enter();
            var sw = Stopwatch.StartNew();
            try { await next(ctx); }
            catch (Exception e) when (e is not OperationCanceledException || !ctx.RequestAborted.IsCancellationRequested)
            {
                // A bug in the emulator: say where (type and route only, never messages that could echo input).
                Console.Error.WriteLine($"mfaphone-emulator: internal error {e.GetType().Name} in {ctx.Items["route"] ?? ctx.Request.Method} at {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name}");
                if (!ctx.Response.HasStarted)
                {
                    ctx.Response.Clear();
                    ctx.Response.StatusCode = 500;
                    ctx.Response.ContentType = "application/json; charset=utf-8";
                    await ctx.Response.WriteAsync("{\"error\":{\"code\":\"generalException\",\"message\":\"The emulator failed to process the request.\"}}");
                }
            }
            finally
            {
                if (service) emu.Counters.Leave();
                string route = ctx.Items["route"] as string ?? "unmatched";
                int status = ctx.RequestAborted.IsCancellationRequested && !ctx.Response.HasStarted ? 0 : ctx.Response.StatusCode;
                emu.Counters.Add(emu.Counters.RequestsByRouteStatus, route + " " + status.ToString(CultureInfo.InvariantCulture));
                if (emu.Options.LogRequests)
                    Console.Error.WriteLine($"{ctx.Request.Method} {LoggedPath(ctx.Request.Path)} {status} {sw.ElapsedMilliseconds}ms");
            }
        });

        // Entra ID
        app.MapMethods("/{tenant}/oauth2/v2.0/token", new[] { "GET", "POST" }, (HttpContext ctx, string tenant) => Entra.Token(ctx, emu, tenant));
        app.MapMethods("/{tenant}/oauth2/v2.0/devicecode", new[] { "GET", "POST" }, (HttpContext ctx, string tenant) => Entra.DeviceCode(ctx, emu, tenant));
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext ctx, string tenant) => Entra.OpenIdConfiguration(ctx, emu, tenant));
        app.MapGet("/{tenant}/discovery/v2.0/keys", (HttpContext ctx, string tenant) => Entra.Keys(ctx, emu, tenant));
        app.MapGet("/msi/token", (HttpContext ctx) => Entra.ManagedIdentity(ctx, emu));
        app.MapMethods("/metadata/identity/oauth2/token", new[] { "GET", "POST" }, (HttpContext ctx) => Entra.Imds(ctx, emu));

        // Graph
        app.Map("/v1.0/{**rest}", (HttpContext ctx) => Graph.Handle(ctx, emu, "v1.0"));
        app.Map("/beta/{**rest}", (HttpContext ctx) => Graph.Handle(ctx, emu, "beta"));

        // Twilio REST
        app.Map("/2010-04-01/Accounts/{accountSid}/Messages.json", (HttpContext ctx, string accountSid) => emu.Twilio.HandleRest(ctx, accountSid, null));
        app.Map("/2010-04-01/Accounts/{accountSid}/Messages/{sid}", (HttpContext ctx, string accountSid, string sid) => emu.Twilio.HandleRest(ctx, accountSid, sid));

        // Teams Workflows / Slack receivers
        app.Map("/teams/workflows/{**path}", (HttpContext ctx, string path) => emu.Receivers.Teams(ctx, path));
        app.Map("/slack/services/{**path}", (HttpContext ctx, string path) => emu.Receivers.Slack(ctx, path));

        AutomationService.Map(app, emu);
        Control.Map(app, emu);
    }

    /// <summary>The path as logged: a Slack webhook path is its secret, so only its prefix is shown.</summary>
    public static string LoggedPath(PathString path)
    {
        var p = path.Value ?? "";
        return p.StartsWith("/slack/services/", StringComparison.OrdinalIgnoreCase) ? "/slack/services/REDACTED" : p;
    }
}
