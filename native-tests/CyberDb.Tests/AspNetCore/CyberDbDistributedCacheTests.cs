using System.Buffers;
using CyberDb.AspNetCore;
using CyberDb.AspNetCore.Caching;
using CyberDb.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CyberDb.Tests.AspNetCore;

/// <summary>The distributed cache on a real server, with a fake clock: time is advanced, never slept.</summary>
public sealed class CyberDbDistributedCacheTests : IClassFixture<ServerFixture>, IDisposable
{
    private static readonly byte[] Value = [1, 2, 3];

    private readonly ServerFixture _fixture;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly string _table = ServerFixture.UniqueName("cache");
    private readonly ServiceProvider _provider;

    public CyberDbDistributedCacheTests(ServerFixture fixture)
    {
        _fixture = fixture;
        _provider = Build(options => options.TableName = _table);
        Cache = _provider.GetRequiredService<IDistributedCache>();
    }

    private IDistributedCache Cache { get; }

    private ServiceProvider Build(Action<CyberDbCacheOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddCyberDb(options =>
        {
            options.Port = _fixture.Port;
            options.Password = ServerFixture.Password;
        });
        services.AddCyberDbDistributedCache(configure);
        return services.BuildServiceProvider();
    }

    private bool StoredInTable(string key)
    {
        using var proxy = _fixture.Proxy();
        return proxy.GetCyberDict(_table).ContainsKey(key);
    }

    [Fact]
    public void AddCyberDbDistributedCache_RegistersOneInstanceForBothInterfaces()
    {
        Assert.IsType<CyberDbDistributedCache>(Cache);
        Assert.Same(Cache, _provider.GetRequiredService<IBufferDistributedCache>());
    }

    [Fact]
    public void Get_Missing_ReturnsNull()
    {
        Assert.Null(Cache.Get("missing"));
    }

    [Fact]
    public void Set_ThenGet_ReturnsTheBytesAndStoresThemInTheTable()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions());
        Assert.Equal(Value, Cache.Get("k"));
        Assert.True(StoredInTable("k"));
    }

    [Fact]
    public async Task SetAsync_GetAsync_RemoveAsync_RoundTrip()
    {
        await Cache.SetStringAsync("s", "hello");
        Assert.Equal("hello", await Cache.GetStringAsync("s"));
        await Cache.RemoveAsync("s");
        Assert.Null(await Cache.GetAsync("s"));
    }

    [Fact]
    public void Remove_Existing_RemovesItFromTheTable()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions());
        Cache.Remove("k");
        Assert.Null(Cache.Get("k"));
        Assert.False(StoredInTable("k"));
    }

    [Fact]
    public void Get_PastRelativeExpiration_MissAndEntryRemoved()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(Value, Cache.Get("k"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(Cache.Get("k"));
        Assert.False(StoredInTable("k"));
    }

    [Fact]
    public void Get_PastAbsoluteExpiration_Miss()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddSeconds(30) });
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.NotNull(Cache.Get("k"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(Cache.Get("k"));
    }

    [Fact]
    public void Set_AbsoluteExpirationInThePast_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Cache.Set("k", Value, new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddSeconds(-1) }));
    }

    [Fact]
    public void Get_SlidingEntry_EachReadExtendsIt()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(6));
            Assert.Equal(Value, Cache.Get("k"));
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(Cache.Get("k"));
    }

    [Fact]
    public void Refresh_SlidingEntry_ExtendsItWithoutReading()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        _time.Advance(TimeSpan.FromMinutes(8));
        Cache.Refresh("k");
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.Equal(Value, Cache.Get("k"));
    }

    [Fact]
    public void Refresh_WithoutRefresh_SlidingEntryExpires()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        _time.Advance(TimeSpan.FromMinutes(11));
        Cache.Refresh("k");
        Assert.Null(Cache.Get("k"));
    }

    [Fact]
    public void Get_SlidingEntry_NeverOutlivesItsAbsoluteExpiration()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(15),
        });
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(Cache.Get("k"));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull(Cache.Get("k"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(Cache.Get("k"));
    }

    [Fact]
    public void Sweep_TimerTick_RemovesExpiredEntriesNobodyRead()
    {
        using var provider = Build(options =>
        {
            options.TableName = _table;
            options.SweepInterval = TimeSpan.FromMinutes(1);
        });
        var cache = provider.GetRequiredService<IDistributedCache>();
        cache.Set("short", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30) });
        cache.Set("long", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        cache.Set("forever", Value, new DistributedCacheEntryOptions());

        _time.Advance(TimeSpan.FromMinutes(1)); // the fake clock runs the timer's callback here

        Assert.False(StoredInTable("short"));
        Assert.True(StoredInTable("long"));
        Assert.True(StoredInTable("forever"));
    }

    [Fact]
    public void Sweep_EntryReplacedAfterItExpired_KeepsTheNewValue()
    {
        var cache = (CyberDbDistributedCache)Cache;
        cache.Set("k", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        _time.Advance(TimeSpan.FromSeconds(2));
        cache.Set("k", [9], new DistributedCacheEntryOptions());
        Assert.Equal(0, cache.Sweep());
        Assert.Equal(new byte[] { 9 }, cache.Get("k"));
    }

    [Fact]
    public void Set_TableDeletedMeanwhile_RecreatesIt()
    {
        Cache.Set("k", Value, new DistributedCacheEntryOptions());
        using (var proxy = _fixture.Proxy())
        {
            proxy.DeleteTable(_table);
        }

        Assert.Null(Cache.Get("k"));
        Cache.Set("k", Value, new DistributedCacheEntryOptions());
        Assert.Equal(Value, Cache.Get("k"));
    }

    [Fact]
    public void TryGet_Buffer_WritesTheValue()
    {
        var buffer = (IBufferDistributedCache)Cache;
        buffer.Set("k", new ReadOnlySequence<byte>(Value), new DistributedCacheEntryOptions());
        var destination = new ArrayBufferWriter<byte>();
        Assert.True(buffer.TryGet("k", destination));
        Assert.Equal(Value, destination.WrittenSpan.ToArray());
        Assert.False(buffer.TryGet("missing", new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void Table_NameInUseByAList_FailsNamingTheOption()
    {
        var name = ServerFixture.UniqueName("list");
        using (var proxy = _fixture.Proxy())
        {
            proxy.CreateCyberList(name);
        }

        using var provider = Build(options => options.TableName = name);
        var error = Assert.Throws<CyberDbException>(() => provider.GetRequiredService<IDistributedCache>().Get("k"));
        Assert.Contains("TableName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CacheEntry_StoredLayout_IsPinned()
    {
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var entry = CacheEntry.Create(Value, new DistributedCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1),
            SlidingExpiration = TimeSpan.FromMinutes(5),
        }, now);
        var stored = entry.ToStored();
        Assert.Equal(4, stored.Count);
        Assert.Same(Value, stored[0]);
        Assert.Equal(now.AddMinutes(5).UtcTicks, stored[1]);
        Assert.Equal(now.AddHours(1).UtcTicks, stored[2]);
        Assert.Equal(TimeSpan.FromMinutes(5).Ticks, stored[3]);
        Assert.Equal(new object?[] { Value, 0L, 0L, 0L }, CacheEntry.Create(Value, new DistributedCacheEntryOptions(), now).ToStored());
    }

    [Fact]
    public async Task HostStart_EmptyTableName_FailsNamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCyberDb(options => options.Password = "x");
        builder.Services.AddCyberDbDistributedCache(options => options.TableName = "");
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("TableName", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _provider.Dispose();
}
