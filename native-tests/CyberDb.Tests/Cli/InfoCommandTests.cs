using System.Text.Json;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Cli;

public class InfoCommandTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public InfoCommandTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Info_Text_ShowsVersionTransportsClientsTablesMemoryAndRate()
    {
        var name = ServerFixture.UniqueName("info");
        using (var proxy = _fixture.Proxy())
        {
            proxy.CreateCyberList(name, [1, 2, 3]);
        }

        var result = await CliRunner.RunAgainstAsync(_fixture.Port, "info", "--sample", "200ms");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n');
        Assert.StartsWith("version      CyberDb ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("uptime       ", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("transports   tcp 127.0.0.1:" + _fixture.Port, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("clients      ", StringComparison.Ordinal) && l.Contains("of 500 allowed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("operations   ", StringComparison.Ordinal) && l.Contains("/s now", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("memory       ", StringComparison.Ordinal) && l.Contains("resident", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("last save    ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  " + name, StringComparison.Ordinal) && l.Contains("list", StringComparison.Ordinal) && l.EndsWith(" 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Info_Json_IsOneObjectWithTablesAndCounters()
    {
        var name = ServerFixture.UniqueName("info-json");
        using (var proxy = _fixture.Proxy())
        {
            proxy.CreateCyberDict(name, [new("a", 1)]);
        }

        var result = await CliRunner.RunAgainstAsync(_fixture.Port, "info", "--json", "--sample", "0");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("version").GetString()));
        Assert.True(root.GetProperty("uptimeSeconds").GetDouble() >= 0);
        Assert.True(root.GetProperty("operations").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("operationsPerSecond").ValueKind);
        // The fixture's own client is on this host: it holds a shared-memory ring pair (and its lifeline socket).
        var transports = root.GetProperty("transports").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["tcp", "shm"], transports.Keys);
        Assert.True(transports["tcp"].GetProperty("clients").GetInt32() + transports["shm"].GetProperty("clients").GetInt32() >= 1);
        Assert.StartsWith("/dev/shm/cyberdb-", transports["shm"].GetProperty("endPoint").GetString(), StringComparison.Ordinal);
        var table = root.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        Assert.Equal("dict", table.GetProperty("kind").GetString());
        Assert.Equal(1, table.GetProperty("size").GetInt32());
    }

    [Fact]
    public async Task Info_NoServer_ExitsThree()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var unused = ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;

        var result = await CliRunner.RunAgainstAsync(unused, "info", "--sample", "0");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("cyberdb info: ", result.Error, StringComparison.Ordinal);
    }
}
