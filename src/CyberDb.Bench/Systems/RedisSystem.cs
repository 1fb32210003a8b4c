namespace CyberDb.Bench.Systems;

/// <summary>
/// Redis from Debian's <c>redis-server</c> package (scripts/install-peers.sh installs it), run as
/// our own process: never the system service. No persistence, loopback only.
/// </summary>
internal sealed class RedisSystem : RespServerSystem
{
    public override string Id => "redis";

    public override string Name => "Redis";

    protected override (string FileName, IReadOnlyList<string> Arguments) ResolveCommand(BenchEnvironment environment)
    {
        var path = FindOnPath("redis-server")
            ?? throw new BenchSystemUnavailableException("redis-server is not installed (run scripts/install-peers.sh)");
        return (path,
        [
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--dir", Path.GetTempPath(),
            "--logfile", string.Empty,
        ]);
    }

    protected override IEnumerable<string> PortArguments(int port) => ["--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private static string? FindOnPath(string program)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.Append("/usr/bin").Append("/usr/sbin").Append("/usr/local/bin")
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
    }
}
