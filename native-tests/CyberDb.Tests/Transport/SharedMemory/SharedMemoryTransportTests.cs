using System.Diagnostics;
using System.Globalization;
using CyberDb.Tests.Infrastructure;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>
/// The shared-memory transport end to end: a real server with its region under /dev/shm, clients
/// in this process and in child processes (TestHost <c>client-ops</c> with CYBERDB_TRANSPORT), and
/// real kills of both sides.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedMemoryTransportTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string> OverSharedMemory = new() { ["CYBERDB_TRANSPORT"] = nameof(CyberTransport.SharedMemory) };

    private static CyberDbClientOptions Options(int port, CyberTransport transport = CyberTransport.Auto) => new()
    {
        Port = port,
        Password = TestServer.Password,
        Transport = transport,
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static SharedMemoryHost Host(CyberDbServer server) =>
        server.Context!.SharedMemory ?? throw new InvalidOperationException("the server offers no shared memory");

    [Fact]
    public void Connect_AutoOnLoopback_UsesSharedMemoryAndCountsTheSlot()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("centre");
        dict["content"] = "Hello CyberDB!";

        Assert.Equal(CyberTransport.SharedMemory, client.Transport);
        Assert.Equal("Hello CyberDB!", dict["content"]);
        Assert.Equal(1, Host(server).AttachedCount);
    }

    [Fact]
    public void GetTable_AfterAnotherClientDeletesOrRecreatesIt_SeesTheChangeAtOnce()
    {
        // The kind check is answered from the shared table-set version while it has not moved;
        // a create or delete answered to anyone must invalidate it before the next call.
        using var server = TestServer.Start();
        using var shm = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        using var tcp = CyberDbClient.Connect(Options(server.Port, CyberTransport.Tcp));
        using var reader = shm.GetProxy();
        using var writer = tcp.GetProxy();
        reader.Connect();
        writer.Connect();
        writer.CreateCyberDict("centre", [new("content", "Hello CyberDB!")]);
        var version = Host(server).TableSetVersion;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("Hello CyberDB!", reader.GetCyberDict("centre")["content"]);
        }

        Assert.Equal(version, Host(server).TableSetVersion);
        writer.DeleteTable("centre");
        Assert.Throws<CyberDbException>(() => reader.GetCyberDict("centre"));

        writer.CreateCyberList("centre", [1L]);
        var mismatch = Assert.Throws<CyberDbException>(() => reader.GetCyberDict("centre"));
        Assert.Contains("not a CyberDict", mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(1L, reader.GetCyberList("centre")[0]);

        var before = Host(server).TableSetVersion;
        writer.CreateCyberDict("other");
        Assert.True(Host(server).TableSetVersion > before);
    }

    [Fact]
    public void Connect_AutoServerWithoutSharedMemory_UsesTcp()
    {
        using var server = TestServer.Start(o => o.SharedMemory = false);
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        proxy.CreateCyberList("l").Add(1);

        Assert.Equal(CyberTransport.Tcp, client.Transport);
        Assert.Null(server.Context!.SharedMemory);
    }

    [Fact]
    public void Connect_TcpRequested_StaysOnTcpBesideASharedMemoryServer()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.Tcp));

        Assert.Equal(CyberTransport.Tcp, client.Transport);
        Assert.Equal(0, Host(server).AttachedCount);
    }

    [Fact]
    public async Task Connect_SharedMemoryRequiredButNotOffered_ThrowsConnectionExceptionSayingWhy()
    {
        using var server = TestServer.Start(o => o.SharedMemory = false);

        var e = Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory)));

        Assert.Contains("Transport=SharedMemory", e.Message, StringComparison.Ordinal);
        Assert.Contains("offers no shared memory", e.Message, StringComparison.Ordinal);
        await Wait.UntilAsync(() => TestServer.Connections(server) == 0, Deadline, "the TCP connection it tried closed");
    }

    [Fact]
    public void Connect_EverySlotTaken_AutoServesOverTcpAndSharedMemoryRequiredThrows()
    {
        using var server = TestServer.Start(o => o.MaxConnections = SharedMemoryHost.MaxSlots + 10);
        using var client = CyberDbClient.Connect(Options(server.Port));
        var proxies = new List<CyberProxy>();
        try
        {
            for (var i = 0; i < SharedMemoryHost.MaxSlots; i++)
            {
                var proxy = client.GetProxy();
                proxy.Connect(); // the first reuses the connection Connect made; each later one is a new slot
                proxies.Add(proxy);
            }

            Assert.Equal(SharedMemoryHost.MaxSlots, Host(server).AttachedCount);
            using var overflow = client.GetProxy();
            overflow.Connect(); // no slot left: Auto keeps the connection on TCP
            overflow.CreateCyberDict("still-served")["k"] = "v";
            Assert.Equal("v", overflow.GetCyberDict("still-served")["k"]);

            var e = Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory)));
            Assert.Contains("every shared-memory slot is taken", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            proxies.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public void Region_WhileServing_IsOwnerOnlyAndRemovedOnCleanStop()
    {
        string path;
        using (var server = TestServer.Start())
        {
            path = Host(server).Path;
            Assert.True(File.Exists(path), path);
            Assert.StartsWith("/dev/shm/cyberdb-127.0.0.1-" + Text(server.Port), path, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.False(File.Exists(path), $"{path} was left behind by a clean stop");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(SharedMemoryHost.RingCapacity - 64)] // just fits the ring whole
    [InlineData(SharedMemoryHost.RingCapacity + 64)] // just does not: streams in chunks
    [InlineData(1024 * 1024)]
    [InlineData(64 * 1024 * 1024)]
    public void Values_OneByteTo64MiB_RoundTripOverSharedMemory(int size)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("values");
        var value = new byte[size];
        new Random(size).NextBytes(value);

        dict["v"] = value;
        var back = Assert.IsType<byte[]>(dict["v"]);

        Assert.Equal(CyberTransport.SharedMemory, client.Transport);
        Assert.True(value.AsSpan().SequenceEqual(back), $"the {size}-byte value came back different");
        dict.Increment("after"); // the rings are in step after a streamed message
        Assert.Equal(1L, dict["after"]);
    }

    [Theory]
    [InlineData("increment")]
    [InlineData("tryupdate")]
    public async Task AtomicLoops_EightProcessesAtOnce_ExactTotal(string script)
    {
        const int processes = 8;
        const int count = 1000;
        using var server = TestServer.Start();
        using (var client = CyberDbClient.Connect(Options(server.Port)))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            proxy.CreateCyberDict("counters")["n"] = 0;
        }

        var children = Enumerable.Range(0, processes)
            .Select(_ => ChildProcess.Start(OverSharedMemory, "client-ops", Text(server.Port), TestServer.Password, script, "counters", "n", Text(count)))
            .ToList();
        try
        {
            foreach (var child in children)
            {
                await child.WaitForLineAsync(l => l == "READY" || l.StartsWith("ERROR", StringComparison.Ordinal), Deadline);
            }

            Assert.Equal(processes, Host(server).AttachedCount);
            children.ForEach(c => c.WriteLine("go")); // all at once: the loops race on one key
            foreach (var child in children)
            {
                var done = await child.WaitForLineAsync(l => l.StartsWith("DONE", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal), Deadline);
                Assert.StartsWith("DONE", done, StringComparison.Ordinal);
                Assert.Equal(0, await child.WaitForExitAsync(Deadline));
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }

        using var check = CyberDbClient.Connect(Options(server.Port));
        using var reader = check.GetProxy();
        reader.Connect();
        Assert.Equal((long)processes * count, reader.GetCyberDict("counters")["n"]);
    }

    [Fact]
    public async Task ManyProcessesManyThreads_SixteenProcessesOfFourThreads_ExactTotal()
    {
        const int processes = 16;
        const int threads = 4;
        const int count = 200;
        using var server = TestServer.Start();
        using (var client = CyberDbClient.Connect(Options(server.Port)))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            proxy.CreateCyberDict("counters");
        }

        var children = Enumerable.Range(0, processes)
            .Select(_ => ChildProcess.Start(OverSharedMemory, "client-ops", Text(server.Port), TestServer.Password, "threads", "counters", "n", Text(threads), Text(count)))
            .ToList();
        try
        {
            foreach (var child in children)
            {
                await child.WaitForLineAsync(l => l == "READY" || l.StartsWith("ERROR", StringComparison.Ordinal), Deadline);
            }

            children.ForEach(c => c.WriteLine("go"));
            foreach (var child in children)
            {
                var done = await child.WaitForLineAsync(l => l.StartsWith("DONE", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal), Deadline);
                Assert.Equal("DONE SharedMemory", done);
                Assert.Equal(0, await child.WaitForExitAsync(Deadline));
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }

        using var check = CyberDbClient.Connect(Options(server.Port));
        using var reader = check.GetProxy();
        reader.Connect();
        Assert.Equal((long)processes * threads * count, reader.GetCyberDict("counters")["n"]);
        await Wait.UntilAsync(() => Host(server).AttachedCount == 1, Deadline, "every exited process's slots reclaimed");
    }

    [Theory]
    [InlineData("spin", 0)]
    [InlineData("spin-big", 4 * 1024 * 1024)] // each request streams through the ring: the kill lands mid-chunk
    public async Task ClientKilled_AtRandomPoints_SlotReclaimedAndOthersServed(string script, int bytes)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var survivor = proxy.CreateCyberDict("survivor");
        proxy.CreateCyberDict("victim");
        var random = new Random(bytes + script.Length);

        for (var round = 0; round < 3; round++)
        {
            var args = script == "spin"
                ? new[] { Text(server.Port), TestServer.Password, script, "victim", "n" }
                : [Text(server.Port), TestServer.Password, script, "victim", Text(bytes)];
            using var victim = ChildProcess.Start(OverSharedMemory, "client-ops", args);
            await victim.WaitForLineAsync(l => l == "RUNNING" || l.StartsWith("ERROR", StringComparison.Ordinal), Deadline);
            await Task.Delay(random.Next(1, 40)); // a random point in its stream of requests (not a wait for a condition)
            Assert.Equal(2, Host(server).AttachedCount);
            victim.Kill();

            await Wait.UntilAsync(() => Host(server).AttachedCount == 1, TimeSpan.FromSeconds(5), "the killed client's slot reclaimed");
            Assert.Equal(round + 1, survivor.Increment("n"));
        }
    }

    [Fact]
    public async Task ServerKilled_WaitingCallFailsWithinTwoSecondsAndRestartedServerIsReached()
    {
        var port = TestServer.UnusedPort();
        var region = SharedMemoryHost.RegionPath("127.0.0.1", port);
        var first = await StartServerChildAsync(port);
        using var client = CyberDbClient.Connect(Options(port));
        try
        {
            Assert.Equal(CyberTransport.SharedMemory, client.Transport);
            using var proxy = client.GetProxy();
            proxy.Connect();
            var dict = proxy.CreateCyberDict("d");
            dict["k"] = 1;

            first.WriteLine("stall"); // alive but answering nothing: the next call waits on its ring
            await first.WaitForLineAsync("STALLED", Deadline);
            // Whether the call is already asleep on its ring when the kill lands or starts just after,
            // it must fail within 2 s of the kill: the clock starts at the kill.
            var waiting = Task.Run(() => Assert.Throws<CyberDbConnectionException>(() => dict["k"] = 2));
            var clock = Stopwatch.StartNew();
            first.Kill();
            var e = await waiting.WaitAsync(Deadline);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the waiting call took {clock.Elapsed} to notice the dead server");
            Assert.Equal(CyberDbConnectionFailure.ServerClosed, e.Failure);
            Assert.True(File.Exists(region), "a killed owner cannot remove its region: the next one must replace it");
        }
        finally
        {
            first.Dispose();
        }

        using var second = await StartServerChildAsync(port);
        using (var proxy = client.GetProxy())
        {
            proxy.Connect(); // the pooled connection died with the old server: the pool opens a new one
            Assert.Empty(proxy.GetTables()); // the new server's own region and tables, nothing reused
            Assert.Equal(1, proxy.CreateCyberDict("again").Increment("n"));
        }

        second.WriteLine("stop");
        Assert.Equal(0, await second.WaitForExitAsync(Deadline));
        Assert.False(File.Exists(region), "a clean stop removes the region");
    }

    private static async Task<ChildProcess> StartServerChildAsync(int port)
    {
        var server = ChildProcess.Start("server", TestServer.Password, "Port=" + Text(port));
        await server.WaitForLineAsync("PORT", Deadline);
        return server;
    }
}
