using System.Buffers;
using System.Text.Json;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Cli.Json;

/// <summary>
/// Reads a <see cref="DumpFormat"/> stream with bounded memory (<see cref="JsonStreamReader"/>).
/// <see cref="Scan"/> checks the whole file (structure, kinds, keys, every value) and lists its
/// tables; <see cref="Restore"/> then reads it again and sends each table in batches of
/// <see cref="BatchItems"/> items (<c>Update</c> for dicts, <c>AddRange</c> for lists). Scanning
/// first means a bad file is refused before anything on the server changes.
/// </summary>
internal sealed class DumpReader
{
    /// <summary>Items per request: big enough that round trips do not dominate, small enough to keep requests a few MiB.</summary>
    public const int BatchItems = 5000;

    /// <summary>A batch is also sent once its values reach this size (large values).</summary>
    private const int BatchBytes = 4 << 20;

    private readonly JsonStreamReader _json;
    private readonly Target? _target;
    private readonly ArrayBufferWriter<byte> _batch = new(64 * 1024);
    private readonly List<DumpTable> _tables = [];
    private long _items;

    private DumpReader(Stream stream, Target? target)
    {
        _json = new JsonStreamReader(stream);
        _target = target;
    }

    /// <summary>Validates the whole dump and lists its tables in file order.</summary>
    public static List<DumpTable> Scan(Stream stream)
    {
        var reader = new DumpReader(stream, target: null);
        try
        {
            reader.ReadDocument();
        }
        finally
        {
            reader._json.Dispose();
        }

        return reader._tables;
    }

    /// <summary>
    /// Creates the tables of the dump (those in <paramref name="only"/>, when given) and fills them.
    /// Tables named in <paramref name="replace"/> are deleted first. Returns the items sent.
    /// </summary>
    public static long Restore(Stream stream, CyberProxy proxy, IReadOnlySet<string>? only, IReadOnlySet<string> replace, Action<long>? progress)
    {
        var reader = new DumpReader(stream, new Target(proxy, only, replace, progress));
        try
        {
            reader.ReadDocument();
        }
        finally
        {
            reader._json.Dispose();
        }

        return reader._target!.Sent;
    }

    private void ReadDocument()
    {
        _json.Expect(JsonTokenType.StartObject, "'{' (a cyberdb dump is one JSON object)");
        var format = false;
        var version = false;
        var tables = false;
        while (Next() != JsonTokenType.EndObject)
        {
            var property = _json.StringValue;
            switch (property)
            {
                case DumpFormat.FormatProperty:
                    _json.Expect(JsonTokenType.String, "the format name");
                    if (_json.StringValue != DumpFormat.FormatName)
                    {
                        throw _json.Located($"this is not a cyberdb dump: format is \"{_json.StringValue}\", not \"{DumpFormat.FormatName}\"");
                    }

                    format = true;
                    break;
                case DumpFormat.VersionProperty:
                    _json.Expect(JsonTokenType.Number, "the format version");
                    if (_json.IntegerValue != DumpFormat.Version)
                    {
                        throw _json.Located($"dump format version {_json.IntegerValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} is not supported (this tool reads version {DumpFormat.Version})");
                    }

                    version = true;
                    break;
                case DumpFormat.TablesProperty:
                    if (!format || !version)
                    {
                        throw _json.Located($"\"{DumpFormat.FormatProperty}\" and \"{DumpFormat.VersionProperty}\" must come before \"{DumpFormat.TablesProperty}\"");
                    }

                    ReadTables();
                    tables = true;
                    break;
                default:
                    throw _json.Located($"unknown property \"{property}\" (known: {DumpFormat.FormatProperty}, {DumpFormat.VersionProperty}, {DumpFormat.TablesProperty})");
            }
        }

        if (!tables)
        {
            throw _json.Located(format ? $"the dump has no \"{DumpFormat.TablesProperty}\"" : "this is not a cyberdb dump (no \"format\")");
        }

        if (_json.Read())
        {
            throw _json.Located("unexpected data after the dump's object");
        }
    }

    private JsonTokenType Next()
    {
        if (!_json.Read())
        {
            throw _json.Located("the file ends early");
        }

        return _json.TokenType;
    }

