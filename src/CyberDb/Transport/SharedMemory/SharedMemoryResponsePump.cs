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
/// <para>The server needs no change: it already wakes a ring's futex word when the consumer's
/// sleeping flag is set, and a <c>FUTEX_WAKE</c> on any word wakes a <c>futex_waitv</c> over it. The
/// sleep follows the same Dekker protocol as <see cref="RingWaitPolicy"/> on every ring (and on our
/// own wake word, which a registering caller bumps), so no response or registration is slept
/// through. Sleeps are cut into slices of <see cref="PeerCheckIntervalMs"/>, after which a pending
/// call's deadline and its server's lifeline are checked: a dead server fails the calls within
/// about one slice, as the synchronous path does.</para>
/// <para>Only this thread touches the pending list; callers hand connections over through a
/// concurrent queue. A ring's consumer side moves between the caller (writing, a first non-blocking
/// read) and this thread (the rest); the queue orders the hand-over.</para>
/// </remarks>
internal sealed unsafe class SharedMemoryResponsePump : IDisposable
{
    /// <summary>Longest sleep before deadlines and lifelines are checked.</summary>
    public const int PeerCheckIntervalMs = RingWaitPolicy.DefaultPeerCheckIntervalMs;

    private static readonly long PeerCheckTicks = PeerCheckIntervalMs * Stopwatch.Frequency / 1000;

    private readonly ConcurrentQueue<SharedMemoryClientConnection> _arrivals = new();
    private readonly List<SharedMemoryClientConnection> _pending = [];

    // Our futex word (bumped by every registration) and our sleeping flag, on separate cache
    // lines of an array the GC never moves: its address stays valid as long as this object lives.
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

    /// <summary>Calls pending now (diagnostics and tests).</summary>
    public int PendingCount => _pending.Count + _arrivals.Count;

    /// <summary>
    /// Hands over a connection whose request is written and whose response has not fully arrived;
    /// the pump calls its <see cref="SharedMemoryClientConnection.PumpPoll"/> until that says it is done.
    /// </summary>
    public void Register(SharedMemoryClientConnection connection)
    {
        EnsureStarted();
        _arrivals.Enqueue(connection);
        Wake();
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

    private void EnsureStarted()
    {
        if (_thread is not null)
        {
            return;
        }

        lock (_startGate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_thread is null)
            {
                var thread = new Thread(Run) { IsBackground = true, Name = "CyberDb response pump" };
                thread.Start();
                _thread = thread;
            }
        }
    }

    private void Run()
    {
        var waiters = new Futex.FutexWaiter[Futex.MaxWaitAny];
        var lastPeerCheck = Stopwatch.GetTimestamp();
        while (!_stopping)
        {
            while (_arrivals.TryDequeue(out var arrived))
            {
                _pending.Add(arrived);
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
                if (connection.PumpPoll(now, checkPeers))
                {
                    // Done (completed or failed): its continuation may already register it again,
                    // which goes through the queue, never into this list behind our back.
                    _pending[i] = _pending[^1];
                    _pending.RemoveAt(_pending.Count - 1);
                }
                else
                {
                    nearestDeadline = Math.Min(nearestDeadline, connection.PumpDeadline);
                }
            }

            Sleep(waiters, nearestDeadline);
        }

        foreach (var connection in _pending)
        {
            connection.PumpFail(Stopped());
        }

        _pending.Clear();
        FailArrivals();
    }

    private void Sleep(Futex.FutexWaiter[] waiters, long nearestDeadline)
    {
        var observed = Volatile.Read(ref *_wakeWord);
        Interlocked.Exchange(ref *_sleeping, 1); // full fence: the flag before the queue re-check
        var prepared = 0;
        try
        {
            if (!_arrivals.IsEmpty || _stopping)
            {
                return;
            }

            waiters[0] = Futex.FutexWaiter.For(_wakeWord, observed);
            var count = 1;
            foreach (var connection in _pending)
            {
                if (count == waiters.Length)
                {
                    break; // more pending calls than one futex_waitv takes: the short slice below polls the rest
                }

                if (!connection.Responses.PrepareConsumerSleep(out waiters[count]))
                {
                    return; // a response is arriving: poll again at once
                }

                prepared++;
                count++;
            }

            var sliceMs = _pending.Count >= waiters.Length ? 1 : PeerCheckIntervalMs;
            if (nearestDeadline != long.MaxValue)
            {
                var untilDeadlineMs = ((nearestDeadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency) + 1;
                sliceMs = (int)Math.Clamp(untilDeadlineMs, 0, sliceMs);
            }

            if (sliceMs > 0)
            {
                Futex.WaitAny(waiters.AsSpan(0, count), sliceMs);
            }
        }
        finally
        {
            for (var i = 0; i < prepared; i++)
            {
                _pending[i].Responses.EndConsumerSleep();
            }

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
