using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using CyberDb.Client;
using CyberDb.Protocol;
using CyberDb.Transport.Tcp;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The client's side of one shared-memory connection: a ring pair in the server's region, plus the
/// authenticated TCP socket it was handed over, kept open as the lifeline. A request frame goes
/// into the request ring whole (or streamed, when larger than the ring); the thread then waits on
/// the response ring, spinning briefly, then on its futex. No socket call, no Task, no allocation
/// per request. An asynchronous call writes its request the same way, then hands the wait to the
/// client's <see cref="SharedMemoryResponsePump"/> and completes through this connection's
/// reusable <see cref="IValueTaskSource"/>: no thread blocks, and nothing is allocated per call.
/// </summary>
/// <remarks>
/// Failure: while it waits, the ring checks <see cref="TcpClientConnection.IsServerListening"/>
/// between futex slices (every 50 ms): a killed server's socket is closed by the kernel, so the
/// call fails within that, not at <c>OperationTimeout</c>; a goodbye the server sent first (idle
/// timeout, a broken protocol) becomes the exception's message.
/// </remarks>
internal sealed unsafe class SharedMemoryClientConnection : ClientConnection, IValueTaskSource, IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int InPump = 1;
    private const int DisposeWhenDone = 2;

    private readonly TcpClientConnection _lifeline;
    private readonly ClientRegionCache.Lease _region;
    private readonly SpscRing _requests;
    private readonly SpscRing _responses;
    private readonly Func<bool> _serverAlive;
    private readonly int _maxFrameBytes;
    private readonly SharedMemoryResponsePump? _pump;

    // The asynchronous call in flight (at most one: a proxy is one unit of work). The pump never
    // runs a continuation itself: it queues this connection as a thread-pool work item (no
    // allocation, unlike RunContinuationsAsynchronously), whose Execute completes the call.
    private ManualResetValueTaskSourceCore<bool> _completion;
    private Exception? _failure;
    private bool _disposeAfterCompletion;
    private CancellationToken _cancellation;
    private CancellationTokenRegistration _cancellationRegistration;
    private int _pumpState;
    private volatile bool _watchedByPump;
    private SharedRegionException? _ringFailure;
    private int _disposed;

    // When the server last showed this connection alive (a Stopwatch timestamp: an answer, or the
    // lifeline polled open): a cached read or a rent within AliveCheckTicks of it polls no socket.
    private long _lastSeenAlive;
    private static readonly long AliveCheckTicks = Stopwatch.Frequency / 1000;

    // Our slot's count of reads answered from the cache (SharedRegionLayout.SlotClientReadsOffset).
    private readonly long* _cachedReadCount;

    private SharedMemoryClientConnection(CyberDbClientOptions options, TcpClientConnection lifeline, ClientRegionCache.Lease region, int slot, long slotGeneration, SharedMemoryResponsePump? pump)
        : base(options)
    {
        _pump = pump;

        // Distinct for consecutive claims of the slot (generations count up), never zero.
        WatchTag = (int)(slotGeneration % int.MaxValue) + 1;
        _lifeline = lifeline;
        _region = region;
        _maxFrameBytes = lifeline.ServerMaxFrameBytes;
        (_requests, _responses) = region.Region.CreateClientRings(slot, RingWaitPolicy.Default, ProtocolLimits.DefaultMaxFrameBytes);
        _cachedReadCount = region.Region.SlotClientReads(slot);
        _serverAlive = lifeline.IsServerListening;
    }

    public override CyberTransport Transport => CyberTransport.SharedMemory;

    public override long? TableSetVersion => _region.Region.TableSetVersion;

    protected override ReadCache? CachedReads => Options.ReadCache ? _region.ReadCache : null;

    protected override ReadVersion ReadVersionOf(ReadOnlySpan<byte> utf8Name) =>
        new(_region.Region.TableSetVersion, _region.Region.ReadTableVersion(SharedRegionLayout.TableVersionBucket(utf8Name)));

    /// <summary>
    /// A cached answer needs no ring, so nothing else would notice a dead server: it fails unless
    /// <see cref="IsServerSeenAlive"/>. A read within that grace of a crash returns the value the
    /// server held when it died, which no later write can have changed. The read is also counted in
    /// our slot, so that the server's idle check sees the connection in use.
    /// </summary>
    protected override void BeforeCachedAnswer()
    {
        Volatile.Write(ref *_cachedReadCount, *_cachedReadCount + 1);
        if (!IsServerSeenAlive())
        {
            throw Failed(new SharedRegionException(SharedRegionFailure.PeerDead, "the peer process on the other side of the shared-memory ring is gone."));
        }
    }

    /// <summary>
    /// Whether the server is alive for this connection: without a socket poll when it answered here
    /// (or the lifeline was polled open) within the last millisecond and has not marked its region
    /// closed (a clean stop); otherwise the lifeline is polled, and an open one is remembered.
    /// </summary>
    private bool IsServerSeenAlive()
    {
        if (!_region.Region.IsOwnerClosed && Stopwatch.GetTimestamp() - _lastSeenAlive < AliveCheckTicks)
        {
            return true;
        }

        if (!_serverAlive())
        {
            return false;
        }

        _lastSeenAlive = Stopwatch.GetTimestamp();
        return true;
    }

    /// <summary>Whether shared memory can be tried at all for <paramref name="host"/>: Linux, and a loopback host.</summary>
    public static bool IsPossible(string host) =>
        OperatingSystem.IsLinux() && Futex.IsSupported
        && (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address)));

    /// <summary>
    /// Turns an authenticated TCP connection into a shared-memory one, if the server offered its
    /// region, the region opens (same OS user: it is mode 0600) and a slot is free. On success the
    /// new connection owns <paramref name="tcp"/>; otherwise <paramref name="tcp"/> is untouched and
    /// usable, and <paramref name="reason"/> says why.
    /// </summary>
    public static bool TryUpgrade(TcpClientConnection tcp, ClientRegionCache regions, SharedMemoryResponsePump? pump, CyberDbClientOptions options, out SharedMemoryClientConnection? connection, out string reason)
    {
        connection = null;
        if (tcp.SharedMemoryOffer is not { } offer)
        {
            reason = "the server offers no shared memory (its SharedMemory option is off, or it cannot create its region)";
            return false;
        }

        ClientRegionCache.Lease lease;
        try
        {
            lease = regions.Acquire(offer.Path, offer.Generation);
        }
        catch (Exception e) when (e is SharedRegionException or IOException or UnauthorizedAccessException)
        {
            reason = $"the server's region {offer.Path} cannot be opened: {e.Message}";
            return false;
        }

        try
        {
            if (tcp.AttachSharedMemory(out var refusal) is not { } attached)
            {
                lease.Release();
                reason = $"the server gave no ring pair: {refusal}";
                return false;
            }

            if (!lease.Region.IsSlotClaimedBy(attached.Slot, Environment.ProcessId, attached.SlotGeneration))
            {
                throw new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the server's slot {attached.Slot} in {offer.Path} is not claimed for this process");
            }

            connection = new SharedMemoryClientConnection(options, tcp, lease, attached.Slot, attached.SlotGeneration, pump);
            reason = string.Empty;
            return true;
        }
        catch
        {
            lease.Release();
            throw;
        }
    }

    protected override void Exchange()
    {
        var timeoutMs = Options.OperationTimeoutMilliseconds;
        try
        {
            WriteRequest(timeoutMs);
            _responses.Read(Response, timeoutMs, _serverAlive);
        }
        catch (TimeoutException e)
        {
            throw TimedOut(e);
        }
        catch (SharedRegionException e)
        {
            throw Failed(e);
        }

        CheckResponseFrame();
    }

    /// <summary>An asynchronous call is still with the pump (the pool must not hand this connection out).</summary>
    public override bool HasCallInFlight => Volatile.Read(ref _pumpState) != Idle;

    protected override ValueTask ExchangeAsync(CancellationToken cancellationToken)
    {
        // (A second call while one is pending was refused by BeginRequest, before it touched the buffers.)

        // No pump (an old kernel), or it stopped (the client was disposed, or it failed): wait here.
        if (_pump is null || !_pump.TryStart())
        {
            return base.ExchangeAsync(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var timeoutMs = Options.OperationTimeoutMilliseconds;
        try
        {
            // A request larger than the free space streams from this thread while the executor
            // drains it (bounded by the executor, not by other clients); only the wait for the
            // answer is handed over.
            WriteRequest(timeoutMs);
            if (_responses.TryRead(Response))
            {
                CheckResponseFrame();
                return default;
            }
        }
        catch (TimeoutException e)
        {
            throw TimedOut(e);
        }
        catch (SharedRegionException e)
        {
            throw Failed(e);
        }

        PumpDeadline = RingWaitPolicy.DeadlineAfter(timeoutMs);
        _cancellation = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _cancellationRegistration = cancellationToken.UnsafeRegister(static pump => ((SharedMemoryResponsePump)pump!).Wake(), _pump);
        }

        _completion.Reset();
        var version = _completion.Version;
        Volatile.Write(ref _pumpState, InPump);

        // Register reads our ring once more after handing us over; by then the call may be done and
        // the connection disposed, so hold the mapping across it.
        var held = _region.TryAddRef();
        try
        {
            _pump.Register(this);
        }
        finally
        {
            if (held)
            {
                _region.Release();
            }
        }

        return new ValueTask(this, version);
    }

    /// <summary>The tag of this connection's watch on its response ring (see <see cref="SpscRing.BeginWatch"/>).</summary>
    internal int WatchTag { get; }

    /// <summary>Pump: when the pending call times out (a <see cref="Stopwatch"/> timestamp).</summary>
    internal long PumpDeadline { get; private set; }

    /// <summary>Set and cleared by the pump thread: whether it holds a standing watch on <see cref="Responses"/>.</summary>
    internal bool IsWatchedByPump
    {
        get => _watchedByPump;
        set => _watchedByPump = value;
    }

    /// <summary>Pump: the ring this connection's answer arrives on.</summary>
    internal SpscRing Responses => _responses;

    /// <summary>
    /// Pump thread: takes what has arrived of the answer; says whether the call is done: answered,
    /// or failed (timed out, cancelled, or its server is gone, which is checked when <paramref name="checkPeer"/>).
    /// Nothing here blocks: a dead server's goodbye is read on the thread pool, by the completion.
    /// </summary>
    internal PumpPollResult PumpPoll(long now, bool checkPeer)
    {
        Exception? failure = null;
        try
        {
            if (_responses.TryRead(Response))
            {
                Finish(null, null);
                return PumpPollResult.Answered;
            }

            if (_cancellation.IsCancellationRequested)
            {
                IsBroken = true; // the answer still comes, into a ring nobody reads in order any more
                failure = new OperationCanceledException(_cancellation);
            }
            else if (now >= PumpDeadline)
            {
                failure = TimedOut(new TimeoutException($"shared-memory ring: waited {Options.OperationTimeoutMilliseconds} ms for a message."));
            }
            else if (checkPeer && !_serverAlive())
            {
                Finish(null, new SharedRegionException(SharedRegionFailure.PeerDead, "the peer process on the other side of the shared-memory ring is gone."));
                return PumpPollResult.Failed;
            }
            else
            {
                return PumpPollResult.Pending;
            }
        }
        catch (SharedRegionException e)
        {
            Finish(null, e);
            return PumpPollResult.Failed;
        }

        Finish(failure, null);
        return PumpPollResult.Failed;
    }

    /// <summary>Pump thread: fails the pending call (the pump stops).</summary>
    internal void PumpFail(Exception failure)
    {
        IsBroken = true;
        Finish(failure, null);
    }

    private void Finish(Exception? failure, SharedRegionException? ringFailure)
    {
        if (Interlocked.Exchange(ref _pumpState, Idle) == DisposeWhenDone)
        {
            // Disposed while waiting (a misuse, but never a use of unmapped memory): now it can go.
            IsBroken = true;
            failure = new ObjectDisposedException(nameof(CyberProxy), "the connection was closed while a call on it was pending");
            ringFailure = null;
            _disposeAfterCompletion = true;
        }

        _failure = failure;
        _ringFailure = ringFailure;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Thread pool, queued by <see cref="Finish"/>: completes the call, running its continuation here.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        var failure = _failure ?? (_ringFailure is { } ringFailure ? Failed(ringFailure) : null);
        var dispose = _disposeAfterCompletion;
        _failure = null;
        _ringFailure = null;
        _disposeAfterCompletion = false;
        if (failure is null)
        {
            _completion.SetResult(true);
        }
        else
        {
            _completion.SetException(failure);
        }

        if (dispose)
        {
            DisposeNow();
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        _cancellationRegistration.Dispose();
        _cancellationRegistration = default;
        _cancellation = default;
        _completion.GetResult(token);
        CheckResponseFrame();
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    private void WriteRequest(int timeoutMs)
    {
        var frame = Request.WrittenSpan;
        if (frame.Length > _maxFrameBytes)
        {
            ThrowTooLarge(frame.Length);
        }

        // Fast path: the whole frame fits now. Otherwise stream it while the executor drains.
        if (frame.Length > _requests.MaxWholeMessageLength || !_requests.TryWrite(frame))
        {
            _requests.Write(frame, timeoutMs, _serverAlive);
        }

        Response.PrepareReceive(0);
    }

    /// <summary>After every answer that arrived through the ring: it must be one whole frame; and the server is alive.</summary>
    private void CheckResponseFrame()
    {
        var response = Response.WrittenSpan;
        if (response.Length < FrameHeader.Size || FrameHeader.ReadLength(response) != response.Length - FrameHeader.LengthFieldSize)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the server sent a {response.Length}-byte ring message that is not a frame");
        }

        _lastSeenAlive = Stopwatch.GetTimestamp();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CyberDbConnectionException TimedOut(TimeoutException e)
    {
        IsBroken = true;
        return new CyberDbConnectionException(
            CyberDbConnectionFailure.OperationTimeout,
            $"the server did not answer over shared memory within OperationTimeout ({Options.OperationTimeout.TotalSeconds:0.###} s)",
            e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CyberDbConnectionException Failed(SharedRegionException e)
    {
        IsBroken = true;
        if (_lifeline.TryReadGoodbye() is { Length: > 0 } goodbye && ResponseErrors.Create(ResponseStatus.Refused, goodbye) is CyberDbConnectionException refusal)
        {
            return refusal;
        }

        return e.Failure == SharedRegionFailure.PeerDead
            ? new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the server at {Options.Host}:{Options.Port} closed the connection (stopped or crashed)", e)
            : new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the shared-memory connection to {Options.Host}:{Options.Port} failed: {e.Message}", e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(int length) =>
        throw new ArgumentException(
            $"the request is {length} bytes, over the server's MaxFrameBytes ({_maxFrameBytes}); nothing was sent. Store smaller values, or raise the server's MaxFrameBytes.");

    /// <summary>Reusable while the lifeline is quiet: the server neither closed it nor said goodbye.</summary>
    /// <remarks>
    /// Usually without a socket poll (<see cref="IsServerSeenAlive"/>), as a web worker's pool turns
    /// its connections over: the server closes a connection only when it has been idle, or it stops.
    /// </remarks>
    public override bool IsAliveForReuse() => !IsBroken && IsServerSeenAlive();

    public override void Dispose()
    {
        if (Interlocked.CompareExchange(ref _pumpState, DisposeWhenDone, InPump) != Idle)
        {
            return; // the pump still reads our ring; the completion disposes us when the call is done
        }

        DisposeNow();
    }

    private void DisposeNow()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // the region lease must be released exactly once
        }

        // The pump lets go of our ring first: once the lifeline closes the server may give the slot
        // to another client, and once the lease goes the mapping may be unmapped.
        var unwatched = _pump?.Unwatch(this) ?? true;

        // Closing the lifeline tells the server to reclaim the slot; it stops polling the rings
        // before it frees them, and our mapping outlives this connection in the lease.
        _lifeline.Dispose();
        if (unwatched)
        {
            _region.Release(); // else keep the mapping: a pump that did not answer may still read the ring
        }

        base.Dispose();
    }
}
