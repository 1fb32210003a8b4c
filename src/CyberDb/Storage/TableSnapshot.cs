namespace CyberDb.Storage;

/// <summary>
/// One table of a <see cref="DatabaseSnapshot"/>: its name, kind and entries in order. The arrays
/// are private copies of the table's references; the byte arrays they point to are the stored
/// blobs themselves, which the engine never mutates (it replaces them), so sharing them is safe.
/// </summary>
/// <param name="Name">The table name.</param>
/// <param name="Kind">Dict or list.</param>
/// <param name="Keys">Canonical key bytes in insertion order (dict); empty for a list.</param>
/// <param name="Values">Value bytes, parallel to <paramref name="Keys"/> for a dict; the items for a list.</param>
internal sealed record TableSnapshot(string Name, CyberTableKind Kind, byte[][] Keys, byte[][] Values)
{
    public int Count => Values.Length;
}
