using System.Diagnostics;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// One waiter's recent wait times, so that <see cref="RingWaitPolicy"/> spins and yields only while
/// that pays: an average of how long this waiter's waits took decides whether the next wait
/// starts with the spin and yield phases or goes straight to the futex.
/// </summary>
/// <remarks>
/// <para>Why: yielding catches a fast peer within ~2 µs where a futex sleep costs ~10 µs, but only
/// when the peer answers within the yield budget. When it does not (a web worker whose request
/// waits behind other processes for a core, an executor between bursts of requests), every
/// <c>sched_yield</c> is a context switch that takes a turn from a thread with work to do. Measured
/// on the 2-core machine with 4 Kestrel workers under wrk: fixed 50 µs yields on both sides gave
/// about half the requests/s of futex-only waits, while one client process alone needs the yields
/// for its 3.5 µs round trip.</para>
/// <para>Rule: an exponentially weighted mean (weight 1/8) of the time from the start of a slow
/// wait to its condition; the next wait spins and yields when that mean is below the policy's
/// spin plus yield budget, and every 16th wait does so anyway, so that a waiter whose peer got
/// fast again (the futex's own wake-up cost inflates the mean) finds out. Waits that time out
/// are not recorded. Owned by one waiting thread at a time (a ring side, the executor), so it
/// needs no synchronization.</para>
/// </remarks>
internal sealed class WaitHistory
{
    private const int WeightShift = 3;

    private const int ProbeInterval = 16;

    private long _meanTicks;
    private int _waits;

    /// <summary>Whether the next wait should spin and yield before it sleeps, given a budget of <paramref name="budgetTicks"/>.</summary>
    public bool FavoursActiveWait(long budgetTicks) => _meanTicks < budgetTicks || (++_waits & (ProbeInterval - 1)) == 0;

    /// <summary>Records a slow wait that began at <paramref name="startTimestamp"/> and ended now with its condition met.</summary>
    public void Record(long startTimestamp)
    {
        var waited = Stopwatch.GetTimestamp() - startTimestamp;
        _meanTicks += (waited - _meanTicks) >> WeightShift;
    }

    /// <summary>The mean slow-wait time in microseconds (diagnostics and tests).</summary>
    public double MeanMicroseconds => _meanTicks * 1_000_000.0 / Stopwatch.Frequency;
}
