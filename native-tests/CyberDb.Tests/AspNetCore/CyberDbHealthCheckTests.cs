using CyberDb.AspNetCore;
using CyberDb.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CyberDb.Tests.AspNetCore;

public class CyberDbHealthCheckTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public CyberDbHealthCheckTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private static async Task<HealthReport> CheckAsync(int port)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCyberDb(options =>
        {
            options.Port = port;
            options.Password = ServerFixture.Password;
            options.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        services.AddHealthChecks().AddCyberDbHealthCheck();
        await using var provider = services.BuildServiceProvider();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(timeout.Token);
    }

    [Fact]
    public async Task CheckHealth_ServerUp_HealthyWithTransport()
    {
        var report = await CheckAsync(_fixture.Port);
        var entry = report.Entries[CyberDbHealthChecksBuilderExtensions.DefaultName];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(OperatingSystem.IsLinux() ? "SharedMemory" : "Tcp", entry.Data["transport"]); // Auto on a loopback host
    }

    [Fact]
    public async Task CheckHealth_NoServer_Unhealthy()
    {
        var report = await CheckAsync(CyberDbServiceCollectionExtensionsTests.UnusedPort());
        var entry = report.Entries[CyberDbHealthChecksBuilderExtensions.DefaultName];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.IsType<CyberDbConnectionException>(entry.Exception);
    }

    [Fact]
    public async Task CheckHealth_ServerStopped_Unhealthy()
    {
        using var server = new CyberDbServer();
        server.Start(new CyberDbServerOptions { Port = 0, Password = ServerFixture.Password });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCyberDb(options =>
        {
            options.Port = server.Port;
            options.Password = ServerFixture.Password;
            options.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        services.AddHealthChecks().AddCyberDbHealthCheck(failureStatus: HealthStatus.Degraded);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        server.Stop();
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);
    }
}
