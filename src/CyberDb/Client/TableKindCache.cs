namespace CyberDb.Client;

/// <summary>
/// Table kinds one connection has checked, valid for one server table-set version: a version
/// change empties it. Used from one thread at a time, like its connection; bounded, so a client
/// that touches many names keeps only the first <see cref="Capacity"/> of each version.
/// </summary>
internal sealed class TableKindCache
{
    public const int Capacity = 64;

    private readonly Dictionary<string, CyberTableKind> _kinds = new(StringComparer.Ordinal);
    private long _version = -1;

    /// <summary>Whether <paramref name="name"/> was seen as <paramref name="kind"/> at <paramref name="version"/>.</summary>
    public bool Contains(string name, CyberTableKind kind, long version) =>
        version == _version && _kinds.TryGetValue(name, out var known) && known == kind;

    /// <summary>
    /// Records a check whose request was sent after <paramref name="version"/> was read, so the
    /// answer is at least as new as that version.
    /// </summary>
    public void Remember(string name, CyberTableKind kind, long version)
    {
        if (version != _version)
        {
            _kinds.Clear();
            _version = version;
        }

        if (_kinds.Count < Capacity || _kinds.ContainsKey(name))
        {
            _kinds[name] = kind;
        }
    }
}
