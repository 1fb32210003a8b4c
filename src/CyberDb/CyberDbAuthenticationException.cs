namespace CyberDb;

/// <summary>A wrong password, or client and server disagree on <c>Encrypt</c>.</summary>
public sealed class CyberDbAuthenticationException : CyberDbException
{
    public CyberDbAuthenticationException()
    {
    }

    public CyberDbAuthenticationException(string message)
        : base(message)
    {
    }

    public CyberDbAuthenticationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
