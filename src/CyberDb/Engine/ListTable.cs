namespace CyberDb.Engine;

/// <summary>A list of stored value bytes. Only the executor thread touches it.</summary>
internal sealed class ListTable : Table
{
    public ListTable(string name)
        : base(name)
    {
    }

    public override CyberTableKind Kind => CyberTableKind.CyberList;

    public override int Count => Items.Count;

    /// <summary>The items; operations index it directly (the executor is its only user).</summary>
    public List<byte[]> Items { get; } = [];

    /// <summary>A point-in-time copy (references only: stored bytes are never mutated).</summary>
    public byte[][] Snapshot() => [.. Items];
}
