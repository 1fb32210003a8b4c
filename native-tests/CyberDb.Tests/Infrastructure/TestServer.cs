using System.Net;
using System.Net.Sockets;

namespace CyberDb.Tests.Infrastructure;

/// <summary>
/// A dedicated in-process server for tests that count connections or change server options
/// (a shared <see cref="ServerFixture"/> would be disturbed by, and disturb, its other tests).
/// </summary>
public static class TestServer
{
    public const string Password = ServerFixture.Password;

    /// <summary>Starts a server on a free loopback port; <paramref name="configure"/> may change any option.</summary>
    public static CyberDbServer Start(Action<CyberDbServerOptions>? configure = null)
    {
        var options = new CyberDbServerOptions { Port = 0, Password = Password };
        configure?.Invoke(options);
        var server = new CyberDbServer();
        server.Start(options);
        return server;
    }

    /// <summary>Options for a TCP client of a server on this host.</summary>
    public static CyberDbClientOptions ClientOptions(int port) => new()
    {
        Port = port,
        Password = Password,
        Transport = CyberTransport.Tcp,
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>
    /// Blocks the server's executor (for at most 30 s) until the returned handle is set: a live server
    /// that answers nothing.
    /// </summary>
    public static async Task<ManualResetEventSlim> StallAsync(CyberDbServer server)
    {
        var deadline = TimeSpan.FromSeconds(30);
        var release = new ManualResetEventSlim();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = server.Context!.Executor.InvokeAsync(_ =>
        {
            stalled.SetResult();
            return release.Wait(deadline);
        });
        await stalled.Task.WaitAsync(deadline);
        return release;
    }

    /// <summary>Connections the server counts right now (toward MaxConnections).</summary>
    public static int Connections(CyberDbServer server) => server.Context!.Connections;

    /// <summary>A loopback port that nothing listens on (bound, then released).</summary>
    public static int UnusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
