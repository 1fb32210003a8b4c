using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

/// <summary>Every member of <see cref="CyberList"/> against a real in-process server over TCP.</summary>
public sealed class CyberListTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CyberProxy _proxy;
    private readonly CyberList _list;

    public CyberListTests(ServerFixture fixture)
    {
        _proxy = fixture.Proxy();
        _list = _proxy.CreateCyberList(ServerFixture.UniqueName("list"));
    }

    public void Dispose() => _proxy.Dispose();

    private void Fill(params object?[] items) => _list.AddRange(items);

    [Fact]
    public void IndexerInt_InRange_GetsAndSets()
    {
        Fill("a", "b", "c");
        Assert.Equal("a", _list[0]);
        Assert.Equal("c", _list[2]);
        _list[1] = 5;
        Assert.Equal(5L, _list[1]);
        Assert.Equal(3, _list.Count);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void IndexerInt_OutOfRange_ThrowsArgumentOutOfRange(int index)
    {
        Fill("a", "b", "c");
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[index]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[index] = "x");
        Assert.Equal(new object?[] { "a", "b", "c" }, _list.ToList());
    }

    [Fact]
    public void IndexerInt_Empty_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[0]);
    }

    [Fact]
    public void IndexerIndex_FromEnd_GetsAndSets()
    {
        Fill(1, 2, 3);
        Assert.Equal(3L, _list[^1]);
        Assert.Equal(1L, _list[^3]);
        Assert.Equal(2L, _list[new Index(1)]);
        _list[^1] = "last";
        Assert.Equal("last", _list[2]);
    }

    [Fact]
    public void IndexerIndex_FromEndOutOfRange_ThrowsArgumentOutOfRange()
    {
        Fill(1, 2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[^4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[^4] = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[new Index(3)]);
    }

    [Fact]
    public void IndexerIndex_HatZero_ThrowsArgumentOutOfRange()
    {
        // ^0 is Count: one past the end, as for List<T>; it must not read or write item 0.
        Fill(1, 2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[^0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _list[^0] = "x");
        Assert.Equal(new object?[] { 1L, 2L, 3L }, _list.ToList());
    }

    [Fact]
    public void IndexerRange_WithinList_ReturnsCopy()
    {
        Fill(0, 1, 2, 3, 4);
        Assert.Equal(new object?[] { 1L, 2L }, _list[1..3]);
        Assert.Equal(new object?[] { 3L, 4L }, _list[^2..]);
        Assert.Equal(new object?[] { 0L, 1L, 2L, 3L }, _list[..^1]);
        Assert.Equal(new object?[] { 0L, 1L, 2L, 3L, 4L }, _list[..]);
        var copy = _list[1..3];
        copy[0] = "changed";
        Assert.Equal(1L, _list[1]);
    }

    [Fact]
    public void IndexerRange_PastTheEnds_ClampedLikeAPythonSlice()
    {
        Fill(0, 1, 2);
        Assert.Equal(new object?[] { 1L, 2L }, _list[1..10]);
        Assert.Equal(new object?[] { 0L, 1L, 2L }, _list[^10..]);
        Assert.Empty(_list[5..9]);
        Assert.Empty(_list[2..1]);
        Assert.Empty(_list[^1..^2]);
    }

    [Fact]
    public void Count_TracksChanges()
    {
        Assert.Equal(0, _list.Count);
        Fill(1, 2);
        _list.Add(3);
        Assert.Equal(3, _list.Count);
    }

    [Fact]
    public void Get_ConvertsItem()
    {
        Fill(7, "s", 1.5, new[] { 1, 2 });
        Assert.Equal(7, _list.Get<int>(0));
        Assert.Equal("s", _list.Get<string>(1));
        Assert.Equal(1.5, _list.Get<double>(2));
        Assert.Equal([1, 2], _list.Get<List<int>>(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Get<int>(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Get<int>(-1));
    }

    [Fact]
    public void Add_AppendsInOrder()
    {
        _list.Add("a");
        _list.Add(null);
        _list.Add(2);
        Assert.Equal(new object?[] { "a", null, 2L }, _list.ToList());
    }

    [Fact]
    public void AddRange_AppendsAllInOrder()
    {
        _list.Add(0);
        _list.AddRange([1, "two", 3.0]);
        _list.AddRange([]);
        _list.AddRange(Enumerable.Range(4, 3).Cast<object?>());
        Assert.Equal(new object?[] { 0L, 1L, "two", 3.0, 4L, 5L, 6L }, _list.ToList());
    }

    [Fact]
    public void AddRange_OneUnsupportedValue_RefusedWhole()
    {
        _list.Add("keep");
        Assert.Throws<ArgumentException>(() => _list.AddRange([1, 2, Guid.NewGuid(), 4]));
        Assert.Equal(new object?[] { "keep" }, _list.ToList());
    }

    [Fact]
    public void Insert_WithinBounds_Inserts()
    {
        Fill("b", "d");
        _list.Insert(0, "a");
        _list.Insert(2, "c");
        _list.Insert(4, "e"); // Count: appends
        Assert.Equal(new object?[] { "a", "b", "c", "d", "e" }, _list.ToList());
    }

    [Fact]
    public void Insert_OutOfBounds_ThrowsArgumentOutOfRange()
    {
        Fill("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Insert(2, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Insert(-1, "x"));
        Assert.Equal(new object?[] { "a" }, _list.ToList());
    }

    [Fact]
    public void Pop_NoIndex_RemovesAndReturnsLast()
    {
        Fill(1, 2, 3);
        Assert.Equal(3L, _list.Pop());
        Assert.Equal(2L, _list.Pop());
        Assert.Equal(new object?[] { 1L }, _list.ToList());
    }

    [Fact]
    public void Pop_Empty_ThrowsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() => _list.Pop());
        _list.Add(1);
        _list.Pop();
        Assert.Throws<InvalidOperationException>(() => _list.Pop());
    }

    [Fact]
    public void Pop_Index_RemovesAndReturnsThatItem()
    {
        Fill("a", "b", "c");
        Assert.Equal("b", _list.Pop(1));
        Assert.Equal("a", _list.Pop(0));
        Assert.Equal(new object?[] { "c" }, _list.ToList());
    }

    [Fact]
    public void Pop_IndexOutOfRange_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Pop(0));
        Fill("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Pop(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.Pop(-1));
        Assert.Equal(1, _list.Count);
    }

    [Fact]
    public void Remove_FirstOccurrenceOnly()
    {
        Fill("x", "y", "x");
        Assert.True(_list.Remove("x"));
        Assert.Equal(new object?[] { "y", "x" }, _list.ToList());
        Assert.False(_list.Remove("z"));
    }

    [Fact]
    public void Remove_NumberOfOtherType_EqualAsNumbers()
    {
        Fill(1, 2.0);
        Assert.True(_list.Remove(1.0));
        Assert.True(_list.Remove(2));
        Assert.Equal(0, _list.Count);
    }

    [Fact]
    public void RemoveAt_InRange_Removes()
    {
        Fill("a", "b", "c");
        _list.RemoveAt(1);
        Assert.Equal(new object?[] { "a", "c" }, _list.ToList());
    }

    [Fact]
    public void RemoveAt_OutOfRange_ThrowsArgumentOutOfRange()
    {
        Fill("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.RemoveAt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _list.RemoveAt(-1));
        Assert.Equal(1, _list.Count);
    }

    [Fact]
    public void IndexOfContainsCountOf_FindEqualItems()
    {
        Fill("a", 1, "a", 1.0, null, new List<object?> { 1, "x" });
        Assert.Equal(0, _list.IndexOf("a"));
        Assert.Equal(1, _list.IndexOf(1.0));
        Assert.Equal(4, _list.IndexOf(null));
        Assert.Equal(5, _list.IndexOf(new List<object?> { 1, "x" }));
        Assert.Equal(-1, _list.IndexOf("missing"));
        Assert.True(_list.Contains(1));
        Assert.False(_list.Contains(2));
        Assert.Equal(2, _list.CountOf("a"));
        Assert.Equal(2, _list.CountOf(1));
        Assert.Equal(0, _list.CountOf("missing"));
    }

    [Fact]
    public void Reverse_ReversesInPlace()
    {
        Fill(1, "b", null);
        _list.Reverse();
        Assert.Equal(new object?[] { null, "b", 1L }, _list.ToList());
        _list.Clear();
        _list.Reverse();
        Assert.Equal(0, _list.Count);
    }

    [Fact]
    public void Sort_MixedIntegersAndFloats_SortsNumerically()
    {
        Fill(3, 1.5, -2, 10, 2.25, 0);
        _list.Sort();
        Assert.Equal(new object?[] { -2L, 0L, 1.5, 2.25, 3L, 10L }, _list.ToList());
    }

    [Fact]
    public void Sort_Reverse_SortsDescending()
    {
        Fill(3, 1.5, -2, 10);
        _list.Sort(reverse: true);
        Assert.Equal(new object?[] { 10L, 3L, 1.5, -2L }, _list.ToList());
    }

    [Fact]
    public void Sort_EqualNumbers_StableBothWays()
    {
        // 1 and 1.0 are equal: they keep their original order, ascending and descending (as in Python).
        Fill(1.0, 2, 1, 0, 2.0);
        _list.Sort();
        Assert.Equal(new object?[] { 0L, 1.0, 1L, 2L, 2.0 }, _list.ToList());
        _list.Clear();
        Fill(1.0, 2, 1, 0, 2.0);
        _list.Sort(reverse: true);
        Assert.Equal(new object?[] { 2L, 2.0, 1.0, 1L, 0L }, _list.ToList());
    }

    [Fact]
    public void Sort_Strings_ByCodePoint()
    {
        // U+FF5E sorts before U+1F600 by code point, after it by UTF-16 code unit: code point wins.
        Fill("b", "😀", "a", "～", "B", "é", "Z", "");
        _list.Sort();
        Assert.Equal(new object?[] { "", "B", "Z", "a", "b", "é", "～", "😀" }, _list.ToList());
        _list.Sort(reverse: true);
        Assert.Equal(new object?[] { "😀", "～", "é", "b", "a", "Z", "B", "" }, _list.ToList());
    }

    [Fact]
    public void Sort_StringsAndNumbers_ThrowsInvalidOperationAndKeepsOrder()
    {
        Fill(2, "a", 1);
        Assert.Throws<InvalidOperationException>(() => _list.Sort());
        Assert.Equal(new object?[] { 2L, "a", 1L }, _list.ToList());
        _list.Clear();
        Fill("b", 1, "a");
        Assert.Throws<InvalidOperationException>(() => _list.Sort(reverse: true));
        Assert.Equal(new object?[] { "b", 1L, "a" }, _list.ToList());
    }

    [Fact]
    public void Sort_EmptyAndSingle_NoOp()
    {
        _list.Sort();
        _list.Add("only");
        _list.Sort(reverse: true);
        Assert.Equal(new object?[] { "only" }, _list.ToList());
    }

    [Fact]
    public void Clear_EmptiesAndStaysUsable()
    {
        Fill(1, 2, 3);
        _list.Clear();
        Assert.Equal(0, _list.Count);
        _list.Add(4);
        Assert.Equal(new object?[] { 4L }, _list.ToList());
    }

    [Fact]
    public void ToListAndEnumeration_ReturnCopiesInOrder()
    {
        Fill("a", 2, null);
        var copy = _list.ToList();
        copy.Add("local only");
        Assert.Equal(3, _list.Count);
        Assert.Equal(new object?[] { "a", 2L, null }, _list.ToArray());
        var seen = new List<object?>();
        foreach (var item in _list)
        {
            seen.Add(item);
        }

        Assert.Equal(new object?[] { "a", 2L, null }, seen);
    }

    [Fact]
    public void Members_TableDeletedMeanwhile_ThrowCyberDbExceptionNamingTable()
    {
        _proxy.DeleteTable(_list.Name);
        var e = Assert.Throws<CyberDbException>(() => _list.Add(1));
        Assert.Contains(_list.Name, e.Message, StringComparison.Ordinal);
        Assert.Throws<CyberDbException>(() => _list.Count);
    }
}
