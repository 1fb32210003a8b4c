using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CyberDb.Protocol;
using CyberDb.Server;
using Microsoft.Extensions.Logging;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// Accepts TCP clients and runs a <see cref="TcpServerConnection"/> for each. Refusals that do not
/// need the client to speak first (not whitelisted, locked out after failed authentications, too
/// many connections) happen at accept, before any byte is read.
/// </summary>
internal sealed class TcpListenerHost : IDisposable
{
    private readonly CyberDbServerOptions _options;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<TcpServerConnection, Task> _connections = new();
    private ServerContext? _context;
    private Task? _acceptLoop;

    /// <summary>Binds and listens (so <see cref="Port"/> is known); serving starts with <see cref="Bind"/> and <see cref="Start"/>.</summary>
    public TcpListenerHost(CyberDbServerOptions options)
    {
        _options = options;
        var address = ParseHost(options.Host);
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (address.Equals(IPAddress.IPv6Any))
        {
            _listener.DualMode = true;
        }

        try
        {
            _listener.Bind(new IPEndPoint(address, options.Port));
            _listener.Listen(512);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new CyberDbException($"cannot listen on {options.Host}:{options.Port}: {e.Message}", e);
        }

        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string EndPoint => $"{_options.Host}:{Port}";

    /// <summary>The running server's shared state; before <see cref="Start"/>.</summary>
    public void Bind(ServerContext context) => _context = context;

    public void Start()
    {
        if (_context is null)
        {
            throw new InvalidOperationException("Bind the listener to a server context before Start");
        }

        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private ServerContext Context => _context!;

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
                LogMessages.AcceptFailed(Context.Logger, e);
                continue;
            }

            var connection = new TcpServerConnection(socket, Context);
            if (Refusal(connection) is { } refusal)
            {
                LogMessages.ConnectionRefused(Context.Logger, connection.RemoteEndPoint, refusal.Reason);
                _ = connection.RefuseAsync(refusal.Status, refusal.Message);
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
            Context.RemoveConnection();
            _connections.TryRemove(connection, out _);
        }
    }

    /// <summary>
    /// Decides at accept, before any byte is read, whether the client is served: the whitelist
    /// (when <c>Encrypt</c> is on), the authentication lockout, then <c>MaxConnections</c> (which
    /// counts the connection when it is served). Null = serve it.
    /// </summary>
    private (ResponseStatus Status, string Message, string Reason)? Refusal(TcpServerConnection connection)
    {
        var address = connection.RemoteAddress;
        if (Context.Options.Encrypt && !Context.Whitelist.Contains(address))
        {
            return (ResponseStatus.Refused,
                Protocol.Refusal.Format(CyberDbConnectionFailure.NotWhitelisted, $"the client address {address} is not whitelisted on this server (see CyberDbServer.SetIpWhitelist)"),
                "not whitelisted");
        }

        if (Context.Throttle.IsLockedOut(address, out var remaining))
        {
            return (ResponseStatus.AuthenticationFailed,
                $"too many failed authentications from {address}; refused for another {Math.Ceiling(remaining.TotalSeconds):0} s",
                "locked out after failed authentications");
        }

        if (!Context.TryAddConnection())
        {
            return (ResponseStatus.Refused,
                Protocol.Refusal.Format(CyberDbConnectionFailure.TooManyConnections, $"the server has reached its MaxConnections ({Context.Options.MaxConnections})"),
                "too many connections");
        }

        return null;
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
