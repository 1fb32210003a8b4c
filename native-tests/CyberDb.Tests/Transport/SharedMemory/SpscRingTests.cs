using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>
/// Ring behaviour in one process over a real region: the producer is the client side of a
/// slot's request ring, the consumer the executor side, each its own instance as in production.
/// </summary>
public sealed class SpscRingTests : IDisposable
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(30);

    private readonly TempRegionPath _path = new();
    private SharedRegion? _region;

    public void Dispose()
    {
        _region?.Delete();
        _path.Dispose();
    }

    [Fact]
    public void TryRead_EmptyRing_ReturnsFalse()
    {
        var (_, consumer) = Rings(4096);
        var buffer = new ArrayBufferWriter<byte>();
        Assert.False(consumer.HasData);
        Assert.False(consumer.TryRead(buffer));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void TryWrite_ThenTryRead_RoundTripsOneMessage()
    {
        var (producer, consumer) = Rings(4096);
        var message = TestPayload.Create(100, 1);
        Assert.True(producer.TryWrite(message));
        Assert.True(consumer.HasData);
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(consumer.TryRead(buffer));
        Assert.Equal(message, buffer.WrittenSpan.ToArray());
        Assert.False(consumer.HasData);
        Assert.False(consumer.IsReadingMessage);
    }

    [Fact]
    public void TryWrite_ZeroLengthMessage_RoundTrips()
    {
        var (producer, consumer) = Rings(128);
        Assert.True(producer.TryWrite([]));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(consumer.TryRead(buffer));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void TryWrite_RingFull_ReturnsFalseAndWritesNothing()
    {
        var (producer, consumer) = Rings(128);
        Assert.Equal(128, producer.FreeBytes);
        Assert.True(producer.TryWrite(new byte[100])); // 104 used
        Assert.Equal(24, producer.FreeBytes);
        Assert.False(producer.TryWrite(new byte[21])); // needs 25
        Assert.True(producer.TryWrite(new byte[20])); // exactly full
        Assert.Equal(0, producer.FreeBytes);

        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(consumer.TryRead(buffer));
        Assert.Equal(100, buffer.WrittenCount);
        buffer.ResetWrittenCount();
        Assert.True(consumer.TryRead(buffer));
        Assert.Equal(20, buffer.WrittenCount);
        Assert.False(consumer.TryRead(buffer));
    }

    [Fact]
    public void TryWrite_LargerThanRing_ThrowsArgumentException()
    {
        var (producer, _) = Rings(128);
        Assert.Equal(124, producer.MaxWholeMessageLength);
        var e = Assert.Throws<ArgumentException>(() => producer.TryWrite(new byte[125]));
        Assert.Contains("Write", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_LengthOverConsumerLimit_ThrowsCorrupt()
    {
        _region = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.True(_region.TryClaimSlot(Environment.ProcessId, out var slot, out _));
        var (producer, _) = _region.CreateClientRings(slot);
        var (consumer, _) = _region.CreateExecutorRings(slot, maxMessageLength: 100);
        Assert.True(producer.TryWrite(new byte[101]));
        var e = Assert.Throws<SharedRegionException>(() => consumer.TryRead(new ArrayBufferWriter<byte>()));
        Assert.Equal(SharedRegionFailure.Corrupt, e.Failure);
    }

    [Fact]
    public void WrapAround_SmallRingVaryingSizes_EveryMessageIntactAndInOrder()
    {
        // One thread, interleaved: every prefix and payload position modulo 128 gets exercised.
        var (producer, consumer) = Rings(128);
        var buffer = new ArrayBufferWriter<byte>();
        var written = 0;
        var read = 0;
        const int count = 5_000;
        while (read < count)
        {
            while (written < count && producer.TryWrite(TestPayload.Create(written % 125, written)))
            {
                written++;
            }

            while (consumer.TryRead(buffer))
            {
                Assert.Equal(TestPayload.Create(read % 125, read), buffer.WrittenSpan.ToArray());
                buffer.ResetWrittenCount();
                read++;
            }
        }

        Assert.False(consumer.HasData);
    }

    [Fact]
    public void WriteAvailable_MessageTenTimesTheRing_StreamsWithoutBlockingEitherSide()
    {
        var (producer, consumer) = Rings(128);
        var message = TestPayload.Create(1_280, 9);
        var buffer = new ArrayBufferWriter<byte>();
        long progress = 0;
        var rounds = 0;
        var done = false;
        while (!done)
        {
            producer.WriteAvailable(message, ref progress);
            done = consumer.TryRead(buffer);
            Assert.True(done || consumer.IsReadingMessage);
            rounds++;
        }

        Assert.Equal(4 + 1_280, progress);
        Assert.True(producer.WriteAvailable(message, ref progress)); // finished stays finished
        Assert.Equal(message, buffer.WrittenSpan.ToArray());
        Assert.InRange(rounds, 11, 20);
    }

    [Fact]
    public async Task Write_SizesFrom1ByteTo64MiBThroughOneMiBRing_ContentMatches()
    {
        const int capacity = 1 << 20;
        int[] sizes = [1, 2, 3, 100, capacity - 5, capacity - 4, capacity - 3, capacity, capacity + 1, (5 * capacity) + 3, 64 << 20, 7];
        var (producer, consumer) = Rings(capacity);
        var writer = RunThread(() =>
        {
            for (var i = 0; i < sizes.Length; i++)
            {
                producer.Write(TestPayload.Create(sizes[i], i), 10_000);
            }
        });

        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < sizes.Length; i++)
        {
            consumer.Read(buffer, 10_000);
            Assert.Equal(sizes[i], buffer.WrittenCount);
            Assert.True(buffer.WrittenSpan.SequenceEqual(TestPayload.Create(sizes[i], i)), $"message {i} ({sizes[i]} bytes) differs");
            buffer.ResetWrittenCount();
        }

        await writer.WaitAsync(TestDeadline);
        Assert.False(consumer.HasData);
    }

    [Fact]
    public async Task Write_ManyMessagesFromAnotherThread_ArriveInOrder()
    {
        const int count = 200_000;
        var (producer, consumer) = Rings(4096);
        var writer = RunThread(() =>
        {
            Span<byte> message = stackalloc byte[40];
            for (var i = 0; i < count; i++)
            {
                var length = 4 + (i % 37);
                BinaryPrimitives.WriteInt32LittleEndian(message, i);
                message[4..length].Fill((byte)i);
                producer.Write(message[..length], 10_000);
            }
        });

        var buffer = new ArrayBufferWriter<byte>(64);
        for (var i = 0; i < count; i++)
        {
            consumer.Read(buffer, 10_000);
            Assert.Equal(4 + (i % 37), buffer.WrittenCount);
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(buffer.WrittenSpan));
            buffer.ResetWrittenCount();
        }

        await writer.WaitAsync(TestDeadline);
    }

    [Fact]
    public async Task Write_FutexOnlyPingPong_NeverLosesAWake()
    {
        // Slices as long as the deadline: a lost wake cannot be rescued by a slice re-check and
        // would surface as a TimeoutException.
        var policy = new RingWaitPolicy(0, 0, 5_000);
        _region = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.True(_region.TryClaimSlot(Environment.ProcessId, out var slot, out _));
        var (clientRequests, clientResponses) = _region.CreateClientRings(slot, policy);
        var (executorRequests, executorResponses) = _region.CreateExecutorRings(slot, policy);
        const int rounds = 2_000;
        var echo = RunThread(() =>
        {
            var buffer = new ArrayBufferWriter<byte>(64);
            for (var i = 0; i < rounds; i++)
            {
                executorRequests.Read(buffer, 5_000);
                executorResponses.Write(buffer.WrittenSpan, 5_000);
                buffer.ResetWrittenCount();
            }
        });

        var reply = new ArrayBufferWriter<byte>(64);
        Span<byte> message = stackalloc byte[8];
        for (var i = 0; i < rounds; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(message, i);
            clientRequests.Write(message, 5_000);
            clientResponses.Read(reply, 5_000);
            Assert.Equal(i, BinaryPrimitives.ReadInt64LittleEndian(reply.WrittenSpan));
            reply.ResetWrittenCount();
        }

        await echo.WaitAsync(TestDeadline);
    }

    [Fact]
    public void Read_NoWriter_ThrowsTimeoutAfterItsTimeout()
    {
        var (_, consumer) = Rings(4096);
        var watch = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => consumer.Read(new ArrayBufferWriter<byte>(), 200));
        Assert.InRange(watch.ElapsedMilliseconds, 190, 3_000);
    }

    [Fact]
    public void Write_RingFullNoReader_ThrowsTimeoutAfterItsTimeout()
    {
        var (producer, _) = Rings(128);
        Assert.True(producer.TryWrite(new byte[100]));
        var watch = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => producer.Write(new byte[100], 200));
        Assert.InRange(watch.ElapsedMilliseconds, 190, 3_000);
    }

    [Fact]
    public void Read_PeerReportedDead_ThrowsPeerDeadLongBeforeTimeout()
    {
        var (_, consumer) = Rings(4096);
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<SharedRegionException>(() => consumer.Read(new ArrayBufferWriter<byte>(), 10_000, peerAlive: () => false));
        Assert.Equal(SharedRegionFailure.PeerDead, e.Failure);
        Assert.True(watch.ElapsedMilliseconds < 2_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Read_PeerDiedAfterWritingWholeMessage_StillReturnsTheMessage()
    {
        var (producer, consumer) = Rings(4096);
        Assert.True(producer.TryWrite([42]));
        var buffer = new ArrayBufferWriter<byte>();
        consumer.Read(buffer, 1_000, peerAlive: () => false);
        Assert.Equal(42, buffer.WrittenSpan[0]);
    }

    [Fact]
    public void Read_CancelledWhileSleeping_ThrowsPromptly()
    {
        // Slices of 30 s: only the token registration's futex wake can end the sleep in time.
        _region = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.True(_region.TryClaimSlot(Environment.ProcessId, out var slot, out _));
        var (consumer, _) = _region.CreateExecutorRings(slot, new RingWaitPolicy(0, 0, 30_000));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => consumer.Read(new ArrayBufferWriter<byte>(), 20_000, cancellationToken: cancellation.Token));
        Assert.True(watch.ElapsedMilliseconds < 3_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Read_NegativeTimeout_ThrowsArgumentOutOfRange()
    {
        var (_, consumer) = Rings(4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => consumer.Read(new ArrayBufferWriter<byte>(), -1));
    }

    [Fact]
    public unsafe void EndWatch_AfterTheServerReinitializedTheRingForAnotherOwner_LeavesTheNewWatch()
    {
        const int capacity = 4096;
        var memory = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)SpscRing.TotalSize(capacity), 128);
        try
        {
            SpscRing.Initialize(memory);
            var old = new SpscRing(memory, capacity);
            old.BeginWatch(7);
            Assert.Equal(7, *(int*)(memory + SpscRing.ConsumerWatchOffset));

            SpscRing.Initialize(memory); // the slot reclaimed and claimed again
            var next = new SpscRing(memory, capacity);
            next.BeginWatch(8);
            old.EndWatch(7); // the old connection's pump lets go late

            Assert.Equal(8, *(int*)(memory + SpscRing.ConsumerWatchOffset));
            next.EndWatch(8);
            Assert.Equal(0, *(int*)(memory + SpscRing.ConsumerWatchOffset));
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(memory);
        }
    }

    [Fact]
    public unsafe void DropSleeper_OnAZeroedCount_StaysZero()
    {
        var count = 0;
        SpscRing.DropSleeper(&count); // a sleeper waking after its ring was zeroed for someone else
        Assert.Equal(0, count);
        count = 2;
        SpscRing.DropSleeper(&count);
        Assert.Equal(1, count);
    }

    private (SpscRing Producer, SpscRing Consumer) Rings(int capacity)
    {
        _region = SharedRegion.Create(_path.Path, 1, capacity);
        Assert.True(_region.TryClaimSlot(Environment.ProcessId, out var slot, out _));
        var (producer, _) = _region.CreateClientRings(slot);
        var (consumer, _) = _region.CreateExecutorRings(slot);
        return (producer, consumer);
    }

    private static Task RunThread(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
