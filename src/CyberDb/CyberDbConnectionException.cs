namespace CyberDb;

/// <summary>
/// An unreachable or dead server, a refusal (IP not whitelisted, too many connections, idle
/// timeout) or an operation past <c>OperationTimeout</c>. <see cref="Failure"/> says which, and so
/// does the message.
/// </summary>
public sealed class CyberDbConnectionException : CyberDbException
{
    public CyberDbConnectionException()
    {
    }

    public CyberDbConnectionException(string message)
        : base(message)
    {
    }

    public CyberDbConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public CyberDbConnectionException(CyberDbConnectionFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What went wrong, for callers that branch on it.</summary>
    public CyberDbConnectionFailure Failure { get; }
}
