namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// Byte offsets and constants of the shared-memory region file; the diagram is on
/// <see cref="SharedRegion"/>. Every value here is part of the on-memory format, pinned by
/// <c>SharedRegionLayoutTests</c>: changing one means bumping <see cref="LayoutVersion"/>.
/// </summary>
/// <remarks>
/// Line 0 of the header (magic, version, owner identity, generation) keeps these offsets in every
/// layout version, so that any build can recognise and replace a stale region of another version.
/// </remarks>
internal static class SharedRegionLayout
{
    /// <summary>"CYBDBSHM" read as a little-endian int64.</summary>
    public const ulong Magic = 0x4D48_5342_4442_5943;

    /// <summary>
    /// 5: the header ends with the table-version board (<see cref="TableVersionsOffset"/>), which
    /// clients check before they trust a cached read. (4: a ring's sleeping word counts sleepers, a
    /// publish wakes every sleeper on the Tail word, and the consumer line has a watch word at 140.)
    /// A layout-4 server would never move the board, so its clients would read stale values.
    /// </summary>
    public const int LayoutVersion = 5;

    /// <summary>Cache-line separation where two writers meet (128: adjacent-line prefetch pairs 64-byte lines).</summary>
    public const int CacheLineSize = 128;

    // Header line 0: written by the owner in Create (magic last), read-only afterwards except OwnerClosed.
    public const int MagicOffset = 0;
    public const int LayoutVersionOffset = 8;
    public const int HeaderSizeOffset = 12;
    public const int SlotCountOffset = 16;
    public const int RingCapacityOffset = 20;
    public const int SlotSizeOffset = 24;
    public const int TotalSizeOffset = 32;
    public const int OwnerPidOffset = 40;

    /// <summary>int32: 0 while the owner serves, 1 once it stopped cleanly (written by the owner in Delete).</summary>
    public const int OwnerClosedOffset = 44;

    /// <summary>int64: field 22 of the owner's <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public const int OwnerStartTimeOffset = 48;

    /// <summary>int64: 1 for a fresh path, previous + 1 when Create replaces a stale region.</summary>
    public const int GenerationOffset = 56;

    /// <summary>Header line 1: int32 doorbell sequence, the executor's futex word (clients write).</summary>
    public const int DoorbellSequenceOffset = 128;

    /// <summary>Header line 2: int32 executor-sleeping flag (the executor writes).</summary>
    public const int ExecutorSleepingOffset = 256;

    /// <summary>Header line 2: int64 the executor's table-set version (layout 2; the executor writes, clients read).</summary>
    public const int TableSetVersionOffset = 264;

    /// <summary>
    /// Header lines 3 to 18: <see cref="TableVersionCount"/> int64 counters (the executor writes,
    /// clients read). Every operation that may change a table's content adds one to the counter of
    /// its name's bucket (<see cref="TableVersionBucket"/>) before it is answered; anything else that
    /// may change tables (a snapshot load, the server's own work) adds one to every counter.
    /// </summary>
    public const int TableVersionsOffset = 384;

    /// <summary>Counters on the board: 256, a bucket is the top byte of the name's hash.</summary>
    public const int TableVersionCount = 256;

    public const int HeaderSize = TableVersionsOffset + (TableVersionCount * sizeof(long));

    // Slot: a state line (owner writes, client reads), then the request ring, then the response ring.
    public const int SlotStateOffset = 0;
    public const int SlotClientPidOffset = 4;
    public const int SlotGenerationOffset = 8;
    public const int SlotClientStartTimeOffset = 16;

    /// <summary>
    /// int64 in the state line's second half (layout 5; the client writes, the server's lifeline
    /// reads): reads the client answered from its cache, counted so that a connection busy with
    /// them is not closed as idle although no request reaches the server.
    /// </summary>
    public const int SlotClientReadsOffset = 64;
    public const int SlotStateLineSize = 128;
    public const int SlotRequestRingOffset = SlotStateLineSize;

    /// <summary>Slot state value: nobody holds the slot.</summary>
    public const int SlotFree = 0;

    /// <summary>Slot state value: the owner handed the slot to the client in SlotClientPid.</summary>
    public const int SlotClaimed = 1;

    public const int MaxSlotCount = 4096;

    /// <summary>
    /// The board counter of the table whose name is <paramref name="utf8Name"/> as a request carries
    /// it: FNV-1a over those bytes, top eight bits. Both sides hash the bytes on the wire (valid
    /// UTF-8, checked by the server, so one name has one spelling: a string the client's encoder
    /// had to repair, a lone surrogate, hashes as the name the server stores). The hash is fixed,
    /// unlike <see cref="string.GetHashCode()"/>, which differs per process.
    /// </summary>
    public static int TableVersionBucket(ReadOnlySpan<byte> utf8Name)
    {
        var hash = 2166136261u;
        foreach (var b in utf8Name)
        {
            hash = unchecked((hash ^ b) * 16777619u); // FNV wraps by design
        }

        return (int)(hash >> 24); // the best-mixed bits: 256 counters
    }

    /// <summary>Offset of the response ring inside a slot.</summary>
    public static long SlotResponseRingOffset(int ringCapacity) => SlotRequestRingOffset + SpscRing.TotalSize(ringCapacity);

    /// <summary>Bytes per slot: state line + two rings (each a 256-byte control block + capacity).</summary>
    public static long SlotSize(int ringCapacity) => SlotStateLineSize + (2 * SpscRing.TotalSize(ringCapacity));

    /// <summary>Offset of slot <paramref name="slot"/> from the start of the region.</summary>
    public static long SlotOffset(int slot, int ringCapacity) => HeaderSize + (slot * SlotSize(ringCapacity));

    /// <summary>Size of the whole file.</summary>
    public static long TotalSize(int slotCount, int ringCapacity) => HeaderSize + (slotCount * SlotSize(ringCapacity));
}
