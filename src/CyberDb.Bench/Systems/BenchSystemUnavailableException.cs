namespace CyberDb.Bench.Systems;

/// <summary>
/// A system cannot be started on this machine (not installed, failed to start, never answered).
/// Its message is the reason shown in the results next to "missing".
/// </summary>
internal sealed class BenchSystemUnavailableException : Exception
{
    public BenchSystemUnavailableException()
    {
    }

    public BenchSystemUnavailableException(string message)
        : base(message)
    {
    }

    public BenchSystemUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
