using System.Globalization;
using CyberDb.Bench.Systems;
using CyberDb.Bench.Workloads;

namespace CyberDb.Bench;

/// <summary>
/// The orchestrator's command line, parsed and validated once; immutable afterwards. An unknown
/// option is an error that names it.
/// </summary>
internal sealed class BenchOptions
{
    /// <summary>Client process counts of a full run.</summary>
    public static readonly IReadOnlyList<int> FullClients = [1, 2, 4, 8, 16];

    /// <summary>Client process counts of a quick run: the ends and the middle.</summary>
    public static readonly IReadOnlyList<int> QuickClients = [1, 4, 16];

    // Full run: 6 s per cell; 6 workloads x 5 client counts x 5 systems is about 16 minutes.
    private static readonly TimeSpan s_fullWarmup = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_fullDuration = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_fullPrime = TimeSpan.FromSeconds(2);

    // Quick run: must finish in under 2 minutes on 2 cores, process start-up and `dotnet run`'s
    // build check included. The cells (systems x workloads x client counts: 36 for the two peers,
    // 90 with CyberDb's three transports) share a fixed budget; each cell gets 1/5 of its share as
    // warm-up and 4/5 measured, between these bounds.
    private static readonly TimeSpan s_quickCellsBudget = TimeSpan.FromSeconds(50);
    private static readonly TimeSpan s_quickCellMin = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_quickCellMax = TimeSpan.FromMilliseconds(1250);

    // New worker processes run every operation this long, unmeasured, before their first cell:
    // connections, pools and first-call paths warm up outside the measured windows (workers run
    // without tiered compilation, see BenchExecutable, so this need not wait for tier-up).
    private static readonly TimeSpan s_quickPrime = TimeSpan.FromMilliseconds(300);

    public const int DefaultKeys = 10_000;
    public const int DefaultValueBytes = 100;

    /// <summary>Pipeline depth, as in DESIGN.md's reference figures ("pipelined 16").</summary>
    public const int DefaultBatch = 16;

    public const string Usage = """
        usage: CyberDb.Bench [run] [options]
          --quick                 client processes 1,4,16 and short runs: the whole run in under 2 minutes
          --systems a,b           systems to run (default: all compiled in; see the list below)
          --workloads a,b         get, set, mixed, incr, list, pipeline (default: all)
          --clients 1,2,4         client process counts (default 1,2,4,8,16; quick 1,4,16)
          --warmup SECONDS        warm-up per cell, not measured (default 1; quick: 0.1 to 0.25)
          --duration SECONDS      measured time per cell (default 5; quick: 0.4 to 1, to fit the cells in 50 s)
          --keys N                keyspace size (default 10000)
          --value-bytes N         value size (default 100)
          --batch N               pipeline depth (default 16)
          --out DIR               results folder (default bench-results/<timestamp>, copied to bench-results/latest)
          --no-charts             skip the PNG charts
          --help                  this text
        """;

    private BenchOptions()
    {
    }

    public bool Quick { get; private init; }

    public bool Help { get; private init; }

    public bool Charts { get; private init; } = true;

    public IReadOnlyList<string> Systems { get; private init; } = BenchSystemCatalog.Ids;

    public IReadOnlyList<Workload> Workloads { get; private init; } = Workload.All;

    public IReadOnlyList<int> Clients { get; private init; } = FullClients;

    public TimeSpan Warmup { get; private init; } = s_fullWarmup;

    public TimeSpan Duration { get; private init; } = s_fullDuration;

    /// <summary>Unmeasured run of every operation when a pool of worker processes starts.</summary>
    public TimeSpan Prime { get; private init; } = s_fullPrime;

    public int Keys { get; private init; } = DefaultKeys;

    public int ValueBytes { get; private init; } = DefaultValueBytes;

    public int Batch { get; private init; } = DefaultBatch;

    public string? OutputDirectory { get; private init; }

    /// <exception cref="ArgumentException">An unknown option or a bad value; the message names it.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var quick = args.Contains("--quick");
        bool help = false, charts = true;
        IReadOnlyList<string> systems = BenchSystemCatalog.Ids;
        IReadOnlyList<Workload> workloads = Workload.All;
        IReadOnlyList<int> clients = quick ? QuickClients : FullClients;
        TimeSpan? warmup = null, duration = null;
        int keys = DefaultKeys, valueBytes = DefaultValueBytes, batch = DefaultBatch;
        string? output = null;

        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"option {option} needs a value");
                }

                return args[++i];
            }

            switch (option)
            {
                case "--quick": break;
                case "--help" or "-h": help = true; break;
                case "--no-charts": charts = false; break;
                case "--systems": systems = ParseSystems(Value()); break;
                case "--workloads": workloads = [.. List(Value()).Select(Workload.Parse)]; break;
                case "--clients": clients = [.. List(Value()).Select(c => Positive(option, c))]; break;
                case "--warmup": warmup = Seconds(option, Value(), allowZero: true); break;
                case "--duration": duration = Seconds(option, Value(), allowZero: false); break;
                case "--keys": keys = Positive(option, Value()); break;
                case "--value-bytes": valueBytes = Positive(option, Value()); break;
                case "--batch": batch = Positive(option, Value()); break;
                case "--out": output = Value(); break;
                default: throw new ArgumentException($"unknown option '{option}'");
            }
        }

        if (quick)
        {
            var cells = Math.Max(1, systems.Count * workloads.Count * clients.Count);
            var cell = TimeSpan.FromTicks(Math.Clamp(s_quickCellsBudget.Ticks / cells, s_quickCellMin.Ticks, s_quickCellMax.Ticks));
            warmup ??= cell / 5;
            duration ??= cell - (cell / 5);
        }

        return new BenchOptions
        {
            Quick = quick,
            Help = help,
            Charts = charts,
            Systems = systems,
            Workloads = workloads,
            Clients = [.. clients.Distinct().Order()],
            Warmup = warmup ?? s_fullWarmup,
            Duration = duration ?? s_fullDuration,
            Prime = quick ? s_quickPrime : s_fullPrime,
            Keys = keys,
            ValueBytes = valueBytes,
            Batch = batch,
            OutputDirectory = output,
        };
    }

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string[] ParseSystems(string text)
    {
        var ids = List(text);
        foreach (var id in ids)
        {
            if (!BenchSystemCatalog.Ids.Contains(id))
            {
                throw new ArgumentException($"--systems: unknown system '{id}'; compiled in: {string.Join(", ", BenchSystemCatalog.Ids)}");
            }
        }

        return ids;
    }

    private static int Positive(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a positive integer");

    private static TimeSpan Seconds(string option, string text, bool allowZero) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && (value > 0 || (allowZero && value == 0)) && value < 3600
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException($"{option}: '{text}' is not a number of seconds");
}
