using System.Diagnostics;
using System.Runtime.CompilerServices;
using CyberDb.Bench.Results;
using CyberDb.Bench.Systems;
using HdrHistogram;

namespace CyberDb.Bench.Workloads;

/// <summary>
/// The measured loop of a worker: waits for the common start instant, runs the workload through
/// the warm-up (not recorded), then for the measured window records every call's latency.
/// Single-threaded; the per-call overhead is two timestamps, one random number and a histogram
/// increment, all allocation-free.
/// </summary>
internal sealed class WorkloadRunner
{
    private static readonly double s_nsPerTick = 1_000_000_000.0 / Stopwatch.Frequency;

    private readonly IBenchClient _client;
    private readonly int _keyCount;
    private readonly Random _random;

    public WorkloadRunner(IBenchClient client, int keyCount, int seed)
    {
        _client = client;
        _keyCount = keyCount;
        _random = new Random(seed);
    }

    /// <summary>Runs <paramref name="command"/>; returns the operations done and the histogram of the measured window.</summary>
    public RunOutcome Run(RunCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var workload = Workload.Parse(command.Workload);
        var value = new byte[command.ValueBytes];
        _random.NextBytes(value);
        var batch = new int[Math.Max(1, command.Batch)];
        var opsPerCall = workload.Kind == WorkloadKind.Pipeline ? batch.Length : 1;
        var histogram = HistogramCodec.CreateNs();

        WaitUntil(command.StartUtcTicks);
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(command.WarmupMs * (Stopwatch.Frequency / 1000.0));
        var measureUntil = measureFrom + (long)(command.DurationMs * (Stopwatch.Frequency / 1000.0));

        long ops = 0;
        long iteration = 0;
        var measuring = false;
        var firstMeasured = measureFrom;
        var lastMeasured = measureFrom;
        while (true)
        {
            var t0 = Stopwatch.GetTimestamp();
            if (t0 >= measureUntil)
            {
                break;
            }

            if (!measuring && t0 >= measureFrom)
            {
                measuring = true;
                firstMeasured = t0;
            }

            Step(workload.Kind, iteration++, value, batch);
            var t1 = Stopwatch.GetTimestamp();
            if (measuring)
            {
                histogram.RecordValue(Math.Max(1, (long)((t1 - t0) * s_nsPerTick)));
                ops += opsPerCall;
                lastMeasured = t1;
            }
        }

        var elapsedNs = (long)((lastMeasured - firstMeasured) * s_nsPerTick);
        return new RunOutcome(ops, elapsedNs, histogram);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(WorkloadKind kind, long iteration, byte[] value, int[] batch)
    {
        if (kind == WorkloadKind.Prime)
        {
            // Get, Set, Mixed, Incr, List (push and pop), Pipeline, Get, ...
            kind = (WorkloadKind)(iteration / 2 % (int)WorkloadKind.Prime);
        }

        switch (kind)
        {
            case WorkloadKind.Get:
                _client.Get(_random.Next(_keyCount));
                break;
            case WorkloadKind.Set:
                _client.Set(_random.Next(_keyCount), value);
                break;
            case WorkloadKind.Mixed:
                if (_random.Next(10) == 0)
                {
                    _client.Set(_random.Next(_keyCount), value);
                }
                else
                {
                    _client.Get(_random.Next(_keyCount));
                }

                break;
            case WorkloadKind.Incr:
                _client.Increment();
                break;
            case WorkloadKind.List:
                // Each worker pops only after its own push, so the shared list is never empty
                // when a pop arrives (operations are atomic on every server).
                if ((iteration & 1) == 0)
                {
                    _client.Push(value);
                }
                else
                {
                    _client.Pop();
                }

                break;
            case WorkloadKind.Pipeline:
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = _random.Next(_keyCount);
                }

                _client.SetBatch(batch, value);
                break;
            default:
                throw new UnreachableException($"workload {kind}");
        }
    }

    private static void WaitUntil(long utcTicks)
    {
        // Sleep most of the way (bounded: a start instant far away is a bug), then yield to the instant.
        var remaining = TimeSpan.FromTicks(utcTicks - DateTime.UtcNow.Ticks);
        if (remaining > TimeSpan.FromSeconds(30))
        {
            throw new InvalidOperationException($"start instant {remaining.TotalSeconds:0} s away");
        }

        if (remaining > TimeSpan.FromMilliseconds(2))
        {
            Thread.Sleep(remaining - TimeSpan.FromMilliseconds(1));
        }

        while (DateTime.UtcNow.Ticks < utcTicks)
        {
            Thread.Yield();
        }
    }
}

/// <summary>What one worker measured in one run.</summary>
internal sealed record RunOutcome(long Operations, long ElapsedNs, HistogramBase Histogram);
