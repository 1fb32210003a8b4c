using CyberDb.Protocol;
using MessagePack;
using InfoFields = CyberDb.Engine.OperationDispatcher.InfoFields;

namespace CyberDb.Client;

/// <summary>
/// The server's answer to <see cref="OpCode.Info"/>: version, uptime, transports and their
/// connections, operations executed, memory, last save, and every table with its kind and size.
/// Internal: the <c>cyberdb info</c> command reads it (fields unknown to this reader are skipped).
/// </summary>
internal sealed class ServerInfo
{
    public string Version { get; private set; } = string.Empty;

    public DateTime StartedAt { get; private set; }

    public TimeSpan Uptime { get; private set; }

    public IReadOnlyList<(string Name, string EndPoint, int Connections)> Transports { get; private set; } = [];

    public int MaxConnections { get; private set; }

    public bool Encrypt { get; private set; }

    public long OperationsExecuted { get; private set; }

    public long ManagedBytes { get; private set; }

    public long WorkingSetBytes { get; private set; }

    public DateTime? LastSave { get; private set; }

    public string? LastSavePath { get; private set; }

    public IReadOnlyList<(string Name, CyberTableKind Kind, int Count)> Tables { get; private set; } = [];

    /// <summary>Asks the server through <paramref name="proxy"/>'s connection (one round trip).</summary>
    public static ServerInfo Fetch(CyberProxy proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        var connection = proxy.Connection;
        var writer = connection.BeginRequest(OpCode.Info, null);
        writer.Flush();
        return Parse(connection.Execute());
    }

    public static ServerInfo Parse(ReadOnlyMemory<byte> payload)
    {
        var info = new ServerInfo();
        var reader = new MessagePackReader(payload);
        var fields = reader.ReadMapHeader();
        for (var i = 0; i < fields; i++)
        {
            var name = reader.ReadString();
            switch (name)
            {
                case InfoFields.Version: info.Version = reader.ReadString() ?? string.Empty; break;
                case InfoFields.StartedAt: info.StartedAt = reader.ReadDateTime(); break;
                case InfoFields.UptimeMilliseconds: info.Uptime = TimeSpan.FromMilliseconds(reader.ReadInt64()); break;
                case InfoFields.Transports: info.Transports = ReadTransports(ref reader); break;
                case InfoFields.MaxConnections: info.MaxConnections = reader.ReadInt32(); break;
                case InfoFields.Encrypt: info.Encrypt = reader.ReadBoolean(); break;
                case InfoFields.OperationsExecuted: info.OperationsExecuted = reader.ReadInt64(); break;
                case InfoFields.ManagedBytes: info.ManagedBytes = reader.ReadInt64(); break;
                case InfoFields.WorkingSetBytes: info.WorkingSetBytes = reader.ReadInt64(); break;
                case InfoFields.LastSave: info.LastSave = reader.TryReadNil() ? null : reader.ReadDateTime(); break;
                case InfoFields.LastSavePath: info.LastSavePath = reader.ReadString(); break;
                case InfoFields.Tables: info.Tables = ReadTables(ref reader); break;
                default: reader.Skip(); break; // a newer server's field
            }
        }

        return info;
    }

    private static List<(string, string, int)> ReadTransports(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var transports = new List<(string, string, int)>(count);
        for (var i = 0; i < count; i++)
        {
            reader.ReadArrayHeader();
            transports.Add((reader.ReadString() ?? string.Empty, reader.ReadString() ?? string.Empty, reader.ReadInt32()));
        }

        return transports;
    }

    private static List<(string, CyberTableKind, int)> ReadTables(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var tables = new List<(string, CyberTableKind, int)>(count);
        for (var i = 0; i < count; i++)
        {
            reader.ReadArrayHeader();
            tables.Add((reader.ReadString() ?? string.Empty, CyberTableKindCodes.FromWire(reader.ReadInt64()), reader.ReadInt32()));
        }

        tables.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return tables;
    }
}

/// <summary><c>proxy.GetInfo()</c> for the tools (internal, as <see cref="ServerInfo"/>).</summary>
internal static class ServerInfoProxyExtensions
{
    /// <summary>The server's statistics and tables (one round trip on the proxy's connection).</summary>
    public static ServerInfo GetInfo(this CyberProxy proxy) => ServerInfo.Fetch(proxy);
}
