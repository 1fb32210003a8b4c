using System.Text;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Engine;

internal sealed partial class OperationDispatcher
{
    private ResponseStatus CreateDict(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var name = ReadNewTableName(ref reader, out var status);
        if (name is null)
        {
            return status;
        }

        var table = new DictTable(name);
        if (!reader.TryReadNil())
        {
            ApplyUpdate(table, ref reader);
        }

        reader.ExpectEnd();
        _database.TryAdd(table);
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus CreateList(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var name = ReadNewTableName(ref reader, out var status);
        if (name is null)
        {
            return status;
        }

        var table = new ListTable(name);
        if (!reader.TryReadNil())
        {
            ReadValues(ref reader, table.Items);
        }

        reader.ExpectEnd();
        _database.TryAdd(table);
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus GetTableKind(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var name = ReadTableName(ref reader);
        if (!_database.TryGet(name, out var table))
        {
            return MissingTable(name);
        }

        writer.Write((int)table.Kind);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DeleteTable(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var name = ReadTableName(ref reader);
        reader.ExpectEnd();
        if (!_database.TryGet(name, out var table))
        {
            return MissingTable(name);
        }

        _database.Remove(table.Name);
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListTables(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(_database.Count);
        foreach (var table in _database.Tables)
        {
            writer.Write(table.Name);
            writer.Write((int)table.Kind);
        }

        return ResponseStatus.Ok;
    }

    private static ReadOnlySpan<byte> ReadTableName(ref SpanReader reader)
    {
        var name = reader.ReadStringUtf8();
        if (name.Length is 0 or > ProtocolLimits.MaxTableNameBytes)
        {
            throw new ProtocolException($"a table name must have 1 to {ProtocolLimits.MaxTableNameBytes} UTF-8 bytes");
        }

        return name;
    }

    /// <summary>Reads the name of a table to create; null (and a status) when it exists already.</summary>
    private string? ReadNewTableName(ref SpanReader reader, out ResponseStatus status)
    {
        var utf8 = ReadTableName(ref reader);
        if (_database.TryGet(utf8, out _))
        {
            status = Error(ResponseStatus.TableError, $"table '{DisplayName(utf8)}' already exists");
            return null;
        }

        status = ResponseStatus.Ok;
        return Encoding.UTF8.GetString(utf8);
    }

    private ResponseStatus MissingTable(ReadOnlySpan<byte> utf8Name) =>
        Error(ResponseStatus.TableError, $"table '{DisplayName(utf8Name)}' does not exist");

    /// <summary>Reads a table name and finds that table with the expected kind; null (and a status) otherwise.</summary>
    private T? ReadTable<T>(ref SpanReader reader, out ResponseStatus status)
        where T : Table
    {
        var name = ReadTableName(ref reader);
        if (!_database.TryGet(name, out var table))
        {
            status = MissingTable(name);
            return null;
        }

        if (table is not T typed)
        {
            var wanted = typeof(T) == typeof(DictTable) ? CyberTableKind.CyberDict : CyberTableKind.CyberList;
            status = Error(ResponseStatus.TableError, $"table '{table.Name}' is a {table.Kind}, not a {wanted}");
            return null;
        }

        status = ResponseStatus.Ok;
        return typed;
    }

    /// <summary>Reads an array of values (the last argument) into <paramref name="items"/>, all validated before any is added.</summary>
    private static void ReadValues(ref SpanReader reader, List<byte[]> items)
    {
        var count = reader.ReadArrayHeader();
        var values = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadRawObject().ToArray();
        }

        reader.ExpectEnd();
        items.AddRange(values);
    }
}
