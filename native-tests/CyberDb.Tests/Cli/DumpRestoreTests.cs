using System.Diagnostics;
using System.Text;
using CyberDb.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CyberDb.Tests.Cli;

public sealed class DumpRestoreTests : IDisposable
{
    private const string Password = ServerFixture.Password;
    private readonly ITestOutputHelper _log;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cyberdb-dump-" + Guid.NewGuid().ToString("N"));
    private readonly List<CyberDbServer> _servers = [];

    public DumpRestoreTests(ITestOutputHelper log)
    {
        _log = log;
        Directory.CreateDirectory(_folder);
    }

    [Fact]
    public async Task DumpRestoreDump_EveryValueType_GivesIdenticalJsonAndValues()
    {
        var source = StartServer();
        using (var client = Connect(source))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            proxy.CreateCyberDict("typed", [
                new("text", "Hello CyberDB! é ✓"),
                new(1, "int key one"),
                new("1", "string key one"),
                new(-5, long.MinValue),
                new("big", ulong.MaxValue),
                new("double", 1.0),
                new("fraction", 2.5),
                new("huge", 1e300),
                new("nan", double.NaN),
                new("inf", double.NegativeInfinity),
                new("single", 1.5f),
                new("bool", false),
                new("zero", 0),
                new("empty", ""),
                new("null", null),
                new("bytes", new byte[] { 0, 1, 2, 255 }),
                new("when", new DateTime(2026, 11, 25, 18, 5, 25, 123, DateTimeKind.Utc).AddTicks(4567)),
                new("list", new List<object?> { 1, "two", 3.0, null, new List<object?> { true } }),
                new("map", new Dictionary<object, object?> { ["a"] = 1, ["b"] = new Dictionary<object, object?> { [2] = "int-keyed" } }),
                new("tagLike", new Dictionary<object, object?> { ["$bytes"] = "not bytes" }),
            ]);
            proxy.CreateCyberList("jobs", [42, "text", 1.0, new byte[] { 9 }, null]);
            proxy.CreateCyberDict("empty-dict");
            proxy.CreateCyberList("empty list");
        }

        var first = await DumpAsync(source, "first.json");
        var target = StartServer();
        var restore = await CliRunner.RunAgainstAsync(target.Port, "restore", "--in", first);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var second = await DumpAsync(target, "second.json");

        Assert.Equal(await File.ReadAllTextAsync(first), await File.ReadAllTextAsync(second));
        var json = await File.ReadAllTextAsync(first);
        Assert.StartsWith("{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[", json, StringComparison.Ordinal);
        Assert.Contains("[1,\"int key one\"],[\"1\",\"string key one\"]", json, StringComparison.Ordinal);
        Assert.Contains("[\"double\",1.0]", json, StringComparison.Ordinal);
        Assert.Contains("{\"$bytes\":\"AAEC/w==\"}", json, StringComparison.Ordinal);
        Assert.Contains("{\"$datetime\":\"2026-11-25T18:05:25.1234567Z\"}", json, StringComparison.Ordinal);
        Assert.Contains("{\"$map\":[[\"$bytes\",\"not bytes\"]]}", json, StringComparison.Ordinal);
        Assert.Contains("{\"$map\":[[2,\"int-keyed\"]]}", json, StringComparison.Ordinal);
        Assert.Contains("Hello CyberDB! é ✓", json, StringComparison.Ordinal);

