using System.Net;
using CyberDb.AspNetCore;
using CyberDb.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CyberDb.Tests.AspNetCore;

/// <summary>
/// AddCyberDb connects the client while the app starts, so the first requests find it ready; a
/// server that is down then does not stop the app, and the first request that needs it tries again.
/// </summary>
public class CyberDbClientWarmupTests
{
    private static WebApplication Build(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddCyberDb(options =>
        {
            options.Port = port;
            options.Password = TestServer.Password;
        });
        var app = builder.Build();
        app.MapGet("/", (CyberProxy proxy) => Results.Text(proxy.GetTables().Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return app;
    }

    [Fact]
    public async Task AppStart_ConnectsTheClient_BeforeAnyRequest()
    {
        using var server = TestServer.Start();
        await using var app = Build(server.Port);
        Assert.Equal(0, TestServer.Connections(server));
        await app.StartAsync();
        try
        {
            // No request yet: the warm-up's connection waits in the pool.
            Assert.Equal(1, TestServer.Connections(server));
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("0", await http.GetStringAsync("/"));
            Assert.Equal(1, TestServer.Connections(server)); // the request took the warm connection
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task AppStart_WithTheServerDown_StartsAnyway_AndTheFirstRequestTriesAgain()
    {
        var port = TestServer.UnusedPort();
        await using var app = Build(port);
        await app.StartAsync(); // logged, not thrown
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync("/")).StatusCode);

            using var server = TestServer.Start(o => o.Port = port);
            Assert.Equal("0", await http.GetStringAsync("/"));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
