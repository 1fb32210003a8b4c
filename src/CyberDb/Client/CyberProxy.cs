using System.Text;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb;

/// <summary>
/// One unit of work (a web request, a thread): holds one pooled connection between
/// <see cref="Connect"/> and <see cref="Close"/>, and hands out table handles that use it.
/// Not thread-safe, like the seed's proxy: give each thread its own.
/// </summary>
public sealed partial class CyberProxy : IDisposable
{
    private readonly CyberDbClient _client;
    private ClientConnection? _connection;

    internal CyberProxy(CyberDbClient client)
    {
        _client = client;
    }

    public bool IsConnected => _connection is not null;

    /// <summary>Takes a connection from the client's pool (opening one if none is idle).</summary>
    public void Connect()
    {
        _connection ??= _client.Rent();
    }

    /// <summary>Gives the connection back to the pool; handles throw until <see cref="Connect"/> again.</summary>
    public void Close()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            _client.Return(connection);
        }
    }

    public void Dispose() => Close();

    /// <summary>
    /// The connection for the next call. A connection that failed earlier (server restarted,
    /// idle timeout) is replaced by a fresh one here, so a proxy recovers on its next call.
    /// </summary>
    internal ClientConnection Connection
    {
        get
        {
            var connection = _connection ?? throw new InvalidOperationException("the proxy is not connected: call Connect() first (table handles stop working after Close())");
            if (connection.IsBroken)
            {
                // Rent first: while the server is unreachable it throws CyberDbConnectionException
                // and the proxy keeps the broken connection, so every call keeps reporting the
                // connection error (not "not connected") and recovers once the server is back.
                var fresh = _client.Rent();
                connection.Dispose();
                _connection = connection = fresh;
            }

            return connection;
        }
    }

    public CyberDict CreateCyberDict(string name, IEnumerable<KeyValuePair<object, object?>>? content = null)
    {
        ValidateName(name);
        var items = content?.ToList();
        var connection = Connection;
        var writer = connection.BeginRequest(OpCode.CreateDict, name);
        if (items is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.WriteMapHeader(items.Count);
            foreach (var (key, value) in items)
            {
                ValueEncoder.WriteKey(ref writer, key);
                ValueEncoder.WriteValue(ref writer, value);
            }
        }

        writer.Flush();
        connection.Execute();
        return new CyberDict(this, name);
    }

    public CyberList CreateCyberList(string name, IEnumerable<object?>? content = null)
    {
        ValidateName(name);
        var items = content?.ToList();
        var connection = Connection;
        var writer = connection.BeginRequest(OpCode.CreateList, name);
        if (items is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.WriteArrayHeader(items.Count);
            foreach (var value in items)
            {
                ValueEncoder.WriteValue(ref writer, value);
            }
        }

        writer.Flush();
        connection.Execute();
        return new CyberList(this, name);
    }

    /// <summary>A handle to an existing dictionary; <see cref="CyberDbException"/> when there is none of that name and kind.</summary>
    public CyberDict GetCyberDict(string name)
    {
        RequireKind(name, CyberTableKind.CyberDict);
        return new CyberDict(this, name);
    }

    /// <summary>A handle to an existing list; <see cref="CyberDbException"/> when there is none of that name and kind.</summary>
    public CyberList GetCyberList(string name)
    {
        RequireKind(name, CyberTableKind.CyberList);
        return new CyberList(this, name);
    }

    /// <summary>Every table's name and kind.</summary>
    public IReadOnlyDictionary<string, CyberTableKind> GetTables()
    {
        var connection = Connection;
        var writer = connection.BeginRequest(OpCode.ListTables, null);
        writer.Flush();
        var reader = new MessagePackReader(connection.Execute());
        var count = reader.ReadMapHeader();
        var tables = new SortedDictionary<string, CyberTableKind>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString()!;
            tables[name] = CyberTableKindCodes.FromWire(reader.ReadInt64());
        }

        return tables;
    }

    /// <summary>Prints the tables to standard output, as the seed's <c>print_tables</c>.</summary>
    public void PrintTables()
    {
        var tables = GetTables();
        var text = new StringBuilder();
        text.AppendLine("table name\ttable type");
        foreach (var (name, kind) in tables)
        {
            text.Append(name).Append('\t').AppendLine(kind.ToString());
        }

        Console.Write(text.ToString());
    }

    public void DeleteTable(string name)
    {
        ValidateName(name);
        var connection = Connection;
        var writer = connection.BeginRequest(OpCode.DeleteTable, name);
        writer.Flush();
        connection.Execute();
    }

    /// <summary>Sends a ping and waits for the answer: a real round trip (health checks).</summary>
    public void Ping() => BeginPing().Execute();

    private ClientConnection BeginPing()
    {
        var connection = Connection;
        var writer = connection.BeginRequest(OpCode.Ping, null);
        writer.Flush();
        return connection;
    }

    private void RequireKind(string name, CyberTableKind kind)
    {
        if (!IsKindKnown(name, kind, out var connection, out var version))
        {
            CheckKind(connection, name, kind, version, BeginKindCheck(connection, name).Execute());
        }
    }

    private static ClientConnection BeginKindCheck(ClientConnection connection, string name)
    {
        var writer = connection.BeginRequest(OpCode.GetTableKind, name);
        writer.Flush();
        return connection;
    }

    /// <summary>
    /// Shared memory: the executor publishes its table-set version before it answers the request
    /// that changed it, so an unchanged version means no create or delete has been answered since
    /// our last check, and the check's answer still holds (the seed's get_cyberdict on every web
    /// request then costs no round trip).
    /// </summary>
    private bool IsKindKnown(string name, CyberTableKind kind, out ClientConnection connection, out long? version)
    {
        ValidateName(name);
        connection = Connection;
        version = connection.TableSetVersion;
        return version is { } seen && connection.KnownTables.Contains(name, kind, seen);
    }

    private static void CheckKind(ClientConnection connection, string name, CyberTableKind kind, long? versionBefore, ReadOnlyMemory<byte> response)
    {
        var reader = new MessagePackReader(response);
        var actual = CyberTableKindCodes.FromWire(reader.ReadInt64());
        if (actual != kind)
        {
            throw new CyberDbException($"table '{name}' is a {actual}, not a {kind}");
        }

        if (versionBefore is { } before)
        {
            connection.KnownTables.Remember(name, kind, before);
        }
    }

    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > ProtocolLimits.MaxTableNameBytes)
        {
            throw new ArgumentException($"a table name has at most {ProtocolLimits.MaxTableNameBytes} UTF-8 bytes", nameof(name));
        }
    }
}
