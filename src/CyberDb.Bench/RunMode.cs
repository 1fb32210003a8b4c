using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CyberDb.Bench.Processes;
using CyberDb.Bench.Results;
using CyberDb.Bench.Systems;
using CyberDb.Bench.Workloads;
using HdrHistogram;

namespace CyberDb.Bench;

/// <summary>
/// The orchestrator: for each system, starts its server, loads the keyspace, then for each client
/// count starts that many worker processes and runs every workload on them; finally writes
/// bench-results/&lt;timestamp&gt;/ and prints the main table. Nothing it started outlives it.
/// </summary>
internal sealed class RunMode : IBenchMode
{
    public const string ModeName = "run";

    // 16 .NET processes starting at once on 2 cores take a few seconds; Garnet's first start JITs a lot.
    private static readonly TimeSpan s_workerReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_serverStartTimeout = TimeSpan.FromSeconds(30);

    public string Name => ModeName;

    public int Run(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            Console.Error.WriteLine(BenchOptions.Usage);
            return 64;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            Console.WriteLine($"systems compiled in: {string.Join(", ", BenchSystemCatalog.Ids)}");
            return 0;
        }

        var total = Stopwatch.StartNew();
        var root = FindRepositoryRoot();
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var output = Path.GetFullPath(options.OutputDirectory ?? Path.Combine(root, "bench-results", stamp));
        var logs = Path.Combine(output, "logs");
        Directory.CreateDirectory(logs);
        var environment = new BenchEnvironment(root, logs, s_serverStartTimeout);

        var setup = DescribeSetup(options, stamp);
        var loadAtStart = LoadAverage();
        Console.WriteLine($"CyberDb bench{(options.Quick ? " (quick)" : string.Empty)}: {string.Join("; ", setup)}; load average {loadAtStart}");
        Console.WriteLine($"results: {output}");

        var rows = new List<ResultRow>();
        try
        {
            using var pool = new WorkerPool(options.Keys);
            foreach (var id in options.Systems)
            {
                RunSystem(BenchSystemCatalog.Create(id), options, environment, pool, rows);
            }
        }
        finally
        {
            var leftovers = ChildProcessRegistry.KillAll();
            if (leftovers > 0)
            {
                Console.Error.WriteLine($"bench: stopped {leftovers} leftover child process(es)");
            }
        }

        var baseline = BenchSystemCatalog.Create(BenchSystemCatalog.BaselineId).Name;
        var report = new ResultsReport(rows, baseline);
        report.WriteJson(Path.Combine(output, "results.json"));
        var charts = options.Charts ? WriteCharts(output, options, rows) : new Dictionary<string, string>(StringComparer.Ordinal);
        setup.Add($"wall time of the run: {total.Elapsed.TotalSeconds:0} s; load average at the end: {LoadAverage()} (at the start: {loadAtStart})");
        report.WriteMarkdown(Path.Combine(output, "results.md"), $"CyberDb bench {stamp}{(options.Quick ? " (quick)" : string.Empty)}",
            setup, Workload.All.ToDictionary(w => w.Name, w => w.Description, StringComparer.Ordinal), charts);
        report.WriteConsole(Console.Out);

        if (options.OutputDirectory is null)
        {
            CopyToLatest(output, Path.Combine(root, "bench-results", "latest"));
        }

        Console.WriteLine();
        Console.WriteLine($"bench: {rows.Count(r => r.Status == ResultRow.Ok)} cells measured, {rows.Count(r => r.Status == ResultRow.Missing)} missing, " +
            $"{rows.Count(r => r.Status == ResultRow.Failed)} failed in {total.Elapsed.TotalSeconds:0} s; {Path.Combine(output, "results.md")}");

