using CyberDb.Client;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

public class ServerInfoTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public ServerInfoTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void GetInfo_RunningServer_ReportsTablesTransportsAndCounters()
    {
        using var proxy = _fixture.Proxy();
        var dictName = ServerFixture.UniqueName("info-dict");
        var listName = ServerFixture.UniqueName("info-list");
        proxy.CreateCyberDict(dictName, [new("a", 1), new("b", 2)]);
        proxy.CreateCyberList(listName, [1, 2, 3]);

        var info = proxy.GetInfo();

        Assert.False(string.IsNullOrEmpty(info.Version));
        Assert.True(info.Uptime >= TimeSpan.Zero);
        Assert.True(info.StartedAt <= DateTime.UtcNow);
        var tcp = Assert.Single(info.Transports, t => t.Name == "tcp");
        Assert.EndsWith(":" + _fixture.Port, tcp.EndPoint, StringComparison.Ordinal);
        var shm = Assert.Single(info.Transports, t => t.Name == "shm");
        Assert.StartsWith("/dev/shm/cyberdb-", shm.EndPoint, StringComparison.Ordinal);
        Assert.True(shm.Connections >= 1, "this proxy (Auto, same host) is a shared-memory connection"); // our proxy
        Assert.True(info.OperationsExecuted >= 2);
        Assert.True(info.ManagedBytes > 0);
        Assert.Contains((dictName, CyberTableKind.CyberDict, 2), info.Tables);
        Assert.Contains((listName, CyberTableKind.CyberList, 3), info.Tables);
        Assert.Equal(CyberDbServerOptions.DefaultMaxConnections, info.MaxConnections);
    }
}
