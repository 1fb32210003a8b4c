using System.Diagnostics;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Server;

/// <summary>The server's life cycle, option validation, refusals and timeouts (API.md, "Server" and "Errors").</summary>
public sealed class CyberDbServerTests
{
    [Fact]
    public void New_Defaults_MatchApi()
    {
        var options = new CyberDbServerOptions();
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(9980, options.Port);
        Assert.Null(options.Password);
        Assert.Equal(500, options.MaxConnections);
        Assert.Equal(TimeSpan.Zero, options.Timeout);
        Assert.False(options.PrintLog);
        Assert.False(options.Encrypt);
        Assert.True(options.SharedMemory);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Start_NoPassword_ThrowsArgumentExceptionNamingPassword(string? password)
    {
        using var server = new CyberDbServer();
        var e = Assert.Throws<ArgumentException>(() => server.Start(new CyberDbServerOptions { Port = 0, Password = password }));
        Assert.Equal("Password", e.ParamName);
        Assert.Contains("Password", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Port);
    }

    [Fact]
    public void Start_InvalidOptions_ThrowArgumentExceptionsNamingTheOption()
    {
        using var server = new CyberDbServer();
        Assert.Throws<ArgumentNullException>(() => server.Start(null!));
        Assert.Equal("Port", Assert.Throws<ArgumentOutOfRangeException>(() => server.Start(new CyberDbServerOptions { Password = "p", Port = 70000 })).ParamName);
        Assert.Equal("Port", Assert.Throws<ArgumentOutOfRangeException>(() => server.Start(new CyberDbServerOptions { Password = "p", Port = -1 })).ParamName);
        Assert.Equal("MaxConnections", Assert.Throws<ArgumentOutOfRangeException>(() => server.Start(new CyberDbServerOptions { Password = "p", Port = 0, MaxConnections = 0 })).ParamName);
        Assert.Equal("Timeout", Assert.Throws<ArgumentOutOfRangeException>(() => server.Start(new CyberDbServerOptions { Password = "p", Port = 0, Timeout = TimeSpan.FromSeconds(-1) })).ParamName);
        Assert.Equal("Host", Assert.Throws<ArgumentException>(() => server.Start(new CyberDbServerOptions { Password = "p", Port = 0, Host = " " })).ParamName);

        // None of the refused starts left anything behind: a valid start still works.
        server.Start(new CyberDbServerOptions { Password = "p", Port = 0 });
        Assert.True(server.Port > 0);
    }

    [Fact]
    public void Start_PortZero_ResolvesToTheBoundPort()
    {
        using var server = new CyberDbServer();
        Assert.Equal(0, server.Port);
        server.Start(new CyberDbServerOptions { Port = 0, Password = TestServer.Password });
        Assert.InRange(server.Port, 1, 65535);
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        Assert.Empty(proxy.GetTables());
    }

    [Fact]
    public void Start_PortInUse_ThrowsCyberDbExceptionNamingPort()
    {
        using var first = TestServer.Start();
        using var second = new CyberDbServer();
        var e = Assert.Throws<CyberDbException>(() => second.Start(new CyberDbServerOptions { Port = first.Port, Password = TestServer.Password }));
        Assert.Contains(first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_Twice_ThrowsInvalidOperation()
    {
        using var server = TestServer.Start();
        Assert.Throws<InvalidOperationException>(() => server.Start(new CyberDbServerOptions { Port = 0, Password = TestServer.Password }));
    }

    [Fact]
    public void Start_OptionsChangedAfterwards_ServerKeepsItsCopy()
    {
        var options = new CyberDbServerOptions { Port = 0, Password = TestServer.Password };
        using var server = new CyberDbServer();
        server.Start(options);
        options.Password = "changed";
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
    }

    [Fact]
    public void StopAndDispose_RepeatedOrNeverStarted_AreIdempotent()
    {
        var never = new CyberDbServer();
        never.Stop();
        never.Dispose();

        var server = TestServer.Start();
        var port = server.Port;
        server.Stop();
        server.Stop();
        server.Dispose();
        server.Dispose();
        Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(TestServer.ClientOptions(port)));
    }

    [Fact]
    public async Task DisposeAsync_Running_Stops()
    {
        var server = TestServer.Start();
        var port = server.Port;
        await server.DisposeAsync();
        Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(TestServer.ClientOptions(port)));
    }

    [Fact]
    public void Stop_WithConnectedProxy_NextCallThrowsConnectionException()
    {
        var server = TestServer.Start();
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        server.Stop();

        var clock = Stopwatch.StartNew();
        Assert.Throws<CyberDbConnectionException>(() => dict["k"] = 1);
        Assert.Throws<CyberDbConnectionException>(() => dict["k"] = 1); // still a connection error, not "not connected"
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(proxy.IsConnected);
    }

    [Fact]
    public void MaxConnections_Reached_NextClientRefusedWithClearMessage()
    {
        using var server = TestServer.Start(o => o.MaxConnections = 2);
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port)); // connection 1 (pooled)
        using var first = client.GetProxy();
        using var second = client.GetProxy();
        first.Connect();   // takes connection 1
        second.Connect();  // opens connection 2
        Assert.Equal(2, TestServer.Connections(server));

