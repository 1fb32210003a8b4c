namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The condition a <see cref="RingWaitPolicy.WaitUntil{TCondition}"/> waits for. Implemented by
/// small structs so the generic wait loop is specialised and inlined with no delegate or
/// allocation on the hot path.
/// </summary>
internal interface IWaitCondition
{
    /// <summary>Whether the awaited state is reached; must be a cheap, side-effect-free read of shared memory.</summary>
    bool IsMet();
}
