using System.Globalization;
using CyberDb.Engine;
using CyberDb.Server;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The server's shared-memory transport: one <see cref="SharedRegion"/> under <c>/dev/shm</c>, its
/// slots handed to authenticated TCP clients that ask (<c>OpCode.AttachSharedMemory</c>), and the
/// sessions the executor thread polls.
/// </summary>
/// <remarks>
/// <para>Threads. TCP connection tasks call <see cref="TryAttach"/> and <see cref="Detach"/>; both
/// only post work to the executor, which alone touches <see cref="_active"/> and the sessions. So
/// the executor's poll loop takes no lock, and a slot is released only after the executor has
/// stopped using its rings.</para>
/// <para>Life cycle: created at server start (a stale region left by a killed owner at the same
/// path is replaced, its generation bumped, never reused); <see cref="Dispose"/> at stop, after the
/// executor has stopped, marks the region closed and deletes the file.</para>
/// </remarks>
internal sealed class SharedMemoryHost : ITableChangeSink, IDisposable
{
    /// <summary>Data bytes per ring: a 100-byte request is a sliver of it; a 64 MiB value streams through in 512 chunks.</summary>
    public const int RingCapacity = 128 * 1024;

    /// <summary>
    /// Slots (ring pairs) at most: the region is a sparse file, so untouched slots cost nothing, but
    /// every used one keeps 2 × 128 KiB of shared memory. Clients beyond it are served over TCP.
    /// </summary>
    public const int MaxSlots = 256;

    private readonly SharedRegion _region;
    private readonly int _maxFrameBytes;
    private readonly TimeProvider _time;

    /// <summary>Executor thread only: the sessions it polls, in attach order.</summary>
    private readonly List<SharedMemorySession> _active = [];

    private Executor? _executor;
    private int _attached;

    // Under the engine lock (Executor.Execute): the last version written to the region (-1: none yet).
    private long _publishedTableSetVersion = -1;

    private SharedMemoryHost(SharedRegion region, int maxFrameBytes, TimeProvider time)
    {
        _region = region;
        _maxFrameBytes = maxFrameBytes;
        _time = time;
    }

    /// <summary>The region file clients map.</summary>
    public string Path => _region.Path;

    /// <summary>Bumped each time the path is created anew, so a client never maps a region from an earlier server.</summary>
    public long Generation => _region.Generation;

    public ExecutorDoorbell Doorbell => _region.Doorbell;

    /// <summary>Sessions attached now (for stats).</summary>
    public int AttachedCount => Volatile.Read(ref _attached);

    /// <summary>Where the server on <paramref name="host"/>:<paramref name="port"/> keeps its region.</summary>
    public static string RegionPath(string host, int port)
    {
        var safeHost = string.Concat(host.Select(c => char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '_'));
        return string.Create(CultureInfo.InvariantCulture, $"/dev/shm/cyberdb-{safeHost}-{port}.region");
    }

    /// <summary>Creates the region, or says why shared memory cannot be offered (the server then serves TCP only).</summary>
    public static SharedMemoryHost? TryCreate(string host, int port, int maxConnections, int maxFrameBytes, TimeProvider time, out string? reason)
    {
        if (!OperatingSystem.IsLinux() || !Futex.IsSupported || !Directory.Exists("/dev/shm"))
        {
            reason = "shared memory needs Linux with /dev/shm and futex";
            return null;
        }

        try
        {
            var region = SharedRegion.Create(RegionPath(host, port), Math.Clamp(maxConnections, 1, MaxSlots), RingCapacity);
            reason = null;
            return new SharedMemoryHost(region, maxFrameBytes, time);
        }
        catch (Exception e) when (e is SharedRegionException or IOException or UnauthorizedAccessException)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>Before the executor starts: the executor that polls the sessions.</summary>
    public void Bind(Executor executor) => _executor = executor;

    /// <summary>
    /// A TCP connection task, after authentication: claims a slot for process <paramref name="clientPid"/>
    /// and has the executor start polling it. Null when every slot is taken (the client stays on TCP).
    /// </summary>
    /// <exception cref="ArgumentException">No live process has that pid.</exception>
    public SharedMemorySession? TryAttach(int clientPid)
    {
        var executor = _executor ?? throw new InvalidOperationException("the shared-memory host is not bound to an executor");
        if (!_region.TryClaimSlot(clientPid, out var slot, out var slotGeneration))
        {
            return null;
        }

        var (requests, responses) = _region.CreateExecutorRings(slot, RingWaitPolicy.Default, _maxFrameBytes);
        var region = _region;
        var session = new SharedMemorySession(slot, slotGeneration, requests, responses, _maxFrameBytes, _time, () => region.ReadSlotClientReads(slot));
        Interlocked.Increment(ref _attached);
        executor.Post(new Registration(this, session, attach: true));
        return session;
    }

    /// <summary>A TCP connection task, when its lifeline ends: the executor stops polling the session, then frees its slot.</summary>
    public void Detach(SharedMemorySession session) =>
        _executor?.Post(new Registration(this, session, attach: false));

    /// <summary>
    /// Executor, after each operation and before its response is sent: makes the table-set
    /// version visible to clients, so none of them trusts a table kind it learned before a
    /// create or delete that has been answered.
    /// </summary>
    public void PublishTableSetVersion(long version)
    {
        if (version != _publishedTableSetVersion)
        {
            _publishedTableSetVersion = version;
            _region.TableSetVersion = version;
        }
    }

    /// <summary>Executor, under the engine lock, before the change is answered: moves the name's counter on the board.</summary>
    public void TableChanged(ReadOnlySpan<byte> utf8Name) => _region.BumpTableVersion(SharedRegionLayout.TableVersionBucket(utf8Name));

    /// <summary>Executor, under the engine lock: moves every counter on the board.</summary>
    public void AllTablesChanged() => _region.BumpAllTableVersions();

    /// <summary>The table-set version clients read from the region now.</summary>
    public long TableSetVersion => _region.TableSetVersion;

    /// <summary>Executor: whether any session has work (the wait condition while the executor idles).</summary>
    public bool HasWork()
    {
        var active = _active;
        for (var i = 0; i < active.Count; i++)
        {
            if (active[i].HasWork)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Executor: one pass over every session; whether any made progress.</summary>
    public bool Poll(Executor executor)
    {
        var progressed = false;
        var active = _active;
        for (var i = 0; i < active.Count; i++)
        {
            progressed |= active[i].Poll(executor);
        }

        return progressed;
    }

    /// <summary>After the executor stopped: marks the region closed (waiting clients see it at once) and deletes the file.</summary>
    public void Dispose()
    {
        _region.Delete();
        foreach (var session in _active)
        {
            session.Dispose();
        }

        _active.Clear();
    }

    /// <summary>Adds or removes a session on the executor thread, so the poll loop needs no lock.</summary>
    private sealed class Registration(SharedMemoryHost host, SharedMemorySession session, bool attach) : IExecutorWork
    {
        public bool ReportsTableChanges => true; // it touches no table

        public void Execute(OperationDispatcher dispatcher, Database database)
        {
            if (attach)
            {
                host._active.Add(session);
                return;
            }

            if (host._active.Remove(session))
            {
                session.Dispose();
                host._region.ReleaseSlot(session.Slot);
                Interlocked.Decrement(ref host._attached);
            }
        }
    }
}
