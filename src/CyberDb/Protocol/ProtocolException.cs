namespace CyberDb.Protocol;

/// <summary>
/// Bytes from a peer that break the protocol: a malformed MessagePack object, a length past the
/// frame, a key of the wrong type. The server answers <see cref="ResponseStatus.BadRequest"/> and
/// closes that connection; nobody else is affected.
/// </summary>
internal sealed class ProtocolException : Exception
{
    public ProtocolException()
    {
    }

    public ProtocolException(string message)
        : base(message)
    {
    }

    public ProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
