using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CyberDb.Engine;

/// <summary>
/// An insertion-ordered dictionary of canonical key bytes to stored value bytes, laid out as
/// Python's dict: entries sit in an append-only slot array in insertion order, and a hash index
/// maps each key to its slot. Removal leaves a tombstone (O(1)); when tombstones outnumber live
/// entries the slots are compacted. Re-setting a key keeps its position; <see cref="TryPopLast"/>
/// takes the last added entry. Only the executor thread touches it.
/// </summary>
internal sealed class DictTable : Table
{
    private const int MinCompactTombstones = 16;

    private readonly Dictionary<byte[], int> _index = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private byte[]?[] _keys = new byte[]?[4];
    private byte[]?[] _values = new byte[]?[4];
    private int _end;

    public DictTable(string name)
        : base(name)
    {
        _lookup = _index.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public override CyberTableKind Kind => CyberTableKind.CyberDict;

    public override int Count => _index.Count;

    public bool TryGetValue(ReadOnlySpan<byte> key, out byte[] value)
    {
        if (_lookup.TryGetValue(key, out var slot))
        {
            value = _values[slot]!;
            return true;
        }

        value = [];
        return false;
    }

    public bool ContainsKey(ReadOnlySpan<byte> key) => _lookup.ContainsKey(key);

    /// <summary>Sets a key; an existing key keeps its place in the order.</summary>
    public void Set(ReadOnlySpan<byte> key, byte[] value)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_lookup, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
        {
            _values[slot] = value;
            return;
        }

        Append(key.ToArray(), value);
    }

    /// <summary>Adds a key that is not there; false (and nothing changed) when it is.</summary>
    public bool TryAdd(ReadOnlySpan<byte> key, byte[] value)
    {
        if (_lookup.ContainsKey(key))
        {
            return false;
        }

        Append(key.ToArray(), value);
        return true;
    }

    /// <summary>Replaces the value of an existing key; false when the key is missing.</summary>
    public bool TryReplace(ReadOnlySpan<byte> key, byte[] value)
    {
        if (!_lookup.TryGetValue(key, out var slot))
        {
            return false;
        }

        _values[slot] = value;
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> key, out byte[] value)
    {
        if (!_lookup.Remove(key, out _, out var slot))
        {
            value = [];
            return false;
        }

        value = _values[slot]!;
        _keys[slot] = null;
        _values[slot] = null;
        TrimEnd();
        CompactIfSparse();
        return true;
    }

    /// <summary>Removes and returns the last added entry (Python's popitem).</summary>
    public bool TryPopLast(out byte[] key, out byte[] value)
    {
        TrimEnd();
        if (_end == 0)
        {
            key = [];
            value = [];
            return false;
        }

        var slot = _end - 1;
        key = _keys[slot]!;
        value = _values[slot]!;
        _index.Remove(key);
        _keys[slot] = null;
        _values[slot] = null;
        _end = slot;
        TrimEnd();
        return true;
    }

    public void Clear()
    {
        _index.Clear();
        _keys = new byte[]?[4];
        _values = new byte[]?[4];
        _end = 0;
    }

    /// <summary>Live entries in insertion order. The table must not change during the walk.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>A point-in-time copy of the entries (references only: stored bytes are never mutated).</summary>
    public (byte[][] Keys, byte[][] Values) Snapshot()
    {
        var keys = new byte[Count][];
        var values = new byte[Count][];
        var i = 0;
        foreach (var (key, value) in this)
        {
            keys[i] = key;
            values[i] = value;
            i++;
        }

        return (keys, values);
    }

    private void Append(byte[] key, byte[] value)
    {
        if (_end == _keys.Length)
        {
            CompactOrGrow();
        }

        _keys[_end] = key;
        _values[_end] = value;
        _index.Add(key, _end);
        _end++;
    }

    private void TrimEnd()
    {
        while (_end > 0 && _keys[_end - 1] is null)
        {
            _end--;
        }
    }

    private void CompactIfSparse()
    {
        var tombstones = _end - _index.Count;
        if (tombstones >= MinCompactTombstones && tombstones > _index.Count)
        {
            Compact(_keys.Length);
        }
    }

    private void CompactOrGrow()
    {
        var tombstones = _end - _index.Count;
        Compact(tombstones * 4 >= _keys.Length ? _keys.Length : _keys.Length * 2);
    }

    private void Compact(int capacity)
    {
        var keys = new byte[]?[Math.Max(capacity, 4)];
        var values = new byte[]?[keys.Length];
        var next = 0;
        for (var slot = 0; slot < _end; slot++)
        {
            var key = _keys[slot];
            if (key is null)
            {
                continue;
            }

            keys[next] = key;
            values[next] = _values[slot];
            CollectionsMarshal.GetValueRefOrNullRef(_index, key) = next;
            next++;
        }

        Debug.Assert(next == _index.Count, "compaction lost or duplicated entries");
        _keys = keys;
        _values = values;
        _end = next;
    }

    public struct Enumerator
    {
        private readonly DictTable _table;
        private int _slot;

        internal Enumerator(DictTable table)
        {
            _table = table;
            _slot = -1;
        }

        public readonly (byte[] Key, byte[] Value) Current => (_table._keys[_slot]!, _table._values[_slot]!);

        public bool MoveNext()
        {
            while (++_slot < _table._end)
            {
                if (_table._keys[_slot] is not null)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
