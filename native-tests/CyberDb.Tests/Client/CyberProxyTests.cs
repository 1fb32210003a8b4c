using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

/// <summary>The proxy's life cycle and the table catalog (API.md, "Proxy and tables").</summary>
public sealed class CyberProxyTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public CyberProxyTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void GetProxy_New_IsNotConnected()
    {
        using var proxy = _fixture.Client.GetProxy();
        Assert.False(proxy.IsConnected);
        Assert.Throws<InvalidOperationException>(() => proxy.GetTables());
    }

    [Fact]
    public void ConnectClose_Toggle_IsConnected()
    {
        using var proxy = _fixture.Client.GetProxy();
        proxy.Connect();
        Assert.True(proxy.IsConnected);
        proxy.Connect(); // again: keeps its connection
        Assert.True(proxy.IsConnected);
        proxy.Close();
        Assert.False(proxy.IsConnected);
        proxy.Close(); // again: nothing to do
        Assert.False(proxy.IsConnected);
    }

    [Fact]
    public void Dispose_Connected_Closes()
    {
        var proxy = _fixture.Proxy();
        proxy.Dispose();
        Assert.False(proxy.IsConnected);
        proxy.Dispose();
    }

    [Fact]
    public void Handles_AfterClose_ThrowInvalidOperationUntilConnectAgain()
    {
        using var proxy = _fixture.Proxy();
        var dict = proxy.CreateCyberDict(ServerFixture.UniqueName("d"));
        var list = proxy.CreateCyberList(ServerFixture.UniqueName("l"));
        dict["a"] = 1;
        list.Add(1);

        proxy.Close();
        Assert.Throws<InvalidOperationException>(() => dict["a"]);
        Assert.Throws<InvalidOperationException>(() => dict["b"] = 2);
        Assert.Throws<InvalidOperationException>(() => dict.Count);
        Assert.Throws<InvalidOperationException>(() => list.Add(2));
        Assert.Throws<InvalidOperationException>(() => list[0]);
        Assert.Throws<InvalidOperationException>(() => proxy.CreateCyberDict(ServerFixture.UniqueName("x")));

        proxy.Connect();
        Assert.Equal(1L, dict["a"]);
        Assert.Equal(1, list.Count);
        dict["b"] = 2;
        Assert.Equal(2, dict.Count);
    }

    [Fact]
    public void Handles_AfterDispose_ThrowInvalidOperation()
    {
        var proxy = _fixture.Proxy();
        var dict = proxy.CreateCyberDict(ServerFixture.UniqueName("d"));
        proxy.Dispose();
        Assert.Throws<InvalidOperationException>(() => dict.Keys);
    }

    [Fact]
    public void CreateCyberDict_WithContent_StoresItemsInOrder()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("d");
        var dict = proxy.CreateCyberDict(name, [new("b", 1), new(2, "two"), new("a", null)]);
        Assert.Equal(name, dict.Name);
        Assert.Equal(new object[] { "b", 2L, "a" }, proxy.GetCyberDict(name).Keys);
        Assert.Equal(new object?[] { 1L, "two", null }, dict.Values);
    }

    [Fact]
    public void CreateCyberList_WithContent_StoresItemsInOrder()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("l");
        var list = proxy.CreateCyberList(name, ["x", 1, null, 2.5]);
        Assert.Equal(name, list.Name);
        Assert.Equal(new object?[] { "x", 1L, null, 2.5 }, proxy.GetCyberList(name).ToList());
    }

    [Fact]
    public void CreateCyberDict_NoContent_IsEmpty()
    {
        using var proxy = _fixture.Proxy();
        Assert.Equal(0, proxy.CreateCyberDict(ServerFixture.UniqueName("d")).Count);
        Assert.Equal(0, proxy.CreateCyberList(ServerFixture.UniqueName("l"), []).Count);
    }

    [Fact]
    public void Create_UnsupportedContent_ThrowsArgumentExceptionAndCreatesNothing()
    {
        using var proxy = _fixture.Proxy();
        var dictName = ServerFixture.UniqueName("d");
        var listName = ServerFixture.UniqueName("l");
        Assert.Throws<ArgumentException>(() => proxy.CreateCyberDict(dictName, [new("a", 1), new("b", Guid.NewGuid())]));
        Assert.Throws<ArgumentException>(() => proxy.CreateCyberList(listName, [1, 2m]));
        var tables = proxy.GetTables();
        Assert.False(tables.ContainsKey(dictName));
        Assert.False(tables.ContainsKey(listName));
    }

    [Fact]
    public void Create_ExistingName_ThrowsCyberDbExceptionNamingTable()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("taken");
        proxy.CreateCyberDict(name, [new("a", 1)]);
        var e = Assert.Throws<CyberDbException>(() => proxy.CreateCyberDict(name));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        e = Assert.Throws<CyberDbException>(() => proxy.CreateCyberList(name, [1]));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, proxy.GetCyberDict(name)["a"]); // the existing table is untouched
    }

    [Fact]
    public void Get_MissingTable_ThrowsCyberDbExceptionNamingTable()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("missing");
        var e = Assert.Throws<CyberDbException>(() => proxy.GetCyberDict(name));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        e = Assert.Throws<CyberDbException>(() => proxy.GetCyberList(name));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_WrongKind_ThrowsCyberDbExceptionNamingTable()
    {
        using var proxy = _fixture.Proxy();
        var list = ServerFixture.UniqueName("a-list");
        var dict = ServerFixture.UniqueName("a-dict");
        proxy.CreateCyberList(list);
        proxy.CreateCyberDict(dict);
        var e = Assert.Throws<CyberDbException>(() => proxy.GetCyberDict(list));
        Assert.Contains(list, e.Message, StringComparison.Ordinal);
        e = Assert.Throws<CyberDbException>(() => proxy.GetCyberList(dict));
        Assert.Contains(dict, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeleteTable_Existing_RemovesIt()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("gone");
        proxy.CreateCyberDict(name);
        proxy.DeleteTable(name);
        Assert.False(proxy.GetTables().ContainsKey(name));
        Assert.Throws<CyberDbException>(() => proxy.GetCyberDict(name));
        proxy.CreateCyberList(name); // the name is free again
        Assert.Equal(CyberTableKind.CyberList, proxy.GetTables()[name]);
    }

    [Fact]
    public void DeleteTable_Missing_ThrowsCyberDbExceptionNamingTable()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("never");
        var e = Assert.Throws<CyberDbException>(() => proxy.DeleteTable(name));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetTables_ListsNamesAndKinds()
    {
        using var proxy = _fixture.Proxy();
        var dict = ServerFixture.UniqueName("gt-d");
        var list = ServerFixture.UniqueName("gt-l");
        proxy.CreateCyberDict(dict);
        proxy.CreateCyberList(list);
        var tables = proxy.GetTables();
        Assert.Equal(CyberTableKind.CyberDict, tables[dict]);
        Assert.Equal(CyberTableKind.CyberList, tables[list]);
    }

    [Fact]
    public void TableNames_Invalid_ThrowArgumentException()
    {
        using var proxy = _fixture.Proxy();
        Assert.Throws<ArgumentException>(() => proxy.CreateCyberDict(""));
        Assert.Throws<ArgumentNullException>(() => proxy.CreateCyberList(null!));
        Assert.Throws<ArgumentException>(() => proxy.GetCyberDict(new string('n', 257)));
        Assert.Throws<ArgumentException>(() => proxy.DeleteTable(new string('é', 129))); // 258 UTF-8 bytes
        var longest = new string('n', 256);
        proxy.CreateCyberDict(longest + string.Empty);
        proxy.DeleteTable(longest);
    }

    [Fact]
    public void TableNames_Unicode_RoundTrip()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("таблица-😀");
        proxy.CreateCyberDict(name)["k"] = 1;
        Assert.Equal(1L, proxy.GetCyberDict(name)["k"]);
        Assert.Contains(name, proxy.GetTables().Keys);
    }

    [Fact]
    public void TwoProxies_SameTable_SeeEachOthersWrites()
    {
        using var first = _fixture.Proxy();
        using var second = _fixture.Proxy();
        var name = ServerFixture.UniqueName("shared");
        first.CreateCyberDict(name)["a"] = 1;
        Assert.Equal(1L, second.GetCyberDict(name)["a"]);
    }
}

/// <summary>PrintTables writes to Console.Out, which is process-wide: run alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class CyberProxyPrintTablesTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public CyberProxyPrintTablesTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void PrintTables_SomeTables_WritesEachNameAndKindToStandardOutput()
    {
        using var proxy = _fixture.Proxy();
        var dict = ServerFixture.UniqueName("print-d");
        var list = ServerFixture.UniqueName("print-l");
        proxy.CreateCyberDict(dict);
        proxy.CreateCyberList(list);

        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            proxy.PrintTables();
        }
        finally
        {
            Console.SetOut(original);
        }

        var lines = captured.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains(dict, StringComparison.Ordinal) && l.Contains("CyberDict", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(list, StringComparison.Ordinal) && l.Contains("CyberList", StringComparison.Ordinal));
    }
}
