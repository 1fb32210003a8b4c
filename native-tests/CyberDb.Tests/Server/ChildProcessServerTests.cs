using System.Diagnostics;
using System.Globalization;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Server;

/// <summary>A server in a real child process (TestHost mode <c>server</c>), used from this process; killed to play a crash.</summary>
public sealed class ChildProcessServerTests
{
    private static readonly TimeSpan ChildDeadline = TimeSpan.FromSeconds(30);

    /// <summary>API.md: a dead server makes calls fail within 2 s. Asserted with slack for a loaded machine.</summary>
    private static readonly TimeSpan DeadServerLimit = TimeSpan.FromSeconds(5);

    private static async Task<(ChildProcess Child, int Port)> StartServerAsync(params string[] options)
    {
        var child = ChildProcess.Start("server", [TestServer.Password, .. options]);
        try
        {
            var line = await child.WaitForLineAsync("PORT ", ChildDeadline);
            return (child, int.Parse(line["PORT ".Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>Only active detection counts: the operation timeout is far longer than the limit asserted.</summary>
    private static CyberDbClientOptions PatientOptions(int port)
    {
        var options = TestServer.ClientOptions(port);
        options.OperationTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    [Fact]
    public async Task InProcessClient_AgainstChildServer_EveryKindOfCallWorks()
    {
        var (child, port) = await StartServerAsync();
        using (child)
        {
            using var client = CyberDbClient.Connect(TestServer.ClientOptions(port));
            Assert.Equal(CyberTransport.Tcp, client.Transport);
            using var proxy = client.GetProxy();
            proxy.Connect();

            var dict = proxy.CreateCyberDict("d", [new("a", 1)]);
            dict["b"] = new Dictionary<object, object?> { ["nested"] = new List<object?> { 1, null } };
            Assert.Equal(2L, dict.Increment("a"));
            Assert.Equal(new object[] { "a", "b" }, dict.Keys);
            Assert.Equal(new KeyValuePair<object, object?>("b", new Dictionary<object, object?> { ["nested"] = new List<object?> { 1L, null } }), dict.PopItem());
            Assert.Throws<KeyNotFoundException>(() => dict["b"]);
            Assert.True(dict.TryUpdate("a", "x", 2.0));

            var list = proxy.CreateCyberList("l", ["b", "a"]);
            list.Sort();
            Assert.Equal(new object?[] { "a", "b" }, list.ToList());
            Assert.Throws<ArgumentOutOfRangeException>(() => list[2]);
            Assert.Throws<InvalidOperationException>(() => { list.Clear(); list.Pop(); });

            Assert.Throws<CyberDbException>(() => proxy.CreateCyberDict("d"));
            Assert.Throws<CyberDbException>(() => proxy.GetCyberList("d"));
            Assert.Equal(2, proxy.GetTables().Count);
            proxy.DeleteTable("l");
            Assert.Throws<CyberDbException>(() => proxy.DeleteTable("l"));

            var wrong = TestServer.ClientOptions(port);
            wrong.Password = "wrong";
            Assert.Throws<CyberDbAuthenticationException>(() => CyberDbClient.Connect(wrong));

            child.WriteLine("stop");
            await child.WaitForLineAsync("STOPPED", ChildDeadline);
            Assert.Equal(0, await child.WaitForExitAsync(ChildDeadline));
        }
    }

    [Fact]
    public async Task ChildServerMaxConnections_ThirdConnectionRefused()
    {
        var (child, port) = await StartServerAsync("MaxConnections=2");
        using (child)
        {
            using var first = CyberDbClient.Connect(TestServer.ClientOptions(port));
            using var second = CyberDbClient.Connect(TestServer.ClientOptions(port));
            var e = Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(TestServer.ClientOptions(port)));
            Assert.Equal(CyberDbConnectionFailure.TooManyConnections, e.Failure);
        }
    }

    [Fact]
    public async Task ChildServerKilled_WaitingCallFailsWithConnectionExceptionQuickly()
    {
        var (child, port) = await StartServerAsync();
        using (child)
        {
            using var client = CyberDbClient.Connect(PatientOptions(port));
            using var proxy = client.GetProxy();
            proxy.Connect();
            var dict = proxy.CreateCyberDict("d");

            // A live server that answers nothing: the call below waits.
            child.WriteLine("stall");
            await child.WaitForLineAsync("STALLED", ChildDeadline);
            var call = Task.Run(() => dict["k"] = 1);
            Assert.NotSame(call, await Task.WhenAny(call, Task.Delay(200))); // it is waiting, not failing

            var clock = Stopwatch.StartNew();
            child.Kill();
            var e = await Assert.ThrowsAsync<CyberDbConnectionException>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.True(clock.Elapsed < DeadServerLimit, $"the waiting call failed only after {clock.Elapsed}");
            Assert.Equal(CyberDbConnectionFailure.ServerClosed, e.Failure);
        }
    }

    [Fact]
    public async Task ChildServerKilled_NextCallsAndConnectsFailWithConnectionExceptionQuickly()
    {
        var (child, port) = await StartServerAsync();
        using (child)
        {
            using var client = CyberDbClient.Connect(PatientOptions(port));
            using var proxy = client.GetProxy();
            proxy.Connect();
            var list = proxy.CreateCyberList("l", [1]);
            child.Kill();

            var clock = Stopwatch.StartNew();
            Assert.Throws<CyberDbConnectionException>(() => list.Add(2));
            Assert.Throws<CyberDbConnectionException>(() => list.Count); // still a connection error on the proxy
            using var another = client.GetProxy();
            Assert.Throws<CyberDbConnectionException>(another.Connect);
            Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(PatientOptions(port)));
            Assert.True(clock.Elapsed < DeadServerLimit, $"took {clock.Elapsed}");
        }
    }

    [Fact]
    public async Task ChildServerRestartedOnSamePort_ProxyRecoversOnNextCall()
    {
        var (child, port) = await StartServerAsync();
        using var client = CyberDbClient.Connect(PatientOptions(port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        using (child)
        {
            proxy.CreateCyberDict("d");
            child.Kill();
        }

        Assert.Throws<CyberDbConnectionException>(() => proxy.GetTables());

        // A new server (new salt, empty tables) on the same port: the same client and proxy carry on.
        using var replacement = new CyberDbServer();
        replacement.Start(new CyberDbServerOptions { Port = port, Password = TestServer.Password });
        Assert.Empty(proxy.GetTables());
        proxy.CreateCyberDict("d")["k"] = 1;
    }
}
