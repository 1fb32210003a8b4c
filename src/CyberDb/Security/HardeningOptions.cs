namespace CyberDb.Security;

/// <summary>
/// Limits that protect the TCP listener from hostile or broken peers. Internal: the defaults are
/// what every server runs with; tests shorten the times so that they run without long sleeps.
/// Immutable; validated by <see cref="CyberDbServerOptions"/> at start.
/// </summary>
internal sealed record HardeningOptions
{
    /// <summary>The defaults every server runs with.</summary>
    public static HardeningOptions Default { get; } = new();

    /// <summary>
    /// A client that has not finished the handshake within this time is dropped. Ten seconds is
    /// plenty for a real client (one round trip plus an HMAC) and short enough that a silent or
    /// trickling socket cannot hold a connection slot for long.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed authentications from one address (IPv6: one /64) within <see cref="FailureWindow"/> before it is locked out.</summary>
    public int FailureLimit { get; init; } = 5;

    /// <summary>The window in which <see cref="FailureLimit"/> failures lock an address out.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a locked-out address is refused at accept. With the defaults an online guesser
    /// gets 5 tries a minute per address; a user who mistyped the password waits one minute.
    /// </summary>
    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most addresses the throttle tracks at once, so that a sweep over many (IPv6) addresses
    /// cannot grow the table without bound: about 100 bytes each, 1 MB in all.
    /// </summary>
    public int MaxTrackedAddresses { get; init; } = 10_000;

    internal void Validate()
    {
        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "the handshake timeout must be positive");
        }

        if (FailureLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FailureLimit), FailureLimit, "the failure limit must be at least 1");
        }

        if (FailureWindow <= TimeSpan.Zero || Lockout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FailureWindow), "the failure window and the lockout must be positive");
        }

        if (MaxTrackedAddresses < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTrackedAddresses), MaxTrackedAddresses, "at least one address must be tracked");
        }
    }
}
