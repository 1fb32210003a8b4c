using CyberDb.AspNetCore;
using CyberDb.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace CyberDb.Tests.AspNetCore;

/// <summary>HybridCache with the CyberDb distributed cache as its second level: what one process caches, another finds.</summary>
public class HybridCacheTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public HybridCacheTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private ServiceProvider Build(string table)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCyberDb(options =>
        {
            options.Port = _fixture.Port;
            options.Password = ServerFixture.Password;
        });
        services.AddCyberDbDistributedCache(options => options.TableName = table);
        services.AddHybridCache();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task GetOrCreate_SecondCacheInstance_ReadsTheValueFromCyberDb()
    {
        var table = ServerFixture.UniqueName("hybrid");
        var calls = 0;
        ValueTask<string> Factory(CancellationToken _)
        {
            calls++;
            return ValueTask.FromResult("Hello CyberDB!");
        }

        await using (var first = Build(table))
        {
            Assert.Equal("Hello CyberDB!", await first.GetRequiredService<HybridCache>().GetOrCreateAsync("greeting", Factory));
        }

        using (var proxy = _fixture.Proxy())
        {
            Assert.True(proxy.GetCyberDict(table).ContainsKey("greeting"));
        }

        // A new container has an empty first level (as another worker process would): the value comes from CyberDb.
        await using (var second = Build(table))
        {
            Assert.Equal("Hello CyberDB!", await second.GetRequiredService<HybridCache>().GetOrCreateAsync("greeting", Factory));
        }

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Remove_ThroughHybridCache_RemovesFromCyberDb()
    {
        var table = ServerFixture.UniqueName("hybrid");
        await using var provider = Build(table);
        var cache = provider.GetRequiredService<HybridCache>();
        await cache.SetAsync("k", 42);
        await cache.RemoveAsync("k");
        using var proxy = _fixture.Proxy();
        Assert.False(proxy.GetCyberDict(table).ContainsKey("k"));
    }
}
