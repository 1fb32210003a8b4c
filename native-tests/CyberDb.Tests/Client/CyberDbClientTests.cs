using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

/// <summary>Connecting, authentication failures, the pool and thread-safety of <see cref="CyberDbClient"/>.</summary>
public sealed class CyberDbClientTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public CyberDbClientTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private static void AssertWorks(CyberDbClient client)
    {
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict(ServerFixture.UniqueName("works"));
        dict["k"] = 1;
        Assert.Equal(1L, dict["k"]);
    }

    [Fact]
    public void Connect_HostPortPassword_Works()
    {
        using var client = CyberDbClient.Connect("127.0.0.1", _fixture.Port, ServerFixture.Password);
        AssertWorks(client);
    }

    [Fact]
    public void Connect_NamedArgumentsWithTimeOut_Works()
    {
        using var client = CyberDbClient.Connect(port: _fixture.Port, password: ServerFixture.Password, encrypt: false, timeOut: TimeSpan.FromMinutes(5));
        AssertWorks(client);
    }

    [Fact]
    public void Connect_Options_Works()
    {
        using var client = CyberDbClient.Connect(_fixture.ClientOptions());
        AssertWorks(client);
    }

    [Fact]
    public void Connect_ParsedConnectionString_Works()
    {
        using var client = CyberDbClient.Connect(CyberDbClientOptions.Parse(
            $"Host=127.0.0.1;Port={_fixture.Port};Password={ServerFixture.Password};Encrypt=false;Transport=Tcp;TimeOut=60;OperationTimeout=10"));
        AssertWorks(client);
    }

    [Fact]
    public void Connect_Localhost_Works()
    {
        using var client = CyberDbClient.Connect("localhost", _fixture.Port, ServerFixture.Password);
        AssertWorks(client);
    }

    [Fact]
    public async Task Connect_AsyncDispose_Works()
    {
        await using var client = CyberDbClient.Connect(_fixture.ClientOptions());
        AssertWorks(client);
    }

    [Fact]
    public void Connect_TransportTcp_ResolvesToTcp()
    {
        var options = _fixture.ClientOptions();
        options.Transport = CyberTransport.Tcp;
        using var client = CyberDbClient.Connect(options);
        Assert.Equal(CyberTransport.Tcp, client.Transport);
        AssertWorks(client);
    }

    [Fact]
    public void Connect_WrongPassword_ThrowsAuthenticationAtConnect()
    {
        // Its own server: failed authentications count toward a per-address lockout.
        using var server = TestServer.Start();
        using var good = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        var options = TestServer.ClientOptions(server.Port);
        options.Password = "wrong";
        var e = Assert.Throws<CyberDbAuthenticationException>(() => CyberDbClient.Connect(options));
        Assert.Contains("password", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<CyberDbAuthenticationException>(() => CyberDbClient.Connect("127.0.0.1", server.Port, "also wrong"));
        AssertWorks(good); // and the server serves everyone else
    }

    [Fact]
    public void Connect_EncryptMismatch_ThrowsAuthentication()
    {
        var options = _fixture.ClientOptions();
        options.Encrypt = true;
        var e = Assert.Throws<CyberDbAuthenticationException>(() => CyberDbClient.Connect(options));
        Assert.Contains("encrypt", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Connect_NoServer_ThrowsConnectionExceptionQuickly()
    {
        var options = TestServer.ClientOptions(TestServer.UnusedPort());
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(options));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(CyberDbConnectionFailure.Unreachable, e.Failure);
        Assert.Contains(options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_ServerThatNeverAnswers_ThrowsConnectionExceptionAfterOperationTimeout()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(); // the kernel accepts; nobody ever speaks
        var options = TestServer.ClientOptions(((IPEndPoint)silent.LocalEndPoint!).Port);
        options.OperationTimeout = TimeSpan.FromMilliseconds(500);

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<CyberDbConnectionException>(() => CyberDbClient.Connect(options));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(CyberDbConnectionFailure.OperationTimeout, e.Failure);
    }

    [Fact]
    public void Connect_InvalidOptions_ThrowArgumentExceptionsNamingTheOption()
    {
        Assert.Throws<ArgumentNullException>(() => CyberDbClient.Connect(null!));
        var noPassword = _fixture.ClientOptions();
        noPassword.Password = null;
        Assert.Equal("Password", Assert.Throws<ArgumentException>(() => CyberDbClient.Connect(noPassword)).ParamName);
        Assert.Throws<ArgumentException>(() => CyberDbClient.Connect("127.0.0.1", _fixture.Port, ""));
        var badPort = _fixture.ClientOptions();
        badPort.Port = 0;
        Assert.Equal("Port", Assert.Throws<ArgumentOutOfRangeException>(() => CyberDbClient.Connect(badPort)).ParamName);
        var badTimeout = _fixture.ClientOptions();
        badTimeout.OperationTimeout = TimeSpan.Zero;
        Assert.Equal("OperationTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => CyberDbClient.Connect(badTimeout)).ParamName);
        var badIdle = _fixture.ClientOptions();
        badIdle.TimeOut = TimeSpan.FromSeconds(-1);
        Assert.Equal("TimeOut", Assert.Throws<ArgumentOutOfRangeException>(() => CyberDbClient.Connect(badIdle)).ParamName);
    }

    [Fact]
    public void Increment_ManyThreadsEachWithOwnProxy_ExactTotal()
    {
        const int threads = 8;
        const int perThread = 250;
        var name = ServerFixture.UniqueName("counter");
        using (var setup = _fixture.Proxy())
        {
            setup.CreateCyberDict(name);
        }

        using var barrier = new Barrier(threads);
        var errors = new List<Exception>();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            try
            {
                using var proxy = _fixture.Client.GetProxy();
                proxy.Connect();
                var dict = proxy.GetCyberDict(name);
                barrier.SignalAndWait(TimeSpan.FromSeconds(10));
                for (var i = 0; i < perThread; i++)
                {
                    dict.Increment("hits");
                }
            }
            catch (Exception e)
            {
                lock (errors)
                {
                    errors.Add(e);
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(30)), "a worker thread hung"));

        Assert.Empty(errors);
        using var check = _fixture.Proxy();
        Assert.Equal((long)threads * perThread, check.GetCyberDict(name)["hits"]);
    }

    [Fact]
    public void GetProxy_ManyThreadsShareOneClient_PoolGrowsToConcurrencyAndIsReused()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        const int threads = 4;
        var name = ServerFixture.UniqueName("pool");
        using (var setup = client.GetProxy())
        {
            setup.Connect();
            setup.CreateCyberList(name);
        }

        for (var round = 0; round < 3; round++)
        {
            using var barrier = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                using var proxy = client.GetProxy();
                proxy.Connect();
                barrier.SignalAndWait(TimeSpan.FromSeconds(10)); // all four hold a connection at once
                proxy.GetCyberList(name).Add(1);
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(20))));
        }

        Assert.Equal(threads, client.IdleCount);
        Assert.Equal(threads, TestServer.Connections(server)); // never more than the peak concurrency
        using var check = client.GetProxy();
        check.Connect();
        Assert.Equal(3 * threads, check.GetCyberList(name).Count);
    }

    [Fact]
    public void Pool_ConnectClose_ReusesTheSameConnection()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        Assert.Equal(1, client.IdleCount); // the one Connect authenticated with

        var proxy = client.GetProxy();
        proxy.Connect();
        Assert.Equal(0, client.IdleCount);
        var first = proxy.Connection;
        proxy.Close();
        Assert.Equal(1, client.IdleCount);

        proxy.Connect();
        Assert.Same(first, proxy.Connection);
        using var other = client.GetProxy();
        other.Connect();
        Assert.NotSame(first, other.Connection);
        Assert.Equal(0, client.IdleCount);
        proxy.Close();
        other.Close();
        Assert.Equal(2, client.IdleCount);
        Assert.Equal(2, TestServer.Connections(server));
    }

    [Fact]
    public async Task Pool_IdleLongerThanTimeOut_DiscardedAndClosedOnServer()
    {
        using var server = TestServer.Start();
        var options = TestServer.ClientOptions(server.Port);
        options.TimeOut = TimeSpan.FromMilliseconds(300);
        using var client = CyberDbClient.Connect(options);
        var proxy = client.GetProxy();
        proxy.Connect();
        var first = proxy.Connection;
        proxy.Close();
        Assert.Equal(1, client.IdleCount);

        // Idle past TimeOut: the client drops the connection, so it stops counting on the server.
        await Wait.UntilAsync(() => client.IdleCount == 0, TimeSpan.FromSeconds(5), "the idle connection to be discarded");
        await Wait.UntilAsync(() => TestServer.Connections(server) == 0, TimeSpan.FromSeconds(5), "the server to see the connection close");

        proxy.Connect();
        Assert.NotSame(first, proxy.Connection);
        proxy.GetTables();
        proxy.Close();
    }

    [Fact]
    public void Pool_UsedWithinTimeOut_Kept()
    {
        using var server = TestServer.Start();
        var options = TestServer.ClientOptions(server.Port);
        options.TimeOut = TimeSpan.FromMinutes(5);
        using var client = CyberDbClient.Connect(options);
        var proxy = client.GetProxy();
        proxy.Connect();
        var first = proxy.Connection;
        proxy.Close();
        proxy.Connect();
        Assert.Same(first, proxy.Connection);
        proxy.Close();
    }

    [Fact]
    public async Task Dispose_Client_ClosesPooledConnectionsAndRefusesNewProxies()
    {
        using var server = TestServer.Start();
        var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        var held = client.GetProxy();
        held.Connect();
        Assert.Equal(1, TestServer.Connections(server));

        client.Dispose();
        client.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => client.GetProxy());
        Assert.Throws<ObjectDisposedException>(() => { using var p = held; p.Close(); p.Connect(); });
        await Wait.UntilAsync(() => TestServer.Connections(server) == 0, TimeSpan.FromSeconds(5), "every connection of the disposed client to close");
    }
}
