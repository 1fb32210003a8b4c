using System.Collections.ObjectModel;
using System.Globalization;

namespace HelloWeb.Launcher;

/// <summary>
/// The seed web app under load on each back end in one run: N workers of the same HelloWeb
/// reading "Hello CyberDB!" from CyberDb (through the request's proxy), from Redis (through
/// StackExchange.Redis, our own redis-server), and from an in-process dictionary (the ceiling).
/// Every back end's workers start once and stay up, side by side, for the whole run; a round
/// drives each in turn with wrk, so the rounds interleave the back ends closely in time and a
/// drifting machine moves them all. Ratios compare back ends of this run only; per round they
/// pair runs a few seconds apart, and the medians give their range.
/// </summary>
internal static class BenchMode
{
    /// <summary>Warm-up before every run after a back end's first: its workers sat idle while the others ran.</summary>
    private const int RewarmSeconds = 1;

    public static async Task<int> RunAsync(LauncherOptions options, CancellationToken cancellationToken)
    {
        var rewarmSeconds = Math.Min(RewarmSeconds, options.WarmupSeconds);
        Console.WriteLine($"bench: {options.Workers} HelloWeb workers per back end on {Environment.ProcessorCount} cores, " +
            "every back end's workers up for the whole run; " +
            $"per back end: {options.WarmupSeconds} s warm-up before its first run, {rewarmSeconds} s before each later one, " +
            $"then {Wrk.CommandLine(options.Threads, options.Connections, options.DurationSeconds, $"http://{options.Host}:PORT/")}");

        using var database = options.Backends.Any(b => b.StartsWith("cyberdb", StringComparison.Ordinal))
            ? CentreDatabase.Start(options.Host, options.DbPort, options.Password, options.DataPath)
            : null;
        using var redis = options.Backends.Contains("redis") ? await RedisServerProcess.StartAsync(cancellationToken) : null;

        var targets = new List<Target>();
        try
        {
            foreach (var backend in options.Backends)
            {
                targets.Add(new Target(backend, await StartWorkersAsync(options, backend, database, redis, cancellationToken)));
            }

            var rounds = new List<List<BenchRun>>();
            for (var round = 0; round < options.Rounds; round++)
            {
                if (options.Rounds > 1)
                {
                    Console.WriteLine($"bench: round {round + 1} of {options.Rounds}");
                }

                // Rotated order: with three back ends and three rounds each one runs first, second and last once.
                var order = targets.Skip(round % targets.Count).Concat(targets.Take(round % targets.Count)).ToList();
                var results = new List<BenchRun>();
                foreach (var target in order)
                {
                    results.Add(await MeasureAsync(options, target, round == 0 ? options.WarmupSeconds : rewarmSeconds, cancellationToken));
                }

                PrintTable(results);
                rounds.Add(results);
            }

            if (rounds.Count > 1)
            {
                PrintMedians(options.Backends, rounds);
            }

            return rounds.SelectMany(r => r).All(r => r.Result.Errors == 0) ? 0 : 1;
        }
        finally
        {
            foreach (var target in targets)
            {
                target.Workers.Dispose();
            }
        }
    }

    private static async Task<WorkerPool> StartWorkersAsync(
        LauncherOptions options, string backend, CentreDatabase? database, RedisServerProcess? redis, CancellationToken cancellationToken)
    {
        var (arguments, environment) = backend switch
        {
            "cyberdb" => (CyberDbWiring.Arguments(database!), CyberDbWiring.Environment(database!)),
            "cyberdb-uncached" => ([.. CyberDbWiring.Arguments(database!), "--CyberDb:ReadCache", "false"], CyberDbWiring.Environment(database!)),
            "redis" => (["--Redis", redis!.Configuration], ReadOnlyDictionary<string, string>.Empty),
            _ => ((IReadOnlyList<string>)[], ReadOnlyDictionary<string, string>.Empty),
        };
        var port = FreePort.Pick(options.Host);
        var workerBackend = backend == "cyberdb-uncached" ? "cyberdb" : backend; // the same worker, its read cache turned off
        var workers = await WorkerPool.StartAsync(options, port, workerBackend, arguments, environment, cancellationToken);
        try
        {
            using var http = HelloProbe.CreateClient();
            await HelloProbe.WaitUntilAnsweringAsync(http, workers.Url, options.StartupTimeout, cancellationToken);
            Console.WriteLine($"bench: {backend} workers {string.Join(',', workers.ProcessIds)} answering on {workers.Url}");
            return workers;
        }
        catch
        {
            workers.Dispose();
            throw;
        }
    }

    private static async Task<BenchRun> MeasureAsync(LauncherOptions options, Target target, int warmupSeconds, CancellationToken cancellationToken)
    {
        if (warmupSeconds > 0)
        {
            await Wrk.RunAsync(options.Threads, options.Connections, warmupSeconds, target.Workers.Url, cancellationToken);
        }

        var result = await Wrk.RunAsync(options.Threads, options.Connections, options.DurationSeconds, target.Workers.Url, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Backend,-8} {result.RequestsPerSecond,10:F0} req/s   avg latency {result.AverageLatencyMilliseconds,6:F2} ms   {result.Requests} requests, {result.Errors} errors"));
        if (result.Errors > 0)
        {
            Console.WriteLine(result.Output);
        }

        return new BenchRun(target.Backend, result);
    }

    /// <summary>One back end under test and its running workers.</summary>
    private sealed record Target(string Backend, WorkerPool Workers);

    /// <summary>One wrk run of one back end.</summary>
    private sealed record BenchRun(string Backend, WrkResult Result);

    /// <summary>
    /// Per back end: the median requests/s over the rounds, and the median of its per-round ratios
    /// with their range.
    /// </summary>
    private static void PrintMedians(IReadOnlyList<string> backends, List<List<BenchRun>> rounds)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        double? RatioIn(List<BenchRun> round, string backend, string against)
        {
            var mine = round.First(r => r.Backend == backend).Result.RequestsPerSecond;
            var theirs = round.Where(r => r.Backend == against).Select(r => (double?)r.Result.RequestsPerSecond).FirstOrDefault();
            return theirs is > 0 ? mine / theirs.Value : null;
        }

        List<double> Ratios(string backend, string against) => rounds.Select(r => RatioIn(r, backend, against)).OfType<double>().ToList();

        string MedianRatio(string backend, string against, string format, string suffix = "")
        {
            var ratios = Ratios(backend, against);
            return ratios.Count == 0 ? "-" : Median(ratios).ToString(format, CultureInfo.InvariantCulture) + suffix;
        }

        string RatioRange(string backend, string against)
        {
            var ratios = Ratios(backend, against);
            return ratios.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ratios.Min():P0} to {ratios.Max():P0}");
        }

