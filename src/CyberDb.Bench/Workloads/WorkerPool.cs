using System.Diagnostics;
using System.Globalization;
using CyberDb.Bench.Processes;
using CyberDb.Bench.Results;
using HdrHistogram;

namespace CyberDb.Bench.Workloads;

/// <summary>
/// The worker processes of a run, started once and reused for every system and client count:
/// <see cref="Connect"/> connects the first N of them to a system, <see cref="Run"/> runs one
/// workload on those N at once and merges what they measured, <see cref="Disconnect"/> lets them
/// go. A worker that dies, hangs or fails is killed and replaced at the next
/// <see cref="Connect"/>. Orchestrator thread only.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    // Grace for the start instant: the orchestrator writes N command lines before it.
    private static readonly TimeSpan s_startLead = TimeSpan.FromMilliseconds(100);

    // Slack on top of warm-up + duration before a silent worker counts as hung.
    private static readonly TimeSpan s_replySlack = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_disconnectTimeout = TimeSpan.FromSeconds(10);

    private readonly int _keys;
    private readonly List<ChildProcess?> _workers = [];
    private int _connected;

    public WorkerPool(int keys)
    {
        _keys = keys;
    }

    /// <summary>
    /// Connects the first <paramref name="count"/> workers (starting any that are missing) to the
    /// system at <paramref name="endpoint"/>, and waits until all are connected.
    /// </summary>
    /// <exception cref="InvalidOperationException">A worker failed to start or connect; the message says which and why.</exception>
    public void Connect(int count, string systemId, string endpoint, TimeSpan timeout)
    {
        Debug.Assert(_connected == 0, "Disconnect before connecting again");
        while (_workers.Count < count)
        {
            _workers.Add(null);
        }

        for (var i = 0; i < count; i++)
        {
            if (_workers[i] is not { HasExited: false })
            {
                _workers[i]?.Dispose();
                _workers[i] = BenchExecutable.Start($"worker {i}", WorkerMode.ModeName,
                    ["--keys", _keys.ToString(CultureInfo.InvariantCulture), "--worker", i.ToString(CultureInfo.InvariantCulture)],
                    tieredCompilation: false);
            }
        }

        _connected = count;
        var deadline = Stopwatch.StartNew();
        try
        {
            Broadcast($"{WorkerProtocol.Connect} {systemId} {endpoint}");
            for (var i = 0; i < count; i++)
            {
                var reply = Expect(i, timeout - deadline.Elapsed);
                if (reply != WorkerProtocol.Ready)
                {
                    throw new InvalidOperationException($"worker {i} did not connect: {reply}");
                }
            }
        }
        catch
        {
            Disconnect();
            throw;
        }
    }

    /// <summary>Runs one workload on every connected worker at once and merges what they measured.</summary>
    /// <exception cref="InvalidOperationException">A worker failed, died or hung; the message says which and why.</exception>
    public Measurement Run(Workload workload, TimeSpan warmup, TimeSpan duration, int valueBytes, int batch)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var command = new RunCommand(workload.Name,
            (DateTime.UtcNow + s_startLead + TimeSpan.FromMilliseconds(5 * _connected)).Ticks,
            (int)warmup.TotalMilliseconds, (int)duration.TotalMilliseconds, valueBytes, batch);
        Broadcast(WorkerProtocol.FormatRun(command));

        var timeout = s_startLead + warmup + duration + s_replySlack;
        var deadline = Stopwatch.StartNew();
        var merged = HistogramCodec.CreateNs();
        double opsPerSec = 0;
        long operations = 0;
        string? failure = null;
        for (var i = 0; i < _connected; i++)
        {
            // Read every worker's reply even after a failure, so none is left with a stale line.
            var reply = Expect(i, timeout - deadline.Elapsed);
            var parts = reply.Split(' ', 5);
            if (parts[0] == WorkerProtocol.Result && parts.Length == 5 && parts[1] == workload.Name)
            {
                var ops = long.Parse(parts[2], CultureInfo.InvariantCulture);
                var elapsedNs = long.Parse(parts[3], CultureInfo.InvariantCulture);
                merged.Add(HistogramCodec.Decode(parts[4]));
                operations += ops;
                opsPerSec += elapsedNs > 0 ? ops * 1e9 / elapsedNs : 0;
            }
            else
            {
                failure ??= $"worker {i}: {reply}";
            }
        }

        return failure is null
            ? new Measurement(opsPerSec, operations, merged)
            : throw new InvalidOperationException(failure);
    }

    /// <summary>Disconnects the connected workers; one that does not answer is killed (and replaced on the next connect).</summary>
    public void Disconnect()
    {
        var count = _connected;
        _connected = 0;
        for (var i = 0; i < count; i++)
        {
            _workers[i]?.TryWriteLine(WorkerProtocol.Disconnect);
        }

        var deadline = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            if (_workers[i] is { } worker && NextReply(worker, s_disconnectTimeout - deadline.Elapsed) != WorkerProtocol.Disconnected)
            {
                worker.Dispose();
                _workers[i] = null;
            }
        }
    }

    /// <summary>Asks every worker to quit, then kills what is left.</summary>
    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker?.TryWriteLine(WorkerProtocol.Quit);
        }

        foreach (var worker in _workers)
        {
            worker?.Stop(TimeSpan.FromSeconds(3));
            worker?.Dispose();
        }

        _workers.Clear();
    }

    private void Broadcast(string line)
    {
        for (var i = 0; i < _connected; i++)
        {
            if (_workers[i] is not { } worker || !worker.TryWriteLine(line))
            {
                throw new InvalidOperationException($"worker {i} is gone: {_workers[i]?.Tail()}");
            }
        }
    }

    // The next protocol reply of connected worker i. A worker that gives none is killed (and
    // replaced on the next connect), so a late line can never pass for the answer to a later command.
    private string Expect(int i, TimeSpan timeout)
    {
        if (_workers[i] is not { } worker)
        {
            return "gone";
        }

        var reply = NextReply(worker, timeout);
        if (!reply.StartsWith('@'))
        {
            worker.Dispose();
            _workers[i] = null;
        }

        return reply;
    }

    // The next protocol line ('@...') of a worker; anything else it prints is skipped. On timeout
    // or exit, a description that does not start with '@'.
    private static string NextReply(ChildProcess worker, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - deadline.Elapsed;
            if (!worker.TryReadLine(left > TimeSpan.Zero ? left : TimeSpan.Zero, out var line))
            {
                var state = worker.HasExited ? $"exited with code {worker.ExitCode}" : $"no reply within {timeout.TotalSeconds:0} s";
                return $"{state}: {worker.Tail()}";
            }

            if (line.StartsWith('@'))
            {
                return line;
            }
        }
    }
}

/// <summary>The merged result of one cell: summed throughput of all workers, merged latencies (ns).</summary>
internal sealed record Measurement(double OpsPerSec, long Operations, HistogramBase Histogram);
