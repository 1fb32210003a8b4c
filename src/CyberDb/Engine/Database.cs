using System.Text;

namespace CyberDb.Engine;

/// <summary>
/// The catalog of named tables. Only the executor thread touches it (and the loader before the
/// server starts), so it has no locks. Names are looked up from their UTF-8 bytes without
/// allocating a string.
/// </summary>
internal sealed class Database
{
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Table>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Database()
    {
        _lookup = _tables.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _tables.Count;

    /// <summary>
    /// Goes up whenever a table is added, removed or replaced: shared-memory clients compare it
    /// with the value they saw when they last checked a table's kind, and skip the round trip
    /// while it has not moved (see <c>SharedMemoryHost.PublishTableSetVersion</c>).
    /// </summary>
    public long TableSetVersion { get; private set; }

    public IEnumerable<Table> Tables => _tables.Values;

    public bool TryGet(ReadOnlySpan<byte> utf8Name, out Table table)
    {
        Span<char> chars = stackalloc char[Protocol.ProtocolLimits.MaxTableNameBytes];
        var length = Encoding.UTF8.GetChars(utf8Name, chars);
        return _lookup.TryGetValue(chars[..length], out table!);
    }

    public bool TryGet(string name, out Table table) => _tables.TryGetValue(name, out table!);

    public bool TryAdd(Table table) => Changed(_tables.TryAdd(table.Name, table));

    public bool Remove(string name) => Changed(_tables.Remove(name));

    public void Clear()
    {
        _tables.Clear();
        TableSetVersion++;
    }

    /// <summary>Replaces every table with those of <paramref name="other"/> (a loaded snapshot).</summary>
    public void ReplaceWith(Database other)
    {
        _tables.Clear();
        foreach (var table in other._tables.Values)
        {
            _tables.Add(table.Name, table);
        }

        TableSetVersion++;
    }

    private bool Changed(bool changed)
    {
        if (changed)
        {
            TableSetVersion++;
        }

        return changed;
    }
}
