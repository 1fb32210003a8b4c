using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CyberDb.Server;
using Microsoft.Extensions.Logging;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// Accepts TCP clients and runs a <see cref="TcpServerConnection"/> for each. Refusals that do not
/// need the client to speak first (too many connections) happen at accept.
/// </summary>
internal sealed class TcpListenerHost : IDisposable
{
    private readonly ServerContext _context;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<TcpServerConnection, Task> _connections = new();
    private Task? _acceptLoop;

    public TcpListenerHost(ServerContext context)
    {
        _context = context;
        var address = ParseHost(context.Options.Host);
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (address.Equals(IPAddress.IPv6Any))
        {
            _listener.DualMode = true;
        }

        try
        {
            _listener.Bind(new IPEndPoint(address, context.Options.Port));
            _listener.Listen(512);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new CyberDbException($"cannot listen on {context.Options.Host}:{context.Options.Port}: {e.Message}", e);
        }

        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string EndPoint => $"{_context.Options.Host}:{Port}";

    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    private static IPAddress ParseHost(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        var addresses = Dns.GetHostAddresses(host);
        return addresses.Length > 0 ? addresses[0] : throw new CyberDbException($"Host '{host}' does not resolve to an address");
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogMessages.AcceptFailed(_context.Logger, e);
                continue;
            }

            var connection = new TcpServerConnection(socket, _context);
            if (!_context.TryAddConnection())
            {
                LogMessages.ConnectionRefused(_context.Logger, connection.RemoteEndPoint, "too many connections");
                _ = RefuseAsync(connection);
                continue;
            }

            var task = ServeAsync(connection);
            _connections[connection] = task;
        }
    }

    private async Task ServeAsync(TcpServerConnection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _context.RemoveConnection();
            _connections.TryRemove(connection, out _);
        }
    }

    private async Task RefuseAsync(TcpServerConnection connection)
    {
        await connection.SendGoodbyeAsync(
            CyberDbConnectionFailure.TooManyConnections,
            $"the server has reached its MaxConnections ({_context.Options.MaxConnections})").ConfigureAwait(false);
        connection.Dispose();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Abort(); // its own loop frees its buffers once it notices
        }

        try
        {
            _acceptLoop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the loop ends with cancellation
        }

        _stopping.Dispose();
    }
}
