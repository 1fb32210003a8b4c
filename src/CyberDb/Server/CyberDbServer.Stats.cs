using System.Reflection;
using CyberDb.Server;
using CyberDb.Transport.Tcp;

namespace CyberDb;

/// <summary>Statistics for the <see cref="Protocol.OpCode.Info"/> operation (<c>cyberdb info</c>).</summary>
public sealed partial class CyberDbServer
{
    private static readonly string LibraryVersion =
        typeof(CyberDbServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CyberDbServer).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Written once by <see cref="Start"/> before the executor runs.</summary>
    private DateTimeOffset _startedAt;

    /// <summary>The last successful save (UTC ticks, 0 = none) and its path; written by whichever thread saved, read by the executor.</summary>
    private long _lastSaveTicks;
    private string? _lastSavePath;

    /// <summary>Records a finished save for <c>info</c>; called by <c>SaveDb</c>.</summary>
    internal void RecordSave(string path)
    {
        Volatile.Write(ref _lastSavePath, path);
        Interlocked.Exchange(ref _lastSaveTicks, _timeProvider.GetUtcNow().UtcTicks);
    }

    /// <summary>Tables held now; for start-up messages (read it before <see cref="Start"/> or from the executor).</summary>
    internal int TableCount => _database.Count;

    /// <summary>The same statistics as the Info operation (without the tables); null when not running.</summary>
    internal ServerStats? CurrentStats() =>
        _context is { } context && _tcp is { } tcp && !_stopped ? CollectStats(context, tcp) : null;

    /// <summary>Runs inside the Info operation (with the tables held): cheap reads only.</summary>
    private ServerStats CollectStats(ServerContext context, TcpListenerHost tcp)
    {
        // Every shared-memory client also holds a TCP socket (its lifeline): the tcp line counts
        // those that are served over TCP.
        var sharedMemoryClients = context.SharedMemory?.AttachedCount ?? 0;
        var transports = new List<ServerStats.TransportStats>(2)
        {
            new("tcp", tcp.EndPoint, context.Connections - sharedMemoryClients),
        };
        if (context.SharedMemory is { } sharedMemory)
        {
            transports.Add(new("shm", sharedMemory.Path, sharedMemoryClients));
        }

        var lastSaveTicks = Interlocked.Read(ref _lastSaveTicks);
        var now = _timeProvider.GetUtcNow();
        return new ServerStats
        {
            Version = LibraryVersion,
            StartedAt = _startedAt,
            Uptime = now - _startedAt,
            Transports = transports,
            MaxConnections = context.Options.MaxConnections,
            Encrypt = context.Options.Encrypt,
            OperationsExecuted = context.Executor.Executed,
            ManagedBytes = GC.GetTotalMemory(forceFullCollection: false),
            WorkingSetBytes = Environment.WorkingSet, // one small procfs read; Info is an admin call
            LastSave = lastSaveTicks == 0 ? null : new DateTimeOffset(lastSaveTicks, TimeSpan.Zero),
            LastSavePath = lastSaveTicks == 0 ? null : Volatile.Read(ref _lastSavePath),
        };
    }
}
