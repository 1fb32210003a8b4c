using CyberDb.Cli.Commands;
using CyberDb.Cli.Serve;

namespace CyberDb.Tests.Cli;

public class ServeSettingsTests
{
    [Fact]
    public void Resolve_NothingSet_UsesServerDefaults()
    {
        var settings = ServeSettings.Resolve(new ServeLayer { Password = "p" }, new ServeLayer(), new ServeLayer());

        Assert.Equal("127.0.0.1", settings.Options.Host);
        Assert.Equal(9980, settings.Options.Port);
        Assert.Equal(500, settings.Options.MaxConnections);
        Assert.Equal(TimeSpan.Zero, settings.Options.Timeout);
        Assert.True(settings.Options.SharedMemory);
        Assert.False(settings.Options.Encrypt);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.Cycle);
        Assert.Null(settings.Load);
        Assert.Null(settings.Whitelist);
    }

    [Fact]
    public void Resolve_ThreeLayers_FlagBeatsEnvironmentBeatsFile()
    {
        var flags = new ServeLayer { Port = 1 };
        var environment = ServeSettings.FromEnvironment(name => name switch
        {
            "CYBERDB_PORT" => "2",
            "CYBERDB_HOST" => "0.0.0.0",
            "CYBERDB_SHARED_MEMORY" => "off",
            "CYBERDB_WHITELIST" => "10.0.0.0/8, 127.0.0.1",
            _ => null,
        });
        var file = new ServeLayer { Port = 3, Host = "::1", Password = "from-file", Cycle = TimeSpan.FromMinutes(1) };

        var settings = ServeSettings.Resolve(flags, environment, file);

        Assert.Equal(1, settings.Options.Port);
        Assert.Equal("0.0.0.0", settings.Options.Host);
        Assert.Equal("from-file", settings.Options.Password);
        Assert.False(settings.Options.SharedMemory);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.Cycle);
        Assert.Equal(["10.0.0.0/8", "127.0.0.1"], settings.Whitelist);
    }

    [Fact]
    public void FromFile_EveryKey_ReadsTypesAndSpellings()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                {
                  // comments and trailing commas are fine
                  "Host": "0.0.0.0", "port": 9981, "password": "p", "max-connections": 10, "timeout": 30,
                  "print_log": true, "encrypt": true, "sharedMemory": false, "load": "a.cdb", "backup": "b.cdb",
                  "cycle": "2m", "whitelist": ["127.0.0.1", "10.0.0.0/8"],
                }
                """);

            var layer = ServeSettings.FromFile(path);

            Assert.Equal("0.0.0.0", layer.Host);
            Assert.Equal(9981, layer.Port);
            Assert.Equal(10, layer.MaxConnections);
            Assert.Equal(TimeSpan.FromSeconds(30), layer.Timeout);
            Assert.True(layer.PrintLog);
            Assert.True(layer.Encrypt);
            Assert.False(layer.SharedMemory);
            Assert.Equal("a.cdb", layer.Load);
            Assert.Equal("b.cdb", layer.Backup);
            Assert.Equal(TimeSpan.FromMinutes(2), layer.Cycle);
            Assert.Equal(["127.0.0.1", "10.0.0.0/8"], layer.Whitelist);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("{\"port\": \"9980\"}", "\"port\" must be an integer")]
    [InlineData("{\"port\": 70000}", "70000 is outside 0..65535")]
    [InlineData("{\"encrypt\": \"yes\"}", "must be true or false")]
    [InlineData("{\"timeout\": \"soon\"}", "is not a duration")]
    [InlineData("[1]", "must hold one JSON object")]
    [InlineData("{", "is not valid JSON")]
    public void FromFile_BadValue_ErrorNamesTheFileAndKey(string content, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, content);

            var error = Assert.Throws<CliUsageException>(() => ServeSettings.FromFile(path));

            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("300", 300_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("00:01:00", 60_000)]
    public void ParseDuration_Forms_AllAccepted(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SettingParser.ParseDuration(text, "test"));
    }
}