        // Missing peers are reported, not fatal; a cell that failed while measuring is.
        return rows.Any(r => r.Status == ResultRow.Failed) ? 1 : 0;
    }

    private static void RunSystem(IBenchSystem system, BenchOptions options, BenchEnvironment environment, WorkerPool pool, List<ResultRow> rows)
    {
        var started = Stopwatch.StartNew();
        try
        {
            system.Start(environment);
        }
        catch (BenchSystemUnavailableException ex)
        {
            Console.WriteLine($"{system.Name} ({system.Transport}): missing: {ex.Message}");
            AddForAll(rows, system, options, options.Clients, ResultRow.Missing, ex.Message);
            system.Stop();
            return;
        }

        try
        {
            var shown = Regex.Replace(system.Endpoint, "Password=[^;]*", "Password=***", RegexOptions.IgnoreCase);
            Console.WriteLine($"{system.Name} ({system.Transport}): started at {shown} in {started.Elapsed.TotalSeconds:0.0} s");
            var keyspace = new BenchKeyspace(options.Keys);
            try
            {
                var value = new byte[options.ValueBytes];
                Random.Shared.NextBytes(value);
                using var setupClient = system.CreateClient(system.Endpoint, keyspace);
                setupClient.Prepare(value);
            }
#pragma warning disable CA1031 // whatever breaks the setup, the system's cells are reported failed with it
            catch (Exception ex)
#pragma warning restore CA1031
            {
                AddForAll(rows, system, options, options.Clients, ResultRow.Failed, $"setup: {OneLine(ex)}");
                Console.WriteLine($"{system.Name} ({system.Transport}): setup failed: {OneLine(ex)}");
                return;
            }

            foreach (var clients in options.Clients)
            {
                RunClientCount(system, options, clients, pool, rows);
            }
        }
        finally
        {
            system.Stop();
        }
    }

    private static void RunClientCount(IBenchSystem system, BenchOptions options, int clients, WorkerPool pool, List<ResultRow> rows)
    {
        var starting = Stopwatch.StartNew();
        try
        {
            pool.Connect(clients, system.Id, system.Endpoint, s_workerReadyTimeout);
            Console.WriteLine($"  {clients} worker process(es) connected in {starting.Elapsed.TotalSeconds:0.0} s");
        }
        catch (InvalidOperationException ex)
        {
            Console.WriteLine($"{system.Name} ({system.Transport}) x{clients}: workers failed: {ex.Message}");
            AddForAll(rows, system, options, [clients], ResultRow.Failed, $"workers: {ex.Message}");
            return;
        }

        try
        {
            try
            {
                pool.Run(Workload.Prime, TimeSpan.Zero, options.Prime, options.ValueBytes, options.Batch);
            }
            catch (InvalidOperationException ex)
            {
                Console.WriteLine($"{system.Name} ({system.Transport}) x{clients}: warm-up failed: {ex.Message}");
                AddForAll(rows, system, options, [clients], ResultRow.Failed, $"warm-up: {ex.Message}");
                return;
            }

            foreach (var workload in options.Workloads)
            {
                var opsPerCall = workload.Kind == WorkloadKind.Pipeline ? options.Batch : 1;
                ResultRow row;
                try
                {
                    var m = pool.Run(workload, options.Warmup, options.Duration, options.ValueBytes, options.Batch);
                    row = Row(system, workload, clients, options, ResultRow.Ok, null) with
                    {
                        OpsPerCall = opsPerCall,
                        OpsPerSec = Math.Round(m.OpsPerSec),
                        Operations = m.Operations,
                        P50Us = Micros(m.Histogram.GetValueAtPercentile(50)),
                        P99Us = Micros(m.Histogram.GetValueAtPercentile(99)),
                        P999Us = Micros(m.Histogram.GetValueAtPercentile(99.9)),
                        MaxUs = Micros(m.Histogram.GetMaxValue()),
                        Histogram = m.Histogram,
                    };
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {system.Name,-8} {system.Transport,-8} {workload.Name,-9} {clients,2} proc {m.OpsPerSec,12:N0} ops/s   p50 {row.P50Us,8:0.0} µs   p99 {row.P99Us,8:0.0} µs   p99.9 {row.P999Us,8:0.0} µs"));
                }
                catch (InvalidOperationException ex)
                {
                    row = Row(system, workload, clients, options, ResultRow.Failed, ex.Message) with { OpsPerCall = opsPerCall };
                    Console.WriteLine($"  {system.Name,-8} {system.Transport,-8} {workload.Name,-9} {clients,2} proc failed: {ex.Message}");
                }

                rows.Add(row);
                if (row.Status == ResultRow.Failed)
                {
                    // A worker that failed once may be dead or hung: the rest of this count is not measurable.
                    foreach (var rest in options.Workloads.SkipWhile(w => w != workload).Skip(1))
                    {
                        rows.Add(Row(system, rest, clients, options, ResultRow.Failed, $"skipped after {workload.Name} failed"));
                    }

                    return;
                }
            }
        }
        finally
        {
            pool.Disconnect();
        }
    }

    private static void AddForAll(List<ResultRow> rows, IBenchSystem system, BenchOptions options, IEnumerable<int> clientCounts, string status, string reason)
    {
        foreach (var clients in clientCounts)
        {
            foreach (var workload in options.Workloads)
            {
                rows.Add(Row(system, workload, clients, options, status, reason));
            }
        }
    }

    private static ResultRow Row(IBenchSystem system, Workload workload, int clients, BenchOptions options, string status, string? reason) => new()
    {
        System = system.Name,
        Transport = system.Transport,
        Workload = workload.Name,
        Clients = clients,
        ValueBytes = options.ValueBytes,
        Status = status,
        Reason = reason,
    };

    private static double Micros(long nanoseconds) => Math.Round(nanoseconds / 1000.0, 1);

    private static Dictionary<string, string> WriteCharts(string output, BenchOptions options, List<ResultRow> rows)
    {
        var charts = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var workload in options.Workloads)
            {
                var file = $"throughput-{workload.Name}.png";
                ChartWriter.Throughput(Path.Combine(output, file), workload.Name, workload.Description, rows);
                charts[workload.Name] = file;
            }

            foreach (var name in new[] { "get", "pipeline" }.Where(n => options.Workloads.Any(w => w.Name == n)))
            {
                var file = $"latency-{name}.png";
                ChartWriter.Latency(Path.Combine(output, file), name, rows);
                charts[$"latency: {name}"] = file;
            }
        }
