using System.Security.Cryptography;
using CyberDb.Protocol;
using CyberDb.Security;
using Microsoft.Extensions.Logging;

namespace CyberDb.Server;

/// <summary>
/// What every transport of one running server shares: the validated options, the executor, the
/// authentication key (derived once at start), the connection count. Created by
/// <see cref="CyberDbServer.Start"/>, immutable but for the counters, the throttle's records and
/// the whitelist (which <see cref="CyberDbServer.SetIpWhitelist"/> may swap while running).
/// </summary>
internal sealed class ServerContext
{
    private int _connections;

    /// <summary>Written by <see cref="CyberDbServer.SetIpWhitelist"/>, read by the accept loop; a whole immutable list is swapped.</summary>
    private volatile IpWhitelist _whitelist = IpWhitelist.Default;

    public ServerContext(CyberDbServerOptions options, Executor executor, ILogger logger, TimeProvider timeProvider)
    {
        Options = options;
        Executor = executor;
        Logger = logger;
        TimeProvider = timeProvider;
        Salt = RandomNumberGenerator.GetBytes(Handshake.SaltBytes);
        Iterations = Handshake.DefaultIterations;
        AuthKey = Handshake.DeriveKey(options.Password!, Salt, Iterations);
        Throttle = new AuthThrottle(options.Hardening, timeProvider);
    }

    public CyberDbServerOptions Options { get; }

    public Executor Executor { get; }

    /// <summary>The shared-memory transport, when this server offers it (same-host clients that ask get a ring pair).</summary>
    public Transport.SharedMemory.SharedMemoryHost? SharedMemory { get; init; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    public byte[] Salt { get; }

    public int Iterations { get; }

    public byte[] AuthKey { get; }

    /// <summary>The largest frame a client may send, header included (<see cref="CyberDbServerOptions.MaxFrameBytes"/>).</summary>
    public int MaxFrameBytes => Options.MaxFrameBytes;

    /// <summary>Limits against hostile peers: handshake deadline, authentication throttling.</summary>
    public HardeningOptions Hardening => Options.Hardening;

    /// <summary>Failed authentications per source address.</summary>
    public AuthThrottle Throttle { get; }

    /// <summary>Who may connect when <c>Encrypt</c> is on; checked at accept, before any byte is read.</summary>
    public IpWhitelist Whitelist
    {
        get => _whitelist;
        set => _whitelist = value;
    }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Counts a new connection; false (and nothing counted) when <c>MaxConnections</c> is reached.</summary>
    public bool TryAddConnection()
    {
        while (true)
        {
            var current = Volatile.Read(ref _connections);
            if (current >= Options.MaxConnections)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _connections, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void RemoveConnection() => Interlocked.Decrement(ref _connections);
}
