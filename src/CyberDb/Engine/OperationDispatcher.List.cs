using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Engine;

internal sealed partial class OperationDispatcher
{
    private ResponseStatus ListGet(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var index = reader.ReadInt64();
        if (table is null)
        {
            return status;
        }

        if (!TryResolveIndex(table, index, out var position))
        {
            return IndexOutOfRange(table, index);
        }

        writer.WriteRaw(table.Items[position]);
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListSet(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var index = reader.ReadInt64();
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (!TryResolveIndex(table, index, out var position))
        {
            return IndexOutOfRange(table, index);
        }

        table.Items[position] = value.ToArray();
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    /// <summary>A copy of a range; out-of-range bounds are clamped, as a Python slice does.</summary>
    private ResponseStatus ListSlice(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var start = reader.ReadInt64();
        var startFromEnd = reader.ReadBoolean();
        var end = reader.ReadInt64();
        var endFromEnd = reader.ReadBoolean();
        if (table is null)
        {
            return status;
        }

        var count = table.Items.Count;
        var from = Math.Clamp(startFromEnd ? count - start : start, 0, count);
        var to = Math.Clamp(endFromEnd ? count - end : end, 0, count);
        var length = (int)Math.Max(0, to - from);
        writer.WriteArrayHeader(length);
        for (var i = 0; i < length; i++)
        {
            writer.WriteRaw(table.Items[(int)from + i]);
        }

        return ResponseStatus.Ok;
    }

    private ResponseStatus ListCount(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        if (table is null)
        {
            return status;
        }

        writer.Write(table.Items.Count);
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListAdd(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        table.Items.Add(value.ToArray());
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListAddRange(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        if (table is null)
        {
            reader.ReadRawObject();
            return status;
        }

        ReadValues(ref reader, table.Items);
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListInsert(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var index = reader.ReadInt64();
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (index < 0 || index > table.Items.Count)
        {
            return Error(ResponseStatus.IndexOutOfRange, $"insert index {index} is outside 0..{table.Items.Count} of list '{table.Name}'");
        }

        table.Items.Insert((int)index, value.ToArray());
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListPop(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var last = reader.TryReadNil();
        var index = last ? -1 : reader.ReadInt64();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (table.Items.Count == 0 && last)
        {
            return Error(ResponseStatus.InvalidOperation, $"pop from empty list '{table.Name}'");
        }

        if (!TryResolveIndex(table, index, out var position))
        {
            return IndexOutOfRange(table, index);
        }

        writer.WriteRaw(table.Items[position]);
        table.Items.RemoveAt(position);
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListRemove(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var value = reader.ReadRawObject();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        var position = IndexOf(table, value);
        if (position >= 0)
        {
            table.Items.RemoveAt(position);
        }

        writer.Write(position >= 0);
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListRemoveAt(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var index = reader.ReadInt64();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        if (!TryResolveIndex(table, index, out var position))
        {
            return IndexOutOfRange(table, index);
        }

        table.Items.RemoveAt(position);
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListIndexOf(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var value = reader.ReadRawObject();
        if (table is null)
        {
            return status;
        }

        writer.Write(IndexOf(table, value));
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListCountOf(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var value = reader.ReadRawObject();
        if (table is null)
        {
            return status;
        }

        var count = 0;
        foreach (var item in table.Items)
        {
            if (StoredValue.ValueEquals(item, value))
            {
                count++;
            }
        }

        writer.Write(count);
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListReverse(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        table.Items.Reverse();
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListSort(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        var reverse = reader.ReadBoolean();
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        var error = ListSorter.Sort(table.Items, reverse);
        if (error is not null)
        {
            return Error(ResponseStatus.InvalidOperation, $"cannot sort list '{table.Name}': {error}");
        }

        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListClear(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        reader.ExpectEnd();
        if (table is null)
        {
            return status;
        }

        table.Items.Clear();
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    private ResponseStatus ListToList(ref SpanReader reader, ref MessagePackWriter writer)
    {
        var table = ReadTable<ListTable>(ref reader, out var status);
        if (table is null)
        {
            return status;
        }

        writer.WriteArrayHeader(table.Items.Count);
        foreach (var item in table.Items)
        {
            writer.WriteRaw(item);
        }

        return ResponseStatus.Ok;
    }

    /// <summary>Maps an index (negative: from the end, as ^n) to a position; false when outside the list.</summary>
    private static bool TryResolveIndex(ListTable table, long index, out int position)
    {
        var count = table.Items.Count;
        var resolved = index < 0 ? count + index : index;
        position = (int)Math.Clamp(resolved, -1, count);
        return resolved >= 0 && resolved < count;
    }

    private ResponseStatus IndexOutOfRange(ListTable table, long index)
    {
        var shown = index < 0 ? $"^{-index}" : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Error(ResponseStatus.IndexOutOfRange, $"index {shown} is outside list '{table.Name}' of {table.Items.Count} items");
    }

    private static int IndexOf(ListTable table, ReadOnlySpan<byte> value)
    {
        var items = table.Items;
        for (var i = 0; i < items.Count; i++)
        {
            if (StoredValue.ValueEquals(items[i], value))
            {
                return i;
            }
        }

        return -1;
    }
}
