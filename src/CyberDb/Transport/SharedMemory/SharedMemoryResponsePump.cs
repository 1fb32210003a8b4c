using System.Collections.Concurrent;
using System.Diagnostics;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// One thread per client that completes the asynchronous calls of all its shared-memory
/// connections: an awaiting caller writes its request, registers its connection here and gives
/// its thread back; this thread sleeps on every pending response ring at once
/// (<see cref="Futex.WaitAny"/>, Linux's <c>futex_waitv</c>) and completes each call whose
/// response has arrived, so its continuation runs on the thread pool.
/// </summary>
/// <remarks>
/// <para>Why: a Kestrel request that blocks its thread-pool thread on a synchronous call starves the
/// pool under load (measured: the seed web app on Redis did 14.6k requests/s with synchronous
/// calls and 20.6k with asynchronous ones, same machine, same minute). With this pump a web
/// worker's threads never block on the database, and one wake-up of this thread completes every
/// response that arrived meanwhile.</para>
/// <para>Watching: a connection that made an asynchronous call stays watched (up to
/// <see cref="MaxWatched"/> per client) until it is disposed: the pump sets its response ring's watch
/// word (tagged per slot claim), so the server wakes the ring's futex word after every answer,
/// and every pump sleep includes that word. A caller on a watched connection therefore registers
/// without waking the pump (measured on the web app: the registration wake was one of the three
/// wake-ups each request paid). Why nothing is slept through: the pump reads every watched ring's
/// word, then checks its queue of arrivals, then sleeps while the words hold; a caller enqueues,
/// then wakes the pump only if its answer is already there. Either the pump's queue check sees the
/// caller, or the caller's check comes after it and the answer after that moves the word the pump
/// sleeps on (or the caller saw the answer and woke the pump). Connections beyond the watch limit
/// wake the pump at registration and are slept on with the Dekker protocol of
/// <see cref="RingWaitPolicy"/>.</para>
/// <para>Sleeps are cut into slices of <see cref="PeerCheckIntervalMs"/>, after which a pending
/// call's deadline and its server's lifeline are checked: a dead server fails the calls within
/// about one slice, as the synchronous path does. A watched connection is unwatched by the pump
/// before its ring may be unmapped or handed to another client (<see cref="Unwatch"/>).</para>
/// <para>Only this thread touches the pending list; callers hand connections over through a
/// concurrent queue. A ring's consumer side moves between the caller (writing, a first non-blocking
/// read) and this thread (the rest); the queue orders the hand-over.</para>
/// </remarks>
internal sealed unsafe class SharedMemoryResponsePump : IDisposable
{
    /// <summary>Longest sleep before deadlines and lifelines are checked.</summary>
    public const int PeerCheckIntervalMs = RingWaitPolicy.DefaultPeerCheckIntervalMs;

    /// <summary>Longest sleep with no call pending (a safety net only: every way work arrives wakes the pump).</summary>
    public const int IdleSliceMs = 1000;

    /// <summary>Most connections watched at once (the rest of one <c>futex_waitv</c> is for unwatched pending calls).</summary>
    public const int MaxWatched = 64;

    private static readonly long PeerCheckTicks = PeerCheckIntervalMs * Stopwatch.Frequency / 1000;
    private static readonly long UnwatchTimeoutTicks = 2 * Stopwatch.Frequency;

    private readonly ConcurrentQueue<SharedMemoryClientConnection> _arrivals = new();
    private readonly ConcurrentQueue<SharedMemoryClientConnection> _leaving = new();

    // Pump thread only.
    private readonly List<SharedMemoryClientConnection> _pending = [];
    private readonly List<SharedMemoryClientConnection> _watched = [];
    private readonly List<SharedMemoryClientConnection> _prepared = [];

    // Our futex word (bumped by a registration that must wake us, a cancellation, an unwatch, a
    // stop) and our sleeping flag, on separate cache lines of an array the GC never moves: its
    // address stays valid as long as this object lives.
    private readonly int[] _words = GC.AllocateArray<int>(64, pinned: true);
    private readonly int* _wakeWord;
    private readonly int* _sleeping;

    private readonly Lock _startGate = new();
    private Thread? _thread;
    private volatile bool _stopping;

    public SharedMemoryResponsePump()
    {
        fixed (int* words = _words)
        {
            _wakeWord = words;
            _sleeping = words + 32;
        }
    }

    /// <summary>Whether the kernel has <c>futex_waitv</c>; without it asynchronous calls complete synchronously.</summary>
    public static bool IsSupported => Futex.IsWaitAnySupported;

