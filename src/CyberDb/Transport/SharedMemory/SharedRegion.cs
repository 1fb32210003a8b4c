using System.IO.MemoryMappedFiles;
using static CyberDb.Transport.SharedMemory.SharedRegionLayout;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The shared-memory region of one owner (server) process: a file under <c>/dev/shm</c>, mode
/// 0600, mapped by the owner and by its same-host clients, holding a header, the executor
/// doorbell and <see cref="SlotCount"/> slots, each a pair of <see cref="SpscRing"/>s.
/// </summary>
/// <remarks>
/// <para>Layout (offsets in <see cref="SharedRegionLayout"/>, pinned by a test; "who writes" on the right):</para>
/// <code>
/// 0     +------------------------------------------------------+ header line 0: owner, once
///       | 0 Magic u64 "CYBDBSHM"   8 LayoutVersion i32         |   (Magic written last)
///       | 12 HeaderSize i32  16 SlotCount i32  20 RingCap i32  |
///       | 24 SlotSize i64    32 TotalSize i64                  |
///       | 40 OwnerPid i32    44 OwnerClosed i32 (owner, Delete)|
///       | 48 OwnerStartTime i64 (/proc/pid/stat field 22)      |
///       | 56 Generation i64                                    |
/// 128   +------------------------------------------------------+ header line 1: clients
///       | DoorbellSequence i32 (executor's futex word)         |
/// 256   +------------------------------------------------------+ header line 2: executor
///       | ExecutorSleeping i32     264 TableSetVersion i64     |
/// 384   +------------------------------------------------------+ header lines 3-18: executor
///       | TableVersions i64[256] (one per bucket of table names)|
/// 2432  +======================================================+ slot 0 (SlotSize bytes)
///       | +0   state line: State i32 (0 free, 1 claimed),      |   owner
///       |      ClientPid i32, SlotGeneration i64,              |
///       |      ClientStartTime i64;                            |
///       |      +64 ClientReads i64 (the client writes)          |
///       | +128 request ring  (client -> executor):             |
///       |      256-byte control (Tail line, Head line) + cap   |   see SpscRing
///       | +128+256+cap response ring (executor -> client):     |
///       |      256-byte control + cap                          |
///       +======================================================+ slot 1 ... slot N-1
/// SlotSize = 128 + 2 * (256 + RingCapacity); TotalSize = 2432 + SlotCount * SlotSize
/// </code>
/// <para>Owner API: <c>static SharedRegion Create(string path, int slotCount, int ringCapacityBytes)</c>
/// (replaces a stale file whose owner is dead, closed, or a different process with a reused pid,
/// bumping <see cref="Generation"/>; throws <see cref="SharedRegionException"/> with
/// <see cref="SharedRegionFailure.OwnerAlive"/> if a live owner holds the path);
/// <c>bool TryClaimSlot(int clientPid, out int slot, out long slotGeneration)</c>,
/// <c>void ReleaseSlot(int slot)</c>, <c>bool IsSlotClientAlive(int slot)</c>,
/// <c>CreateExecutorRings(int slot, ...)</c>, <c>void Delete()</c> on clean stop.</para>
/// <para>Client API: <c>static SharedRegion Open(string path, long expectedGeneration = 0)</c>
/// (validates mode 0600, magic, version, header consistency, owner liveness and generation; throws
/// <see cref="SharedRegionException"/> naming the reason), <c>bool IsSlotClaimedBy(int slot, int pid, long slotGeneration)</c>,
/// <c>CreateClientRings(int slot, ...)</c>, <c>bool IsOwnerAlive()</c>, <see cref="Doorbell"/>.</para>
/// <para>Both sides <see cref="Dispose"/> to unmap; only after every thread stopped using the
/// rings, whose pointers die with the mapping.</para>
/// </remarks>
internal sealed unsafe class SharedRegion : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    // Owner only: serialises TryClaimSlot/ReleaseSlot between the owner's threads (no waiting inside).
    private readonly Lock _slotLock = new();
    private int _disposed;

    private SharedRegion(string path, bool isOwner, MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        Path = path;
        IsOwner = isOwner;
        _file = file;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
        Doorbell = new ExecutorDoorbell((int*)(_base + DoorbellSequenceOffset), (int*)(_base + ExecutorSleepingOffset));
    }

    public string Path { get; }

    /// <summary>Whether this process created the region (and may claim slots and delete it).</summary>
    public bool IsOwner { get; }

    public int SlotCount => ReadInt32(SlotCountOffset);

    public int RingCapacity => ReadInt32(RingCapacityOffset);

    public long Generation => ReadInt64(GenerationOffset);

    public int OwnerPid => ReadInt32(OwnerPidOffset);

    public long OwnerStartTime => ReadInt64(OwnerStartTimeOffset);

    public long TotalSize => ReadInt64(TotalSizeOffset);

    /// <summary>
    /// The owner's <see cref="Engine.Database.TableSetVersion"/>, as last published by the executor
    /// before it answered the request that changed it (read with acquire, written with release).
    /// </summary>
    public long TableSetVersion
    {
        get => Volatile.Read(ref *(long*)(_base + TableSetVersionOffset));
        set => Volatile.Write(ref *(long*)(_base + TableSetVersionOffset), value);
    }

    /// <summary>
    /// The board counter <paramref name="bucket"/> (see <see cref="SharedRegionLayout.TableVersionsOffset"/>),
    /// read with acquire: a client that sees a count sees every change counted up to it.
    /// </summary>
    public long ReadTableVersion(int bucket) =>
        Volatile.Read(ref *(long*)(_base + TableVersionsOffset + ((bucket & (TableVersionCount - 1)) * sizeof(long))));

    /// <summary>Owner, executor: counts a change to the tables of <paramref name="bucket"/> (release: after the change itself).</summary>
    public void BumpTableVersion(int bucket)
    {
        var counter = (long*)(_base + TableVersionsOffset + ((bucket & (TableVersionCount - 1)) * sizeof(long)));
        Volatile.Write(ref *counter, *counter + 1); // one writer: the executor, under the engine lock
    }

    /// <summary>Owner, executor: counts a change to every table (a snapshot load, work that does not say what it touched).</summary>
    public void BumpAllTableVersions()
    {
        for (var bucket = 0; bucket < TableVersionCount; bucket++)
        {
            BumpTableVersion(bucket);
        }
    }

    /// <summary>Owner, the lifeline: how many reads the client of <paramref name="slot"/> answered from its cache so far.</summary>
    public long ReadSlotClientReads(int slot) => Volatile.Read(ref *(long*)(SlotBase(slot) + SlotClientReadsOffset));

    /// <summary>Client: where it counts its cached reads in <paramref name="slot"/> (one writer: the connection's user).</summary>
    public long* SlotClientReads(int slot) => (long*)(SlotBase(slot) + SlotClientReadsOffset);

    /// <summary>Whether the owner marked the region closed (a clean stop); a killed owner never does.</summary>
    public bool IsOwnerClosed => Volatile.Read(ref *(int*)(_base + OwnerClosedOffset)) != 0;

    /// <summary>The executor doorbell in this region's header.</summary>
    public ExecutorDoorbell Doorbell { get; }

    /// <summary>
    /// Owner: creates the region file (mode 0600) and maps it. A file left at <paramref name="path"/>
    /// by a dead owner is replaced and the generation goes up by one.
    /// </summary>
    /// <exception cref="SharedRegionException"><see cref="SharedRegionFailure.OwnerAlive"/>: a live process owns the path.</exception>
    public static SharedRegion Create(string path, int slotCount, int ringCapacityBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotCount, MaxSlotCount);
        var totalSize = SharedRegionLayout.TotalSize(slotCount, ringCapacityBytes); // validates the capacity
        if (!OperatingSystem.IsLinux() || !Futex.IsSupported)
        {
            throw NotSupported();
        }

        var generation = RemoveStale(path) + 1;
        FileStream stream;
        try
        {
            // O_CREAT|O_EXCL with mode 0600: never adopt a file someone else made, never widen access.
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                UnixCreateMode = OwnerOnly,
            });
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new SharedRegionException(SharedRegionFailure.OwnerAlive, $"shared-memory region '{path}' was created by another process at the same time.", e);
        }

        MemoryMappedFile? file = null;
        try
        {
            File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnly); // the umask could only narrow it; make it exact
            stream.SetLength(totalSize);
            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, totalSize, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, totalSize, MemoryMappedFileAccess.ReadWrite);
            var region = new SharedRegion(path, isOwner: true, file, view);
            region.InitializeHeader(slotCount, ringCapacityBytes, totalSize, generation);
            return region;
        }
        catch
        {
            if (file is null)
            {
                stream.Dispose();
            }
            else
            {
                file.Dispose();
            }

            File.Delete(path);
            throw;
        }
    }

    /// <summary>Client: maps an existing region after checking that it is sound and its owner alive.</summary>
    /// <param name="path">The region file the owner announced.</param>
    /// <param name="expectedGeneration">The generation the owner announced (0 = accept any).</param>
    /// <exception cref="SharedRegionException">Not found, insecure mode, bad magic, unsupported version, corrupt header, dead owner, or wrong generation.</exception>
    public static SharedRegion Open(string path, long expectedGeneration = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedGeneration);
        if (!OperatingSystem.IsLinux() || !Futex.IsSupported)
        {
            throw NotSupported();
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SharedRegionException(SharedRegionFailure.NotFound, $"shared-memory region '{path}' does not exist.", e);
        }

        MemoryMappedFile? file = null;
        SharedRegion? region = null;
        try
        {
            var mode = File.GetUnixFileMode(stream.SafeFileHandle);
            if (mode != OwnerOnly)
            {
                throw new SharedRegionException(SharedRegionFailure.InsecureMode, $"shared-memory region '{path}' has mode {Convert.ToString((int)mode, 8)}, expected 600; refusing to use it.");
            }

            var length = stream.Length;
            if (length < HeaderSize)
            {
                throw new SharedRegionException(SharedRegionFailure.BadMagic, $"'{path}' is not a CyberDb shared-memory region (only {length} bytes).");
            }

            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            region = new SharedRegion(path, isOwner: false, file, view);
            region.Validate(length, expectedGeneration);
            return region;
        }
        catch
        {
            if (region is not null)
            {
                region.Dispose();
            }
            else if (file is not null)
            {
                file.Dispose();
            }
            else
            {
                stream.Dispose();
            }

            throw;
        }
    }

    /// <summary>Whether the owner still serves: not closed, and its pid runs with the recorded start time. Reads procfs: slow path only.</summary>
    public bool IsOwnerAlive() =>
        Volatile.Read(ref *(int*)(_base + OwnerClosedOffset)) == 0 && ProcessIdentity.IsAlive(OwnerPid, OwnerStartTime);

    /// <summary>
    /// Owner: hands a free slot to <paramref name="clientPid"/>: resets both rings, records the
    /// client's identity and bumps the slot generation, then marks the slot claimed.
    /// </summary>
    /// <returns><see langword="false"/> if every slot is taken.</returns>
    /// <exception cref="ArgumentException">No live process has that pid.</exception>
    public bool TryClaimSlot(int clientPid, out int slot, out long slotGeneration)
    {
        EnsureOwner();
        if (!ProcessIdentity.TryGetStartTime(clientPid, out var clientStartTime))
        {
            throw new ArgumentException($"no live process {clientPid} to give a slot to.", nameof(clientPid));
        }

        lock (_slotLock)
        {
            for (var i = 0; i < SlotCount; i++)
            {
                var s = SlotBase(i);
                if (Volatile.Read(ref *(int*)(s + SlotStateOffset)) != SlotFree)
                {
                    continue;
                }

                SpscRing.Initialize(s + SlotRequestRingOffset);
                SpscRing.Initialize(s + SlotResponseRingOffset(RingCapacity));
                *(int*)(s + SlotClientPidOffset) = clientPid;
                *(long*)(s + SlotClientStartTimeOffset) = clientStartTime;
                var generation = *(long*)(s + SlotGenerationOffset) + 1;
                *(long*)(s + SlotGenerationOffset) = generation;

                // Release: identity and fresh rings are visible before a reader sees "claimed".
                Volatile.Write(ref *(int*)(s + SlotStateOffset), SlotClaimed);
                slot = i;
                slotGeneration = generation;
                return true;
            }
        }

        slot = -1;
        slotGeneration = 0;
        return false;
    }

    /// <summary>
    /// Owner: frees a slot after its client is gone (lifeline EOF). The executor must have dropped
    /// its ring instances for the slot; the client must not touch its rings any more.
    /// </summary>
    public void ReleaseSlot(int slot)
    {
        EnsureOwner();
        var s = SlotBase(slot);
        lock (_slotLock)
        {
            Volatile.Write(ref *(int*)(s + SlotStateOffset), SlotFree);
        }

        // A client thread still sleeping on its response ring re-checks and sees the slot gone.
        Futex.Wake((int*)(s + SlotResponseRingOffset(RingCapacity) + SpscRing.TailOffset), int.MaxValue);
    }

    /// <summary>Whether the slot is claimed and its client process still runs (procfs read: slow path only).</summary>
    public bool IsSlotClientAlive(int slot)
    {
        var s = SlotBase(slot);
        return Volatile.Read(ref *(int*)(s + SlotStateOffset)) == SlotClaimed
            && ProcessIdentity.IsAlive(*(int*)(s + SlotClientPidOffset), *(long*)(s + SlotClientStartTimeOffset));
    }

    /// <summary>Client: whether the owner gave this slot, in this generation, to <paramref name="pid"/>.</summary>
    public bool IsSlotClaimedBy(int slot, int pid, long slotGeneration)
    {
        var s = SlotBase(slot);
        return Volatile.Read(ref *(int*)(s + SlotStateOffset)) == SlotClaimed // acquire: fields below are current
            && *(int*)(s + SlotClientPidOffset) == pid
            && *(long*)(s + SlotGenerationOffset) == slotGeneration;
    }

    /// <summary>
    /// Client: the slot's request ring (we produce) and response ring (we consume). Both ring the
    /// executor doorbell after publishing, because the executor sleeps there, not on the rings.
    /// </summary>
    public (SpscRing Requests, SpscRing Responses) CreateClientRings(int slot, RingWaitPolicy? waitPolicy = null, int maxMessageLength = int.MaxValue)
    {
        var s = SlotBase(slot);
        return (
            new SpscRing(s + SlotRequestRingOffset, RingCapacity, waitPolicy, Doorbell, maxMessageLength),
            new SpscRing(s + SlotResponseRingOffset(RingCapacity), RingCapacity, waitPolicy, Doorbell, maxMessageLength));
    }

    /// <summary>
    /// Executor: the slot's request ring (we consume; poll with <see cref="SpscRing.HasData"/> /
    /// <see cref="SpscRing.TryRead"/>) and response ring (we produce). Make them after
    /// <see cref="TryClaimSlot"/>, drop them before <see cref="ReleaseSlot"/>.
    /// </summary>
    public (SpscRing Requests, SpscRing Responses) CreateExecutorRings(int slot, RingWaitPolicy? waitPolicy = null, int maxMessageLength = int.MaxValue)
    {
        var s = SlotBase(slot);
        return (
            new SpscRing(s + SlotRequestRingOffset, RingCapacity, waitPolicy, peerDoorbell: null, maxMessageLength),
            new SpscRing(s + SlotResponseRingOffset(RingCapacity), RingCapacity, waitPolicy, peerDoorbell: null, maxMessageLength));
    }

    /// <summary>
    /// Owner, on clean stop: marks the region closed (clients' <see cref="IsOwnerAlive"/> turns
    /// false at once), wakes sleeping clients, unmaps and deletes the file. Clients keep their
    /// mapping of the deleted file until they dispose it.
    /// </summary>
    public void Delete()
    {
        EnsureOwner();
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(SharedRegion));
        }

        Volatile.Write(ref *(int*)(_base + OwnerClosedOffset), 1);
        for (var i = 0; i < SlotCount; i++)
        {
            Futex.Wake((int*)(SlotBase(i) + SlotResponseRingOffset(RingCapacity) + SpscRing.TailOffset), int.MaxValue);
        }

        Dispose();
        File.Delete(Path);
    }

    /// <summary>Unmaps the region (idempotent). Does not delete the file; the owner calls <see cref="Delete"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    /// <summary>
    /// If <paramref name="path"/> exists: throws if a live owner holds it, else deletes it and
    /// returns its generation (0 if unreadable). Returns 0 if there is no file.
    /// </summary>
    private static long RemoveStale(string path)
    {
        long previousGeneration = 0;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> line0 = stackalloc byte[64];
            if (RandomAccess.Read(stream.SafeFileHandle, line0, 0) == line0.Length
                && BitConverter.ToUInt64(line0[MagicOffset..]) == Magic)
            {
                var pid = BitConverter.ToInt32(line0[OwnerPidOffset..]);
                var startTime = BitConverter.ToInt64(line0[OwnerStartTimeOffset..]);
                var closed = BitConverter.ToInt32(line0[OwnerClosedOffset..]);
                if (closed == 0 && ProcessIdentity.IsAlive(pid, startTime))
                {
                    throw new SharedRegionException(SharedRegionFailure.OwnerAlive, $"shared-memory region '{path}' is held by live owner process {pid}.");
                }

                previousGeneration = Math.Max(0, BitConverter.ToInt64(line0[GenerationOffset..]));
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }

        File.Delete(path);
        return previousGeneration;
    }

    private static PlatformNotSupportedException NotSupported() =>
        new("shared-memory transport needs Linux on x64 or arm64.");

    private void InitializeHeader(int slotCount, int ringCapacity, long totalSize, long generation)
    {
        // The file is fresh from ftruncate: all zero, so every slot is free and every ring empty.
        *(int*)(_base + LayoutVersionOffset) = LayoutVersion;
        *(int*)(_base + HeaderSizeOffset) = HeaderSize;
        *(int*)(_base + SlotCountOffset) = slotCount;
        *(int*)(_base + RingCapacityOffset) = ringCapacity;
        *(long*)(_base + SlotSizeOffset) = SlotSize(ringCapacity);
        *(long*)(_base + TotalSizeOffset) = totalSize;
        *(int*)(_base + OwnerPidOffset) = ProcessIdentity.CurrentPid;
        *(long*)(_base + OwnerStartTimeOffset) = ProcessIdentity.CurrentStartTime;
        *(long*)(_base + GenerationOffset) = generation;

        // Release: a process that sees the magic sees every field above.
        Volatile.Write(ref *(ulong*)(_base + MagicOffset), Magic);
    }

    private void Validate(long fileLength, long expectedGeneration)
    {
        var magic = Volatile.Read(ref *(ulong*)(_base + MagicOffset)); // acquire: pairs with InitializeHeader
        if (magic != Magic)
        {
            throw new SharedRegionException(SharedRegionFailure.BadMagic, $"'{Path}' is not a CyberDb shared-memory region (magic 0x{magic:X16}, expected 0x{Magic:X16}).");
        }

        var version = ReadInt32(LayoutVersionOffset);
        if (version != LayoutVersion)
        {
            throw new SharedRegionException(SharedRegionFailure.UnsupportedVersion, $"shared-memory region '{Path}' has layout version {version}; this build supports version {LayoutVersion}. Client and server must be the same CyberDb version.");
        }

        var slotCount = SlotCount;
        var capacity = RingCapacity;
        var consistent = ReadInt32(HeaderSizeOffset) == HeaderSize
            && slotCount is >= 1 and <= MaxSlotCount
            && capacity is >= SpscRing.MinCapacity and <= SpscRing.MaxCapacity
            && (capacity & (capacity - 1)) == 0
            && ReadInt64(SlotSizeOffset) == SlotSize(capacity)
            && TotalSize == SharedRegionLayout.TotalSize(slotCount, capacity)
            && TotalSize == fileLength;
        if (!consistent)
        {
            throw new SharedRegionException(SharedRegionFailure.Corrupt, $"shared-memory region '{Path}' has an inconsistent header (slots {slotCount}, ring capacity {capacity}, size {TotalSize}, file {fileLength} bytes).");
        }

        if (!IsOwnerAlive())
        {
            throw new SharedRegionException(SharedRegionFailure.OwnerDead, $"shared-memory region '{Path}' is stale: its owner process {OwnerPid} has exited or stopped.");
        }

        if (expectedGeneration != 0 && Generation != expectedGeneration)
        {
            throw new SharedRegionException(SharedRegionFailure.GenerationMismatch, $"shared-memory region '{Path}' is generation {Generation}, expected {expectedGeneration}; the server restarted.");
        }
    }

    private byte* SlotBase(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, SlotCount);
        return _base + SlotOffset(slot, RingCapacity);
    }

    private void EnsureOwner()
    {
        if (!IsOwner)
        {
            throw new InvalidOperationException($"only the owner of shared-memory region '{Path}' may do this.");
        }
    }

    private int ReadInt32(int offset) => *(int*)(_base + offset);

    private long ReadInt64(int offset) => *(long*)(_base + offset);
}