        var e = Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(TestServer.ClientOptions(server.Port)));
        Assert.Equal(CyberDbConnectionFailure.TooManyConnections, e.Failure);
        Assert.Matches("(?i)too ?many ?connections", e.Message);
        Assert.Contains("2", e.Message, StringComparison.Ordinal);

        using var third = client.GetProxy();
        Assert.Throws<CyberDbConnectionException>(third.Connect); // the same client is refused a third one too

        // The two admitted connections keep working.
        first.CreateCyberDict("a")["k"] = 1;
        Assert.Equal(1L, second.GetCyberDict("a")["k"]);
    }

    [Fact]
    public async Task MaxConnections_AfterAClientLeaves_AdmitsAnother()
    {
        using var server = TestServer.Start(o => o.MaxConnections = 1);
        var first = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(TestServer.ClientOptions(server.Port)));
        first.Dispose();
        await Wait.UntilAsync(() => TestServer.Connections(server) == 0, TimeSpan.FromSeconds(5), "the first client's connection to close");
        using var second = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
    }

    [Fact]
    public async Task Timeout_IdleProxy_NextCallThrowsIdleTimeoutThenNewProxyWorks()
    {
        using var server = TestServer.Start(o => o.Timeout = TimeSpan.FromMilliseconds(300));
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        var connection = proxy.Connection;

        // Idle past the server's Timeout: the server says goodbye and closes.
        await Wait.UntilAsync(() => !connection.IsAliveForReuse(), TimeSpan.FromSeconds(5), "the server to close the idle connection");

        var e = Assert.Throws<CyberDbConnectionException>(() => dict["k"] = 1);
        Assert.Equal(CyberDbConnectionFailure.IdleTimeout, e.Failure);
        Assert.Contains("idle", e.Message, StringComparison.OrdinalIgnoreCase);

        // The same proxy recovers on its next call, and a new proxy works.
        dict["k"] = 2;
        Assert.Equal(2L, dict["k"]);
        proxy.Close();
        using var fresh = client.GetProxy();
        fresh.Connect();
        Assert.Equal(2L, fresh.GetCyberDict("d")["k"]);
    }

    [Fact]
    public async Task Timeout_IdlePooledConnection_NotHandedOutAgain()
    {
        using var server = TestServer.Start(o => o.Timeout = TimeSpan.FromMilliseconds(300));
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        await Wait.UntilAsync(() => TestServer.Connections(server) == 0, TimeSpan.FromSeconds(5), "the server to drop the idle pooled connection");

        using var proxy = client.GetProxy();
        proxy.Connect();
        Assert.Empty(proxy.GetTables()); // the dead pooled connection was skipped
    }

    [Fact]
    public void Timeout_ActiveConnection_NotClosed()
    {
        using var server = TestServer.Start(o => o.Timeout = TimeSpan.FromMilliseconds(300));
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMilliseconds(900)) // three timeouts' worth of steady traffic
        {
            dict.Increment("n");
        }

        Assert.True(dict.Increment("n") > 1);
    }

    [Fact]
    public async Task OperationTimeout_ServerStalled_CallFailsWithConnectionExceptionInTime()
    {
        using var server = TestServer.Start();
        var options = TestServer.ClientOptions(server.Port);
        options.OperationTimeout = TimeSpan.FromMilliseconds(500);
        using var client = CyberDbClient.Connect(options);
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict("d");

        // Block the executor thread: the server is alive but answers nothing.
        using var release = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        var stalled = server.Context!.Executor.InvokeAsync(_ =>
        {
            entered.Set();
            return release.Wait(TimeSpan.FromSeconds(30));
        });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(5)), "the executor never ran the stalling work");
        try
        {
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<CyberDbConnectionException>(() => dict["k"] = 1);
            var elapsed = clock.Elapsed;
            Assert.Equal(CyberDbConnectionFailure.OperationTimeout, e.Failure);
            Assert.Contains("OperationTimeout", e.Message, StringComparison.Ordinal);
            Assert.True(elapsed >= TimeSpan.FromMilliseconds(400), $"gave up early: {elapsed}");
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
        }
        finally
        {
            release.Set();
        }

        Assert.True(await stalled);
        dict["after"] = 2; // the proxy takes a fresh connection
        Assert.Equal(2L, dict["after"]);
    }

    [Fact]
    public void PrintLog_On_ServesNormally()
    {
        using var server = TestServer.Start(o => o.PrintLog = true);
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        proxy.CreateCyberList("l").Add(1);
    }
}
