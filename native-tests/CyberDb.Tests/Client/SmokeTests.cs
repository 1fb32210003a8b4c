using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

public class SmokeTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public SmokeTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void Seed_CentreContent_RoundTrips()
    {
        using var proxy = _fixture.Proxy();
        var name = ServerFixture.UniqueName("centre");
        proxy.CreateCyberDict(name);
        var centre = proxy.GetCyberDict(name);
        centre["content"] = "Hello CyberDB!";
        Assert.Equal("Hello CyberDB!", centre["content"]);
        Assert.Equal(1, centre.Count);
        Assert.Throws<KeyNotFoundException>(() => centre["missing"]);
        Assert.Equal(5L, centre.Increment("n", 5));
        centre[1] = 0;
        centre[2] = false;
        centre[3] = "";
        centre[4] = null;
        Assert.Equal(0L, centre[1]);
        Assert.Equal(false, centre[2]);
        Assert.Equal("", centre[3]);
        Assert.Null(centre[4]);
        Assert.Equal(new object[] { "content", "n", 1L, 2L, 3L, 4L }, centre.Keys);
        var list = proxy.CreateCyberList(ServerFixture.UniqueName("list"), [3, 1.5, 2]);
        list.Sort();
        Assert.Equal(new object?[] { 1.5, 2L, 3L }, list.ToList());
        Assert.Equal(3L, list[^1]);
        Assert.Equal(new object?[] { 2L, 3L }, list[1..]);
    }
}