        using var check = Connect(target);
        using var restored = check.GetProxy();
        restored.Connect();
        var typed = restored.GetCyberDict("typed");
        Assert.Equal("int key one", typed[1]);
        Assert.Equal("string key one", typed["1"]);
        Assert.Equal(1.0, typed["double"]);
        Assert.IsType<double>(typed["double"]);
        Assert.Equal(0L, typed["zero"]);
        Assert.Equal(ulong.MaxValue, typed["big"]);
        Assert.True(double.IsNaN((double)typed["nan"]!));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, typed["bytes"]);
        Assert.Equal(new DateTime(2026, 11, 25, 18, 5, 25, 123, DateTimeKind.Utc).AddTicks(4567), typed["when"]);
        Assert.Equal(new object?[] { 42L, "text", 1.0, new byte[] { 9 }, null }, restored.GetCyberList("jobs").ToList());
        using var sourceClient = Connect(source);
        using var original = sourceClient.GetProxy();
        original.Connect();
        Assert.Equal(original.GetCyberDict("typed").Keys, typed.Keys);
    }

    [Fact]
    public async Task DumpRestoreDump_100kEntries_IdenticalJsonWithinSeconds()
    {
        var source = StartServer();
        using (var client = Connect(source))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            var big = proxy.CreateCyberDict("big");
            for (var batch = 0; batch < 10; batch++)
            {
                big.Update(Enumerable.Range(batch * 9_000, 9_000).Select(i => new KeyValuePair<object, object?>(
                    i % 3 == 0 ? i : $"key:{i}",
                    (i % 4) switch
                    {
                        0 => i,
                        1 => $"value {i}",
                        2 => i / 7.0,
                        _ => new List<object?> { i, "x", i % 2 == 0 },
                    })).ToList());
            }

            proxy.CreateCyberList("log", Enumerable.Range(0, 10_000).Select(i => (object?)$"entry {i}"));
        }

        var clock = Stopwatch.StartNew();
        var first = await DumpAsync(source, "first.json");
        var dumpTime = clock.Elapsed;

        var target = StartServer();
        clock.Restart();
        var restore = await CliRunner.RunAgainstAsync(target.Port, "restore", "--in", first);
        var restoreTime = clock.Elapsed;
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("(100,000 items)", restore.Error, StringComparison.Ordinal);

        var second = await DumpAsync(target, "second.json");
        var bytes = new FileInfo(first).Length;
        _log.WriteLine($"100k entries, {bytes / 1024} KiB: dump {dumpTime.TotalMilliseconds:0} ms, restore {restoreTime.TotalMilliseconds:0} ms");

        Assert.True(FilesEqual(first, second), "the second dump differs from the first");
        Assert.True(dumpTime < TimeSpan.FromSeconds(10) && restoreTime < TimeSpan.FromSeconds(10), $"dump {dumpTime}, restore {restoreTime}");
    }

    [Fact]
    public async Task Dump_ToStandardOutputOneTable_WritesOnlyThatTable()
    {
        var server = StartServer();
        using (var client = Connect(server))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            proxy.CreateCyberList("a", [1]);
            proxy.CreateCyberList("b", [2]);
        }

        var result = await CliRunner.RunAgainstAsync(server.Port, "dump", "--table", "b");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{\"name\":\"b\",\"kind\":\"list\",\"items\":[2]}]}\n", Encoding.UTF8.GetString(result.StandardOutputBytes));
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task Dump_MissingTable_FailsWithoutWritingTheFile()
    {
        var server = StartServer();
        var path = Path.Combine(_folder, "none.json");

        var result = await CliRunner.RunAgainstAsync(server.Port, "dump", "--table", "nope", "--out", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nope", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public async Task Restore_ExistingTableWithoutReplace_RefusesAndChangesNothing()
    {
        var server = StartServer();
        var path = Path.Combine(_folder, "in.json");
        await File.WriteAllTextAsync(path, "{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{\"name\":\"fresh\",\"kind\":\"list\",\"items\":[1]},{\"name\":\"taken\",\"kind\":\"dict\",\"items\":[[\"k\",\"new\"]]}]}");
        using var client = Connect(server);
        using var proxy = client.GetProxy();
        proxy.Connect();
        proxy.CreateCyberDict("taken", [new("k", "old")]);

        var refused = await CliRunner.RunAgainstAsync(server.Port, "restore", "--in", path);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("taken", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--replace", refused.Error, StringComparison.Ordinal);
        Assert.Equal(["taken"], proxy.GetTables().Keys);

        var replaced = await CliRunner.RunAgainstAsync(server.Port, "restore", "--in", path, "--replace");

        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal("new", proxy.GetCyberDict("taken")["k"]);
        Assert.Equal(new object?[] { 1L }, proxy.GetCyberList("fresh").ToList());
    }

    [Theory]
    [InlineData("{\"format\":\"something-else\",\"version\":1,\"tables\":[]}", "not a cyberdb dump")]
    [InlineData("{\"format\":\"cyberdb-dump\",\"version\":2,\"tables\":[]}", "version 2")]
    [InlineData("{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{\"name\":\"t\",\"kind\":\"list\",\"items\":[1,2,{\"$what\":1}]}]}", "unknown tag $what")]
    [InlineData("{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{\"name\":\"t\",\"kind\":\"dict\",\"items\":[[1.5,\"x\"]]}]}", "a key must be")]
    [InlineData("{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{\"name\":\"t\",\"kind\":\"list\",\"items\":[1,2", "near byte")]
    [InlineData("{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{\"name\":\"t\",\"kind\":\"set\",\"items\":[]}]}", "\"dict\" or \"list\"")]
    public async Task Restore_BadFile_RefusedBeforeAnyTableIsCreated(string content, string expectedMessage)
    {
        var server = StartServer();
        var path = Path.Combine(_folder, "bad.json");
        await File.WriteAllTextAsync(path, content);

        var result = await CliRunner.RunAgainstAsync(server.Port, "restore", "--in", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expectedMessage, result.Error, StringComparison.Ordinal);
        using var client = Connect(server);
        using var proxy = client.GetProxy();
        proxy.Connect();
        Assert.Empty(proxy.GetTables());
    }

    [Fact]
    public async Task Restore_ValueLargerThanTheReadWindow_StreamsIt()
    {
        var server = StartServer();
        var path = Path.Combine(_folder, "large.json");
        var large = new string('x', 300_000);
        await File.WriteAllTextAsync(path, $"{{\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[{{\"name\":\"t\",\"kind\":\"dict\",\"items\":[[\"small\",1],[\"large\",\"{large}\"],[2,[\"{large}\"]]]}}]}}");

        var result = await CliRunner.RunAgainstAsync(server.Port, "restore", "--in", path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var client = Connect(server);
        using var proxy = client.GetProxy();
        proxy.Connect();
        var table = proxy.GetCyberDict("t");
        Assert.Equal(large, table["large"]);
        Assert.Equal(new List<object?> { large }, table[2]);
        Assert.Equal(1L, table["small"]);
    }

    private async Task<string> DumpAsync(CyberDbServer server, string name)
    {
        var path = Path.Combine(_folder, name);
        var result = await CliRunner.RunAgainstAsync(server.Port, "dump", "--out", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return path;
    }

    private static bool FilesEqual(string a, string b) => File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));

    private CyberDbServer StartServer()
    {
        var server = new CyberDbServer();
        server.Start(new CyberDbServerOptions { Port = 0, Password = Password });
        _servers.Add(server);
        return server;
    }

    private static CyberDbClient Connect(CyberDbServer server) =>
        CyberDbClient.Connect(new CyberDbClientOptions { Port = server.Port, Password = Password, OperationTimeout = TimeSpan.FromSeconds(30) });

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
