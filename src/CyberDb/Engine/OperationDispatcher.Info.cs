using CyberDb.Protocol;
using CyberDb.Server;
using MessagePack;

namespace CyberDb.Engine;

/// <summary>The <see cref="OpCode.Info"/> operation: server statistics and the table catalog.</summary>
internal sealed partial class OperationDispatcher
{
    /// <summary>
    /// Supplies what the engine cannot know (uptime, connections, saves). Set once by the server
    /// before the executor starts and called only inside an operation; null in engine-only tests.
    /// </summary>
    public Func<ServerStats>? StatsProvider { get; set; }

    /// <summary>
    /// Answers a map of named fields (see <see cref="InfoFields"/>); a client ignores fields it does
    /// not know, so fields can be added without a protocol version change.
    /// </summary>
    private ResponseStatus Info(ref MessagePackWriter writer)
    {
        var stats = StatsProvider?.Invoke() ?? ServerStats.Empty;
        writer.WriteMapHeader(12);
        writer.Write(InfoFields.Version);
        writer.Write(stats.Version);
        writer.Write(InfoFields.StartedAt);
        writer.Write(stats.StartedAt.UtcDateTime);
        writer.Write(InfoFields.UptimeMilliseconds);
        writer.Write((long)stats.Uptime.TotalMilliseconds);
        writer.Write(InfoFields.Transports);
        writer.WriteArrayHeader(stats.Transports.Count);
        foreach (var transport in stats.Transports)
        {
            writer.WriteArrayHeader(3);
            writer.Write(transport.Name);
            writer.Write(transport.EndPoint);
            writer.Write(transport.Connections);
        }

        writer.Write(InfoFields.MaxConnections);
        writer.Write(stats.MaxConnections);
        writer.Write(InfoFields.Encrypt);
        writer.Write(stats.Encrypt);
        writer.Write(InfoFields.OperationsExecuted);
        writer.Write(stats.OperationsExecuted);
        writer.Write(InfoFields.ManagedBytes);
        writer.Write(stats.ManagedBytes);
        writer.Write(InfoFields.WorkingSetBytes);
        writer.Write(stats.WorkingSetBytes);
        writer.Write(InfoFields.LastSave);
        if (stats.LastSave is { } lastSave)
        {
            writer.Write(lastSave.UtcDateTime);
        }
        else
        {
            writer.WriteNil();
        }

        writer.Write(InfoFields.LastSavePath);
        writer.Write(stats.LastSavePath);
        writer.Write(InfoFields.Tables);
        writer.WriteArrayHeader(_database.Count);
        foreach (var table in _database.Tables)
        {
            writer.WriteArrayHeader(3);
            writer.Write(table.Name);
            writer.Write((int)table.Kind);
            writer.Write(table.Count);
        }

        return ResponseStatus.Ok;
    }

    /// <summary>The field names of the <see cref="OpCode.Info"/> answer, shared with the client's reader.</summary>
    internal static class InfoFields
    {
        public const string Version = "version";
        public const string StartedAt = "startedAt";
        public const string UptimeMilliseconds = "uptimeMs";
        public const string Transports = "transports"; // [[name, endpoint, connections], ...]
        public const string MaxConnections = "maxConnections";
        public const string Encrypt = "encrypt";
        public const string OperationsExecuted = "operations";
        public const string ManagedBytes = "managedBytes";
        public const string WorkingSetBytes = "workingSetBytes";
        public const string LastSave = "lastSave"; // timestamp or nil
        public const string LastSavePath = "lastSavePath"; // string or nil
        public const string Tables = "tables"; // [[name, kind, count], ...]
    }
}
