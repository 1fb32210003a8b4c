using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// How a shared-memory waiter waits: spin for a bounded time, then yield the core between checks for
/// a bounded time, then sleep on a shared futex with a timeout. Immutable; validated in the constructor.
/// </summary>
/// <remarks>
/// <para>API: <c>RingWaitPolicy(int spinMicroseconds, int yieldMicroseconds, int peerCheckIntervalMs)</c>,
/// <c>Default</c>, <c>FutexOnly</c>, and for the ring and the doorbell
/// <c>bool WaitUntil&lt;T&gt;(ref T condition, int* futexWord, int* sleepingFlag, long deadline, Func&lt;bool&gt;? peerAlive, CancellationToken, WaitHistory? history = null)</c>; with a history the spin and yield phases run only while they have been paying off (see <see cref="WaitHistory"/>).</para>
/// <para>The sleep protocol (the same for ring waits and the executor doorbell), with W the futex
/// word the waker changes when it publishes and F the waiter's "sleeping" flag:</para>
/// <list type="number">
/// <item>Waiter reads W into <c>observed</c>.</item>
/// <item>Waiter increments F with <see cref="Interlocked.Increment(ref int)"/>: a full fence, so F
/// is visible before step 3 reads shared state (store→load order, which plain stores lack on x64).
/// F counts sleepers rather than being a flag because a ring's consumer word may have two: a
/// thread in a synchronous call and the client's <see cref="SharedMemoryResponsePump"/>, which
/// may sleep on an unwatched ring while a synchronous call's thread has not yet dropped its count.</item>
/// <item>Waiter re-checks the condition; if met it decrements F and returns.</item>
/// <item>Waiter calls <c>FUTEX_WAIT(W, observed, slice)</c>; the kernel returns at once if W changed
/// since step 1, so a publish between steps 1 and 4 is never slept through.</item>
/// <item>Waker (elsewhere): publishes with a full fence (changing W, or state then W), then reads
/// F; only if F is non-zero does it pay for <c>FUTEX_WAKE</c>.</item>
/// </list>
/// <para>Steps 2–3 against step 5 are Dekker's pattern: with a full fence on both sides at least one
/// of them sees the other's store, so either the waiter sees the data or the waker sees the flag.</para>
/// <para>The futex sleep is cut into slices of at most <see cref="PeerCheckIntervalMs"/>; between
/// slices the waiter checks the deadline, the cancellation token and (from the second slice on,
/// since it reads procfs) the caller's <c>peerAlive</c> callback, so a dead peer is noticed within
/// about one slice. Cancellation also wakes the futex at once through a token registration.</para>
/// </remarks>
internal sealed class RingWaitPolicy
{
    private readonly long _spinTicks;
    private readonly long _yieldTicks;

    /// <summary>
    /// Default pure-spin budget (pause instructions, no syscalls): none. Measured on the 2-core
    /// reference machine (<c>PingPongLatencyTests</c>, 100-byte cross-process round trip): the
    /// kernel's wake-affine placement usually puts the two peers on one core, where spinning only
    /// delays the peer: p50 3.2 µs yielding at once, 5.5 µs after a 1 µs spin, 110 µs after a
    /// 50 µs spin, and milliseconds for an unbounded spin. Pure spinning wins (0.3 µs) only when
    /// both peers own a core, which a server with several client processes on 2 cores never has.
    /// </summary>
    public const int DefaultSpinMicroseconds = 0;

    /// <summary>
    /// Default yield budget (<see cref="Thread.Yield"/>, i.e. <c>sched_yield</c>, between checks):
    /// a yield hands the core to a peer queued behind us at once, and when the peer runs
    /// elsewhere it is a ~2 µs poll. After this budget the waiter sleeps on the futex (p50 ~10 µs
    /// round trip), so an idle waiter burns at most this much CPU per wait.
    /// </summary>
    public const int DefaultYieldMicroseconds = 50;

    /// <summary>Default longest single futex sleep, i.e. how stale a peer-death check can be.</summary>
    public const int DefaultPeerCheckIntervalMs = 50;

    /// <summary>Iterations of the pause instruction between two condition checks while spinning.</summary>
    private const int PausesPerCheck = 4;

