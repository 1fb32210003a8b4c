using System.Security.Cryptography;
using CyberDb.Protocol;

namespace CyberDb.Security;

/// <summary>
/// The two <see cref="FrameCipher"/>s of one encrypted connection, keyed when the handshake
/// succeeds (see <see cref="Handshake"/>):
/// <code>
///  authKey = PBKDF2-SHA256(password, salt, iterations)         the handshake's key
///  prk     = HKDF-Extract(salt = serverNonce | clientNonce, ikm = authKey)
///  c2sKey  = HKDF-Expand(prk, info = "cyberdb c2s", 32 bytes)   client → server frames
///  s2cKey  = HKDF-Expand(prk, info = "cyberdb s2c", 32 bytes)   server → client frames
/// </code>
/// Both nonces are fresh per connection, so every connection has its own pair of keys even though
/// every client of a server shares the auth key; an eavesdropper without the password cannot
/// derive them. The key bytes live on the stack only until the AES instances hold them.
/// </summary>
internal sealed class SecureChannel : IDisposable
{
    private SecureChannel(FrameCipher sealer, FrameCipher opener)
    {
        Sealer = sealer;
        Opener = opener;
    }

    /// <summary>Seals the frames this side sends.</summary>
    public FrameCipher Sealer { get; }

    /// <summary>Opens the frames this side receives.</summary>
    public FrameCipher Opener { get; }

    public static SecureChannel ForClient(ReadOnlySpan<byte> authKey, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce) =>
        new(Create(authKey, serverNonce, clientNonce, "cyberdb c2s"u8), Create(authKey, serverNonce, clientNonce, "cyberdb s2c"u8));

    public static SecureChannel ForServer(ReadOnlySpan<byte> authKey, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce) =>
        new(Create(authKey, serverNonce, clientNonce, "cyberdb s2c"u8), Create(authKey, serverNonce, clientNonce, "cyberdb c2s"u8));

    /// <summary>One direction's key (exposed for the test that pins the key schedule).</summary>
    internal static void DeriveKey(ReadOnlySpan<byte> authKey, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> info, Span<byte> key)
    {
        Span<byte> salt = stackalloc byte[serverNonce.Length + clientNonce.Length];
        serverNonce.CopyTo(salt);
        clientNonce.CopyTo(salt[serverNonce.Length..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, authKey, key, salt, info);
    }

    private static FrameCipher Create(ReadOnlySpan<byte> authKey, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> info)
    {
        Span<byte> key = stackalloc byte[FrameCipher.KeyBytes];
        try
        {
            DeriveKey(authKey, serverNonce, clientNonce, info, key);
            return new FrameCipher(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public void Dispose()
    {
        Sealer.Dispose();
        Opener.Dispose();
    }
}
