using System.Buffers;
using CyberDb.Engine;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Tests.Engine;

/// <summary>Python's list.sort for stored bytes: numbers mixed, strings by code point, stable, reverse stable.</summary>
public sealed class ListSorterTests
{
    private static byte[] Encode(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        switch (value)
        {
            case null: writer.WriteNil(); break;
            case long l: writer.Write(l); break;
            case int i: writer.Write(i); break;
            case ulong u: writer.Write(u); break;
            case double d: writer.Write(d); break;
            case float f: writer.Write(f); break;
            case string s: writer.Write(s); break;
            case bool b: writer.Write(b); break;
            default: throw new ArgumentException("test helper: unsupported", nameof(value));
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static List<byte[]> Items(params object?[] values) => values.Select(Encode).ToList();

    /// <summary>Checks the sorted list by identity: which original item sits where (stability is visible).</summary>
    private static void AssertOrder(List<byte[]> original, List<byte[]> sorted, params int[] originalIndices)
    {
        Assert.Equal(originalIndices.Length, sorted.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            Assert.Same(original[originalIndices[i]], sorted[i]);
        }
    }

    [Fact]
    public void Sort_IntegersAndFloatsMixed_Numeric()
    {
        var items = Items(3L, 1.5, -2L, 2.5f, 0L, long.MaxValue, long.MinValue, -0.5);
        var original = items.ToList();
        Assert.Null(ListSorter.Sort(items, reverse: false));
        AssertOrder(original, items, 6, 2, 7, 4, 1, 3, 0, 5);
    }

    [Fact]
    public void Sort_LargeIntegers_ComparedExactly()
    {
        // 2^53 + 1 and 2^53 are equal as doubles; as integers they are not.
        var items = Items((1L << 53) + 1, 1L << 53, (1L << 53) + 2);
        var original = items.ToList();
        ListSorter.Sort(items, reverse: false);
        AssertOrder(original, items, 1, 0, 2);
    }

    [Fact]
    public void Sort_EqualNumbers_StableAscendingAndDescending()
    {
        var items = Items(1.0, 2L, 1L, 0L, 2.0);
        var original = items.ToList();
        ListSorter.Sort(items, reverse: false);
        AssertOrder(original, items, 3, 0, 2, 1, 4);

        items = original.ToList();
        ListSorter.Sort(items, reverse: true);
        AssertOrder(original, items, 1, 4, 0, 2, 3);
    }

    [Fact]
    public void Sort_Strings_ByCodePointNotUtf16()
    {
        var items = Items("😀", "～", "a", "", "Z", "é");
        var original = items.ToList();
        ListSorter.Sort(items, reverse: false);
        AssertOrder(original, items, 3, 4, 2, 5, 1, 0);
    }

    [Fact]
    public void Sort_EqualStrings_StableReverse()
    {
        var items = Items("b", "a", "b", "a");
        var original = items.ToList();
        ListSorter.Sort(items, reverse: true);
        AssertOrder(original, items, 0, 2, 1, 3);
    }

    [Fact]
    public void Sort_StringsWithNumber_RefusedAndUnchanged()
    {
        var items = Items("a", 1L, "b");
        var original = items.ToList();
        Assert.Contains("mixes", ListSorter.Sort(items, reverse: false), StringComparison.Ordinal);
        AssertOrder(original, items, 0, 1, 2);

        items = Items(2L, "a");
        Assert.Contains("strings with numbers", ListSorter.Sort(items, reverse: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(null)]
    public void Sort_OtherTypes_Refused(object? other)
    {
        var items = Items(1L, other, 0L);
        var original = items.ToList();
        Assert.NotNull(ListSorter.Sort(items, reverse: false));
        AssertOrder(original, items, 0, 1, 2);
    }

    [Fact]
    public void Sort_EmptyOrSingle_NothingToDo()
    {
        Assert.Null(ListSorter.Sort([], reverse: false));
        var single = Items(new object?[] { null });
        Assert.Null(ListSorter.Sort(single, reverse: true)); // a lone item needs no comparison, as in Python
    }

    [Fact]
    public void Sort_ManyRandomNumbers_MatchesStableOrderBy()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 2000).Select(_ => random.Next(3) == 0 ? (object)(random.Next(-50, 50) + 0.5) : (long)random.Next(-50, 50)).ToArray();
        var items = Items(values);
        var original = items.ToList();
        ListSorter.Sort(items, reverse: false);
        var expected = Enumerable.Range(0, values.Length).OrderBy(i => Convert.ToDouble(values[i], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        AssertOrder(original, items, expected);

        items = original.ToList();
        ListSorter.Sort(items, reverse: true);
        expected = Enumerable.Range(0, values.Length).OrderByDescending(i => Convert.ToDouble(values[i], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        AssertOrder(original, items, expected);
    }

    [Fact]
    public void StoredValue_ValueEquals_NumbersAcrossTypesOnly()
    {
        Assert.True(StoredValue.ValueEquals(Encode(1L), Encode(1.0)));
        Assert.True(StoredValue.ValueEquals(Encode(1L), [0xd3, 0, 0, 0, 0, 0, 0, 0, 1])); // non-shortest int64
        Assert.True(StoredValue.ValueEquals(Encode(0.5f), Encode(0.5)));
        Assert.False(StoredValue.ValueEquals(Encode(0L), Encode(false)));
        Assert.False(StoredValue.ValueEquals(Encode(""), Encode(null)));
        Assert.False(StoredValue.ValueEquals(Encode("1"), Encode(1L)));
        Assert.False(StoredValue.ValueEquals(Encode(ulong.MaxValue), Encode(-1L)));
    }
}
