using System.Globalization;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Client;

/// <summary>Clients in real child processes (TestHost mode <c>client-ops</c>) against an in-process server.</summary>
public sealed class ChildProcessClientTests
{
    private static readonly TimeSpan ChildDeadline = TimeSpan.FromSeconds(30);

    private static string Port(CyberDbServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<List<string>> LinesUntilAsync(ChildProcess child, string last)
    {
        var lines = new List<string>();
        await child.WaitForLineAsync(line =>
        {
            lines.Add(line);
            return line == last || line.StartsWith("ERROR", StringComparison.Ordinal);
        }, ChildDeadline);
        return lines;
    }

    [Fact]
    public async Task ChildClient_BasicScript_SameResultsAsInProcessAndStateShared()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        const string prefix = "child";
        proxy.CreateCyberDict(prefix + "-seed", [new("name", "seed"), new(1, 2.5), new("list", new List<object?> { 1, "x" })]);

        using var child = ChildProcess.Start("client-ops", Port(server), TestServer.Password, "basic", prefix);
        var lines = await LinesUntilAsync(child, "DONE");

        string[] expected =
        [
            """seed.items = {"name": "seed", 1L: 2.5d, "list": [1L, "x"]}""",
            "dict.count = 3i",
            """dict[2] = "deux" """.TrimEnd(),
            """dict.keys = ["a", 2L, "c"]""",
            "dict.get<int>(a) = 1i",
            "dict.increment(a,41) = 42L",
            """dict.getordefault(x) = "dflt" """.TrimEnd(),
            "dict.getoradd(x) = 0L",
            "dict.tryadd(x) = false",
            "dict.tryupdate(a) = true",
            """dict.popitem = {"x": 0L}""",
            """dict.pop(missing,d) = "d" """.TrimEnd(),
            "dict[missing] throws KeyNotFoundException",
            "dict.increment(c) throws InvalidOperationException",
            "dict[guid] throws ArgumentException",
            """dict.items = {"a": "was 42", 2L: "deux", "c": [1.5d, null, true, 0x0102]}""",
            "list.sorted = [0L, 1.5d, 2L, 3L, 10L]",
            "list[^1] = 10L",
            "list[1..3] = [1.5d, 2L]",
            "list.pop = 10L",
            "list.indexof(2) = 2i",
            "list.reversed = [3L, 2L, 1.5d, 0L]",
            "list[99] throws ArgumentOutOfRangeException",
            "list.sort(mixed) throws InvalidOperationException",
            "create(existing) throws CyberDbException",
            "get(missing) throws CyberDbException",
            """tables = ["-dict:CyberDict", "-list:CyberList", "-seed:CyberDict"]""",
            "DONE",
        ];
        Assert.Equal(expected, lines);
        Assert.Equal(0, await child.WaitForExitAsync(ChildDeadline));

        // What the child did is what this process sees.
        var dict = proxy.GetCyberDict(prefix + "-dict");
        Assert.Equal(new object[] { "a", 2L, "c" }, dict.Keys);
        Assert.Equal("was 42", dict["a"]);
        Assert.Equal(new object?[] { 3L, 2L, 1.5, 0L, "s" }, proxy.GetCyberList(prefix + "-list").ToList());
    }

    [Fact]
    public async Task FourChildClients_Increment1000EachOnOneKey_ExactTotal()
    {
        const int children = 4;
        const int perChild = 1000;
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var counters = proxy.CreateCyberDict("counters");

        var processes = Enumerable.Range(0, children)
            .Select(_ => ChildProcess.Start("client-ops", Port(server), TestServer.Password, "increment", "counters", "hits", perChild.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            // Everyone connected first, then all start together: the increments really interleave.
            await Task.WhenAll(processes.Select(p => p.WaitForLineAsync("READY", ChildDeadline)));
            processes.ForEach(p => p.WriteLine("go"));
            var done = await Task.WhenAll(processes.Select(p => p.WaitForLineAsync(l => l.StartsWith("DONE", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal), ChildDeadline)));

            Assert.All(done, line => Assert.StartsWith("DONE ", line, StringComparison.Ordinal));
            Assert.Equal((long)children * perChild, counters["hits"]);
            Assert.Contains(done, line => line == $"DONE {children * perChild}"); // whoever finished last saw the total
            foreach (var process in processes)
            {
                Assert.Equal(0, await process.WaitForExitAsync(ChildDeadline));
            }
        }
        finally
        {
            processes.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task ChildClientKilledMidRun_ServerKeepsServingOthersAndFreesItsConnection()
    {
        using var server = TestServer.Start();
        using var client = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
        using var proxy = client.GetProxy();
        proxy.Connect();
        var counters = proxy.CreateCyberDict("counters");
        Assert.Equal(1, TestServer.Connections(server));

        using (var child = ChildProcess.Start("client-ops", Port(server), TestServer.Password, "spin", "counters", "spins"))
        {
            await child.WaitForLineAsync("RUNNING", ChildDeadline);
            Assert.Equal(2, TestServer.Connections(server));
            child.Kill(); // SIGKILL, mid-request as likely as not
        }

        // Others are served at once, and the dead client's connection is reclaimed.
        var before = counters.Increment("others");
        for (var i = 0; i < 100; i++)
        {
            counters.Increment("others");
        }

        Assert.Equal(before + 100, counters["others"]);
        Assert.True(counters.Get<long>("spins") >= 100);
        await Wait.UntilAsync(() => TestServer.Connections(server) == 1, TimeSpan.FromSeconds(5), "the killed client's connection to be closed");
        using var other = CyberDbClient.Connect(TestServer.ClientOptions(server.Port));
    }
}
