using System.Diagnostics;
using System.Globalization;
using CyberDb.Tests.Infrastructure;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>
/// The asynchronous twins (<c>GetAsync</c>, <c>SetAsync</c>, ...) against a real server: the same
/// results and exceptions as the synchronous members on both transports (and with Encrypt); over
/// shared memory the wait is handed to the client's response pump (<c>futex_waitv</c>), which must
/// complete many concurrent calls exactly once; over TCP the socket's awaitable calls. Both must
/// honour OperationTimeout, cancellation and a dead server without holding a thread.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AsyncCallTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CyberDbClientOptions Options(int port, CyberTransport transport, TimeSpan? operationTimeout = null) => new()
    {
        Port = port,
        Password = TestServer.Password,
        Transport = transport,
        OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void Pump_IsAvailableOnThisKernel()
    {
        // Everything below only tests the pump where futex_waitv exists (Linux 5.16+); say so if not.
        Assert.True(SharedMemoryResponsePump.IsSupported, "futex_waitv is missing: asynchronous calls complete synchronously here");
    }

    [Theory]
    [InlineData(CyberTransport.SharedMemory, false)]
    [InlineData(CyberTransport.Tcp, false)]
    [InlineData(CyberTransport.Tcp, true)]
    public async Task DictTwins_SameResultsAndErrorsAsSynchronousMembers(CyberTransport transport, bool encrypt)
    {
        using var server = TestServer.Start(o => o.Encrypt = encrypt);
        var options = Options(server.Port, transport);
        options.Encrypt = encrypt;
        using var client = CyberDbClient.Connect(options);
        using var proxy = client.GetProxy();
        proxy.Connect();
        proxy.CreateCyberDict("d");
        var dict = await proxy.GetCyberDictAsync("d");

        await dict.SetAsync("a", "x");
        await dict.SetAsync(7, 1.5);
        Assert.Equal("x", await dict.GetAsync("a"));
        Assert.Equal(1.5, await dict.GetAsync<double>(7));
        Assert.Equal("fallback", await dict.GetValueOrDefaultAsync("missing", "fallback"));
        Assert.Null(await dict.GetValueOrDefaultAsync("missing"));
        Assert.True(await dict.ContainsKeyAsync("a"));
        Assert.False(await dict.ContainsKeyAsync("b"));
        Assert.True(await dict.TryAddAsync("b", 1L));
        Assert.False(await dict.TryAddAsync("b", 2L));
        Assert.True(await dict.TryUpdateAsync("b", 3L, 1L));
        Assert.False(await dict.TryUpdateAsync("b", 4L, 1L));
        Assert.Equal(3L, await dict.GetOrAddAsync("b", 9L));
        Assert.Equal(5L, await dict.IncrementAsync("n", 5));
        Assert.Equal(4, await dict.CountAsync());
        Assert.True(await dict.RemoveAsync("n"));
        Assert.False(await dict.RemoveAsync("n"));
        Assert.Equal(new Dictionary<object, object?> { ["a"] = "x", [7L] = 1.5, ["b"] = 3L }, await dict.ToDictionaryAsync());
        Assert.Equal(dict.ToDictionary(), await dict.ToDictionaryAsync());

        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(async () => await dict.GetAsync("nope"));
        Assert.Contains("nope", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await dict.SetAsync("k", new object()));
        var noTable = await Assert.ThrowsAsync<CyberDbException>(async () => await proxy.GetCyberDictAsync("absent"));
        Assert.Contains("absent", noTable.Message, StringComparison.Ordinal);
        Assert.Equal("x", dict["a"]); // and the connection is in step for the synchronous members
        Assert.Equal(transport, client.Transport);
    }

    [Theory]
    [InlineData(CyberTransport.SharedMemory)]
    [InlineData(CyberTransport.Tcp)]
    public async Task ListTwins_SameResultsAndErrorsAsSynchronousMembers(CyberTransport transport)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, transport));
        using var proxy = client.GetProxy();
        proxy.Connect();
        proxy.CreateCyberList("l", [1L, "two"]);
        var list = await proxy.GetCyberListAsync("l");

        await list.AddAsync(3.5);
        Assert.Equal(3, await list.CountAsync());
        Assert.Equal(1L, await list.GetAsync(0));
        Assert.Equal("two", await list.GetAsync<string>(1));
        Assert.Equal(3.5, await list.GetAsync(^1));
        await list.SetAsync(0, "one");
        Assert.Equal(new List<object?> { "one", "two", 3.5 }, await list.ToListAsync());
        Assert.Equal(3.5, await list.PopAsync());
        Assert.Equal(["one", "two"], list.ToList());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await list.GetAsync(5));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await list.GetAsync(-1));
        var kind = await Assert.ThrowsAsync<CyberDbException>(async () => await proxy.GetCyberDictAsync("l"));
        Assert.Contains("not a CyberDict", kind.Message, StringComparison.Ordinal);
        await proxy.PingAsync();
    }

    [Fact]
    public async Task ManyConcurrentCalls_OneClient_EveryCallCompletesOnceWithExactTotal()
    {
        // 48 proxies, each awaiting its own calls: most waits go to the pump at once.
        const int proxies = 48;
        const int increments = 200;
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        using (var setup = client.GetProxy())
        {
            setup.Connect();
            setup.CreateCyberDict("counters");
        }

        // Connected up front: Connect is synchronous, and 48 of them blocking pool threads at once
        // would wait on this in-process server's own handshakes (thread-pool starvation, not the pump).
        var connected = Enumerable.Range(0, proxies).Select(_ => client.GetProxy()).ToList();
        connected.ForEach(p => p.Connect());
        var workers = connected.Select((proxy, p) => Task.Run(async () =>
        {
            using var owned = proxy;
            var dict = await proxy.GetCyberDictAsync("counters");
            var key = "p" + p.ToString(CultureInfo.InvariantCulture);
            for (var i = 1; i <= increments; i++)
            {
                // Each result is this proxy's own count: a response delivered to the wrong call, or twice, shows here.
                Assert.Equal(i, await dict.IncrementAsync(key));
                await dict.IncrementAsync("total");
            }
        }));
        await Task.WhenAll(workers).WaitAsync(Deadline);

        using var check = client.GetProxy();
        check.Connect();
        var counters = check.GetCyberDict("counters");
        Assert.Equal((long)proxies * increments, counters["total"]);
        Assert.Equal(proxies + 1, counters.Count);

        // No answer waited for a sleep's timeout: every one woke the pump (a missed wake-up would
        // only show as slowness otherwise; leaving the watched rings out of the wait gave 18,742).
        // A few are allowed: on a loaded machine a slice can time out while the executor is starved
        // and the answer land between that timeout and the pump's next look. 48 connections, all watched.
        Assert.InRange(client.ResponsePump!.LateCompletions, 0, 9);
    }

    [Fact]
    public async Task WatchedConnection_SynchronousCallsAndIdleDiscard_StillServedAndUnwatchedBeforeItCloses()
    {
        using var server = TestServer.Start();
        var options = Options(server.Port, CyberTransport.SharedMemory);
        options.TimeOut = TimeSpan.FromMilliseconds(300);
        using var client = CyberDbClient.Connect(options);
        var pump = client.ResponsePump!;
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            var dict = proxy.CreateCyberDict("d");
            // A call that cannot be answered at once goes to the pump, which then watches the connection.
            using (var release = await TestServer.StallAsync(server))
            {
                var first = dict.IncrementAsync("n").AsTask();
                await Wait.UntilAsync(() => pump.WatchedCount == 1, Deadline, "the connection watched");
                release.Set();
                Assert.Equal(1L, await first.WaitAsync(Deadline));
            }


            // The pump now sleeps on the same ring word a synchronous call sleeps on: both must be woken.
            using (var release = await TestServer.StallAsync(server))
            {
                var blocked = Task.Factory.StartNew(() => dict.Increment("n"), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                await Task.Delay(100); // long enough for the synchronous call to go to sleep on its futex (not a wait for a condition)
                release.Set();
                Assert.Equal(2L, await blocked.WaitAsync(Deadline));
            }

            Assert.Equal(3L, dict.Increment("n"));
            Assert.Equal(4L, await dict.IncrementAsync("n"));
        }

        // Idle past TimeOut: the pool disposes the connection; the pump lets go of it first.
        await Wait.UntilAsync(() => server.Context!.SharedMemory!.AttachedCount == 0, Deadline, "the idle connection discarded");
        Assert.Equal(0, pump.WatchedCount);
        using var again = client.GetProxy();
        again.Connect();
        Assert.Equal(5L, await (await again.GetCyberDictAsync("d")).IncrementAsync("n"));
        Assert.Equal(0, pump.LateCompletions);
    }

    [Fact]
    public async Task MorePendingCallsThanOneFutexWaitTakes_AllCompleteExactly()
    {
        // 150 calls in flight at once: 64 watched rings, 63 more slept on, and the rest found by the
        // pump's short polls (futex_waitv takes 128 words, one of them the pump's own).
        const int calls = 150;
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        var proxies = Enumerable.Range(0, calls).Select(_ => client.GetProxy()).ToList();
        try
        {
            proxies.ForEach(p => p.Connect());
            var dicts = proxies.Select(p => p.CreateCyberDict("d" + ServerFixture.UniqueName("o"))).ToList();
            Task<long>[] pending;
            using (var release = await TestServer.StallAsync(server))
            {
                pending = dicts.Select(d => d.IncrementAsync("n", 5).AsTask()).ToArray();
                await Wait.UntilAsync(() => client.ResponsePump!.PendingCount == calls, Deadline, "every call handed to the pump");
                release.Set();
            }

            var results = await Task.WhenAll(pending).WaitAsync(Deadline);
            Assert.All(results, r => Assert.Equal(5L, r));
            Assert.Equal(SharedMemoryResponsePump.MaxWatched, client.ResponsePump!.WatchedCount);
            Assert.Equal(6L, await dicts[^1].IncrementAsync("n")); // an unwatched one, still in step
        }
        finally
        {
            proxies.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task SecondCallWhileTheFirstWaits_RefusedAndTheFirstStillCompletes()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        using (var release = await TestServer.StallAsync(server))
        {
            var first = dict.IncrementAsync("n").AsTask();
            var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await dict.IncrementAsync("n"));
            Assert.Contains("one call at a time", e.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => dict["n"]);
            release.Set();
            Assert.Equal(1L, await first.WaitAsync(Deadline));
        }

        Assert.Equal(2L, await dict.IncrementAsync("n"));
    }

    [Fact]
    public async Task ProxyClosedWhileItsCallWaits_TheConnectionIsNotLentToAnotherProxy()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        var first = client.GetProxy();
        first.Connect();
        var dict = first.CreateCyberDict("d");
        Task<long> abandoned;
        using (var release = await TestServer.StallAsync(server))
        {
            abandoned = dict.IncrementAsync("n").AsTask();
            first.Close(); // a misuse: the call has not finished

            using var second = client.GetProxy();
            second.Connect(); // must get another connection, not the busy one

            // Issued while the first call still waits: on the busy connection the two would collide
            // in its rings (an answer to the wrong request, or a protocol violation).
            var other = Task.Run(async () => await (await second.GetCyberDictAsync("d")).IncrementAsync("m"));
            await Task.Delay(50); // let it reach its ring while the executor is still stalled (not a wait for a condition)
            release.Set();
            Assert.Equal(1L, await other.WaitAsync(Deadline));
        }

        // The abandoned call ends one way or the other, without a hang or a crash.
        try
        {
            Assert.Equal(1L, await abandoned.WaitAsync(Deadline));
        }
        catch (ObjectDisposedException)
        {
        }

        using var third = client.GetProxy();
        third.Connect();
        Assert.Equal(2L, await third.GetCyberDict("d").IncrementAsync("n"));
    }

    [Theory]
    [InlineData(SharedMemoryHost.RingCapacity + 64)] // the answer streams through the ring in chunks
    [InlineData(16 * 1024 * 1024)]
    public async Task LargeValue_AnswerStreamsThroughThePump_ComesBackWhole(int size)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("values");
        var value = new byte[size];
        new Random(size).NextBytes(value);

        await dict.SetAsync("v", value);
        var back = Assert.IsType<byte[]>(await dict.GetAsync("v"));

        Assert.True(value.AsSpan().SequenceEqual(back), $"the {size}-byte value came back different");
        Assert.Equal(1L, await dict.IncrementAsync("after"));
    }

    [Theory]
    [InlineData(CyberTransport.SharedMemory)]
    [InlineData(CyberTransport.Tcp)]
    public async Task ServerStalled_CallPastOperationTimeout_FailsWithTimeoutAndTheProxyRecovers(CyberTransport transport)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, transport, TimeSpan.FromMilliseconds(500)));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        await dict.SetAsync("k", 1L);

        using (var release = await TestServer.StallAsync(server))
        {
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<CyberDbConnectionException>(async () => await dict.GetAsync("k")).WaitAsync(Deadline);
            Assert.Equal(CyberDbConnectionFailure.OperationTimeout, e.Failure);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"failed after {clock.Elapsed}, before OperationTimeout");
            release.Set();
        }

        Assert.Equal(1L, await dict.GetAsync("k")); // the broken connection is replaced on the next call
    }

    [Theory]
    [InlineData(CyberTransport.SharedMemory)]
    [InlineData(CyberTransport.Tcp)]
    public async Task Cancelled_WhileWaiting_ThrowsOperationCanceledAtOnceAndTheProxyRecovers(CyberTransport transport)
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(Options(server.Port, transport));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        await dict.SetAsync("k", 1L);
        using var cancel = new CancellationTokenSource();

        using (var release = await TestServer.StallAsync(server))
        {
            var pending = dict.IncrementAsync("k", 1, cancel.Token).AsTask();
            Assert.False(pending.IsCompleted);
            var clock = Stopwatch.StartNew();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending).WaitAsync(Deadline);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"cancellation took {clock.Elapsed}");
            release.Set();
        }

        // The cancelled increment may still have run on the server (it was sent): as with any
        // cancelled request, only whether it ran is unknown, never that the connection is out of step.
        var after = await dict.GetAsync<long>("k");
        Assert.InRange(after, 1L, 2L);
        Assert.Equal(after + 1, await dict.IncrementAsync("k"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await dict.GetAsync("k", cancel.Token));
    }

    [Fact]
    public async Task ClientDisposed_WhileACallWaits_TheCallFailsInsteadOfHanging()
    {
        using var server = TestServer.Start();
        var client = CyberDbClient.Connect(Options(server.Port, CyberTransport.SharedMemory));
        var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        await dict.SetAsync("k", 1L);

        using var release = await TestServer.StallAsync(server);
        var pending = dict.GetAsync("k").AsTask();
        client.Dispose();
        var e = await Assert.ThrowsAsync<CyberDbConnectionException>(() => pending).WaitAsync(Deadline);
        Assert.Contains("disposed", e.Message, StringComparison.Ordinal);
        release.Set();
        proxy.Dispose();
    }

    [Fact]
    public async Task LargeAnswerNobodyReads_AfterACancelledCall_TheServerSleepsInsteadOfPolling()
    {
        using var child = await ChildServer.StartAsync();
        var (server, port) = (child.Process, child.Port);
        using var client = CyberDbClient.Connect(Options(port, CyberTransport.SharedMemory));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        await dict.SetAsync("big", new byte[4 * SharedMemoryHost.RingCapacity]); // an answer four rings long

        server.WriteLine("stall");
        await server.WaitForLineAsync("STALLED", Deadline);
        using var cancel = new CancellationTokenSource();
        var abandoned = dict.GetAsync("big", cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned).WaitAsync(Deadline);
        server.WriteLine("release");
        await server.WaitForLineAsync("RELEASED", Deadline);

        // The executor fills the ring with the start of the answer, and nobody reads the rest: it
        // must go to sleep (waking when the ring drains), not poll the full ring on a whole core.
        await Task.Delay(200); // let it fill the ring (not a wait for a condition: the measurement follows)
        var before = CpuMilliseconds(server.Id);
        await Task.Delay(1000);
        var used = CpuMilliseconds(server.Id) - before;
        Assert.True(used < 300, $"the server used {used} ms of CPU in 1 s with nothing to do");
    }

    /// <summary>User plus system CPU time of a process, from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms).</summary>
    private static long CpuMilliseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10;
    }

    [Theory]
    [InlineData(CyberTransport.SharedMemory)]
    [InlineData(CyberTransport.Tcp)]
    public async Task ServerKilled_WhileACallWaits_FailsWithinTwoSeconds(CyberTransport transport)
    {
        using var child = await ChildServer.StartAsync();
        var (server, port) = (child.Process, child.Port);
        using var client = CyberDbClient.Connect(Options(port, transport));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        await dict.SetAsync("k", 1L);

        server.WriteLine("stall");
        await server.WaitForLineAsync("STALLED", Deadline);
        var pending = dict.GetAsync("k").AsTask();
        var clock = Stopwatch.StartNew();
        server.Kill();
        var e = await Assert.ThrowsAsync<CyberDbConnectionException>(() => pending).WaitAsync(Deadline);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the waiting call took {clock.Elapsed} to notice the dead server");
        Assert.Equal(CyberDbConnectionFailure.ServerClosed, e.Failure);
    }
}
