namespace CyberDb;

/// <summary>Why a <see cref="CyberDbConnectionException"/> was thrown.</summary>
public enum CyberDbConnectionFailure
{
    /// <summary>Nothing more specific is known.</summary>
    Unknown = 0,

    /// <summary>No server answers at the address, or the transport could not be set up.</summary>
    Unreachable = 1,

    /// <summary>The server went away (closed the connection, crashed, or stopped).</summary>
    ServerClosed = 2,

    /// <summary>The server refused: too many connections.</summary>
    TooManyConnections = 3,

    /// <summary>The server refused: the client's address is not whitelisted.</summary>
    NotWhitelisted = 4,

    /// <summary>The server closed an idle connection (its <c>Timeout</c> option).</summary>
    IdleTimeout = 5,

    /// <summary>An operation took longer than the client's <c>OperationTimeout</c>.</summary>
    OperationTimeout = 6,

    /// <summary>The peer sent bytes that break the protocol.</summary>
    ProtocolViolation = 7,
}