    private void ReadTables()
    {
        _json.Expect(JsonTokenType.StartArray, $"the \"{DumpFormat.TablesProperty}\" array");
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (Next() != JsonTokenType.EndArray)
        {
            if (_json.TokenType != JsonTokenType.StartObject)
            {
                throw _json.Located("each table is an object {\"name\":..., \"kind\":..., \"items\":[...]}");
            }

            string? name = null;
            CyberTableKind? kind = null;
            long? count = null;
            while (Next() != JsonTokenType.EndObject)
            {
                var property = _json.StringValue;
                switch (property)
                {
                    case DumpFormat.NameProperty:
                        _json.Expect(JsonTokenType.String, "the table name");
                        name = _json.StringValue!;
                        if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) > ProtocolLimits.MaxTableNameBytes)
                        {
                            throw _json.Located($"a table name has 1 to {ProtocolLimits.MaxTableNameBytes} UTF-8 bytes");
                        }

                        if (!names.Add(name))
                        {
                            throw _json.Located($"table '{name}' appears twice");
                        }

                        break;
                    case DumpFormat.KindProperty:
                        _json.Expect(JsonTokenType.String, "the table kind");
                        kind = _json.StringValue switch
                        {
                            DumpFormat.DictKind => CyberTableKind.CyberDict,
                            DumpFormat.ListKind => CyberTableKind.CyberList,
                            var other => throw _json.Located($"table kind is \"{DumpFormat.DictKind}\" or \"{DumpFormat.ListKind}\", not \"{other}\""),
                        };
                        break;
                    case DumpFormat.ItemsProperty:
                        if (name is null || kind is null)
                        {
                            throw _json.Located($"a table's \"{DumpFormat.NameProperty}\" and \"{DumpFormat.KindProperty}\" must come before its \"{DumpFormat.ItemsProperty}\"");
                        }

                        count = ReadItems(name, kind.Value);
                        break;
                    default:
                        throw _json.Located($"unknown table property \"{property}\" (known: {DumpFormat.NameProperty}, {DumpFormat.KindProperty}, {DumpFormat.ItemsProperty})");
                }
            }

            if (name is null || kind is null || count is null)
            {
                throw _json.Located($"a table needs \"{DumpFormat.NameProperty}\", \"{DumpFormat.KindProperty}\" and \"{DumpFormat.ItemsProperty}\"");
            }

            _tables.Add(new DumpTable(name, kind.Value, count.Value));
        }
    }

    private long ReadItems(string name, CyberTableKind kind)
    {
        _json.Expect(JsonTokenType.StartArray, $"the \"{DumpFormat.ItemsProperty}\" array");
        var sending = _target?.BeginTable(name, kind) ?? false;
        long count = 0;
        var pending = 0;
        _batch.ResetWrittenCount();
        while (true)
        {
            var writer = new MessagePackWriter(_batch);
            if (kind == CyberTableKind.CyberDict)
            {
                if (Next() == JsonTokenType.EndArray)
                {
                    break;
                }

                if (_json.TokenType != JsonTokenType.StartArray)
                {
                    throw _json.Located($"each item of dict '{name}' is a [key, value] pair");
                }

                _json.ReadKey(ref writer);
                if (!_json.ReadValue(ref writer, JsonTokenType.EndArray))
                {
                    throw _json.Located($"an item of dict '{name}' has a key but no value");
                }

                _json.Expect(JsonTokenType.EndArray, "the end of a [key, value] pair");
            }
            else if (!_json.ReadValue(ref writer, JsonTokenType.EndArray))
            {
                break;
            }

            writer.Flush();
            count++;
            pending++;
            _items++;
            if (pending >= BatchItems || _batch.WrittenCount >= BatchBytes)
            {
                if (sending)
                {
                    _target!.Send(name, kind, _batch.WrittenMemory, pending);
                }

                pending = 0;
                _batch.ResetWrittenCount();
            }
        }

        if (sending && pending > 0)
        {
            _target!.Send(name, kind, _batch.WrittenMemory, pending);
        }

        _batch.ResetWrittenCount();
        return count;
    }

    /// <summary>Where a restore sends what it reads.</summary>
    private sealed class Target(CyberProxy proxy, IReadOnlySet<string>? only, IReadOnlySet<string> replace, Action<long>? progress)
    {
        public long Sent { get; private set; }

        /// <summary>Creates the table (deleting an existing one first when asked); false when the table is not restored.</summary>
        public bool BeginTable(string name, CyberTableKind kind)
        {
            if (only is not null && !only.Contains(name))
            {
                return false;
            }

            if (replace.Contains(name))
            {
                proxy.DeleteTable(name);
            }

            if (kind == CyberTableKind.CyberDict)
            {
                proxy.CreateCyberDict(name);
            }
            else
            {
                proxy.CreateCyberList(name);
            }

            return true;
        }

        public void Send(string name, CyberTableKind kind, ReadOnlyMemory<byte> items, int count)
        {
            var connection = proxy.Connection;
            var writer = connection.BeginRequest(kind == CyberTableKind.CyberDict ? OpCode.DictUpdate : OpCode.ListAddRange, name);
            if (kind == CyberTableKind.CyberDict)
            {
                writer.WriteMapHeader(count);
            }
            else
            {
                writer.WriteArrayHeader(count);
            }

            writer.WriteRaw(items.Span);
            writer.Flush();
            connection.Execute();
            Sent += count;
            progress?.Invoke(Sent);
        }
    }
}
