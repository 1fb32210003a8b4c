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

        return (CyberDbServerOptions)MemberwiseClone();
    }
}
