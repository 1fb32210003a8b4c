using System.Collections;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb;

/// <summary>
/// A handle to a server-side list: every member is one round trip and runs on the server
/// atomically. Indices are 0..Count-1; <c>list[^1]</c> is the last item. Uses its proxy's
/// connection: after <see cref="CyberProxy.Close"/> it throws <see cref="InvalidOperationException"/>
/// until the proxy connects again.
/// </summary>
public sealed partial class CyberList : IEnumerable<object?>
{
    private readonly CyberProxy _proxy;

    internal CyberList(CyberProxy proxy, string name)
    {
        _proxy = proxy;
        Name = name;
    }

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>The item at 0..Count-1, else <see cref="ArgumentOutOfRangeException"/> (use <c>^n</c> to count from the end).</summary>
    public object? this[int index]
    {
        get => ValueDecoder.Read(CallWithIndex(OpCode.ListGet, CheckIndex(index)));
        set => SetAt(CheckIndex(index), value);
    }

    /// <summary>The item at an index that may count from the end: <c>list[^1]</c> is the last.</summary>
    public object? this[Index index]
    {
        get => ValueDecoder.Read(CallWithIndex(OpCode.ListGet, ToWire(index)));
        set => SetAt(ToWire(index), value);
    }

    /// <summary>A copy of a range, clamped to the list as a Python slice is: <c>list[1..3]</c>.</summary>
    public List<object?> this[Range range]
    {
        get
        {
            var connection = _proxy.Connection;
            var writer = connection.BeginRequest(OpCode.ListSlice, Name);
            writer.Write(range.Start.Value);
            writer.Write(range.Start.IsFromEnd);
            writer.Write(range.End.Value);
            writer.Write(range.End.IsFromEnd);
            writer.Flush();
            return Responses.ReadList(connection.Execute());
        }
    }

    public int Count => Responses.ReadInt32(Call(OpCode.ListCount));

    public T Get<T>(int index) => ValueDecoder.Convert<T>(CallWithIndex(OpCode.ListGet, CheckIndex(index)));

    /// <summary>Appends an item (seed: <c>append</c>).</summary>
    public void Add(object? value) => CallWithValue(OpCode.ListAdd, value);

    /// <summary>Appends items (seed: <c>extend</c>); a refused item refuses the whole call.</summary>
    public void AddRange(IEnumerable<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values as IReadOnlyCollection<object?> ?? values.ToList();
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.ListAddRange, Name);
        writer.WriteArrayHeader(list.Count);
        foreach (var value in list)
        {
            ValueEncoder.WriteValue(ref writer, value);
        }

        writer.Flush();
        connection.Execute();
    }

    /// <summary>Inserts at 0..Count, else <see cref="ArgumentOutOfRangeException"/>.</summary>
    public void Insert(int index, object? value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.ListInsert, Name);
        writer.Write(index);
        ValueEncoder.WriteValue(ref writer, value);
        writer.Flush();
        connection.Execute();
    }

    /// <summary>Removes and returns the last item; <see cref="InvalidOperationException"/> when empty.</summary>
    public object? Pop() => ValueDecoder.Read(BeginPopLast().Execute());

    /// <summary>Removes and returns the item at <paramref name="index"/>.</summary>
    public object? Pop(int index) => ValueDecoder.Read(CallWithIndex(OpCode.ListPop, CheckIndex(index)));

    /// <summary>Removes the first item equal to <paramref name="value"/>; false when there is none.</summary>
    public bool Remove(object? value) => Responses.ReadBoolean(CallWithValue(OpCode.ListRemove, value));

    public void RemoveAt(int index) => CallWithIndex(OpCode.ListRemoveAt, CheckIndex(index));

    /// <summary>The index of the first equal item, -1 when absent.</summary>
    public int IndexOf(object? value) => Responses.ReadInt32(CallWithValue(OpCode.ListIndexOf, value));

    public bool Contains(object? value) => IndexOf(value) >= 0;

    /// <summary>How many items equal <paramref name="value"/> (seed: <c>count</c>).</summary>
    public int CountOf(object? value) => Responses.ReadInt32(CallWithValue(OpCode.ListCountOf, value));

    public void Reverse() => Call(OpCode.ListReverse);

    /// <summary>Sorts numbers (int and float mixed) or strings; a mix is <see cref="InvalidOperationException"/>.</summary>
    public void Sort(bool reverse = false)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.ListSort, Name);
        writer.Write(reverse);
        writer.Flush();
        connection.Execute();
    }

    public void Clear() => Call(OpCode.ListClear);

    /// <summary>A copy of the whole list (seed: <c>tolist</c>).</summary>
    public List<object?> ToList() => Responses.ReadList(Call(OpCode.ListToList));

    /// <summary>Enumerates a copy taken in one round trip.</summary>
    public IEnumerator<object?> GetEnumerator() => ToList().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static long CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return index;
    }

    /// <summary>
    /// Indices from the end travel as negative numbers (^1 → -1) and are resolved on the server,
    /// atomically. ^0 is Count, one past the end, as for <see cref="List{T}"/>; sent as -0 it would
    /// be index 0, the first item, so it is refused here.
    /// </summary>
    private static long ToWire(Index index)
    {
        if (!index.IsFromEnd)
        {
            return index.Value;
        }

        if (index.Value == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "^0 is past the end of the list; the last item is ^1");
        }

        return -(long)index.Value;
    }

    private void SetAt(long index, object? value) => BeginSetAt(index, value).Execute();

    private ReadOnlyMemory<byte> Call(OpCode op) => Begin(op).Execute();

    private ReadOnlyMemory<byte> CallWithIndex(OpCode op, long index) => BeginWithIndex(op, index).Execute();

    private ReadOnlyMemory<byte> CallWithValue(OpCode op, object? value) => BeginWithValue(op, value).Execute();

    // The Begin helpers write a request and hand back its connection, for Execute or ExecuteAsync:
    // the synchronous members and their asynchronous twins send the very same bytes.
    private ClientConnection Begin(OpCode op)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(op, Name);
        writer.Flush();
        return connection;
    }

    private ClientConnection BeginWithIndex(OpCode op, long index)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(op, Name);
        writer.Write(index);
        writer.Flush();
        return connection;
    }

    private ClientConnection BeginWithValue(OpCode op, object? value)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(op, Name);
        ValueEncoder.WriteValue(ref writer, value);
        writer.Flush();
        return connection;
    }

    private ClientConnection BeginSetAt(long index, object? value)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.ListSet, Name);
        writer.Write(index);
        ValueEncoder.WriteValue(ref writer, value);
        writer.Flush();
        return connection;
    }

    /// <summary>Pop without an index (nil): the server takes the last item.</summary>
    private ClientConnection BeginPopLast()
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.ListPop, Name);
        writer.WriteNil();
        writer.Flush();
        return connection;
    }
}
