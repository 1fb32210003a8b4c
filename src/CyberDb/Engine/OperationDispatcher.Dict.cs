using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Engine;

internal sealed partial class OperationDispatcher
{
    private ResponseStatus DictGet(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        if (table is null)
        {
            return status;
        }

        if (!table.TryGetValue(key, out var value))
        {
            return MissingKey(table, key);
        }

        writer.WriteRaw(value);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictTryGet(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        if (table is null)
        {
            return status;
        }

        WriteFound(ref writer, table.TryGetValue(key, out var value), value);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictSet(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        table.Set(key, value.ToArray());
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictCount(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        if (table is null)
        {
            return status;
        }

        writer.Write(table.Count);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictContainsKey(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        if (table is null)
        {
            return status;
        }

        writer.Write(table.ContainsKey(key));
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictRemove(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        writer.Write(table.Remove(key, out _));
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictGetOrAdd(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (table.TryGetValue(key, out var existing))
        {
            writer.WriteRaw(existing);
            return ResponseStatus.Ok;
        }

        var stored = value.ToArray();
        table.Set(key, stored);
        writer.WriteRaw(stored);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictUpdate(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        if (table is null)
        {
            reader.ReadRawObject();
            return status;
        }

        ApplyUpdate(table, ref reader);
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    /// <summary>Reads a map of items (the last argument), validating every key and value first, then sets them in order.</summary>
    private void ApplyUpdate(DictTable table, ref SpanReader reader)
    {
        var count = reader.ReadMapHeader();
        var keys = new byte[count][];
        var values = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            keys[i] = reader.ReadKey(_keyScratch).ToArray();
            values[i] = reader.ReadRawObject().ToArray();
        }

        reader.ExpectEnd();
        for (var i = 0; i < count; i++)
        {
            table.Set(keys[i], values[i]);
        }
    }

    private ResponseStatus DictKeys(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        if (table is null)
        {
            return status;
        }

        writer.WriteArrayHeader(table.Count);
        foreach (var (key, _) in table)
        {
            writer.WriteRaw(key);
        }

        return ResponseStatus.Ok;
    }

    private ResponseStatus DictValues(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        if (table is null)
        {
            return status;
        }

        writer.WriteArrayHeader(table.Count);
        foreach (var (_, value) in table)
        {
            writer.WriteRaw(value);
        }

        return ResponseStatus.Ok;
    }

    private ResponseStatus DictItems(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        if (table is null)
        {
            return status;
        }

        writer.WriteMapHeader(table.Count);
        foreach (var (key, value) in table)
        {
            writer.WriteRaw(key);
            writer.WriteRaw(value);
        }

        return ResponseStatus.Ok;
    }

    private ResponseStatus DictPop(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (!table.Remove(key, out var value))
        {
            return MissingKey(table, key);
        }

        writer.WriteRaw(value);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictTryPop(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        WriteFound(ref writer, table.Remove(key, out var value), value);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictPopItem(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (!table.TryPopLast(out var key, out var value))
        {
            return Error(ResponseStatus.KeyNotFound, $"popitem(): dictionary '{table.Name}' is empty");
        }

        writer.WriteArrayHeader(2);
        writer.WriteRaw(key);
        writer.WriteRaw(value);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictClear(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        table.Clear();
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictTryAdd(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        writer.Write(!table.ContainsKey(key) && table.TryAdd(key, value.ToArray()));
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictTryUpdate(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        var newValue = reader.ReadRawObject();
        var comparison = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        var updated = table.TryGetValue(key, out var current)
            && StoredValue.ValueEquals(current, comparison)
            && table.TryReplace(key, newValue.ToArray());
        writer.Write(updated);
        return ResponseStatus.Ok;
    }

    private ResponseStatus DictIncrement(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<DictTable>(ref reader, out var status);
        var key = reader.ReadKey(_keyScratch);
        var delta = reader.ReadInt64();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        long current = 0;
        if (table.TryGetValue(key, out var stored) && !StoredValue.TryReadInteger(stored, out current))
        {
            return Error(ResponseStatus.InvalidOperation, $"cannot increment key {DisplayKey(key)} of table '{table.Name}': its value is not an integer");
        }

        long result;
        try
        {
            result = checked(current + delta);
        }
        catch (OverflowException)
        {
            return Error(ResponseStatus.InvalidOperation, $"incrementing key {DisplayKey(key)} of table '{table.Name}' overflows a 64-bit integer");
        }

        table.Set(key, StoredValue.EncodeInteger(result));
        writer.Write(result);
        return ResponseStatus.Ok;
    }

    private ResponseStatus MissingKey(DictTable table, ReadOnlySpan<byte> key) =>
        Error(ResponseStatus.KeyNotFound, $"key {DisplayKey(key)} is not in table '{table.Name}'");

    private static void WriteFound(ref MessagePackWriter writer, bool found, byte[] value)
    {
        writer.WriteArrayHeader(2);
        writer.Write(found);
        if (found)
        {
            writer.WriteRaw(value);
        }
        else
        {
            writer.WriteNil();
        }
    }
}
