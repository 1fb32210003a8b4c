namespace CyberDb.Protocol;

/// <summary>
/// The first byte of a response frame's header. Each error status maps to one exception type on
/// the client (<see cref="Client.ResponseErrors"/>); the payload of an error is a message string.
/// Values are pinned by <c>OpCodeTests</c>.
/// </summary>
internal enum ResponseStatus : byte
{
    Ok = 0,
    KeyNotFound = 1, // KeyNotFoundException
    IndexOutOfRange = 2, // ArgumentOutOfRangeException
    InvalidOperation = 3, // InvalidOperationException
    TableError = 4, // CyberDbException (missing, existing or wrong-kind table)
    BadRequest = 5, // CyberDbException (protocol violation); the connection is closed
    InvalidArgument = 6, // ArgumentException
    Refused = 7, // CyberDbConnectionException (too many connections, whitelist, idle timeout)
    AuthenticationFailed = 8, // CyberDbAuthenticationException
}