        Console.WriteLine();
        Console.WriteLine($"medians over {rounds.Count} rounds:");
        Console.WriteLine("| back end | requests/s | vs Redis | vs in-process | vs in-process, range |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var backend in backends)
        {
            var rate = Median(rounds.Select(r => r.First(x => x.Backend == backend).Result.RequestsPerSecond));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {backend} | {rate:F0} | {MedianRatio(backend, "redis", "F2", "x")} | {MedianRatio(backend, "memory", "P0")} | {RatioRange(backend, "memory")} |"));
        }
    }

    private static void PrintTable(List<BenchRun> results)
    {
        double? Rate(string backend) => results.Where(r => r.Backend == backend).Select(r => (double?)r.Result.RequestsPerSecond).FirstOrDefault();
        var redis = Rate("redis");
        var memory = Rate("memory");
        Console.WriteLine();
        Console.WriteLine("| back end | requests/s | avg latency (ms) | vs Redis | vs in-process |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var run in results)
        {
            var rate = run.Result.RequestsPerSecond;
            var vsRedis = redis is > 0 ? (rate / redis.Value).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
            var vsMemory = memory is > 0 ? (rate / memory.Value).ToString("P0", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run.Backend} | {rate:F0} | {run.Result.AverageLatencyMilliseconds:F2} | {vsRedis} | {vsMemory} |"));
        }
    }
}
