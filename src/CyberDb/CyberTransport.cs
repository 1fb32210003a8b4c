namespace CyberDb;

/// <summary>How a client reaches the server.</summary>
public enum CyberTransport
{
    /// <summary>Shared memory when the server runs on this host and offers it, TCP otherwise.</summary>
    Auto = 0,

    /// <summary>Shared memory only; a <see cref="CyberDbConnectionException"/> when it cannot be had.</summary>
    SharedMemory = 1,

    /// <summary>TCP only (with AES-256-GCM when <c>Encrypt</c> is on).</summary>
    Tcp = 2,
}
