namespace CyberDb.Transport.SharedMemory;

/// <summary>What one look at a pending asynchronous call found (<see cref="SharedMemoryClientConnection.PumpPoll"/>).</summary>
internal enum PumpPollResult
{
    /// <summary>Not answered yet; still the pump's.</summary>
    Pending,

    /// <summary>The whole answer arrived; the completion is queued.</summary>
    Answered,

    /// <summary>Timed out, cancelled, or the server is gone; the failure is queued.</summary>
    Failed,
}
