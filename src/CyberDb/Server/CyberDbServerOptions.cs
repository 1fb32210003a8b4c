using CyberDb.Protocol;
using CyberDb.Security;

namespace CyberDb;

/// <summary>
/// How a <see cref="CyberDbServer"/> runs. Validated once, at <see cref="CyberDbServer.Start"/>,
/// with errors that name the option; the server keeps its own copy, so later changes to this
/// object do not affect a running server.
/// </summary>
public sealed class CyberDbServerOptions
{
    /// <summary>The default TCP port, as in the seed.</summary>
    public const int DefaultPort = 9980;

    /// <summary>The seed's default <c>max_con</c> is 500.</summary>
    public const int DefaultMaxConnections = 500;

    /// <summary>
    /// 128 MiB: room for a 64 MiB value with a wide margin, small enough that a lying length field
    /// cannot make the server allocate gigabytes.
    /// </summary>
    public const int DefaultMaxFrameBytes = ProtocolLimits.DefaultMaxFrameBytes;

    /// <summary>Smallest allowed <see cref="MaxFrameBytes"/>: the handshake and short requests must fit.</summary>
    internal const int MinMaxFrameBytes = 1024;

    /// <summary>Largest allowed <see cref="MaxFrameBytes"/> (1 GiB).</summary>
    internal const int MaxMaxFrameBytes = 1024 * 1024 * 1024;

    /// <summary>TCP bind address ("0.0.0.0" for remote clients).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="CyberDbServer.Port"/>).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Required, non-empty. Never sent over the wire (challenge-response).</summary>
    public string? Password { get; set; }

    /// <summary>Over this many connections a client gets a clear refusal (seed: <c>max_con</c>).</summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary>Idle server-side connection timeout; <see cref="TimeSpan.Zero"/> = none.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.Zero;

    /// <summary>Log to standard output (seed: <c>print_log</c>).</summary>
    public bool PrintLog { get; set; }

    /// <summary>AES-256 on TCP; turns the IP whitelist on.</summary>
    public bool Encrypt { get; set; }

    /// <summary>Publish the same-host shared-memory transport.</summary>
    public bool SharedMemory { get; set; } = true;

    /// <summary>
    /// The largest request a client may send, frame header included. A bigger frame is refused from
    /// its length field, before anything is allocated, and the connection is closed; clients learn
    /// the limit in the handshake and refuse such a request before sending it.
    /// </summary>
    public int MaxFrameBytes { get; set; } = DefaultMaxFrameBytes;

    /// <summary>Limits against hostile peers (handshake deadline, authentication throttling); internal so tests can shorten them.</summary>
    internal HardeningOptions Hardening { get; set; } = HardeningOptions.Default;

    internal CyberDbServerOptions Validated()
    {
        if (string.IsNullOrEmpty(Password))
        {
            throw new ArgumentException("CyberDbServerOptions.Password is required and must not be empty", nameof(Password));
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("CyberDbServerOptions.Host must be an address or host name", nameof(Host));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "CyberDbServerOptions.Port must be 0..65535 (0 picks a free port)");
        }

        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "CyberDbServerOptions.MaxConnections must be at least 1");
        }

        if (Timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "CyberDbServerOptions.Timeout must not be negative (Zero = none)");
        }

        if (MaxFrameBytes is < MinMaxFrameBytes or > MaxMaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameBytes), MaxFrameBytes, $"CyberDbServerOptions.MaxFrameBytes must be {MinMaxFrameBytes}..{MaxMaxFrameBytes}");
        }

        ArgumentNullException.ThrowIfNull(Hardening);
        Hardening.Validate();
        return (CyberDbServerOptions)MemberwiseClone();
    }
}
