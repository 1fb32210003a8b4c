using System.Globalization;

namespace HelloWeb.Launcher;

/// <summary>
/// The seed web app under load on each back end in one run: N workers of the same HelloWeb
/// reading "Hello CyberDB!" from CyberDb (through the request's proxy), from Redis (through
/// StackExchange.Redis, our own redis-server), and from an in-process dictionary (the ceiling).
/// wrk drives each for the same time after a warm-up; ratios compare back ends of this run only.
/// </summary>
internal static class BenchMode
{
    // Every back end's workers run without tiered compilation: with 4 processes tiering up on 2
    // cores the JIT still took a quarter of the CPU 15 s in (perf), so a short run measured the
    // JIT, not the back end. Fully optimized code from the first call is the steady state.
    private static readonly IReadOnlyDictionary<string, string> SteadyState = new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" };

    public static async Task<int> RunAsync(LauncherOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine($"bench: {options.Workers} HelloWeb workers per back end on {Environment.ProcessorCount} cores; " +
            $"workers without tiered compilation; per back end: {options.WarmupSeconds} s warm-up, then {Wrk.CommandLine(options.Threads, options.Connections, options.DurationSeconds, $"http://{options.Host}:PORT/")}");

        using var database = options.Backends.Any(b => b.StartsWith("cyberdb", StringComparison.Ordinal))
            ? CentreDatabase.Start(options.Host, options.DbPort, options.Password, options.DataPath)
            : null;
        using var redis = options.Backends.Contains("redis") ? await RedisServerProcess.StartAsync(cancellationToken) : null;

        var rounds = new List<List<(string Backend, WrkResult Result)>>();
        for (var round = 0; round < options.Rounds; round++)
        {
            if (options.Rounds > 1)
            {
                Console.WriteLine($"bench: round {round + 1} of {options.Rounds}");
            }

            // Rotated order: with three back ends and three rounds each one runs first, second and last once.
            var order = options.Backends.Skip(round % options.Backends.Count).Concat(options.Backends.Take(round % options.Backends.Count)).ToList();
            var results = await MeasureRoundAsync(options, order, database, redis, cancellationToken);
            PrintTable(results);
            rounds.Add(results);
        }

        if (rounds.Count > 1)
        {
            PrintMedians(options.Backends, rounds);
        }

        return rounds.SelectMany(r => r).All(r => r.Result.Errors == 0) ? 0 : 1;
    }

    private static async Task<List<(string Backend, WrkResult Result)>> MeasureRoundAsync(
        LauncherOptions options, IReadOnlyList<string> order, CentreDatabase? database, RedisServerProcess? redis, CancellationToken cancellationToken)
    {
        var results = new List<(string Backend, WrkResult Result)>();
        foreach (var backend in order)
        {
            var (arguments, environment) = backend switch
            {
                "cyberdb" => (CyberDbWiring.Arguments(database!), CyberDbWiring.Environment(database!).Concat(SteadyState).ToDictionary()),
                "cyberdb-uncached" => ([.. CyberDbWiring.Arguments(database!), "--CyberDb:ReadCache", "false"], CyberDbWiring.Environment(database!).Concat(SteadyState).ToDictionary()),
                "redis" => (["--Redis", redis!.Configuration], SteadyState),
                _ => ((IReadOnlyList<string>)[], SteadyState),
            };
            var port = FreePort.Pick(options.Host);
            var workerBackend = backend == "cyberdb-uncached" ? "cyberdb" : backend; // the same worker, its read cache turned off
            using var workers = await WorkerPool.StartAsync(options, port, workerBackend, arguments, environment, cancellationToken);
            using (var http = HelloProbe.CreateClient())
            {
                await HelloProbe.WaitUntilAnsweringAsync(http, workers.Url, options.StartupTimeout, cancellationToken);
            }

            if (options.WarmupSeconds > 0)
            {
                await Wrk.RunAsync(options.Threads, options.Connections, options.WarmupSeconds, workers.Url, cancellationToken);
            }

            var result = await Wrk.RunAsync(options.Threads, options.Connections, options.DurationSeconds, workers.Url, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{backend,-8} {result.RequestsPerSecond,10:F0} req/s   avg latency {result.AverageLatencyMilliseconds,6:F2} ms   {result.Requests} requests, {result.Errors} errors"));
            if (result.Errors > 0)
            {
                Console.WriteLine(result.Output);
            }

            results.Add((backend, result));
        }

        return results;
    }

    /// <summary>Per back end: the median requests/s over the rounds, and the median of its per-round ratios.</summary>
    private static void PrintMedians(IReadOnlyList<string> backends, List<List<(string Backend, WrkResult Result)>> rounds)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        double? RatioIn(List<(string Backend, WrkResult Result)> round, string backend, string against)
        {
            var mine = round.First(r => r.Backend == backend).Result.RequestsPerSecond;
            var theirs = round.Where(r => r.Backend == against).Select(r => (double?)r.Result.RequestsPerSecond).FirstOrDefault();
            return theirs is > 0 ? mine / theirs.Value : null;
        }

        string MedianRatio(string backend, string against, string format)
        {
            var ratios = rounds.Select(r => RatioIn(r, backend, against)).OfType<double>().ToList();
            return ratios.Count == 0 ? "-" : Median(ratios).ToString(format, CultureInfo.InvariantCulture);
        }

        Console.WriteLine();
        Console.WriteLine($"medians over {rounds.Count} rounds:");
        Console.WriteLine("| back end | requests/s | vs Redis | vs in-process |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var backend in backends)
        {
            var rate = Median(rounds.Select(r => r.First(x => x.Backend == backend).Result.RequestsPerSecond));
            var vsRedis = MedianRatio(backend, "redis", "F2");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {backend} | {rate:F0} | {(vsRedis == "-" ? "-" : vsRedis + "x")} | {MedianRatio(backend, "memory", "P0")} |"));
        }
    }

    private static void PrintTable(List<(string Backend, WrkResult Result)> results)
    {
        double? Rate(string backend) => results.Where(r => r.Backend == backend).Select(r => (double?)r.Result.RequestsPerSecond).FirstOrDefault();
        var redis = Rate("redis");
        var memory = Rate("memory");
        Console.WriteLine();
        Console.WriteLine("| back end | requests/s | avg latency (ms) | vs Redis | vs in-process |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (backend, result) in results)
        {
            var vsRedis = redis is > 0 ? (result.RequestsPerSecond / redis.Value).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
            var vsMemory = memory is > 0 ? (result.RequestsPerSecond / memory.Value).ToString("P0", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {backend} | {result.RequestsPerSecond:F0} | {result.AverageLatencyMilliseconds:F2} | {vsRedis} | {vsMemory} |"));
        }
    }
}
