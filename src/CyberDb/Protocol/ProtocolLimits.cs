namespace CyberDb.Protocol;

/// <summary>Bounds that every received length and nesting is checked against before it is trusted.</summary>
internal static class ProtocolLimits
{
    /// <summary>
    /// Default largest frame either side accepts: room for a 64 MiB value (the largest the
    /// shared-memory issue asks for) with a wide margin, small enough that a lying length field
    /// cannot make the server allocate gigabytes.
    /// </summary>
    public const int DefaultMaxFrameBytes = 128 * 1024 * 1024;

    /// <summary>Deepest nesting of lists and maps in one value; deeper values are refused.</summary>
    public const int MaxValueDepth = 64;

    /// <summary>Longest table name, in UTF-8 bytes.</summary>
    public const int MaxTableNameBytes = 256;

    /// <summary>The version both sides announce in the handshake; a mismatch is refused.</summary>
    public const int ProtocolVersion = 1;
}
