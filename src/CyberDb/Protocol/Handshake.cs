using System.Security.Cryptography;
using System.Text;

namespace CyberDb.Protocol;

/// <summary>
/// Challenge-response authentication in which the password never crosses the wire.
/// <code>
///  server → client  Hello   [version, flags, salt(16), iterations, serverNonce(32), maxFrameBytes]
///                           (status Ok, id 0; maxFrameBytes: the server's MaxFrameBytes)
///                   or a Refused frame ("TooManyConnections: ...", "NotWhitelisted: ...")
///                   or AuthenticationFailed ("too many failed authentications ...": locked out)
///  client → server  Auth    [version, flags, clientNonce(32), clientProof(32)]   (at most MaxAuthFrameBytes)
///  server → client  Ok      [serverProof(32), sharedMemoryOffer or nil]
///                   or AuthenticationFailed ("wrong password", "encryption mismatch: ...")
///  ── with flags.Encrypt, every later frame, both ways, is sealed (Security.FrameCipher,
///     keys from Security.SecureChannel) ──
///
///  key          = PBKDF2-SHA256(password, salt, iterations, 32 bytes)   derived once per side
///  clientProof  = HMAC-SHA256(key, "cyberdb/client" | serverNonce | clientNonce)
///  serverProof  = HMAC-SHA256(key, "cyberdb/server" | clientNonce | serverNonce)
/// </code>
/// Fresh nonces on both sides make every proof single-use; the server's proof tells the client it
/// reached a server that knows the password. The salt is random per server start. Each side
/// enforces its own <c>Encrypt</c> setting (the client from the hello's flags, the server from the
/// auth frame's), so flipping a flag on the way cannot downgrade a connection, only fail it.
/// An eavesdropper who records a handshake can test password guesses offline against the proof,
/// at the PBKDF2 cost per guess: a strong password is what protects a remote server.
/// </summary>
internal static class Handshake
{
    public const int SaltBytes = 16;
    public const int NonceBytes = 32;
    public const int ProofBytes = 32;
    public const int KeyBytes = 32;

    /// <summary>PBKDF2 work factor: about 40 ms once per client process and once per server start.</summary>
    public const int DefaultIterations = 100_000;

    /// <summary>A peer announcing more iterations than this is refused (a hostile server could stall clients).</summary>
    public const int MaxIterations = 10_000_000;

    /// <summary>
    /// The largest frame a client may send before it has authenticated. The auth frame is about 90
    /// bytes; an unauthenticated peer gets no more room than this, whatever MaxFrameBytes is.
    /// </summary>
    public const int MaxAuthFrameBytes = 1024;

    [Flags]
    public enum Flags
    {
        None = 0,
        Encrypt = 1,
        SharedMemory = 2,
    }

    private static readonly byte[] ClientLabel = Encoding.ASCII.GetBytes("cyberdb/client");
    private static readonly byte[] ServerLabel = Encoding.ASCII.GetBytes("cyberdb/server");

    public static byte[] DeriveKey(string password, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyBytes);

    public static byte[] ClientProof(ReadOnlySpan<byte> key, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce) =>
        Proof(key, ClientLabel, serverNonce, clientNonce);

    public static byte[] ServerProof(ReadOnlySpan<byte> key, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce) =>
        Proof(key, ServerLabel, clientNonce, serverNonce);

    /// <summary>Compares proofs in constant time, so timing tells an attacker nothing.</summary>
    public static bool ProofEquals(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        expected.Length == actual.Length && CryptographicOperations.FixedTimeEquals(expected, actual);

    private static byte[] Proof(ReadOnlySpan<byte> key, byte[] label, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        Span<byte> message = stackalloc byte[label.Length + first.Length + second.Length];
        label.CopyTo(message);
        first.CopyTo(message[label.Length..]);
        second.CopyTo(message[(label.Length + first.Length)..]);
        return HMACSHA256.HashData(key, message);
    }
}
