using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TensorGuard.Testing;

/// <summary>Starts a Kestrel app that answers every request with one handler, on free ports of 127.0.0.1, without logging.</summary>
public static class LoopbackHost
{
    /// <summary>Starts <paramref name="handler"/> on <paramref name="ports"/> free loopback ports.</summary>
    /// <returns>The running app (dispose it to stop) and the root URL of each port, in order.</returns>
    public static async Task<(WebApplication App, Uri[] Addresses)> StartAsync(RequestDelegate handler, int ports = 1)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(ports, 1);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Enumerable.Repeat("http://127.0.0.1:0", ports).ToArray());
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.Run(handler);
        await app.StartAsync().ConfigureAwait(false);
        Uri[] addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(address => new Uri(address)).ToArray();
        return (app, addresses);
    }
}
