using System.Globalization;
using CyberDb.Bench.Results;
using CyberDb.Bench.Systems;
using CyberDb.Bench.Workloads;

namespace CyberDb.Bench;

/// <summary>
/// One client process: runs the commands of <see cref="WorkerProtocol"/> from standard input
/// (connect to a system, run workloads, disconnect) until <c>quit</c> or end of input.
/// </summary>
/// <remarks>Usage: <c>worker --keys N --worker I</c>.</remarks>
internal sealed class WorkerMode : IBenchMode
{
    public const string ModeName = "worker";

    // A worker that hears nothing for this long assumes its orchestrator is gone.
    private static readonly TimeSpan s_idleLimit = TimeSpan.FromMinutes(10);

    public string Name => ModeName;

    public int Run(string[] args)
    {
        int keys = BenchOptions.DefaultKeys, worker = 0;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--keys": keys = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--worker": worker = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.WriteLine($"{WorkerProtocol.Fatal} unknown worker argument '{args[i]}'");
                    return 64;
            }
        }

        var keyspace = new BenchKeyspace(keys);
        using var idle = new Timer(_ => Environment.Exit(3), null, s_idleLimit, Timeout.InfiniteTimeSpan);
        IBenchClient? client = null;
        WorkloadRunner? runner = null;
        try
        {
            while (Console.In.ReadLine() is { } line)
            {
                idle.Change(s_idleLimit, Timeout.InfiniteTimeSpan);
                var verb = line.Split(' ', 2)[0];
                switch (verb)
                {
                    case WorkerProtocol.Quit:
                        return 0;

                    case WorkerProtocol.Connect:
                        client?.Dispose();
                        client = null;
                        runner = null;
                        var parts = line.Split(' ', 3);
                        try
                        {
                            client = BenchSystemCatalog.Create(parts[1]).CreateClient(parts[2], keyspace);
                            runner = new WorkloadRunner(client, keys, seed: HashCode.Combine(worker, Environment.ProcessId, parts[1]));
                            Console.WriteLine(WorkerProtocol.Ready);
                        }
#pragma warning disable CA1031 // any failure to connect is reported to the orchestrator, whatever its type
                        catch (Exception ex)
#pragma warning restore CA1031
                        {
                            Console.WriteLine($"{WorkerProtocol.Fatal} {OneLine(ex)}");
                        }

                        break;

                    case WorkerProtocol.Disconnect:
                        client?.Dispose();
                        client = null;
                        runner = null;
                        Console.WriteLine(WorkerProtocol.Disconnected);
                        break;

                    case WorkerProtocol.Run:
                        Run(runner, line);
                        break;

                    default:
                        Console.WriteLine($"{WorkerProtocol.Error} ? unknown command '{verb}'");
                        break;
                }
            }
        }
        finally
        {
            client?.Dispose();
        }

        return 0;
    }

    private static void Run(WorkloadRunner? runner, string line)
    {
        RunCommand command;
        try
        {
            command = WorkerProtocol.ParseRun(line);
        }
        catch (FormatException ex)
        {
            Console.WriteLine($"{WorkerProtocol.Error} ? {OneLine(ex)}");
            return;
        }

        if (runner is null)
        {
            Console.WriteLine($"{WorkerProtocol.Error} {command.Workload} not connected");
            return;
        }

        try
        {
            var outcome = runner.Run(command);
            Console.WriteLine(string.Join(' ',
                WorkerProtocol.Result,
                command.Workload,
                outcome.Operations.ToString(CultureInfo.InvariantCulture),
                outcome.ElapsedNs.ToString(CultureInfo.InvariantCulture),
                HistogramCodec.Encode(outcome.Histogram)));
        }
#pragma warning disable CA1031 // a failed run is reported and the worker serves the next command
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.WriteLine($"{WorkerProtocol.Error} {command.Workload} {OneLine(ex)}");
        }
    }

    private static string OneLine(Exception ex) =>
        $"{ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" ");
}
