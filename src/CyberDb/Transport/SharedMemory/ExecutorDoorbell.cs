using System.Runtime.CompilerServices;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The region's doorbell: how clients wake the single server executor thread, which polls every
/// request ring and sleeps here (not on any one ring's futex) when all of them are empty.
/// </summary>
/// <remarks>
/// <para>Two ints in the region header, on separate 128-byte lines because different processes
/// write them (offsets in <see cref="SharedRegionLayout"/>):</para>
/// <code>
///   DoorbellSequence  int32  written by clients (Interlocked.Increment); the futex word
///   ExecutorSleeping  int32  written by the executor (1 while it is about to sleep or sleeps)
/// </code>
/// <para>API. Executor: <c>bool WaitForWork&lt;T&gt;(ref T hasWork, RingWaitPolicy, int timeoutMs, CancellationToken)</c>
/// or the delegate form <c>WaitForWork(Func&lt;bool&gt; hasWork, ...)</c>; both spin, yield, then sleep
/// and return <see langword="true"/> when <c>hasWork</c> holds or the bell was rung,
/// <see langword="false"/> on timeout. Clients: <c>RingIfSleeping()</c> after every ring publish
/// (the client-side <see cref="SpscRing"/> instances do this themselves when built with the
/// doorbell); anyone: <c>Ring()</c> to wake the executor unconditionally (e.g. on stop).</para>
/// <para>Why it cannot miss a wake: it follows the protocol in <see cref="RingWaitPolicy"/> with
/// W = DoorbellSequence and F = ExecutorSleeping. The client's publish is an
/// <see cref="Interlocked.Exchange(ref long, long)"/> (full fence) before it reads F; the executor
/// sets F with a full fence before re-checking the rings. Either the executor sees the new data,
/// or the client sees F and increments W, which makes the executor's <c>FUTEX_WAIT(W, observed)</c>
/// return at once or wakes it.</para>
/// </remarks>
internal sealed unsafe class ExecutorDoorbell
{
    private readonly int* _sequence;
    private readonly int* _sleeping;

    // Only the executor waits here: whether its spinning and yielding between requests pays off.
    private readonly WaitHistory _waitHistory = new();

    /// <param name="sequence">The futex word, written by clients.</param>
    /// <param name="sleeping">The executor's sleeping flag, written by the executor.</param>
    public ExecutorDoorbell(int* sequence, int* sleeping)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(sleeping);
        _sequence = sequence;
        _sleeping = sleeping;
    }

    /// <summary>Whether the executor announced it is going to sleep (diagnostics and tests).</summary>
    public bool IsExecutorSleeping => Volatile.Read(ref *_sleeping) != 0;

    /// <summary>
    /// Client: wakes the executor if it sleeps. Call only after a publish that ended with a full
    /// fence (every <see cref="SpscRing"/> publish does), else the flag read may be stale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingIfSleeping()
    {
        if (Volatile.Read(ref *_sleeping) != 0)
        {
            Ring();
        }
    }

    /// <summary>Wakes the executor whether or not it sleeps (a stop request, or a forced re-poll).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Ring()
    {
        // Changing W first is what makes a FUTEX_WAIT that has not started yet return at once.
        Interlocked.Increment(ref *_sequence);
        Futex.Wake(_sequence, 1);
    }

    /// <summary>
    /// Executor: waits until <paramref name="hasWork"/> holds or the bell is rung, spinning, yielding
    /// then sleeping as <paramref name="policy"/> says, for at most <paramref name="timeoutMs"/>.
    /// </summary>
    /// <returns><see langword="true"/> if there is work or the bell rang; <see langword="false"/> on timeout.</returns>
    public bool WaitForWork<TCondition>(ref TCondition hasWork, RingWaitPolicy policy, int timeoutMs, CancellationToken cancellationToken = default)
        where TCondition : struct, IWaitCondition
    {
        ArgumentNullException.ThrowIfNull(policy);
        var condition = new RungOrWork<TCondition>(hasWork, _sequence, Volatile.Read(ref *_sequence));
        return policy.WaitUntil(ref condition, _sequence, _sleeping, RingWaitPolicy.DeadlineAfter(timeoutMs), peerAlive: null, cancellationToken, _waitHistory);
    }

    /// <summary>Executor: <see cref="WaitForWork{TCondition}"/> with a delegate (cache it; it is called while spinning).</summary>
    public bool WaitForWork(Func<bool> hasWork, RingWaitPolicy policy, int timeoutMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hasWork);
        var condition = new DelegateCondition(hasWork);
        return WaitForWork(ref condition, policy, timeoutMs, cancellationToken);
    }

    private readonly struct DelegateCondition(Func<bool> isMet) : IWaitCondition
    {
        public bool IsMet() => isMet();
    }

    /// <summary>Met when the caller's condition holds or W moved since the wait began (someone rang).</summary>
    private readonly struct RungOrWork<TCondition>(TCondition inner, int* sequence, int startSequence) : IWaitCondition
        where TCondition : struct, IWaitCondition
    {
        public bool IsMet() => Volatile.Read(ref *sequence) != startSequence || inner.IsMet();
    }
}
