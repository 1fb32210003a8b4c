using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using CyberDb.Tests.Infrastructure;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>Shared memory between this test process and real <c>CyberDb.TestHost</c> child processes.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CrossProcessTests : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);

    private readonly TempRegionPath _path = new();

    public void Dispose() => _path.Dispose();

    [Fact]
    public async Task PingPong_EchoChild_SizesFrom1ByteTo64MiB_ContentMatches()
    {
        const int capacity = 1 << 20;
        using var child = StartEchoServer(capacity);
        var (region, requests, responses) = await ConnectAsync(child);
        using (region)
        {
            var reply = new ArrayBufferWriter<byte>();
            int[] sizes = [1, 100, 4096, capacity - 4, capacity, (3 * capacity) + 7, 64 << 20, 2];
            for (var i = 0; i < sizes.Length; i++)
            {
                var message = TestPayload.Create(sizes[i], i);
                requests.Write(message, 10_000, region.IsOwnerAlive);
                responses.Read(reply, 10_000, region.IsOwnerAlive);
                Assert.Equal(sizes[i], reply.WrittenCount);
                Assert.True(reply.WrittenSpan.SequenceEqual(message), $"echo of message {i} ({sizes[i]} bytes) differs");
                reply.ResetWrittenCount();
            }

            await StopEchoServerAsync(child, requests);
        }
    }

    [Fact]
    public async Task PingPong_EchoChild_ManyMessagesArriveInOrder()
    {
        using var child = StartEchoServer(4096);
        var (region, requests, responses) = await ConnectAsync(child);
        using (region)
        {
            // Pipelined: up to 8 requests in flight, so both rings wrap and hold several messages.
            const int count = 5_000;
            Span<byte> message = stackalloc byte[64];
            var reply = new ArrayBufferWriter<byte>(128);
            var sent = 0;
            for (var received = 0; received < count; received++)
            {
                while (sent < count && sent - received < 8)
                {
                    var length = 4 + (sent % 60);
                    BinaryPrimitives.WriteInt32LittleEndian(message, sent);
                    message[4..length].Fill((byte)sent);
                    requests.Write(message[..length], 10_000, region.IsOwnerAlive);
                    sent++;
                }

                responses.Read(reply, 10_000, region.IsOwnerAlive);
                Assert.Equal(4 + (received % 60), reply.WrittenCount);
                Assert.Equal(received, BinaryPrimitives.ReadInt32LittleEndian(reply.WrittenSpan));
                Assert.All(reply.WrittenSpan[4..].ToArray(), b => Assert.Equal((byte)received, b));
                reply.ResetWrittenCount();
            }

            await StopEchoServerAsync(child, requests);
        }
    }

    [Fact]
    public async Task Read_WriterKilledMidMessage_ThrowsPeerDeadWithinTimeout()
    {
        using var region = SharedRegion.Create(_path.Path, 1, 4096);
        using var child = ChildProcess.Start("shm-ring-writer", _path.Path, (8 << 20).ToString(CultureInfo.InvariantCulture));
        var requests = await ClaimForWriterAsync(region, child);
        var buffer = new ArrayBufferWriter<byte>();
        var slot = 0;

        child.Kill();
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<SharedRegionException>(() => requests.Read(buffer, 5_000, () => region.IsSlotClientAlive(slot)));
        Assert.Equal(SharedRegionFailure.PeerDead, e.Failure);
        Assert.True(watch.ElapsedMilliseconds < 2_000, $"took {watch.ElapsedMilliseconds} ms");
        Assert.InRange(buffer.WrittenCount, 1, (8 << 20) - 1);
    }

    [Fact]
    public async Task Read_WriterKilledWithoutPeerCheck_TimesOutWithinItsTimeout()
    {
        using var region = SharedRegion.Create(_path.Path, 1, 4096);
        using var child = ChildProcess.Start("shm-ring-writer", _path.Path, (8 << 20).ToString(CultureInfo.InvariantCulture));
        var requests = await ClaimForWriterAsync(region, child);

        child.Kill();
        var watch = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => requests.Read(new ArrayBufferWriter<byte>(), 500));
        Assert.InRange(watch.ElapsedMilliseconds, 490, 3_000);
    }

    [Fact]
    public async Task Read_OwnerKilledWhileClientWaits_ThrowsPeerDeadWithinTimeout()
    {
        using var child = ChildProcess.Start("shm-owner", _path.Path, "1", "4096");
        await child.WaitForLineAsync("ready", StartDeadline);
        using var region = SharedRegion.Open(_path.Path);
        var (_, responses) = region.CreateClientRings(0);
        var reader = Task.Factory.StartNew(
            () => Assert.Throws<SharedRegionException>(() => responses.Read(new ArrayBufferWriter<byte>(), 10_000, region.IsOwnerAlive)),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        child.Kill();
        var watch = Stopwatch.StartNew();
        var e = await reader.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SharedRegionFailure.PeerDead, e.Failure);
        Assert.True(watch.ElapsedMilliseconds < 2_000, $"took {watch.ElapsedMilliseconds} ms after the kill");
    }

    [Fact]
    public async Task Create_StaleRegionOfKilledOwner_ReplacesItAndBumpsGeneration()
    {
        using var child = ChildProcess.Start("shm-owner", _path.Path, "2", "4096");
        var ready = await child.WaitForLineAsync("ready", StartDeadline);
        Assert.Equal("1", ready.Split(' ')[1]);
        child.Kill();
        Assert.True(File.Exists(_path.Path)); // SIGKILL: no cleanup

        var open = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.OwnerDead, open.Failure);
        Assert.Contains(child.Id.ToString(CultureInfo.InvariantCulture), open.Message, StringComparison.Ordinal);

        using var region = SharedRegion.Create(_path.Path, 2, 4096);
        Assert.Equal(2, region.Generation);
        Assert.Equal(Environment.ProcessId, region.OwnerPid);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path.Path));
        using (var client = SharedRegion.Open(_path.Path, expectedGeneration: 2))
        {
            Assert.True(client.IsOwnerAlive());
        }

        region.Delete();
    }

    [Fact]
    public async Task Create_PathHeldByLiveOwnerInAnotherProcess_ThrowsOwnerAliveNamingIt()
    {
        using var child = ChildProcess.Start("shm-owner", _path.Path, "1", "4096");
        await child.WaitForLineAsync("ready", StartDeadline);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Create(_path.Path, 1, 4096));
        Assert.Equal(SharedRegionFailure.OwnerAlive, e.Failure);
        Assert.Contains(child.Id.ToString(CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);

        using (var client = SharedRegion.Open(_path.Path))
        {
            Assert.Equal(child.Id, client.OwnerPid);
        }

        child.WriteLine("quit");
        await child.WaitForLineAsync("deleted", StartDeadline);
        Assert.Equal(0, await child.WaitForExitAsync(StartDeadline));
        Assert.False(File.Exists(_path.Path));
    }

    private ChildProcess StartEchoServer(int capacity) =>
        ChildProcess.Start(
            "shm-echo-server",
            _path.Path,
            "2",
            capacity.ToString(CultureInfo.InvariantCulture),
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            RingWaitPolicy.DefaultSpinMicroseconds.ToString(CultureInfo.InvariantCulture),
            RingWaitPolicy.DefaultYieldMicroseconds.ToString(CultureInfo.InvariantCulture));

    private async Task<(SharedRegion Region, SpscRing Requests, SpscRing Responses)> ConnectAsync(ChildProcess child, RingWaitPolicy? policy = null)
    {
        var ready = (await child.WaitForLineAsync("ready", StartDeadline)).Split(' ');
        var slot = int.Parse(ready[1], CultureInfo.InvariantCulture);
        var slotGeneration = long.Parse(ready[2], CultureInfo.InvariantCulture);
        var region = SharedRegion.Open(_path.Path, long.Parse(ready[3], CultureInfo.InvariantCulture));
        Assert.True(region.IsSlotClaimedBy(slot, Environment.ProcessId, slotGeneration));
        var (requests, responses) = region.CreateClientRings(slot, policy);
        return (region, requests, responses);
    }

    private async Task StopEchoServerAsync(ChildProcess child, SpscRing requests)
    {
        requests.Write([], 10_000);
        await child.WaitForLineAsync("stopped", StartDeadline);
        Assert.Equal(0, await child.WaitForExitAsync(StartDeadline));
        Assert.False(File.Exists(_path.Path));
    }

    /// <summary>Claims slot 0 for the writer child, and returns once part of its message is in the ring (it is then blocked on a full ring).</summary>
    private static async Task<SpscRing> ClaimForWriterAsync(SharedRegion region, ChildProcess child)
    {
        Assert.True(region.TryClaimSlot(child.Id, out var slot, out var slotGeneration));
        Assert.Equal(0, slot);
        child.WriteLine(FormattableString.Invariant($"{slot} {slotGeneration}"));
        await child.WaitForLineAsync("writing", StartDeadline);
        var (requests, _) = region.CreateExecutorRings(slot);
        Assert.True(region.Doorbell.WaitForWork(() => requests.HasData, RingWaitPolicy.Default, 10_000), "the writer wrote nothing");
        return requests;
    }
}
