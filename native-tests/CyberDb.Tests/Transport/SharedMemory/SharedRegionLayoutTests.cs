using System.Buffers.Binary;
using System.Text;
using CyberDb.Transport.SharedMemory;
using L = CyberDb.Transport.SharedMemory.SharedRegionLayout;

namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>
/// Pins the shared-memory format: a failing test here means the layout changed, which requires a
/// new <see cref="SharedRegionLayout.LayoutVersion"/> (client and server must agree byte for byte).
/// </summary>
public class SharedRegionLayoutTests
{
    [Fact]
    public void Magic_IsCybdbshmInAscii()
    {
        Assert.Equal(0x4D48_5342_4442_5943UL, L.Magic);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, L.Magic);
        Assert.Equal("CYBDBSHM", Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void HeaderConstants_ArePinned()
    {
        Assert.Equal(5, L.LayoutVersion);
        Assert.Equal(128, L.CacheLineSize);
        Assert.Equal(0, L.MagicOffset);
        Assert.Equal(8, L.LayoutVersionOffset);
        Assert.Equal(12, L.HeaderSizeOffset);
        Assert.Equal(16, L.SlotCountOffset);
        Assert.Equal(20, L.RingCapacityOffset);
        Assert.Equal(24, L.SlotSizeOffset);
        Assert.Equal(32, L.TotalSizeOffset);
        Assert.Equal(40, L.OwnerPidOffset);
        Assert.Equal(44, L.OwnerClosedOffset);
        Assert.Equal(48, L.OwnerStartTimeOffset);
        Assert.Equal(56, L.GenerationOffset);
        Assert.Equal(128, L.DoorbellSequenceOffset);
        Assert.Equal(256, L.ExecutorSleepingOffset);
        Assert.Equal(264, L.TableSetVersionOffset);
        Assert.Equal(384, L.TableVersionsOffset);
        Assert.Equal(256, L.TableVersionCount);
        Assert.Equal(2432, L.HeaderSize);
        Assert.Equal(0, L.HeaderSize % L.CacheLineSize);
    }

    [Fact]
    public void TableVersionBucket_IsFnv1aOverTheUtf8Name_TopEightBits()
    {
        // Client and server processes must agree on a name's counter: the hash is part of the format.
        Assert.Equal((int)(2166136261u >> 24), L.TableVersionBucket(""u8));
        Assert.Equal((int)(unchecked((2166136261u ^ 'a') * 16777619u) >> 24), L.TableVersionBucket("a"u8));
        Assert.Equal(L.TableVersionBucket("centre"u8), L.TableVersionBucket(Encoding.UTF8.GetBytes("centre")));

        // Names that differ only in a character's upper bits land apart (their low bytes are equal).
        var buckets = Enumerable.Range(0, 64).Select(i => L.TableVersionBucket(Encoding.UTF8.GetBytes(((char)(0x100 * (i + 1))).ToString()))).Distinct().Count();
        Assert.True(buckets > 32, $"64 names share {buckets} buckets");
    }

    [Fact]
    public void SlotConstants_ArePinned()
    {
        Assert.Equal(0, L.SlotStateOffset);
        Assert.Equal(4, L.SlotClientPidOffset);
        Assert.Equal(8, L.SlotGenerationOffset);
        Assert.Equal(16, L.SlotClientStartTimeOffset);
        Assert.Equal(64, L.SlotClientReadsOffset);
        Assert.Equal(128, L.SlotStateLineSize);
        Assert.Equal(128, L.SlotRequestRingOffset);
        Assert.Equal(0, L.SlotFree);
        Assert.Equal(1, L.SlotClaimed);
        Assert.Equal(4096, L.MaxSlotCount);
        Assert.Equal(128 + 256 + 4096, L.SlotResponseRingOffset(4096));
        Assert.Equal(128 + (2 * (256 + 4096)), L.SlotSize(4096));
        Assert.Equal(2432 + (3 * L.SlotSize(4096)), L.SlotOffset(3, 4096));
        Assert.Equal(2432 + (2L * (128 + (2 * (256 + (1 << 20))))), L.TotalSize(2, 1 << 20));
    }

    [Fact]
    public void RingConstants_ArePinned()
    {
        Assert.Equal(0, SpscRing.TailOffset);
        Assert.Equal(8, SpscRing.ProducerSleepingOffset);
        Assert.Equal(128, SpscRing.HeadOffset);
        Assert.Equal(136, SpscRing.ConsumerSleepingOffset);
        Assert.Equal(140, SpscRing.ConsumerWatchOffset);
        Assert.Equal(256, SpscRing.DataOffset);
        Assert.Equal(256, SpscRing.ControlSize);
        Assert.Equal(4, SpscRing.LengthPrefixSize);
        Assert.Equal(128, SpscRing.MinCapacity);
        Assert.Equal(1 << 30, SpscRing.MaxCapacity);
        Assert.Equal(256 + 4096, SpscRing.TotalSize(4096));
    }

    [Fact]
    public void FutexConstants_ArePinned()
    {
        Assert.Equal(202, Futex.SysFutexX64);
        Assert.Equal(98, Futex.SysFutexArm64);
        Assert.Equal(0, Futex.OpWait);
        Assert.Equal(1, Futex.OpWake);
        Assert.Equal(22, ProcessIdentity.StartTimeField);
    }

    [Fact]
    public void FailureValues_ArePinned()
    {
        Assert.Equal(1, (int)SharedRegionFailure.NotFound);
        Assert.Equal(2, (int)SharedRegionFailure.BadMagic);
        Assert.Equal(3, (int)SharedRegionFailure.UnsupportedVersion);
        Assert.Equal(4, (int)SharedRegionFailure.Corrupt);
        Assert.Equal(5, (int)SharedRegionFailure.InsecureMode);
        Assert.Equal(6, (int)SharedRegionFailure.OwnerDead);
        Assert.Equal(7, (int)SharedRegionFailure.OwnerAlive);
        Assert.Equal(8, (int)SharedRegionFailure.GenerationMismatch);
        Assert.Equal(9, (int)SharedRegionFailure.PeerDead);
        Assert.Equal(9, Enum.GetValues<SharedRegionFailure>().Length);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Offsets_EveryWriterLineAndRing_Is128ByteAligned(int capacity)
    {
        for (var slot = 0; slot < 4; slot++)
        {
            var slotOffset = L.SlotOffset(slot, capacity);
            Assert.Equal(0, slotOffset % 128);
            Assert.Equal(0, (slotOffset + L.SlotRequestRingOffset) % 128);
            Assert.Equal(0, (slotOffset + L.SlotResponseRingOffset(capacity)) % 128);
        }

        // Lines written by different processes never share 128 bytes.
        Assert.NotEqual(L.MagicOffset / 128, L.DoorbellSequenceOffset / 128);
        Assert.NotEqual(L.DoorbellSequenceOffset / 128, L.ExecutorSleepingOffset / 128);
        Assert.Equal(SpscRing.TailOffset / 128, SpscRing.ProducerSleepingOffset / 128);
        Assert.Equal(SpscRing.HeadOffset / 128, SpscRing.ConsumerSleepingOffset / 128);
        Assert.NotEqual(SpscRing.TailOffset / 128, SpscRing.HeadOffset / 128);
        Assert.NotEqual(SpscRing.HeadOffset / 128, SpscRing.DataOffset / 128);
    }

    [Fact]
    public void Create_WritesHeaderAtPinnedOffsets()
    {
        using var path = new TempRegionPath();
        using (var region = SharedRegion.Create(path.Path, 3, 4096))
        {
            var header = File.ReadAllBytes(path.Path).AsSpan();
            Assert.Equal(L.TotalSize(3, 4096), header.Length);
            Assert.Equal(L.Magic, BinaryPrimitives.ReadUInt64LittleEndian(header[L.MagicOffset..]));
            Assert.Equal(L.LayoutVersion, BinaryPrimitives.ReadInt32LittleEndian(header[L.LayoutVersionOffset..]));
            Assert.Equal(L.HeaderSize, BinaryPrimitives.ReadInt32LittleEndian(header[L.HeaderSizeOffset..]));
            Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(header[L.SlotCountOffset..]));
            Assert.Equal(4096, BinaryPrimitives.ReadInt32LittleEndian(header[L.RingCapacityOffset..]));
            Assert.Equal(L.SlotSize(4096), BinaryPrimitives.ReadInt64LittleEndian(header[L.SlotSizeOffset..]));
            Assert.Equal(L.TotalSize(3, 4096), BinaryPrimitives.ReadInt64LittleEndian(header[L.TotalSizeOffset..]));
            Assert.Equal(Environment.ProcessId, BinaryPrimitives.ReadInt32LittleEndian(header[L.OwnerPidOffset..]));
            Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(header[L.OwnerClosedOffset..]));
            Assert.Equal(ProcessIdentity.CurrentStartTime, BinaryPrimitives.ReadInt64LittleEndian(header[L.OwnerStartTimeOffset..]));
            Assert.Equal(1, BinaryPrimitives.ReadInt64LittleEndian(header[L.GenerationOffset..]));

            Assert.True(region.TryClaimSlot(Environment.ProcessId, out var slot, out var slotGeneration));
            var slotBytes = File.ReadAllBytes(path.Path).AsSpan((int)L.SlotOffset(slot, 4096));
            Assert.Equal(L.SlotClaimed, BinaryPrimitives.ReadInt32LittleEndian(slotBytes[L.SlotStateOffset..]));
            Assert.Equal(Environment.ProcessId, BinaryPrimitives.ReadInt32LittleEndian(slotBytes[L.SlotClientPidOffset..]));
            Assert.Equal(slotGeneration, BinaryPrimitives.ReadInt64LittleEndian(slotBytes[L.SlotGenerationOffset..]));
            Assert.Equal(ProcessIdentity.CurrentStartTime, BinaryPrimitives.ReadInt64LittleEndian(slotBytes[L.SlotClientStartTimeOffset..]));

            // A message lands at the pinned ring offsets: Tail at +0 of the request ring, prefix at +256.
            var (requests, _) = region.CreateClientRings(slot);
            Assert.True(requests.TryWrite([0xAB, 0xCD]));
            var ring = File.ReadAllBytes(path.Path).AsSpan((int)(L.SlotOffset(slot, 4096) + L.SlotRequestRingOffset));
            Assert.Equal(6, BinaryPrimitives.ReadInt64LittleEndian(ring[SpscRing.TailOffset..]));
            Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(ring[SpscRing.HeadOffset..]));
            Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(ring[SpscRing.DataOffset..]));
            Assert.Equal(0xAB, ring[SpscRing.DataOffset + 4]);
            Assert.Equal(0xCD, ring[SpscRing.DataOffset + 5]);
            region.Delete();
        }
    }
}
