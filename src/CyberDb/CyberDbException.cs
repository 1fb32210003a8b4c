namespace CyberDb;

/// <summary>
/// The base of every error the server or a transport reports: a missing or existing table, a
/// corrupt snapshot file, a protocol violation. Caller mistakes are standard .NET exceptions
/// (<see cref="ArgumentException"/>, <see cref="KeyNotFoundException"/>, ...), never this type.
/// </summary>
public class CyberDbException : Exception
{
    public CyberDbException()
    {
    }

    public CyberDbException(string message)
        : base(message)
    {
    }

    public CyberDbException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
