using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using CyberDb.Tests.Infrastructure;
using CyberDb.Transport.SharedMemory;
using Xunit.Abstractions;

namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>
/// A measurement, not a benchmark gate: cross-process round trips of 100-byte messages between
/// this process (client) and a <c>shm-echo-server</c> child (executor loop), with the same wait
/// policy on both sides. Prints p50/p90/p99/p99.9 to the test output; see them with
/// <c>dotnet test --logger "console;verbosity=detailed" --filter PingPongLatency</c>.
/// The only assertions are that every echo is right.
/// </summary>
[Collection(nameof(MeasurementCollection))]
public sealed class PingPongLatencyTests(ITestOutputHelper output) : IDisposable
{
    private const int MessageBytes = 100;

    private readonly TempRegionPath _path = new();

    public void Dispose() => _path.Dispose();

    [Theory]
    [InlineData("spin", 1_000_000, 0, 20_000)]
    [InlineData("default", RingWaitPolicy.DefaultSpinMicroseconds, RingWaitPolicy.DefaultYieldMicroseconds, 20_000)]
    [InlineData("spin-1us-then-yield", 1, 50, 10_000)]
    [InlineData("spin-50us", 50, 0, 10_000)]
    [InlineData("futex", 0, 0, 5_000)]
    public async Task PingPong_100Bytes_ReportsPercentiles(string name, int spinMicroseconds, int yieldMicroseconds, int rounds)
    {
        var policy = new RingWaitPolicy(spinMicroseconds, yieldMicroseconds, RingWaitPolicy.DefaultPeerCheckIntervalMs);
        using var child = ChildProcess.Start(
            "shm-echo-server",
            _path.Path,
            "1",
            "65536",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            spinMicroseconds.ToString(CultureInfo.InvariantCulture),
            yieldMicroseconds.ToString(CultureInfo.InvariantCulture));
        var ready = (await child.WaitForLineAsync("ready", TimeSpan.FromSeconds(20))).Split(' ');
        using var region = SharedRegion.Open(_path.Path);
        var (requests, responses) = region.CreateClientRings(int.Parse(ready[1], CultureInfo.InvariantCulture), policy);

        var message = TestPayload.Create(MessageBytes, 3);
        var reply = new ArrayBufferWriter<byte>(256);
        var samples = new long[rounds];
        const int warmup = 2_000;

        // A time budget as well: an unbounded spin on a core shared with its peer takes ms per round.
        var stopAt = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
        var measured = 0;
        for (var i = -warmup; i < rounds && Stopwatch.GetTimestamp() < stopAt; i++)
        {
            var start = Stopwatch.GetTimestamp();
            requests.Write(message, 5_000);
            responses.Read(reply, 5_000, region.IsOwnerAlive);
            var elapsed = Stopwatch.GetTimestamp() - start;
            if (i >= 0)
            {
                samples[i] = elapsed;
                measured++;
            }

            Assert.True(reply.WrittenSpan.SequenceEqual(message));
            reply.ResetWrittenCount();
        }

        requests.Write([], 5_000);
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(20)));

        if (measured == 0)
        {
            output.WriteLine(FormattableString.Invariant($"shm ping-pong {MessageBytes} B, {name}: warm-up alone took over the 3 s budget"));
            return;
        }

        samples = samples[..measured];
        Array.Sort(samples);
        output.WriteLine(FormattableString.Invariant(
            $"shm ping-pong {MessageBytes} B, {name} (spin {spinMicroseconds} µs, yield {yieldMicroseconds} µs), {measured} rounds: p50 {Micros(samples, 0.50):F1} µs, p90 {Micros(samples, 0.90):F1} µs, p99 {Micros(samples, 0.99):F1} µs, p99.9 {Micros(samples, 0.999):F1} µs, max {Micros(samples, 1.0):F1} µs"));
    }

    private static double Micros(long[] sorted, double quantile)
    {
        var index = Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length));
        return sorted[index] * 1_000_000.0 / Stopwatch.Frequency;
    }
}
