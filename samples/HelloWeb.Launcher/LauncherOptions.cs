using System.Globalization;
using System.Security.Cryptography;

namespace HelloWeb.Launcher;

/// <summary>The launcher's command line: a mode, then <c>--name value</c> pairs. Parsed and checked once; an unknown option is an error.</summary>
internal sealed class LauncherOptions
{
    public const string Usage = """
        usage: HelloWeb.Launcher <demo|serve|bench> [options]
          demo    start a CyberDb server and the workers, send --requests requests with fresh
                  connections, print each answer and worker pid; exit 0 only if every answer is
                  right and at least two worker processes answered
          serve   start the server and the workers and keep them running until Ctrl+C
          bench   run wrk against the same app on each back end (CyberDb, Redis, in-process
                  dictionary), every back end's workers up side by side, and print requests/s
                  and ratios
        options:
          --workers N        worker processes (default 4)
          --host ADDR        HTTP address (default 127.0.0.1)
          --port N           HTTP port shared by the workers (default: 8000 for serve, a free one otherwise)
          --db-port N        CyberDb server port (default: 9980 for serve, a free one otherwise)
          --password P       CyberDb password (default: a random one, handed to the workers)
          --data PATH        CyberDb snapshot, created as cyberdb_init.py does when missing (default data.cdb)
          --requests N       demo: requests to send (default 20)
          --backends LIST    bench: comma-separated, of cyberdb, redis, memory (default all three), and
                             cyberdb-uncached (CyberDb with ReadCache=false: every read a round trip)
          --duration S       bench: seconds per wrk run (default 10)
          --warmup S         bench: seconds of wrk warm-up before a back end's first run (default 20,
                             so the workers' JIT has finished tiering up; 1 s before each later run)
          --threads N        bench: wrk threads (default 2)
          --connections N    bench: wrk connections (default 32)
          --rounds N         bench: measure every back end N times, each round in a rotated order
                             so that a drifting machine does not favour one; prints the medians (default 5:
                             single runs on a shared machine vary by a third)
          --startup-timeout S  deadline for the workers to answer (default 30)
          --worker PATH      HelloWeb.dll to run (default: the one built next to this launcher)
        """;

    public required string Mode { get; init; }

    public int Workers { get; init; } = 4;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; }

    public int DbPort { get; init; }

    public required string Password { get; init; }

    public string DataPath { get; init; } = "data.cdb";

    public int Requests { get; init; } = 20;

    public IReadOnlyList<string> Backends { get; init; } = ["cyberdb", "redis", "memory"];

    public int DurationSeconds { get; init; } = 10;

    /// <summary>
    /// bench: wrk before a back end's first run. The workers run as in production, with tiered
    /// compilation: measured here, 4 workers served 29k requests/s in their first 10 s and 56k in
    /// the next 10, once the hot methods were recompiled.
    /// </summary>
    public int WarmupSeconds { get; init; } = 20;

    /// <summary>bench: how many times every back end is measured (rounds rotate the order).</summary>
    public int Rounds { get; init; } = 5;

    public int Threads { get; init; } = 2;

    public int Connections { get; init; } = 32;

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? WorkerPath { get; init; }

    public static LauncherOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("demo" or "serve" or "bench"))
        {
            throw new ArgumentException("the first argument must be a mode: demo, serve or bench");
        }

        var mode = args[0];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--option value', got '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        var serve = mode == "serve";
        var options = new LauncherOptions
        {
            Mode = mode,
            Workers = Int(values, "workers", 4, min: 1),
            Host = Take(values, "host") ?? "127.0.0.1",
            Port = Int(values, "port", serve ? 8000 : 0, min: 0),
            DbPort = Int(values, "db-port", serve ? 9980 : 0, min: 0),
            Password = Take(values, "password") ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            DataPath = Take(values, "data") ?? "data.cdb",
            Requests = Int(values, "requests", 20, min: 1),
            Backends = Take(values, "backends")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? ["cyberdb", "redis", "memory"],
            DurationSeconds = Int(values, "duration", 10, min: 1),
            WarmupSeconds = Int(values, "warmup", 20, min: 0),
            Rounds = Int(values, "rounds", 5, min: 1),
            Threads = Int(values, "threads", 2, min: 1),
            Connections = Int(values, "connections", 32, min: 1),
            StartupTimeout = TimeSpan.FromSeconds(Int(values, "startup-timeout", 30, min: 1)),
            WorkerPath = Take(values, "worker"),
        };

        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option --{values.Keys.First()}");
        }

        foreach (var backend in options.Backends)
        {
            if (backend is not ("cyberdb" or "cyberdb-uncached" or "redis" or "memory"))
            {
                throw new ArgumentException($"--backends: unknown back end '{backend}' (cyberdb, cyberdb-uncached, redis, memory)");
            }
        }

        return options;
    }

    private static string? Take(Dictionary<string, string> values, string name) =>
        values.Remove(name, out var value) ? value : null;

    private static int Int(Dictionary<string, string> values, string name, int defaultValue, int min)
    {
        var text = Take(values, name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"--{name} must be an integer of at least {min}, not '{text}'");
        }

        return value;
    }
}