    /// <summary>
    /// Calls completed right after a sleep that ended by its timeout rather than by a wake: an answer
    /// the pump was not woken for (a missed wake-up, each one a slice of delay). Tests expect none.
    /// </summary>
    public long LateCompletions => Interlocked.Read(ref _lateCompletions);

    /// <summary>Calls handed to the pump and not yet done (diagnostics and tests).</summary>
    public int PendingCount => Volatile.Read(ref _pendingCount) + _arrivals.Count;

    private int _pendingCount;

    /// <summary>Connections watched now (diagnostics and tests; written by the pump thread).</summary>
    public int WatchedCount => Volatile.Read(ref _watchedCount);

    private int _watchedCount;
    private long _lateCompletions;
    private bool _lastSleepTimedOut;

    /// <summary>
    /// Hands over a connection whose request is written and whose response has not fully arrived;
    /// the pump calls its <see cref="SharedMemoryClientConnection.PumpPoll"/> until that says it is done.
    /// </summary>
    public void Register(SharedMemoryClientConnection connection)
    {
        _arrivals.Enqueue(connection);
        Interlocked.MemoryBarrier(); // the enqueue before the data check below (Dekker; not left to the queue's internals)

        // Watched: the pump sleeps on our ring's word and sees our arrival (class remarks); only an
        // answer that is already here could have moved the word before the pump read it.
        if (!connection.IsWatchedByPump || connection.Responses.HasData)
        {
            Wake();
        }

        if (_stopping)
        {
            // Disposed meanwhile: the thread may be gone, so whoever takes an arrival fails it.
            FailArrivals();
        }
    }

    /// <summary>Makes the pump look at its queue and its pending calls now (a registration, a cancellation).</summary>
    public void Wake()
    {
        Interlocked.Increment(ref *_wakeWord); // full fence: the bump before the flag read (Dekker)
        if (Volatile.Read(ref *_sleeping) != 0)
        {
            Futex.Wake(_wakeWord, 1);
        }
    }

    /// <summary>
    /// Before a watched connection's ring may go (the lifeline closes, the server reuses the slot,
    /// the mapping is released): asks the pump to end its watch and forget the ring, and
    /// waits until it has. Returns <see langword="false"/> only if the pump did not answer within
    /// 2 s; the caller must then keep the mapping (leak it) rather than risk the pump touching it.
    /// </summary>
    public bool Unwatch(SharedMemoryClientConnection connection)
    {
        if (!connection.IsWatchedByPump)
        {
            return true;
        }

        _leaving.Enqueue(connection);
        Wake();
        var deadline = Stopwatch.GetTimestamp() + UnwatchTimeoutTicks;
        var spinner = default(SpinWait);
        while (connection.IsWatchedByPump)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            spinner.SpinOnce(sleep1Threshold: 20);
        }

