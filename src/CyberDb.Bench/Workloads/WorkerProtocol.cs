using System.Globalization;

namespace CyberDb.Bench.Workloads;

/// <summary>
/// The line protocol between the orchestrator and a worker process. One command per line on the
/// worker's standard input, one reply per line on its standard output; replies start with '@' so
/// that anything else a library prints is ignored.
/// </summary>
/// <remarks>
/// <code>
/// orch.  → connect &lt;systemId&gt; &lt;endpoint&gt;                      connect a client to that system
/// worker → @ready | @fatal &lt;message&gt;                            connected | could not (worker still serves)
/// orch.  → run &lt;workload&gt; &lt;startUtcTicks&gt; &lt;warmupMs&gt; &lt;durationMs&gt; &lt;valueBytes&gt; &lt;batch&gt;
/// worker → @result &lt;workload&gt; &lt;ops&gt; &lt;elapsedNs&gt; &lt;histogramBase64&gt;
/// worker → @error &lt;workload&gt; &lt;message&gt;                     the run failed; worker still serves
/// orch.  → disconnect                                           dispose the client
/// worker → @disconnected
/// orch.  → quit  (or end of input: the orchestrator is gone)     worker exits
/// </code>
/// Worker processes are started once per run and reused for every system and client count
/// (16 .NET processes starting on 2 cores take seconds); only the first N are connected for an
/// N-process cell, the others wait on their standard input and cost nothing.
/// All workers get the same start instant (a UTC tick count a little in the future), so their
/// warm-up and measured windows line up however long the orchestrator takes to write N commands.
/// </remarks>
internal static class WorkerProtocol
{
    public const string Connect = "connect";
    public const string Disconnect = "disconnect";
    public const string Disconnected = "@disconnected";
    public const string Ready = "@ready";
    public const string Fatal = "@fatal";
    public const string Result = "@result";
    public const string Error = "@error";
    public const string Run = "run";
    public const string Quit = "quit";

    public static string FormatRun(RunCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return string.Join(' ',
            Run,
            command.Workload,
            command.StartUtcTicks.ToString(CultureInfo.InvariantCulture),
            command.WarmupMs.ToString(CultureInfo.InvariantCulture),
            command.DurationMs.ToString(CultureInfo.InvariantCulture),
            command.ValueBytes.ToString(CultureInfo.InvariantCulture),
            command.Batch.ToString(CultureInfo.InvariantCulture));
    }

    public static RunCommand ParseRun(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 7 || parts[0] != Run)
        {
            throw new FormatException($"bad run command: {line}");
        }

        return new RunCommand(
            parts[1],
            long.Parse(parts[2], CultureInfo.InvariantCulture),
            int.Parse(parts[3], CultureInfo.InvariantCulture),
            int.Parse(parts[4], CultureInfo.InvariantCulture),
            int.Parse(parts[5], CultureInfo.InvariantCulture),
            int.Parse(parts[6], CultureInfo.InvariantCulture));
    }
}

/// <summary>One measured run, as sent to every worker.</summary>
internal sealed record RunCommand(string Workload, long StartUtcTicks, int WarmupMs, int DurationMs, int ValueBytes, int Batch);
