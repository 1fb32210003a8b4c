using System.Collections;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb;

/// <summary>
/// A handle to a server-side ordered dictionary: every member is one round trip and runs on the
/// server atomically. Keys are strings or integers; order is insertion order, as in Python.
/// Uses its proxy's connection: after <see cref="CyberProxy.Close"/> it throws
/// <see cref="InvalidOperationException"/> until the proxy connects again.
/// </summary>
public sealed partial class CyberDict : IEnumerable<KeyValuePair<object, object?>>
{
    private readonly CyberProxy _proxy;

    internal CyberDict(CyberProxy proxy, string name)
    {
        _proxy = proxy;
        Name = name;
    }

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>Gets (KeyNotFoundException when missing) or sets a value.</summary>
    public object? this[object key]
    {
        get => ValueDecoder.Read(Call(OpCode.DictGet, key));
        set => BeginWithValue(OpCode.DictSet, key, value).Execute();
    }

    public int Count => Responses.ReadInt32(Call(OpCode.DictCount));

    public bool ContainsKey(object key) => Responses.ReadBoolean(Call(OpCode.DictContainsKey, key));

    /// <summary>Removes a key (Python's <c>del d[key]</c>); false when it was not there.</summary>
    public bool Remove(object key) => Responses.ReadBoolean(Call(OpCode.DictRemove, key));

    /// <summary>The value converted to <typeparamref name="T"/>; KeyNotFoundException when missing.</summary>
    public T Get<T>(object key) => ValueDecoder.Convert<T>(Call(OpCode.DictGet, key));

    /// <summary>The value, or <paramref name="defaultValue"/> when the key is missing (seed: <c>get</c>).</summary>
    public object? GetValueOrDefault(object key, object? defaultValue = null) =>
        Responses.ReadFound(Call(OpCode.DictTryGet, key), out var value) ? ValueDecoder.Read(value) : defaultValue;

    /// <summary>The existing value, or sets and returns <paramref name="value"/> (seed: <c>setdefault</c>), atomically.</summary>
    public object? GetOrAdd(object key, object? value) => ValueDecoder.Read(CallWithValue(OpCode.DictGetOrAdd, key, value));

    /// <summary>Sets many items at once (seed: <c>update</c>); a refused item refuses the whole call.</summary>
    public void Update(IEnumerable<KeyValuePair<object, object?>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items as IReadOnlyCollection<KeyValuePair<object, object?>> ?? items.ToList();
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.DictUpdate, Name);
        writer.WriteMapHeader(list.Count);
        foreach (var (key, value) in list)
        {
            ValueEncoder.WriteKey(ref writer, key);
            ValueEncoder.WriteValue(ref writer, value);
        }

