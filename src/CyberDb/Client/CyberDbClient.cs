using CyberDb.Client;
using CyberDb.Transport.SharedMemory;
using CyberDb.Transport.Tcp;

namespace CyberDb;

/// <summary>
/// A connection pool to one server, shared by every thread of a process (register it as a
/// singleton). Each unit of work takes a <see cref="CyberProxy"/> from <see cref="GetProxy"/>.
/// </summary>
public sealed class CyberDbClient : IDisposable, IAsyncDisposable
{
    private readonly CyberDbClientOptions _options;
    private readonly AuthKeyCache _keys;
    private readonly TimeProvider _timeProvider;

    /// <summary>Idle connections, most recently used on top. Guarded by <see cref="_gate"/>; no I/O under it.</summary>
    private readonly Stack<ClientConnection> _idle = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>The server's region, mapped once for all this client's shared-memory connections.</summary>
    private readonly ClientRegionCache _regions = new();

    /// <summary>Completes this client's asynchronous shared-memory calls; null where the kernel lacks futex_waitv (they then complete synchronously).</summary>
    private readonly SharedMemoryResponsePump? _pump = SharedMemoryResponsePump.IsSupported ? new SharedMemoryResponsePump() : null;

    /// <summary>
    /// With <c>TimeOut</c> set, sweeps the pool every TimeOut/2, so an idle connection is closed
    /// (and stops counting toward the server's MaxConnections) at most 1.5 × TimeOut after its last
    /// use, even when the process makes no more calls. It holds the client weakly: a client that is
    /// never disposed can still be collected.
    /// </summary>
    private readonly ITimer? _idleSweep;

    private CyberDbClient(CyberDbClientOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _keys = new AuthKeyCache(options.Password!);
        _timeProvider = timeProvider;
        if (options.TimeOut is { } idle)
        {
            var period = idle / 2;
            _idleSweep = timeProvider.CreateTimer(
                static state =>
                {
                    if (((WeakReference<CyberDbClient>)state!).TryGetTarget(out var client))
                    {
                        client.DiscardExpired();
                    }
                },
                new WeakReference<CyberDbClient>(this),
                period,
                period);
        }
    }

    /// <summary>What <c>Auto</c> resolved to: SharedMemory or Tcp.</summary>
    public CyberTransport Transport { get; private set; }

    /// <summary>The response pump of this client's asynchronous shared-memory calls, if any (tests).</summary>
    internal SharedMemoryResponsePump? ResponsePump => _pump;

    /// <summary>The options this client runs with (a validated copy).</summary>
    internal CyberDbClientOptions Options => _options;

    /// <summary>Connects and authenticates once before it returns: a wrong password throws here.</summary>
    public static CyberDbClient Connect(string host = "127.0.0.1", int port = 9980, string? password = null, bool encrypt = false, TimeSpan? timeOut = null) =>
        Connect(new CyberDbClientOptions { Host = host, Port = port, Password = password, Encrypt = encrypt, TimeOut = timeOut });

    public static CyberDbClient Connect(CyberDbClientOptions options) => Connect(options, TimeProvider.System);

    internal static CyberDbClient Connect(CyberDbClientOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new CyberDbClient(options.Validated(), timeProvider);
        var first = client.Open();
        client.Transport = first.Transport;
        client.Return(first);
        return client;
    }

    /// <summary>A proxy for one unit of work (one web request, one thread); not yet connected, as in the seed.</summary>
    public CyberProxy GetProxy()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new CyberProxy(this);
    }

    /// <summary>Idle connections in the pool right now (for tests and stats).</summary>
    internal int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Takes a live connection from the pool, or opens one.</summary>
    internal ClientConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            ClientConnection? candidate = null;
            lock (_gate)
            {
                if (_idle.Count > 0)
                {
                    candidate = _idle.Pop();
                }
            }

            if (candidate is null)
            {
                return Open();
            }

            if (IsExpired(candidate) || !candidate.IsAliveForReuse())
            {
                candidate.Dispose();
                continue;
            }

            return candidate;
        }
    }

    /// <summary>Gives a connection back; a broken one is discarded.</summary>
    internal void Return(ClientConnection connection)
    {
        // A proxy closed while its awaited call still runs (a misuse) must not let another proxy
        // use the connection at the same time: it is discarded once the call is done.
        if (connection.IsBroken || connection.HasCallInFlight)
        {
            connection.Dispose();
            return;
        }

        connection.LastUsedTimestamp = _timeProvider.GetTimestamp();
        lock (_gate)
        {
            if (!_disposed)
            {
                _idle.Push(connection);
                connection = null!;
            }
        }

        connection?.Dispose();
        DiscardExpired();
    }

    private bool IsExpired(ClientConnection connection) =>
        _options.TimeOut is { } idle && _timeProvider.GetElapsedTime(connection.LastUsedTimestamp) > idle;

    /// <summary>Drops idle connections past <c>TimeOut</c> (oldest sit at the bottom of the stack).</summary>
    private void DiscardExpired()
    {
        if (_options.TimeOut is null)
        {
            return;
        }

        List<ClientConnection>? expired = null;
        lock (_gate)
        {
            if (_idle.Count == 0 || !IsExpired(_idle.Last()))
            {
                return;
            }

            var keep = _idle.Where(c => !IsExpired(c)).Reverse().ToList();
            expired = _idle.Where(IsExpired).ToList();
            _idle.Clear();
            foreach (var connection in keep)
            {
                _idle.Push(connection);
            }
        }

        foreach (var connection in expired)
        {
            connection.Dispose();
        }
    }

    /// <summary>
    /// Opens a connection: always TCP first (authentication, and the lifeline), then, for Auto or
    /// SharedMemory on a loopback host, the upgrade to a ring pair. Auto stays on TCP when the
    /// upgrade cannot be had; SharedMemory throws, saying why.
    /// </summary>
    private ClientConnection Open()
    {
        var transport = _options.Transport;
        var sharedMemoryPossible = transport != CyberTransport.Tcp && SharedMemoryClientConnection.IsPossible(_options.Host);
        if (transport == CyberTransport.SharedMemory && !sharedMemoryPossible)
        {
            throw new CyberDbConnectionException(
                CyberDbConnectionFailure.Unreachable,
                $"Transport=SharedMemory was requested, but shared memory needs Linux and a server on this host (Host={_options.Host} is not a loopback address); use Auto or Tcp");
        }

        var tcp = TcpClientConnection.Open(_options, _keys, askSharedMemory: sharedMemoryPossible);
        if (!sharedMemoryPossible)
        {
            return tcp;
        }

        string reason;
        try
        {
            if (SharedMemoryClientConnection.TryUpgrade(tcp, _regions, _pump, _options, out var sharedMemory, out reason))
            {
                return sharedMemory!;
            }
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        if (transport == CyberTransport.SharedMemory)
        {
            tcp.Dispose();
            throw new CyberDbConnectionException(CyberDbConnectionFailure.Unreachable, $"Transport=SharedMemory was requested, but {reason}");
        }

        return tcp;
    }

    public void Dispose()
    {
        ClientConnection[] idle;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        _idleSweep?.Dispose();

        foreach (var connection in idle)
        {
            connection.Dispose();
        }

        _pump?.Dispose(); // fails calls still waiting; stops reading rings before any mapping can go
        _regions.Dispose(); // connections still rented keep their own lease on the mapping
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
