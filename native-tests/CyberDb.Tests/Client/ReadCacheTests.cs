using System.Diagnostics;
using CyberDb.Client;
using CyberDb.Engine;
using CyberDb.Protocol;
using CyberDb.Tests.Infrastructure;
using MessagePack;

namespace CyberDb.Tests.Client;

/// <summary>
/// Shared-memory clients answer repeated dictionary reads from their cache while the server's
/// change counters have not moved. Against a real server: a repeated read makes no round trip
/// (the server's operation count stands still), and every kind of change, from another client on
/// either transport or from the server itself, is seen by the very next read, never a stale value.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ReadCacheTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static CyberDbClientOptions Options(int port, CyberTransport transport = CyberTransport.SharedMemory, bool readCache = true) => new()
    {
        Port = port,
        Password = TestServer.Password,
        Transport = transport,
        OperationTimeout = Deadline,
        ReadCache = readCache,
    };

    private static long Executed(CyberDbServer server) => server.Context!.Executor.Executed;

    [Fact]
    public async Task RepeatedReads_AreAnsweredWithoutARoundTrip()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("centre", [new("content", "Hello CyberDB!")]);
        Assert.Equal("Hello CyberDB!", dict["content"]); // first reads: round trips, kept
        Assert.True(dict.ContainsKey("content"));
        Assert.Null(dict.GetValueOrDefault("missing"));
        Assert.Throws<KeyNotFoundException>(() => dict["missing"]);

        var before = Executed(server);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("Hello CyberDB!", dict["content"]);
            Assert.Equal("Hello CyberDB!", await dict.GetAsync("content"));
            Assert.Equal("Hello CyberDB!", dict.Get<string>("content"));
            Assert.True(dict.ContainsKey("content"));
            Assert.Null(dict.GetValueOrDefault("missing"));
            var missing = Assert.Throws<KeyNotFoundException>(() => dict["missing"]);
            Assert.Contains("missing", missing.Message, StringComparison.Ordinal); // the server's own message, kept
        }

        Assert.Equal(before, Executed(server));
    }

    [Theory]
    [InlineData(CyberTransport.SharedMemory, false)] // ReadCache off
    [InlineData(CyberTransport.Tcp, true)] // TCP cannot see the counters: it never caches
    public void WithoutTheCache_EveryReadAsksTheServer(CyberTransport transport, bool readCache)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, transport, readCache));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("centre", [new("content", "Hello CyberDB!")]);
        var before = Executed(server);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("Hello CyberDB!", dict["content"]);
        }

        Assert.Equal(before + 50, Executed(server));
    }

    [Theory]
    [InlineData(ReadCache.MaxFrameBytes, 0)] // the answer (a value of 16 KiB) is over its bound
    [InlineData(0, ReadCache.MaxRequestBytes)] // the request (a 1 KiB key) is over its bound
    public void OverTheSizeBounds_EveryReadMakesTheRoundTrip(int valueBytes, int keyChars)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var key = "k" + new string('k', keyChars);
        var value = new byte[valueBytes];
        var dict = proxy.CreateCyberDict("d", [new(key, value)]);
        Assert.Equal(value, dict[key]);
        var before = Executed(server);
        Assert.Equal(value, dict[key]);
        Assert.Equal(before + 1, Executed(server));
    }

    [Fact]
    public async Task ASecondCallWhileOneIsPending_IsRefused_AndPlantsNothingInTheCache()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d", [new("a", "A"), new("b", "B")]);
        Assert.Equal("B", dict["b"]); // kept: a cached answer must not be written over a pending call's

        using var release = await TestServer.StallAsync(server);
        var pending = dict.GetAsync("a").AsTask(); // waits for the stalled server
        await Assert.ThrowsAsync<InvalidOperationException>(() => dict.GetAsync("b").AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => dict.GetAsync("c").AsTask());
        release.Set();
        Assert.Equal("A", await pending.WaitAsync(Deadline));

        Assert.Equal("A", dict["a"]);
        Assert.Equal("B", dict["b"]);
        Assert.Null(dict.GetValueOrDefault("c"));
        using var other = client.GetProxy(); // the same client's cache, through another connection
        other.Connect();
        Assert.Equal("A", other.GetCyberDict("d")["a"]);
        Assert.Equal("B", other.GetCyberDict("d")["b"]);
    }

    [Fact]
    public void TableNameWithALoneSurrogate_ChangesAreStillSeen()
    {
        // The client's encoder turns the lone surrogate into U+FFFD, the name the server stores:
        // both sides must count changes against the bytes on the wire, not the .NET string.
        using var server = TestServer.Start();
        using var readerClient = CyberDbClient.Connect(Options(server.Port));
        using var writerClient = CyberDbClient.Connect(Options(server.Port));
        using var reader = readerClient.GetProxy();
        using var writer = writerClient.GetProxy();
        reader.Connect();
        writer.Connect();
        writer.CreateCyberDict("\uD800", [new("k", "old")]);
        var mine = reader.GetCyberDict("\uD800");
        Assert.Equal("old", mine["k"]);
        Assert.Equal("old", mine["k"]);

        writer.GetCyberDict("\uFFFD")["k"] = "new";
        Assert.Equal("new", mine["k"]);
        writer.GetCyberDict("\uDBFF")["k"] = "newer";
        Assert.Equal("newer", mine["k"]);
    }

    [Fact]
    public void LoadDb_IsSeenByTheNextRead_ASaveChangesNothing()
    {
        using var directory = new CyberDb.Tests.Storage.TempDirectory();
        var path = directory.File("data.cdb");
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d", [new("k", "saved")]);
        server.SaveDb(path);
        dict["k"] = "changed";
        Assert.Equal("changed", dict["k"]);

        // A save (a backup tick) only reads: the cache stays valid.
        server.SaveDb(path + ".2");
        var before = Executed(server);
        Assert.Equal("changed", dict["k"]);
        Assert.Equal(before, Executed(server));

        server.LoadDb(path);
        Assert.Equal("saved", dict["k"]);
    }

    public static TheoryData<string> Changes() =>
    [
        "set", "remove", "clear", "update", "pop", "popitem", "tryadd", "tryupdate", "tryremove", "getoradd",
        "increment", "recreate table", "delete table", "tcp client set", "server work",
    ];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task EveryKindOfChange_IsSeenByTheNextRead(string change)
    {
        using var server = TestServer.Start();
        using var readerClient = CyberDbClient.Connect(Options(server.Port));
        using var writerClient = CyberDbClient.Connect(Options(server.Port, change == "tcp client set" ? CyberTransport.Tcp : CyberTransport.SharedMemory));
        using var reader = readerClient.GetProxy();
        using var writer = writerClient.GetProxy();
        reader.Connect();
        writer.Connect();
        writer.CreateCyberDict("t", [new("k", "old"), new("n", 1L)]);
        var mine = reader.GetCyberDict("t");
        var theirs = writer.GetCyberDict("t");

        // Warm the reader's cache with every read below, and check that it holds them.
        void ReadAll()
        {
            _ = mine.GetValueOrDefault("k");
            _ = mine.GetValueOrDefault("new");
            _ = mine.GetValueOrDefault("n");
            _ = mine.ContainsKey("k");
        }

        ReadAll();
        var before = Executed(server);
        ReadAll();
        Assert.Equal(before, Executed(server));

        object? expectedK = "old", expectedNew = null, expectedN = 1L;
        switch (change)
        {
            case "set": theirs["k"] = "new"; expectedK = "new"; break;
            case "remove": Assert.True(theirs.Remove("k")); expectedK = null; break;
            case "clear": theirs.Clear(); expectedK = null; expectedN = null; break;
            case "update": theirs.Update([new("k", "new"), new("new", "added")]); expectedK = "new"; expectedNew = "added"; break;
            case "pop": Assert.Equal("old", theirs.Pop("k")); expectedK = null; break;
            case "popitem": Assert.Equal("n", theirs.PopItem().Key); expectedN = null; break;
            case "tryadd": Assert.True(theirs.TryAdd("new", "added")); expectedNew = "added"; break;
            case "tryupdate": Assert.True(theirs.TryUpdate("k", "new", "old")); expectedK = "new"; break;
            case "tryremove": Assert.True(theirs.TryRemove("k", out _)); expectedK = null; break;
            case "getoradd": Assert.Equal("added", theirs.GetOrAdd("new", "added")); expectedNew = "added"; break;
            case "increment": Assert.Equal(42L, theirs.Increment("n", 41)); expectedN = 42L; break;
            case "recreate table":
                writer.DeleteTable("t");
                writer.CreateCyberDict("t", [new("k", "new")]);
                expectedK = "new";
                expectedN = null;
                break;
            case "delete table":
                writer.DeleteTable("t");
                Assert.Throws<CyberDbException>(() => mine.GetValueOrDefault("k"));
                Assert.Throws<CyberDbException>(() => mine.ContainsKey("k"));
                return;
            case "tcp client set": theirs["k"] = "new"; expectedK = "new"; break;
            case "server work":
                // Work the executor runs that reports nothing (as a snapshot load does): every counter moves.
                await server.Context!.Executor.InvokeAsync(database =>
                {
                    Assert.True(database.TryGet("t", out var table));
                    ((DictTable)table).Set(MessagePackSerializer.Serialize("k"), MessagePackSerializer.Serialize("new"));
                    return true;
                }).WaitAsync(Deadline);
                expectedK = "new";
                break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }

        Assert.Equal(expectedK, mine.GetValueOrDefault("k"));
        Assert.Equal(expectedK is not null, mine.ContainsKey("k"));
        Assert.Equal(expectedNew, mine.GetValueOrDefault("new"));
        Assert.Equal(expectedN, mine.GetValueOrDefault("n"));
        Assert.Equal(expectedK, await mine.GetValueOrDefaultAsync("k"));
    }

    [Fact]
    public async Task ConcurrentWriter_NoReadEverReturnsAValueOlderThanAnAcknowledgedWrite()
    {
        // Linearizability of cached reads: once the writer's Set(i) has returned, every read that
        // starts afterwards, in any thread of another process-like client, returns at least i.
        using var server = TestServer.Start();
        using var writerClient = CyberDbClient.Connect(Options(server.Port));
        using var readerClient = CyberDbClient.Connect(Options(server.Port));
        using (var setup = writerClient.GetProxy())
        {
            setup.Connect();
            setup.CreateCyberDict("t", [new("counter", 0L), new("other", "unchanged")]);
        }

        const long Writes = 3000;
        long acknowledged = 0;
        var writer = Task.Run(() =>
        {
            using var proxy = writerClient.GetProxy();
            proxy.Connect();
            var dict = proxy.GetCyberDict("t");
            for (var i = 1L; i <= Writes; i++)
            {
                dict["counter"] = i;
                Volatile.Write(ref acknowledged, i);
            }
        });

        async Task ReadUntilDoneAsync(bool useAsync)
        {
            using var proxy = readerClient.GetProxy();
            proxy.Connect();
            var dict = proxy.GetCyberDict("t");
            var last = 0L;
            while (true)
            {
                var floor = Volatile.Read(ref acknowledged);
                var value = (long)(useAsync ? await dict.GetAsync("counter") : dict["counter"])!;
                Assert.True(value >= floor, $"read {value} after the write of {floor} was acknowledged");
                Assert.True(value >= last, $"read {value} after reading {last}");
                Assert.Equal("unchanged", dict["other"]);
                last = value;
                if (floor == Writes)
                {
                    Assert.Equal(Writes, value);
                    return;
                }
            }
        }

        await Task.WhenAll(writer, Task.Run(() => ReadUntilDoneAsync(false)), Task.Run(() => ReadUntilDoneAsync(true))).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task KilledServer_ACachedReadFailsAsARoundTripWould()
    {
        using var child = await ChildServer.StartAsync();
        using var client = CyberDbClient.Connect(Options(child.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("centre", [new("content", "Hello CyberDB!")]);
        Assert.Equal("Hello CyberDB!", dict["content"]);
        Assert.Equal("Hello CyberDB!", dict["content"]); // kept

        child.Process.Kill();
        await child.Process.WaitForExitAsync(Deadline);
        CyberDbConnectionException? failure = null;
        await Wait.UntilAsync(
            () =>
            {
                try
                {
                    _ = dict["content"];
                    return false;
                }
                catch (CyberDbConnectionException e)
                {
                    failure = e;
                    return true;
                }
            },
            TimeSpan.FromSeconds(2),
            "a cached read to fail once the server is dead");
        Assert.Equal(CyberDbConnectionFailure.ServerClosed, failure!.Failure);
    }

    [Fact]
    public void StoppedServer_ACachedReadFailsAtOnce()
    {
        var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("centre", [new("content", "Hello CyberDB!")]);
        Assert.Equal("Hello CyberDB!", dict["content"]);
        Assert.Equal("Hello CyberDB!", dict["content"]); // kept, and the server was just seen alive

        server.Dispose(); // a clean stop marks the region closed before it returns
        Assert.Throws<CyberDbConnectionException>(() => dict["content"]);
    }

    [Fact]
    public async Task CachedReads_KeepTheConnectionInUse_ForTheServersIdleTimeout()
    {
        using var server = TestServer.Start(o => o.Timeout = TimeSpan.FromMilliseconds(300));
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("centre", [new("content", "Hello CyberDB!")]);
        Assert.Equal("Hello CyberDB!", dict["content"]);
        var connection = proxy.Connection;
        var before = Executed(server);

        // Four idle timeouts of nothing but cached reads (none reaches the executor): the server must
        // count them as use, or the next read would fail with IdleTimeout.
        var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 6 / 5);
        while (Stopwatch.GetTimestamp() < until)
        {
            Assert.Equal("Hello CyberDB!", dict["content"]);
            await Task.Delay(20); // pacing: each read comes after the 1 ms grace, so it polls the lifeline
        }

        Assert.Equal(before, Executed(server));
        Assert.Same(connection, proxy.Connection);

        // Idle for real now: the server closes it as before.
        await Wait.UntilAsync(() => !connection!.IsAliveForReuse(), TimeSpan.FromSeconds(5), "the server to close the connection once it is really idle");
    }

    [Fact]
    public void Cache_KeepsOnlyValuesAndMisses_ForTheirVersion_WithinItsBound()
    {
        var cache = new ReadCache();
        using var frame = new FrameBuffer();
        var request = new byte[] { 0xA1, (byte)'t', 0xA1, (byte)'k' };
        var version = new ReadVersion(1, 7);

        cache.Store(OpCode.DictGet, request, version, Frame(ResponseStatus.Ok, 0xC3));
        Assert.True(cache.TryRead(OpCode.DictGet, request, version, frame));
        Assert.Equal(Frame(ResponseStatus.Ok, 0xC3), frame.WrittenSpan.ToArray());
        Assert.False(cache.TryRead(OpCode.DictGet, request, version with { Table = 8 }, frame));
        Assert.False(cache.TryRead(OpCode.DictGet, request, version with { TableSet = 2 }, frame));
        Assert.False(cache.TryRead(OpCode.DictTryGet, request, version, frame)); // another operation, another answer

        cache.Store(OpCode.DictTryGet, request, version, Frame(ResponseStatus.TableError, 0xC0));
        Assert.False(cache.TryRead(OpCode.DictTryGet, request, version, frame)); // errors are not kept

        for (var i = 0; i < ReadCache.MaxEntries + 10; i++)
        {
            cache.Store(OpCode.DictContainsKey, BitConverter.GetBytes(i), version, Frame(ResponseStatus.Ok, 0xC2));
            Assert.InRange(cache.Count, 0, ReadCache.MaxEntries);
        }

        Assert.False(ReadCache.IsCacheable(OpCode.DictSet));
        Assert.False(ReadCache.IsCacheable(OpCode.ListGet));
    }

    private static byte[] Frame(ResponseStatus status, byte payload)
    {
        var frame = new byte[FrameHeader.Size + 1];
        FrameHeader.Write(frame, 1, (byte)status, 5);
        frame[^1] = payload;
        return frame;
    }
}
