using System.Runtime.CompilerServices;
using CyberDb.Protocol;

namespace CyberDb.Client;

/// <summary>Turns an error response into the exception API.md documents for it.</summary>
internal static class ResponseErrors
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Exception Create(ResponseStatus status, string message) => status switch
    {
        ResponseStatus.KeyNotFound => new KeyNotFoundException(message),
        ResponseStatus.IndexOutOfRange => new ArgumentOutOfRangeException("index", message),
        ResponseStatus.InvalidOperation => new InvalidOperationException(message),
        ResponseStatus.InvalidArgument => new ArgumentException(message),
        ResponseStatus.TableError => new CyberDbException(message),
        ResponseStatus.AuthenticationFailed => new CyberDbAuthenticationException(message),
        ResponseStatus.Refused => new CyberDbConnectionException(RefusalKind(message), message),
        ResponseStatus.BadRequest => new CyberDbException("the server refused the request as malformed: " + message),
        _ => new CyberDbException($"unknown response status {(byte)status}: {message}"),
    };

    /// <summary>Refusals carry their kind as the first word of the message (see <see cref="Refusal"/>).</summary>
    private static CyberDbConnectionFailure RefusalKind(string message) =>
        Refusal.Parse(message, out _);
}
