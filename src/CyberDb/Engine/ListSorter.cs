using CyberDb.Protocol;

namespace CyberDb.Engine;

/// <summary>
/// Sorts stored list items as Python's <c>list.sort</c> does for the types CyberDb allows: all
/// numbers (integers and floats mixed) or all strings (by code point: UTF-8 byte order is code
/// point order), stable, and with <c>reverse</c> keeping equal items in their original order.
/// </summary>
internal static class ListSorter
{
    /// <summary>Sorts in place; returns why it cannot (and leaves the list as it was), or null.</summary>
    public static string? Sort(List<byte[]> items, bool reverse)
    {
        if (items.Count < 2)
        {
            return null;
        }

        var isStrings = StoredValue.TryReadString(items[0], out _);
        var entries = new Entry[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (isStrings)
            {
                if (!StoredValue.TryReadString(item, out _))
                {
                    return "it mixes strings with other values";
                }

                entries[i] = new Entry(i, default);
            }
            else
            {
                if (!StoredValue.TryReadNumber(item, out var number))
                {
                    return StoredValue.TryReadString(item, out _)
                        ? "it mixes strings with numbers"
                        : "only lists of numbers or of strings can be sorted";
                }

                entries[i] = new Entry(i, number);
            }
        }

        var sign = reverse ? -1 : 1;
        Comparison<Entry> compare = isStrings
            ? (a, b) =>
            {
                StoredValue.TryReadString(items[a.Index], out var x);
                StoredValue.TryReadString(items[b.Index], out var y);
                var c = sign * x.SequenceCompareTo(y);
                return c != 0 ? c : a.Index.CompareTo(b.Index);
            }
            : (a, b) =>
            {
                var c = sign * a.Number.CompareTo(b.Number);
                return c != 0 ? c : a.Index.CompareTo(b.Index);
            };

        Array.Sort(entries, compare);
        var sorted = new byte[entries.Length][];
        for (var i = 0; i < entries.Length; i++)
        {
            sorted[i] = items[entries[i].Index];
        }

        items.Clear();
        items.AddRange(sorted);
        return null;
    }

    private readonly record struct Entry(int Index, StoredValue.Number Number);
}
