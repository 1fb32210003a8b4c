namespace CyberDb.Server;

/// <summary>
/// What the server knows about itself beyond its tables, for the <see cref="Protocol.OpCode.Info"/>
/// operation (the <c>cyberdb info</c> command). A snapshot taken inside that operation when a
/// client asks; the dispatcher adds the tables (it owns them) and writes the whole answer.
/// </summary>
internal sealed class ServerStats
{
    /// <summary>The answer of a dispatcher no server gave a provider to (engine unit tests).</summary>
    public static readonly ServerStats Empty = new();

    /// <summary>The CyberDb library version the server runs.</summary>
    public string Version { get; init; } = string.Empty;

    public DateTimeOffset StartedAt { get; init; }

    public TimeSpan Uptime { get; init; }

    /// <summary>Each published transport with its address and the connections it holds now.</summary>
    public IReadOnlyList<TransportStats> Transports { get; init; } = [];

    public int MaxConnections { get; init; }

    public bool Encrypt { get; init; }

    /// <summary>Operations the executor ran since start (every request, including this one).</summary>
    public long OperationsExecuted { get; init; }

    /// <summary>Bytes of the managed heap in use (<see cref="GC.GetTotalMemory(bool)"/>).</summary>
    public long ManagedBytes { get; init; }

    /// <summary>The process's resident set (<see cref="Environment.WorkingSet"/>).</summary>
    public long WorkingSetBytes { get; init; }

    /// <summary>When the last successful save finished; null when none did since start.</summary>
    public DateTimeOffset? LastSave { get; init; }

    public string? LastSavePath { get; init; }

    /// <summary>One transport's line in the answer.</summary>
    internal sealed record TransportStats(string Name, string EndPoint, int Connections);
}
