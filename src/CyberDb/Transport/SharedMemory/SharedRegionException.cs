namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// A shared-memory transport failure: a region that cannot be created or opened, a corrupt ring,
/// or a peer process that died while we waited on it. <see cref="Failure"/> says which; the message
/// names the region path (never any payload). Caller mistakes (bad sizes, negative timeouts) throw
/// the standard <see cref="ArgumentException"/> family instead, timeouts throw
/// <see cref="TimeoutException"/> and cancellation <see cref="OperationCanceledException"/>.
/// The client layer turns this into the public connection exception.
/// </summary>
internal sealed class SharedRegionException : Exception
{
    public SharedRegionException(SharedRegionFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    public SharedRegionException(SharedRegionFailure failure, string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public SharedRegionFailure Failure { get; }
}
