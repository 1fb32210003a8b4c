using System.Globalization;
using System.Text.RegularExpressions;

namespace CyberDb.Tests.Cli;

public sealed partial class ServeCommandTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cyberdb-serve-" + Guid.NewGuid().ToString("N"));

    public ServeCommandTests()
    {
        Directory.CreateDirectory(_folder);
    }

    [Fact]
    public async Task Serve_MissingLoadFileThenSigterm_StartsEmptyServesAndExitsZero()
    {
        var environment = new Dictionary<string, string> { ["CYBERDB_PASSWORD"] = "serve-secret" };
        using var server = CliProcess.Start(environment, _folder, "serve", "--port", "0", "--load", "data.cdb");

        var banner = await server.WaitForLineAsync(l => l.Contains("serving on", StringComparison.Ordinal), Deadline);
        var port = int.Parse(PortPattern().Match(banner).Groups[1].Value, CultureInfo.InvariantCulture);
        await server.WaitForLineAsync(l => l.StartsWith("Press Ctrl+C", StringComparison.Ordinal), Deadline);
        Assert.Contains("data.cdb does not exist yet; starting with an empty database", server.StandardError, StringComparison.Ordinal);
        Assert.Contains("  tables       data.cdb not found: started empty", server.StandardOutput, StringComparison.Ordinal);

        using (var client = CyberDbClient.Connect(port: port, password: "serve-secret"))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            proxy.CreateCyberDict("centre")["content"] = "Hello CyberDB!";
            Assert.Equal("Hello CyberDB!", proxy.GetCyberDict("centre")["content"]);
        }

        server.Terminate();

        Assert.Equal(0, await server.WaitForExitAsync(Deadline));
        Assert.EndsWith("stopped", server.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_SettingsFromFileEnvironmentAndFlags_FlagsWinThenEnvironmentThenFile()
    {
        var config = Path.Combine(_folder, "cyberdb.json");
        await File.WriteAllTextAsync(config, "{ \"password\": \"from-file\", \"port\": 1, \"maxConnections\": 7, \"timeout\": \"5m\" }");
        var environment = new Dictionary<string, string> { ["CYBERDB_CONFIG"] = config, ["CYBERDB_MAX_CONNECTIONS"] = "9" };
        using var server = CliProcess.Start(environment, _folder, "serve", "--port", "0");

        var banner = await server.WaitForLineAsync(l => l.Contains("serving on", StringComparison.Ordinal), Deadline);
        var clients = await server.WaitForLineAsync(l => l.StartsWith("  clients", StringComparison.Ordinal), Deadline);
        var port = int.Parse(PortPattern().Match(banner).Groups[1].Value, CultureInfo.InvariantCulture);

        Assert.NotEqual(1, port); // --port 0 beat the file's 1
        Assert.Contains("at most 9;", clients, StringComparison.Ordinal); // the variable beat the file's 7
        Assert.Contains("idle timeout 5m 0s", clients, StringComparison.Ordinal); // only the file set it
        using (var client = CyberDbClient.Connect(port: port, password: "from-file"))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            proxy.Ping();
        }

        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(Deadline));
    }

    [Fact]
    public async Task Serve_EncryptWithWhitelist_EncryptedClientsServedPlainOnesRefused()
    {
        using var server = CliProcess.Start(new Dictionary<string, string> { ["CYBERDB_PASSWORD"] = "enc" }, _folder, "serve", "--port", "0", "--encrypt", "--whitelist", "127.0.0.1,10.0.0.0/8");
        var banner = await server.WaitForLineAsync(l => l.Contains("serving on", StringComparison.Ordinal), Deadline);
        var whitelist = await server.WaitForLineAsync(l => l.StartsWith("  whitelist", StringComparison.Ordinal), Deadline);
        var port = PortPattern().Match(banner).Groups[1].Value;
        Assert.Equal("  whitelist    127.0.0.1, 10.0.0.0/8", whitelist);

        var encrypted = await CliRunner.RunAsync(new Dictionary<string, string> { ["CYBERDB_PASSWORD"] = "enc", ["CYBERDB_PORT"] = port, ["CYBERDB_ENCRYPT"] = "true" }, null, "shell", "-c", "ping");
        var plain = await CliRunner.RunAsync(new Dictionary<string, string> { ["CYBERDB_PASSWORD"] = "enc", ["CYBERDB_PORT"] = port }, null, "shell", "-c", "ping");

        Assert.True(encrypted.ExitCode == 0, encrypted.ToString());
        Assert.True(plain.ExitCode == 3, plain.ToString());
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(Deadline));
    }

    [Fact]
    public async Task Serve_BadWhitelistEntry_ExitsTwoNamingIt()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string> { ["CYBERDB_PASSWORD"] = "x" }, null, "serve", "--port", "0", "--whitelist", "not-an-address");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not-an-address", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnknownConfigKey_ExitsTwoNamingIt()
    {
        var config = Path.Combine(_folder, "bad.json");
        await File.WriteAllTextAsync(config, "{ \"password\": \"x\", \"prot\": 9980 }");

        var result = await CliRunner.RunAsync(null, null, "serve", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown setting \"prot\"", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_NoPassword_ExitsTwoNamingEverySource()
    {
        var result = await CliRunner.RunAsync(null, null, "serve", "--port", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--password, CYBERDB_PASSWORD or \"password\" in the configuration file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BadEnvironmentValue_ExitsTwoNamingTheVariable()
    {
        var environment = new Dictionary<string, string> { ["CYBERDB_PASSWORD"] = "x", ["CYBERDB_PORT"] = "ninety" };

        var result = await CliRunner.RunAsync(environment, null, "serve");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("CYBERDB_PORT: 'ninety' is not an integer", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Help_DocumentsPrecedenceVariablesAndTheMissingLoadFile()
    {
        var result = await CliRunner.RunAsync(null, null, "serve", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("in this order of precedence: a flag; an environment variable", result.Out, StringComparison.Ordinal);
        Assert.Contains("when the file does not exist yet, warn and start empty", result.Out, StringComparison.Ordinal);
        foreach (var variable in new[] { "CYBERDB_HOST", "CYBERDB_PORT", "CYBERDB_PASSWORD", "CYBERDB_MAX_CONNECTIONS", "CYBERDB_TIMEOUT", "CYBERDB_PRINT_LOG", "CYBERDB_ENCRYPT", "CYBERDB_SHARED_MEMORY", "CYBERDB_LOAD", "CYBERDB_BACKUP", "CYBERDB_CYCLE", "CYBERDB_WHITELIST", "CYBERDB_CONFIG" })
        {
            Assert.Contains(variable, result.Out, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"serving on [^ ]+:(\d+) ")]
    private static partial Regex PortPattern();

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
