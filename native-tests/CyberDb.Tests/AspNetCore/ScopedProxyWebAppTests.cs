using System.Net;
using CyberDb.AspNetCore;
using CyberDb.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CyberDb.Tests.AspNetCore;

/// <summary>The seed's before_request / teardown_request in a real Kestrel app on a loopback port, with real HTTP requests.</summary>
public class ScopedProxyWebAppTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public ScopedProxyWebAppTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Request_UsesItsOwnConnectedProxy_ClosedWhenTheRequestEnds()
    {
        var table = ServerFixture.UniqueName("centre");
        using (var setup = _fixture.Proxy())
        {
            setup.CreateCyberDict(table)["content"] = "Hello CyberDB!";
        }

        var proxies = new List<CyberProxy>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddCyberDb(options =>
        {
            options.Port = _fixture.Port;
            options.Password = ServerFixture.Password;
        });
        await using var app = builder.Build();
        app.MapGet("/", (CyberProxy proxy) =>
        {
            lock (proxies)
            {
                proxies.Add(proxy);
            }

            Assert.True(proxy.IsConnected);
            return Results.Json(new { code = 1, content = (string)proxy.GetCyberDict(table)["content"]! });
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(10) };
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal("""{"code":1,"content":"Hello CyberDB!"}""", await http.GetStringAsync("/"));
            }

            var client = app.Services.GetRequiredService<CyberDbClient>();
            Assert.Equal(5, proxies.Distinct().Count());
            Assert.All(proxies, proxy => Assert.False(proxy.IsConnected));
            Assert.Equal(1, client.IdleCount);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