    /// <param name="spinMicroseconds">Phase 1: busy-wait this long with pause instructions (0 = skip).</param>
    /// <param name="yieldMicroseconds">Phase 2: then yield the core between checks this long (0 = skip).</param>
    /// <param name="peerCheckIntervalMs">Phase 3: longest futex sleep between deadline, cancellation and peer checks.</param>
    public RingWaitPolicy(int spinMicroseconds, int yieldMicroseconds, int peerCheckIntervalMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spinMicroseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spinMicroseconds, 10_000_000);
        ArgumentOutOfRangeException.ThrowIfNegative(yieldMicroseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(yieldMicroseconds, 10_000_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(peerCheckIntervalMs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(peerCheckIntervalMs, 60_000);
        SpinMicroseconds = spinMicroseconds;
        YieldMicroseconds = yieldMicroseconds;
        PeerCheckIntervalMs = peerCheckIntervalMs;
        _spinTicks = spinMicroseconds * Stopwatch.Frequency / 1_000_000;
        _yieldTicks = yieldMicroseconds * Stopwatch.Frequency / 1_000_000;
    }

    /// <summary>Spin <see cref="DefaultSpinMicroseconds"/>, yield for <see cref="DefaultYieldMicroseconds"/>, then sleep.</summary>
    public static RingWaitPolicy Default { get; } = new(DefaultSpinMicroseconds, DefaultYieldMicroseconds, DefaultPeerCheckIntervalMs);

    /// <summary>No spinning, no yielding: straight to the futex (lowest CPU, higher latency).</summary>
    public static RingWaitPolicy FutexOnly { get; } = new(0, 0, DefaultPeerCheckIntervalMs);

    public int SpinMicroseconds { get; }

    public int YieldMicroseconds { get; }

    public int PeerCheckIntervalMs { get; }

    /// <summary>A <see cref="Stopwatch"/> timestamp <paramref name="timeoutMs"/> from now.</summary>
    public static long DeadlineAfter(int timeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeoutMs);
        return Stopwatch.GetTimestamp() + (timeoutMs * Stopwatch.Frequency / 1000);
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> is met or <paramref name="deadline"/> (a
    /// <see cref="Stopwatch"/> timestamp) passes, following the protocol in the summary.
    /// </summary>
    /// <returns><see langword="true"/> if the condition is met (checked once more after the deadline), else <see langword="false"/>.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="SharedRegionException"><paramref name="peerAlive"/> returned false (<see cref="SharedRegionFailure.PeerDead"/>) and the condition is still unmet.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool WaitUntil<TCondition>(ref TCondition condition, int* futexWord, int* sleepingFlag, long deadline, Func<bool>? peerAlive, CancellationToken cancellationToken, WaitHistory? history = null)
        where TCondition : struct, IWaitCondition
    {
        if (condition.IsMet())
        {
            return true;
        }

        var start = Stopwatch.GetTimestamp();
        var met = WaitSlow(ref condition, futexWord, sleepingFlag, start, deadline, peerAlive, cancellationToken, history is null || history.FavoursActiveWait(_spinTicks + _yieldTicks));
        if (met)
        {
            history?.Record(start);
        }

        return met;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private unsafe bool WaitSlow<TCondition>(ref TCondition condition, int* futexWord, int* sleepingFlag, long start, long deadline, Func<bool>? peerAlive, CancellationToken cancellationToken, bool activeWait)
        where TCondition : struct, IWaitCondition
    {
        // Phase 1: spin. Bounded by time, not iterations: pause costs 10–140 cycles depending on the CPU.
        if (activeWait && _spinTicks > 0)
        {
            var spinEnd = Math.Min(start + _spinTicks, deadline);
            do
            {
                Thread.SpinWait(PausesPerCheck);
                if (condition.IsMet())
                {
                    return true;
                }
            }
            while (Stopwatch.GetTimestamp() < spinEnd);
        }

        // Phase 2: yield between checks (sched_yield: runs the peer at once if it waits for our core).
        if (activeWait && _yieldTicks > 0)
        {
            var yieldEnd = Math.Min(Stopwatch.GetTimestamp() + _yieldTicks, deadline);
            do
            {
                Thread.Yield();
                if (condition.IsMet())
                {
                    return true;
                }
            }
            while (Stopwatch.GetTimestamp() < yieldEnd);
        }

        // Phase 3: futex sleeps in slices, with the checks only a sleeper can afford.
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => WakeForCancel((nint)state!), (nint)futexWord)
            : default;
        var slept = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = Stopwatch.GetTimestamp();
            if (now >= deadline)
            {
                return condition.IsMet();
            }

            // Not before the first sleep: a peer check reads procfs (tens of µs), which would tax
            // every ordinary wait; after a slice that ended without our condition it is cheap enough.
            if (slept && peerAlive is not null && !peerAlive())
            {
                if (condition.IsMet())
                {
                    return true;
                }

                throw new SharedRegionException(SharedRegionFailure.PeerDead, "the peer process on the other side of the shared-memory ring is gone.");
            }

            // Step 1: the futex word before announcing ourselves.
            var observed = Volatile.Read(ref *futexWord);

            // Step 2: announce. Interlocked.Increment is a full fence: the count is ordered before
            // the condition re-read below (pairs with the waker's fence between publish and count read).
            Interlocked.Increment(ref *sleepingFlag);

            // Step 3: re-check after announcing.
            if (condition.IsMet())
            {
                SpscRing.DropSleeper(sleepingFlag);
                return true;
            }

            // Step 4: sleep unless W moved since step 1. Round the slice up so we never spin on 0 ms.
            var remainingMs = (int)Math.Min(PeerCheckIntervalMs, ((deadline - now) * 1000 / Stopwatch.Frequency) + 1);
            try
            {
                Futex.Wait(futexWord, observed, remainingMs);
            }
            finally
            {
                // Release: the count only tells wakers to pay for a syscall; dropping it late is harmless.
                SpscRing.DropSleeper(sleepingFlag);
            }

            slept = true;
            if (condition.IsMet())
            {
                return true;
            }
        }
    }

    private static unsafe void WakeForCancel(nint futexWord) => Futex.Wake((int*)futexWord, int.MaxValue);
}
