using System.Buffers;
using System.Diagnostics;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

public sealed class ExecutorDoorbellTests : IDisposable
{
    // No spinning and 60 s slices: only a real doorbell wake gets the executor back in time.
    private static readonly RingWaitPolicy SleepOnly = new(0, 0, 60_000);

    private readonly TempRegionPath _path = new();
    private readonly SharedRegion _region;
    private readonly int _slot;

    public ExecutorDoorbellTests()
    {
        _region = SharedRegion.Create(_path.Path, 2, 4096);
        Assert.True(_region.TryClaimSlot(Environment.ProcessId, out _slot, out _));
    }

    public void Dispose()
    {
        _region.Delete();
        _path.Dispose();
    }

    [Fact]
    public void WaitForWork_NoWork_ReturnsFalseAfterTimeout()
    {
        var (requests, _) = _region.CreateExecutorRings(_slot);
        var watch = Stopwatch.StartNew();
        Assert.False(_region.Doorbell.WaitForWork(() => requests.HasData, RingWaitPolicy.Default, 150));
        Assert.InRange(watch.ElapsedMilliseconds, 140, 3_000);
        Assert.False(_region.Doorbell.IsExecutorSleeping);
    }

    [Fact]
    public void WaitForWork_WorkAlreadyThere_ReturnsTrueAtOnce()
    {
        var (clientRequests, _) = _region.CreateClientRings(_slot);
        var (requests, _) = _region.CreateExecutorRings(_slot);
        Assert.True(clientRequests.TryWrite([1]));
        Assert.True(_region.Doorbell.WaitForWork(() => requests.HasData, SleepOnly, 10_000));
    }

    [Fact]
    public async Task WaitForWork_ClientWritesWhileExecutorSleeps_WakesExecutor()
    {
        var (clientRequests, _) = _region.CreateClientRings(_slot);
        var (requests, _) = _region.CreateExecutorRings(_slot);
        var watch = Stopwatch.StartNew();
        var executor = RunThread(() => _region.Doorbell.WaitForWork(() => requests.HasData, SleepOnly, 20_000));

        await WaitUntilAsync(() => _region.Doorbell.IsExecutorSleeping);
        Assert.True(clientRequests.TryWrite([7])); // the publish rings the doorbell
        Assert.True(await executor.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(watch.ElapsedMilliseconds < 10_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Ring_ExecutorSleepingWithoutWork_WakesIt()
    {
        var executor = RunThread(() => _region.Doorbell.WaitForWork(() => false, SleepOnly, 20_000));
        await WaitUntilAsync(() => _region.Doorbell.IsExecutorSleeping);
        _region.Doorbell.Ring();
        Assert.True(await executor.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ExecutorLoop_StreamsLargeRequestAndResponseWithoutBlockingOnAnyRing()
    {
        // The executor never blocks on a ring: it polls TryRead / WriteAvailable and sleeps on the
        // doorbell, which the client's request publishes and response reads ring.
        var (clientRequests, clientResponses) = _region.CreateClientRings(_slot, SleepOnly);
        var (requests, responses) = _region.CreateExecutorRings(_slot);
        var message = TestPayload.Create(300_000, 5);
        var executor = RunThread(() =>
        {
            var request = new ArrayBufferWriter<byte>();
            while (!requests.TryRead(request))
            {
                _region.Doorbell.WaitForWork(() => requests.HasData, SleepOnly, 10_000);
            }

            var reply = request.WrittenMemory;
            long progress = 0;
            while (!responses.WriteAvailable(reply.Span, ref progress))
            {
                _region.Doorbell.WaitForWork(() => responses.FreeBytes > 0, SleepOnly, 10_000);
            }
        });

        var client = RunThread(() =>
        {
            clientRequests.Write(message, 10_000);
            var response = new ArrayBufferWriter<byte>();
            clientResponses.Read(response, 10_000);
            return response.WrittenSpan.ToArray();
        });

        Assert.Equal(message, await client.WaitAsync(TimeSpan.FromSeconds(20)));
        await executor.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "condition not reached within 10 s");
            await Task.Delay(1);
        }
    }

    private static Task RunThread(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task<T> RunThread<T>(Func<T> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
