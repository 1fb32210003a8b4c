using CyberDb.Protocol;
using CyberDb.Tests.Infrastructure;
using MessagePack;

namespace CyberDb.Tests.Client;

/// <summary>A user type the API allows as a value: annotated for MessagePack (public, so the standard resolver can build it).</summary>
[MessagePackObject]
public sealed class Point
{
    [Key(0)]
    public int X { get; set; }

    [Key(1)]
    public string? Label { get; set; }

    [Key(2)]
    public List<double> Weights { get; set; } = [];
}

/// <summary>A type without [MessagePackObject]: must be refused, never serialized contractlessly.</summary>
public sealed class Unannotated
{
    public int X { get; set; }
}

/// <summary>Key rules, every allowed value type, conversions through Get&lt;T&gt; and refusals of the rest (API.md, "Proxy and tables").</summary>
public sealed class ValuesAndKeysTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CyberProxy _proxy;
    private readonly CyberDict _dict;
    private readonly CyberList _list;

    public ValuesAndKeysTests(ServerFixture fixture)
    {
        _proxy = fixture.Proxy();
        _dict = _proxy.CreateCyberDict(ServerFixture.UniqueName("values"));
        _list = _proxy.CreateCyberList(ServerFixture.UniqueName("values-list"));
    }

    public void Dispose() => _proxy.Dispose();

    // --- keys ----------------------------------------------------------------------------------

    [Fact]
    public void Key_IntAndLongOne_AreTheSameKey()
    {
        _dict[1] = "int";
        _dict[1L] = "long";
        Assert.Equal(1, _dict.Count);
        Assert.Equal("long", _dict[1]);
        Assert.True(_dict.ContainsKey((short)1));
        Assert.True(_dict.ContainsKey((byte)1));
        Assert.True(_dict.ContainsKey(1UL));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(127L)]
    [InlineData(128L)]
    [InlineData(-33L)]
    [InlineData(65536L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Key_Integer_ReadsBackAsLong(long value)
    {
        _dict[value] = "v";
        var key = Assert.Single(_dict.Keys);
        Assert.IsType<long>(key);
        Assert.Equal(value, key);
        Assert.Equal(value, Assert.Single(_dict.ToDictionary()).Key);
    }

    [Fact]
    public void Key_IntWithinIntRange_FoundByLongAndBack()
    {
        _dict[int.MaxValue] = "max";
        Assert.Equal("max", _dict[(long)int.MaxValue]);
        _dict[-5L] = "neg";
        Assert.Equal("neg", _dict[-5]);
    }

    [Fact]
    public void Key_StringAndIntegerLookingAlike_AreDifferentKeys()
    {
        _dict["1"] = "string";
        _dict[1] = "integer";
        Assert.Equal(2, _dict.Count);
        Assert.Equal("string", _dict["1"]);
        Assert.Equal("integer", _dict[1]);
    }

    [Fact]
    public void Key_UnicodeString_RoundTrips()
    {
        _dict["ключ-😀"] = 1;
        Assert.Equal("ключ-😀", Assert.Single(_dict.Keys));
    }

    public static TheoryData<object> UnsupportedKeys() => new()
    {
        1.5,
        1.5f,
        true,
        Guid.NewGuid(),
        DateTime.UtcNow,
        new byte[] { 1 },
        'c',
        12m,
        ulong.MaxValue,
        new object(),
    };

    [Theory]
    [MemberData(nameof(UnsupportedKeys))]
    public void Key_OtherType_ThrowsArgumentExceptionAndSendsNothing(object key)
    {
        Assert.Throws<ArgumentException>(() => _dict[key] = 1);
        Assert.Throws<ArgumentException>(() => _dict.ContainsKey(key));
        Assert.Throws<ArgumentException>(() => _dict.Increment(key));
        Assert.Equal(0, _dict.Count); // and the connection still works
    }

    [Fact]
    public void Key_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => _dict[null!] = 1);
    }

    // --- values --------------------------------------------------------------------------------

    public static TheoryData<object?, object?> RoundTrips() => new()
    {
        { null, null },
        { true, true },
        { false, false },
        { 0, 0L },
        { -1, -1L },
        { (byte)200, 200L },
        { (short)-300, -300L },
        { 70000u, 70000L },
        { long.MaxValue, long.MaxValue },
        { long.MinValue, long.MinValue },
        { 1.25, 1.25 },
        { 0.5f, 0.5 },
        { double.NaN, double.NaN },
        { double.NegativeInfinity, double.NegativeInfinity },
        { "", "" },
        { "héllo 😀", "héllo 😀" },
        { new string('x', 100_000), new string('x', 100_000) },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Value_Allowed_ReadsBackAsDocumentedType(object? stored, object? expected)
    {
        _dict["v"] = stored;
        var read = _dict["v"];
        Assert.Equal(expected, read);
        Assert.Equal(expected?.GetType(), read?.GetType());
        _list.Add(stored);
        Assert.Equal(expected, _list[^1]);
    }

    [Fact]
    public void Value_ByteArray_RoundTripsAsBytes()
    {
        byte[] bytes = [0, 1, 2, 255];
        _dict["b"] = bytes;
        Assert.Equal(bytes, Assert.IsType<byte[]>(_dict["b"]));
        _dict["empty"] = Array.Empty<byte>();
        Assert.Empty(Assert.IsType<byte[]>(_dict["empty"]));
    }

    [Fact]
    public void Value_ZeroFalseEmptyNull_AreFourDifferentValues()
    {
        _dict["zero"] = 0;
        _dict["false"] = false;
        _dict["empty"] = "";
        _dict["null"] = null;
        Assert.IsType<long>(_dict["zero"]);
        Assert.IsType<bool>(_dict["false"]);
        Assert.IsType<string>(_dict["empty"]);
        Assert.Null(_dict["null"]);

        _list.AddRange([0, false, "", null]);
        Assert.Equal(0, _list.IndexOf(0));
        Assert.Equal(1, _list.IndexOf(false));
        Assert.Equal(2, _list.IndexOf(""));
        Assert.Equal(3, _list.IndexOf(null));
        Assert.Equal(1, _list.CountOf(0));
        Assert.Equal(1, _list.CountOf(false));
        Assert.Equal(1, _list.CountOf(""));
        Assert.Equal(1, _list.CountOf(null));
    }

    [Fact]
    public void Value_DateTime_ComparedAsUtcInstant()
    {
        var utc = new DateTime(2024, 2, 29, 13, 45, 10, 123, DateTimeKind.Utc).AddTicks(4567);
        var local = utc.ToLocalTime();
        var unspecified = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);

        _dict["utc"] = utc;
        _dict["local"] = local;
        _dict["unspecified"] = unspecified; // an unspecified kind counts as UTC

        foreach (var key in new[] { "utc", "local", "unspecified" })
        {
            var read = Assert.IsType<DateTime>(_dict[key]);
            Assert.Equal(DateTimeKind.Utc, read.Kind);
            Assert.Equal(utc, read);
            Assert.Equal(utc, _dict.Get<DateTime>(key));
        }

        Assert.True(_dict.TryUpdate("local", "replaced", utc));
    }

    [Fact]
    public void Value_NestedListsAndMaps_ReadBackAsListAndDictionary()
    {
        var value = new List<object?>
        {
            1,
            "a",
            null,
            new Dictionary<object, object?>
            {
                ["k"] = new List<object?> { true, 2.5, new byte[] { 9 } },
                [7] = new Dictionary<string, int> { ["deep"] = 3 },
            },
            new object?[] { new List<int> { 1, 2 } },
        };
        _dict["nested"] = value;

        var read = Assert.IsType<List<object?>>(_dict["nested"]);
        Assert.Equal(5, read.Count);
        Assert.Equal(1L, read[0]);
        Assert.Equal("a", read[1]);
        Assert.Null(read[2]);
        var map = Assert.IsType<Dictionary<object, object?>>(read[3]);
        var inner = Assert.IsType<List<object?>>(map["k"]);
        Assert.Equal(true, inner[0]);
        Assert.Equal(2.5, inner[1]);
        Assert.Equal(new byte[] { 9 }, inner[2]);
        var deep = Assert.IsType<Dictionary<object, object?>>(map[7L]);
        Assert.Equal(3L, deep["deep"]);
        var array = Assert.IsType<List<object?>>(read[4]);
        Assert.Equal(new List<object?> { 1L, 2L }, Assert.IsType<List<object?>>(array[0]));
    }

    [Fact]
    public void Value_MessagePackObject_RoundTripsThroughGet()
    {
        var point = new Point { X = 3, Label = "p", Weights = [0.5, 1] };
        _dict["p"] = point;
        var read = _dict.Get<Point>("p");
        Assert.Equal(3, read.X);
        Assert.Equal("p", read.Label);
        Assert.Equal([0.5, 1.0], read.Weights);

        _list.Add(point);
        Assert.Equal("p", _list.Get<Point>(0).Label);

        // Through object it is plain data: an array of its keys' values.
        Assert.Equal(3L, Assert.IsType<List<object?>>(_dict["p"])[0]);
    }

    public static TheoryData<object> UnsupportedValues() => new()
    {
        Guid.NewGuid(),
        12.5m,
        new object(),
        new Unannotated { X = 1 },
        'c',
        new char[] { 'a' },
        TimeSpan.FromSeconds(1),
        DateTimeOffset.UtcNow,
        new Uri("http://example.com"),
        new List<object?> { 1, Guid.NewGuid() },
        new Dictionary<object, object?> { ["ok"] = 1, ["bad"] = 1m },
        new Dictionary<object, object?> { [1.5] = "double key in a nested map" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedValues))]
    public void Value_Unsupported_ThrowsArgumentExceptionBeforeSending(object value)
    {
        Assert.Throws<ArgumentException>(() => _dict["v"] = value);
        Assert.Throws<ArgumentException>(() => _dict.TryAdd("v", value));
        Assert.Throws<ArgumentException>(() => _dict.GetOrAdd("v", value));
        Assert.Throws<ArgumentException>(() => _list.Add(value));
        Assert.Throws<ArgumentException>(() => _list.Insert(0, value));
        Assert.False(_dict.ContainsKey("v"));
        Assert.Equal(0, _list.Count);
    }

    [Fact]
    public void Value_NestedDeeperThanLimit_ThrowsArgumentException()
    {
        object? deep = null;
        for (var i = 0; i < 200; i++)
        {
            deep = new List<object?> { deep };
        }

        Assert.Throws<ArgumentException>(() => _dict["deep"] = deep);
        Assert.False(_dict.ContainsKey("deep"));
    }

    [Fact]
    public void Value_NestedAtLimit_IsAccepted()
    {
        object? deep = null;
        for (var i = 0; i < ProtocolLimits.MaxValueDepth; i++)
        {
            deep = new List<object?> { deep };
        }

        _dict["deep"] = deep;
        var read = _dict["deep"];
        for (var i = 0; i < ProtocolLimits.MaxValueDepth; i++)
        {
            read = Assert.Single(Assert.IsType<List<object?>>(read));
        }

        Assert.Null(read);
    }

    [Fact]
    public void Value_SelfReferencingList_ThrowsArgumentException()
    {
        var list = new List<object?>();
        list.Add(list);
        Assert.Throws<ArgumentException>(() => _dict["loop"] = list);
    }

    // --- Get<T> --------------------------------------------------------------------------------

    [Fact]
    public void Get_Int_ConvertsStoredInteger()
    {
        _dict["n"] = 42L;
        Assert.Equal(42, _dict.Get<int>("n"));
        Assert.Equal(42L, _dict.Get<long>("n"));
        Assert.Equal(42.0, _dict.Get<double>("n"));
        Assert.Equal((short)42, _dict.Get<short>("n"));
        Assert.Equal(42, _dict.Get<int?>("n"));
    }

    [Fact]
    public void Get_Double_ConvertsStoredFloat()
    {
        _dict["f"] = 2.5;
        Assert.Equal(2.5, _dict.Get<double>("f"));
        Assert.Equal(2.5f, _dict.Get<float>("f"));
    }

    [Fact]
    public void Get_String_ReadsStoredStringAndNull()
    {
        _dict["s"] = "text";
        _dict["n"] = null;
        Assert.Equal("text", _dict.Get<string>("s"));
        Assert.Null(_dict.Get<string?>("n"));
        Assert.Null(_dict.Get<int?>("n"));
        Assert.Null(_dict.Get<object?>("n"));
    }

    [Fact]
    public void Get_Bool_ReadsStoredBool()
    {
        _dict["b"] = true;
        Assert.True(_dict.Get<bool>("b"));
    }

    [Fact]
    public void Get_Object_ReadsAsDocumentedTypes()
    {
        _dict["n"] = 5;
        Assert.IsType<long>(_dict.Get<object>("n"));
    }

    [Fact]
    public void Get_TypedLists_ConvertStoredList()
    {
        _dict["ints"] = new[] { 1, 2, 3 };
        _dict["strings"] = new List<string> { "a", "b" };
        Assert.Equal([1, 2, 3], _dict.Get<List<int>>("ints"));
        Assert.Equal([1L, 2L, 3L], _dict.Get<List<long>>("ints"));
        Assert.Equal([1, 2, 3], _dict.Get<int[]>("ints"));
        Assert.Equal(["a", "b"], _dict.Get<List<string>>("strings"));
        Assert.Equal(new Dictionary<string, int> { ["x"] = 1 }, Convert(new Dictionary<string, int> { ["x"] = 1 }));
    }

    private Dictionary<string, int> Convert(Dictionary<string, int> value)
    {
        _dict["map"] = value;
        return _dict.Get<Dictionary<string, int>>("map");
    }

    [Fact]
    public void Get_ObjectList_ReadsIntegersAsLong()
    {
        _dict["mixed"] = new List<object?> { 1, "a", 2.5 };
        var list = _dict.Get<List<object?>>("mixed");
        Assert.Equal(new List<object?> { 1L, "a", 2.5 }, list);
        Assert.IsType<long>(list[0]);
        var map = new Dictionary<object, object?> { ["k"] = 1 };
        _dict["map"] = map;
        Assert.IsType<long>(_dict.Get<Dictionary<object, object?>>("map")["k"]);
    }

    [Fact]
    public void Get_IncompatibleType_ThrowsInvalidCast()
    {
        _dict["s"] = "not a number";
        Assert.Throws<InvalidCastException>(() => _dict.Get<int>("s"));
        _dict["list"] = new[] { 1 };
        Assert.Throws<InvalidCastException>(() => _dict.Get<DateTime>("list"));
    }
}