        return true;
    }

    /// <summary>
    /// Starts the thread on first use. <see langword="false"/> once the pump is stopped (the client was
    /// disposed) or failed: the caller then waits for its answer itself, synchronously.
    /// </summary>
    public bool TryStart()
    {
        if (_thread is not null)
        {
            return !_stopping;
        }

        lock (_startGate)
        {
            if (_stopping)
            {
                return false;
            }

            if (_thread is null)
            {
                var thread = new Thread(Run) { IsBackground = true, Name = "CyberDb response pump" };
                thread.Start();
                _thread = thread;
            }
        }

        return true;
    }

    private void Run()
    {
        Exception? failure = null;
        try
        {
            Serve();
        }
#pragma warning disable CA1031 // Whatever broke the loop, the calls waiting on it must fail rather than hang, and the process must live.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e;
            _stopping = true; // new calls wait synchronously from now on (TryStart says no)
        }

        var reason = failure is null
            ? Stopped()
            : new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the CyberDb response pump failed ({failure.Message}); this call's answer was lost with it", failure);
        foreach (var connection in _pending)
        {
            connection.PumpFail(reason);
        }

        _pending.Clear();
        while (_watched.Count > 0)
        {
            StopWatching(_watched[^1]);
        }

        FailArrivals();
    }

    private void Serve()
    {
        var waiters = new Futex.FutexWaiter[Futex.MaxWaitAny];
        var lastPeerCheck = Stopwatch.GetTimestamp();
        while (!_stopping)
        {
            while (_leaving.TryDequeue(out var leaving))
            {
                StopWatching(leaving);
            }

            while (_arrivals.TryDequeue(out var arrived))
            {
                _pending.Add(arrived);
                if (!arrived.IsWatchedByPump && _watched.Count < MaxWatched)
                {
                    arrived.Responses.BeginWatch(arrived.WatchTag);
                    _watched.Add(arrived);
                    Volatile.Write(ref _watchedCount, _watched.Count);
                    arrived.IsWatchedByPump = true;
                }
            }

            var now = Stopwatch.GetTimestamp();
            var checkPeers = now - lastPeerCheck >= PeerCheckTicks;
            if (checkPeers)
            {
                lastPeerCheck = now;
            }

            var nearestDeadline = long.MaxValue;
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var connection = _pending[i];
                var result = connection.PumpPoll(now, checkPeers);
                if (result == PumpPollResult.Pending)
                {
                    nearestDeadline = Math.Min(nearestDeadline, connection.PumpDeadline);
                    continue;
                }

                if (result == PumpPollResult.Answered && _lastSleepTimedOut)
                {
                    Interlocked.Increment(ref _lateCompletions);
                }

                // Done: its continuation may already register it again, which goes through the
                // queue, never into this list behind our back.
                _pending[i] = _pending[^1];
                _pending.RemoveAt(_pending.Count - 1);
            }

            Volatile.Write(ref _pendingCount, _pending.Count);
            _lastSleepTimedOut = Sleep(waiters, nearestDeadline);
        }
    }

    private void StopWatching(SharedMemoryClientConnection connection)
    {
        if (_watched.Remove(connection))
        {
            connection.Responses.EndWatch(connection.WatchTag);
            Volatile.Write(ref _watchedCount, _watched.Count);
        }

        connection.IsWatchedByPump = false; // after the ring's last use here: the disposer may go on
    }

    /// <returns>Whether the pump slept and its sleep ended by the timeout.</returns>
    private bool Sleep(Futex.FutexWaiter[] waiters, long nearestDeadline)
    {
        var observed = Volatile.Read(ref *_wakeWord);
        Interlocked.Exchange(ref *_sleeping, 1); // full fence: the flag before the re-checks below
        var overflow = false;
        try
        {
            waiters[0] = Futex.FutexWaiter.For(_wakeWord, observed);
            var count = 1;

            // 1. Every watched ring's word as it is now (their watch words make the server wake them).
            foreach (var connection in _watched)
            {
                waiters[count++] = connection.Responses.WatchWaiter();
            }

            // 2. A pending answer that arrived since the poll: poll again at once. Unwatched pending
            //    rings announce this sleep themselves (Dekker).
            foreach (var connection in _pending)
            {
                if (connection.IsWatchedByPump)
                {
                    if (connection.Responses.HasData)
                    {
                        return false;
                    }

                    continue;
                }

                if (count == waiters.Length)
                {
                    overflow = true; // more than one futex_waitv takes: the short slice below polls the rest
                    continue;
                }

                if (!connection.Responses.PrepareConsumerSleep(out waiters[count]))
                {
                    return false;
                }

                _prepared.Add(connection);
                count++;
            }

            // 3. Arrivals last, after the words were read (see the class remarks).
            if (!_arrivals.IsEmpty || !_leaving.IsEmpty || _stopping)
            {
                return false;
            }

            // Nothing pending: only a registration or an answer on a watched ring can give us work,
            // and both wake us, so an idle client's pump need not tick every slice.
            var sliceMs = overflow ? 1 : _pending.Count == 0 ? IdleSliceMs : PeerCheckIntervalMs;
            if (nearestDeadline != long.MaxValue)
            {
                var untilDeadlineMs = ((nearestDeadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency) + 1;
                sliceMs = (int)Math.Clamp(untilDeadlineMs, 0, sliceMs);
            }

            var timedOut = sliceMs > 0 && !Futex.WaitAny(waiters.AsSpan(0, count), sliceMs);
            return timedOut && !overflow; // with overflow, answers are expected to be found by the 1 ms poll
        }
        finally
        {
            foreach (var connection in _prepared)
            {
                connection.Responses.EndConsumerSleep();
            }

            _prepared.Clear();
            Volatile.Write(ref *_sleeping, 0);
        }
    }

    private void FailArrivals()
    {
        while (_arrivals.TryDequeue(out var connection))
        {
            connection.PumpFail(Stopped());
        }
    }

    private static CyberDbConnectionException Stopped() =>
        new(CyberDbConnectionFailure.ServerClosed, "the CyberDb client was disposed while this call was waiting for its answer");

    /// <summary>Stops the thread; calls still pending fail with <see cref="CyberDbConnectionException"/>. Before the rings are unmapped.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_startGate)
        {
            _stopping = true;
            thread = _thread;
        }

        Wake();
        thread?.Join();
        FailArrivals();
    }
}
