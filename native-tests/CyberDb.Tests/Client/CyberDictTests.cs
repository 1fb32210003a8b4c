using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

/// <summary>Every member of <see cref="CyberDict"/> against a real in-process server over TCP.</summary>
public sealed class CyberDictTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerFixture _fixture;
    private readonly CyberProxy _proxy;
    private readonly CyberDict _dict;

    public CyberDictTests(ServerFixture fixture)
    {
        _fixture = fixture;
        _proxy = fixture.Proxy();
        _dict = _proxy.CreateCyberDict(ServerFixture.UniqueName("dict"));
    }

    public void Dispose() => _proxy.Dispose();

    private static KeyValuePair<object, object?> Item(object key, object? value) => new(key, value);

    [Fact]
    public void Indexer_SetThenGet_ReturnsValue()
    {
        _dict["a"] = "x";
        _dict[7] = 1.5;
        Assert.Equal("x", _dict["a"]);
        Assert.Equal(1.5, _dict[7]);
    }

    [Fact]
    public void Indexer_SetExistingKey_Replaces()
    {
        _dict["a"] = 1;
        _dict["a"] = 2;
        Assert.Equal(2L, _dict["a"]);
        Assert.Equal(1, _dict.Count);
    }

    [Fact]
    public void Indexer_MissingKey_ThrowsKeyNotFoundNamingKey()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => _dict["nope"]);
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => _dict[12345]);
    }

    [Fact]
    public void Count_AfterSetsAndRemoves_CountsLiveKeys()
    {
        Assert.Equal(0, _dict.Count);
        _dict["a"] = 1;
        _dict["b"] = 2;
        _dict["c"] = 3;
        _dict.Remove("b");
        Assert.Equal(2, _dict.Count);
    }

    [Fact]
    public void ContainsKey_PresentAndMissing_ReportsEach()
    {
        _dict["a"] = null;
        Assert.True(_dict.ContainsKey("a"));
        Assert.False(_dict.ContainsKey("b"));
        Assert.False(_dict.ContainsKey(1));
    }

    [Fact]
    public void Remove_PresentKey_RemovesAndReturnsTrue()
    {
        _dict["a"] = 1;
        Assert.True(_dict.Remove("a"));
        Assert.False(_dict.ContainsKey("a"));
        Assert.False(_dict.Remove("a"));
    }

    [Fact]
    public void Get_MissingKey_ThrowsKeyNotFound()
    {
        Assert.Throws<KeyNotFoundException>(() => _dict.Get<int>("missing"));
    }

    [Fact]
    public void GetValueOrDefault_MissingKey_ReturnsDefault()
    {
        Assert.Null(_dict.GetValueOrDefault("missing"));
        Assert.Equal("fallback", _dict.GetValueOrDefault("missing", "fallback"));
        Assert.False(_dict.ContainsKey("missing"));
    }

    [Fact]
    public void GetValueOrDefault_PresentKey_ReturnsStoredEvenWhenNull()
    {
        _dict["a"] = 3;
        _dict["n"] = null;
        Assert.Equal(3L, _dict.GetValueOrDefault("a", "fallback"));
        Assert.Null(_dict.GetValueOrDefault("n", "fallback"));
    }

    [Fact]
    public void GetOrAdd_MissingKey_AddsAndReturnsValue()
    {
        Assert.Equal("first", _dict.GetOrAdd("k", "first"));
        Assert.Equal("first", _dict.GetOrAdd("k", "second"));
        Assert.Equal("first", _dict["k"]);
    }

    [Fact]
    public void GetOrAdd_ManyThreadsOneKey_AllSeeTheSameWinner()
    {
        const int threads = 8;
        using var barrier = new Barrier(threads);
        var seen = new object?[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            using var proxy = _fixture.Proxy();
            var dict = proxy.GetCyberDict(_dict.Name);
            barrier.SignalAndWait(TimeSpan.FromSeconds(10));
            seen[i] = dict.GetOrAdd("winner", (long)i);
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(20))));

        var winner = _dict["winner"];
        Assert.All(seen, v => Assert.Equal(winner, v));
        Assert.Equal(1, _dict.Count);
    }

    [Fact]
    public void Update_NewAndExistingKeys_SetsAllKeepingPositions()
    {
        _dict["a"] = 1;
        _dict["b"] = 2;
        _dict.Update([Item("c", 3), Item("a", 10), Item(4, "four")]);
        Assert.Equal(new object[] { "a", "b", "c", 4L }, _dict.Keys);
        Assert.Equal(new object?[] { 10L, 2L, 3L, "four" }, _dict.Values);
    }

    [Fact]
    public void Update_OneUnsupportedValue_AppliesNothing()
    {
        _dict["keep"] = 1;
        var e = Assert.Throws<ArgumentException>(() => _dict.Update([Item("a", 1), Item("b", Guid.NewGuid()), Item("c", 3)]));
        Assert.Contains("Guid", e.Message, StringComparison.Ordinal);
        Assert.Equal(new object[] { "keep" }, _dict.Keys);
    }

    [Fact]
    public void Update_OneUnsupportedKey_AppliesNothing()
    {
        Assert.Throws<ArgumentException>(() => _dict.Update([Item("a", 1), Item(1.5, 2)]));
        Assert.Equal(0, _dict.Count);
    }

    [Fact]
    public void Update_Empty_ChangesNothing()
    {
        _dict["a"] = 1;
        _dict.Update([]);
        Assert.Equal(1, _dict.Count);
    }

    [Fact]
    public void KeysValuesEnumeration_AfterRemovesAndReSets_KeepInsertionOrder()
    {
        foreach (var key in new[] { "e", "b", "d", "a", "c" })
        {
            _dict[key] = key.ToUpperInvariant();
        }

        _dict.Remove("b");             // gone: later re-added at the end
        _dict["d"] = "D2";             // re-set: keeps its place
        _dict["b"] = "B2";
        _dict.Remove("a");
        _dict[1] = 1;

        object[] expectedKeys = ["e", "d", "c", "b", 1L];
        object?[] expectedValues = ["E", "D2", "C", "B2", 1L];
        Assert.Equal(expectedKeys, _dict.Keys);
        Assert.Equal(expectedValues, _dict.Values);
        Assert.Equal(expectedKeys, _dict.Select(p => p.Key));
        Assert.Equal(expectedValues, _dict.Select(p => p.Value));
        var copy = _dict.ToDictionary();
        Assert.Equal(expectedKeys, copy.Keys);
        Assert.Equal(expectedValues, copy.Values);
    }

    [Fact]
    public void Keys_ManyRemovesForcingCompaction_StillInsertionOrder()
    {
        _dict.Update(Enumerable.Range(0, 200).Select(i => Item(i, i)).ToList());
        for (var i = 0; i < 200; i += 3)
        {
            _dict.Remove(i);
        }

        for (var i = 0; i < 200; i += 3)
        {
            _dict[i] = -i; // back, at the end, in this order
        }

        var expected = Enumerable.Range(0, 200).Where(i => i % 3 != 0)
            .Concat(Enumerable.Range(0, 200).Where(i => i % 3 == 0))
            .Select(i => (object)(long)i);
        Assert.Equal(expected, _dict.Keys);
    }

    [Fact]
    public void ToDictionary_ReturnsCopyOfAllItems()
    {
        _dict["a"] = 1;
        _dict[2] = "two";
        var copy = _dict.ToDictionary();
        Assert.Equal(2, copy.Count);
        Assert.Equal(1L, copy["a"]);
        Assert.Equal("two", copy[2L]);
        copy["a"] = 99;
        Assert.Equal(1L, _dict["a"]);
    }

    [Fact]
    public void Pop_PresentKey_ReturnsValueAndRemoves()
    {
        _dict["a"] = "x";
        Assert.Equal("x", _dict.Pop("a"));
        Assert.False(_dict.ContainsKey("a"));
    }

    [Fact]
    public void Pop_MissingKey_ThrowsKeyNotFound()
    {
        Assert.Throws<KeyNotFoundException>(() => _dict.Pop("missing"));
    }

    [Fact]
    public void Pop_WithDefault_ReturnsDefaultWhenMissingAndValueWhenPresent()
    {
        Assert.Equal("dflt", _dict.Pop("missing", "dflt"));
        Assert.Null(_dict.Pop("missing", null));
        _dict["a"] = 5;
        Assert.Equal(5L, _dict.Pop("a", "dflt"));
        Assert.Equal(0, _dict.Count);
    }

    [Fact]
    public void PopItem_AfterReSet_TakesLastInserted()
    {
        _dict["a"] = 1;
        _dict["b"] = 2;
        _dict["c"] = 3;
        _dict["a"] = 4; // re-set: does not move
        Assert.Equal(new KeyValuePair<object, object?>("c", 3L), _dict.PopItem());
        _dict.Remove("b");
        Assert.Equal(new KeyValuePair<object, object?>("a", 4L), _dict.PopItem());
        Assert.Equal(0, _dict.Count);
    }

    [Fact]
    public void PopItem_IntegerKey_ReadsBackAsLong()
    {
        _dict[5] = "five";
        var item = _dict.PopItem();
        Assert.IsType<long>(item.Key);
        Assert.Equal(5L, item.Key);
    }

    [Fact]
    public void PopItem_Empty_ThrowsKeyNotFound()
    {
        Assert.Throws<KeyNotFoundException>(() => _dict.PopItem());
        _dict["a"] = 1;
        _dict.PopItem();
        Assert.Throws<KeyNotFoundException>(() => _dict.PopItem());
    }

    [Fact]
    public void Clear_RemovesEverythingAndTableStaysUsable()
    {
        _dict.Update([Item("a", 1), Item("b", 2)]);
        _dict.Clear();
        Assert.Equal(0, _dict.Count);
        Assert.Empty(_dict.Keys);
        _dict["c"] = 3;
        Assert.Equal(new object[] { "c" }, _dict.Keys);
    }

    [Fact]
    public void TryAdd_MissingThenPresent_AddsOnce()
    {
        Assert.True(_dict.TryAdd("a", 1));
        Assert.False(_dict.TryAdd("a", 2));
        Assert.Equal(1L, _dict["a"]);
    }

    [Fact]
    public void TryUpdate_ComparisonMatches_Replaces()
    {
        _dict["a"] = "old";
        Assert.True(_dict.TryUpdate("a", "new", "old"));
        Assert.Equal("new", _dict["a"]);
        Assert.False(_dict.TryUpdate("a", "newer", "old"));
        Assert.Equal("new", _dict["a"]);
    }

    [Fact]
    public void TryUpdate_IntegerStoredFloatComparison_EqualAsNumbers()
    {
        _dict["n"] = 1;
        Assert.True(_dict.TryUpdate("n", 2, 1.0));
        Assert.Equal(2L, _dict["n"]);
        _dict["f"] = 2.0;
        Assert.True(_dict.TryUpdate("f", "x", 2L));
    }

    [Fact]
    public void TryUpdate_DifferentTypesThatLookAlike_DoNotMatch()
    {
        _dict["s"] = "1";
        Assert.False(_dict.TryUpdate("s", "x", 1));
        _dict["z"] = 0;
        Assert.False(_dict.TryUpdate("z", "x", false));
        Assert.False(_dict.TryUpdate("z", "x", null));
        Assert.Equal(0L, _dict["z"]);
    }

    [Fact]
    public void TryUpdate_MissingKey_ReturnsFalseAndAddsNothing()
    {
        Assert.False(_dict.TryUpdate("missing", 1, null));
        Assert.False(_dict.ContainsKey("missing"));
    }

    [Fact]
    public void TryRemove_PresentAndMissing_ReportsValue()
    {
        _dict["a"] = "x";
        Assert.True(_dict.TryRemove("a", out var value));
        Assert.Equal("x", value);
        Assert.False(_dict.TryRemove("a", out value));
        Assert.Null(value);
    }

    [Fact]
    public void Increment_MissingKey_CountsFromZero()
    {
        Assert.Equal(1L, _dict.Increment("n"));
        Assert.Equal(6L, _dict.Increment("n", 5));
        Assert.Equal(-4L, _dict.Increment("n", -10));
        Assert.Equal(-4L, _dict["n"]);
        Assert.Equal(-3L, _dict.Increment("other", -3));
    }

    [Fact]
    public void Increment_ExistingIntegerStoredAsInt_Adds()
    {
        _dict[1] = 41;
        Assert.Equal(42L, _dict.Increment(1L));
        Assert.Equal(42, _dict.Get<int>(1));
    }

    [Theory]
    [InlineData("text")]
    [InlineData(1.5)]
    [InlineData(true)]
    [InlineData(null)]
    public void Increment_NonIntegerValue_ThrowsInvalidOperationAndKeepsValue(object? value)
    {
        _dict["v"] = value;
        Assert.Throws<InvalidOperationException>(() => _dict.Increment("v"));
        Assert.Equal(value, _dict["v"]);
    }

    [Fact]
    public void Increment_Overflow_ThrowsInvalidOperationAndKeepsValue()
    {
        _dict["big"] = long.MaxValue;
        Assert.Throws<InvalidOperationException>(() => _dict.Increment("big"));
        Assert.Equal(long.MaxValue, _dict["big"]);
    }

    [Fact]
    public void Members_TableDeletedMeanwhile_ThrowCyberDbExceptionNamingTable()
    {
        _proxy.DeleteTable(_dict.Name);
        var e = Assert.Throws<CyberDbException>(() => _dict["a"] = 1);
        Assert.Contains(_dict.Name, e.Message, StringComparison.Ordinal);
        Assert.Throws<CyberDbException>(() => _dict.Count);
        Assert.Throws<CyberDbException>(() => _dict.Update([Item("a", 1)]));
    }
}