        writer.Flush();
        connection.Execute();
    }

    /// <summary>The keys in insertion order (one round trip, a copy).</summary>
    public IReadOnlyList<object> Keys
    {
        get
        {
            var reader = new MessagePackReader(Call(OpCode.DictKeys));
            var count = reader.ReadArrayHeader();
            var keys = new List<object>(count);
            for (var i = 0; i < count; i++)
            {
                keys.Add(ValueDecoder.ReadKey(ref reader));
            }

            return keys;
        }
    }

    /// <summary>The values in insertion order (one round trip, a copy).</summary>
    public IReadOnlyList<object?> Values => Responses.ReadList(Call(OpCode.DictValues));

    /// <summary>Removes a key and returns its value; KeyNotFoundException when missing.</summary>
    public object? Pop(object key) => ValueDecoder.Read(Call(OpCode.DictPop, key));

    /// <summary>Removes a key and returns its value, or <paramref name="defaultValue"/> when missing.</summary>
    public object? Pop(object key, object? defaultValue) =>
        Responses.ReadFound(Call(OpCode.DictTryPop, key), out var value) ? ValueDecoder.Read(value) : defaultValue;

    /// <summary>Removes and returns the last inserted item; KeyNotFoundException when empty.</summary>
    public KeyValuePair<object, object?> PopItem()
    {
        var reader = new MessagePackReader(Call(OpCode.DictPopItem));
        reader.ReadArrayHeader();
        var key = ValueDecoder.ReadKey(ref reader);
        return new KeyValuePair<object, object?>(key, ValueDecoder.Read(ref reader));
    }

    public void Clear() => Call(OpCode.DictClear);

    /// <summary>A copy of the whole table, in insertion order (seed: <c>todict</c>).</summary>
    public Dictionary<object, object?> ToDictionary() => ToDictionary(ReadItems());

    private static Dictionary<object, object?> ToDictionary(List<KeyValuePair<object, object?>> items)
    {
        var dictionary = new Dictionary<object, object?>(items.Count);
        foreach (var (key, value) in items)
        {
            dictionary.Add(key, value);
        }

        return dictionary;
    }

    /// <summary>Adds the key only if it is missing; false when it exists.</summary>
    public bool TryAdd(object key, object? value) => Responses.ReadBoolean(CallWithValue(OpCode.DictTryAdd, key, value));

    /// <summary>Sets <paramref name="newValue"/> only if the current value equals <paramref name="comparisonValue"/> (compare-and-swap).</summary>
    public bool TryUpdate(object key, object? newValue, object? comparisonValue) =>
        Responses.ReadBoolean(BeginTryUpdate(key, newValue, comparisonValue).Execute());

    /// <summary>Writes a compare-and-swap request; the caller executes it (synchronously or not).</summary>
    private ClientConnection BeginTryUpdate(object key, object? newValue, object? comparisonValue)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.DictTryUpdate, Name);
        ValueEncoder.WriteKey(ref writer, key);
        ValueEncoder.WriteValue(ref writer, newValue);
        ValueEncoder.WriteValue(ref writer, comparisonValue);
        writer.Flush();
        return connection;
    }

    /// <summary>Removes the key and gives its value; false when it was missing.</summary>
    public bool TryRemove(object key, out object? value)
    {
        var found = Responses.ReadFound(Call(OpCode.DictTryPop, key), out var raw);
        value = found ? ValueDecoder.Read(raw) : null;
        return found;
    }

    /// <summary>Adds <paramref name="delta"/> to an integer value (a missing key counts as 0) and returns the result.</summary>
    public long Increment(object key, long delta = 1) => Responses.ReadInt64(BeginIncrement(key, delta).Execute());

    private ClientConnection BeginIncrement(object key, long delta)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.DictIncrement, Name);
        ValueEncoder.WriteKey(ref writer, key);
        writer.Write(delta);
        writer.Flush();
        return connection;
    }

    /// <summary>Enumerates a copy of the items taken in one round trip, in insertion order.</summary>
    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => ReadItems().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private List<KeyValuePair<object, object?>> ReadItems() => ReadItems(Call(OpCode.DictItems));

    private static List<KeyValuePair<object, object?>> ReadItems(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        var count = reader.ReadMapHeader();
        var items = new List<KeyValuePair<object, object?>>(count);
        for (var i = 0; i < count; i++)
        {
            var key = ValueDecoder.ReadKey(ref reader);
            items.Add(new KeyValuePair<object, object?>(key, ValueDecoder.Read(ref reader)));
        }

        return items;
    }

    private ReadOnlyMemory<byte> Call(OpCode op) => Begin(op).Execute();

    private ReadOnlyMemory<byte> Call(OpCode op, object key) => Begin(op, key).Execute();

    private ReadOnlyMemory<byte> CallWithValue(OpCode op, object key, object? value) => BeginWithValue(op, key, value).Execute();

    // The Begin helpers write a request and hand back its connection, for Execute or ExecuteAsync:
    // the synchronous members and their asynchronous twins send the very same bytes.
    private ClientConnection Begin(OpCode op)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(op, Name);
        writer.Flush();
        return connection;
    }

    private ClientConnection Begin(OpCode op, object key)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(op, Name);
        ValueEncoder.WriteKey(ref writer, key);
        writer.Flush();
        return connection;
    }

    private ClientConnection BeginWithValue(OpCode op, object key, object? value)
    {
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(op, Name);
        ValueEncoder.WriteKey(ref writer, key);
        ValueEncoder.WriteValue(ref writer, value);
        writer.Flush();
        return connection;
    }
}