#pragma warning disable CA1031 // charts are an extra: a rendering failure is reported, the results stand
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"bench: charts failed: {OneLine(ex)}");
        }

        return charts;
    }

    private static List<string> DescribeSetup(BenchOptions options, string stamp) =>
    [
        $"started {stamp} UTC on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}",
        $"systems: {string.Join(", ", options.Systems)}",
        $"client processes: {string.Join(", ", options.Clients)} (one connection each, one synchronous call at a time)",
        $"per cell: warm-up {options.Warmup.TotalSeconds:0.0#} s, measured {options.Duration.TotalSeconds:0.0#} s; each new set of worker processes first runs every operation for {options.Prime.TotalSeconds:0.0} s, unmeasured; worker processes are started once and reused, without tiered compilation",
        $"keyspace {options.Keys:N0} keys, values {options.ValueBytes} bytes, pipeline depth {options.Batch}",
        $"ratios are against {BenchSystemCatalog.BaselineId} in the same run; latencies are per call (per batch for pipeline)",
    ];

    private static void CopyToLatest(string output, string latest)
    {
        try
        {
            if (Directory.Exists(latest))
            {
                Directory.Delete(latest, recursive: true);
            }

            Directory.CreateDirectory(latest);
            foreach (var file in Directory.EnumerateFiles(output))
            {
                File.Copy(file, Path.Combine(latest, Path.GetFileName(file)), overwrite: true);
            }
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"bench: could not update {latest}: {ex.Message}");
        }
    }

    // The 1/5/15-minute load averages: on a shared 2-core machine, the context for every number.
    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CyberDb.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string OneLine(Exception ex) => $"{ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" ");
}
