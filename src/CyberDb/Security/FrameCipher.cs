using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using CyberDb.Protocol;

namespace CyberDb.Security;

/// <summary>
/// AES-256-GCM over the frames of one direction of one connection (<c>Encrypt = true</c>).
/// <code>
///  plain frame (FrameHeader)                 length = 5 + payload
///  0          4        5              9
///  +----------+--------+--------------+---------------------------+
///  | length   | code   | request id   | payload (MessagePack)     |
///  +----------+--------+--------------+---------------------------+
///
///  sealed frame on the wire                  length = 5 + payload + 16
///  0          4                                            4+length-16     4+length
///  +----------+--------------------------------------------+---------------+
///  | length   | AES-256-GCM( code | request id | payload ) | tag (16)      |
///  +----------+--------------------------------------------+---------------+
///   clear,     ciphertext: as long as the plain bytes       GCM tag over the
///   checked    (sealed and opened in place, so a frame      ciphertext and the
///   before     costs no copy and no allocation)             length (associated data)
///   allocation
///
///  nonce (96 bits) = 00 00 00 00 | counter (u64 LE)
///  counter         = frames already sealed (or opened) in this direction: 0, 1, 2, ...
/// </code>
/// The counter is never sent: each side keeps its own and the receiver uses the one it expects,
/// so a replayed, dropped or reordered frame fails authentication like a tampered one, and the
/// connection is closed. Each direction has its own key (see <see cref="SecureChannel"/>), so the
/// two directions never share a (key, nonce) pair; a counter that would wrap throws instead.
/// Owned by one reader or one writer of the connection; not thread-safe.
/// </summary>
internal sealed class FrameCipher : IDisposable
{
    public const int KeyBytes = 32;
    public const int TagBytes = 16;
    public const int NonceBytes = 12;

    /// <summary>Bytes of the nonce before the counter: zero.</summary>
    public const int NoncePrefixBytes = NonceBytes - sizeof(ulong);

    private readonly AesGcm _aes;

    /// <summary>The counter of the next frame; <see cref="ulong.MaxValue"/> once exhausted or after a failed open.</summary>
    private ulong _counter;

    public FrameCipher(ReadOnlySpan<byte> key)
    {
        Debug.Assert(key.Length == KeyBytes, "AES-256 takes a 32-byte key");
        _aes = new AesGcm(key, TagBytes);
    }

    /// <summary>The counter the next frame will use (for tests).</summary>
    public ulong Counter => _counter;

    /// <summary>
    /// Seals, in place, the plain frame at the start of <paramref name="wire"/> whose last
    /// <see cref="TagBytes"/> bytes are free room for the tag: writes the wire length, encrypts
    /// code, request id and payload, and writes the tag.
    /// </summary>
    public void Seal(Span<byte> wire)
    {
        Debug.Assert(wire.Length >= FrameHeader.Size + TagBytes, "a sealed frame holds at least a header and a tag");
        BinaryPrimitives.WriteUInt32LittleEndian(wire, (uint)(wire.Length - FrameHeader.LengthFieldSize));
        var text = wire[FrameHeader.LengthFieldSize..^TagBytes];
        Span<byte> nonce = stackalloc byte[NonceBytes];
        NextNonce(nonce);
        _aes.Encrypt(nonce, text, text, wire[^TagBytes..], wire[..FrameHeader.LengthFieldSize]);
    }

    /// <summary>
    /// Opens, in place, a whole sealed frame (length field to tag). On success the bytes before the
    /// tag are the plain frame, its length field rewritten to the plain length. False when the
    /// frame fails authentication (tampered, replayed, dropped or reordered); the cipher then
    /// refuses every later frame, since the connection must be closed.
    /// </summary>
    public bool TryOpen(Span<byte> wire)
    {
        if (wire.Length < FrameHeader.Size + TagBytes || _counter == ulong.MaxValue)
        {
            _counter = ulong.MaxValue;
            return false;
        }

        var text = wire[FrameHeader.LengthFieldSize..^TagBytes];
        Span<byte> nonce = stackalloc byte[NonceBytes];
        NextNonce(nonce);
        try
        {
            _aes.Decrypt(nonce, text, wire[^TagBytes..], text, wire[..FrameHeader.LengthFieldSize]);
        }
        catch (AuthenticationTagMismatchException)
        {
            _counter = ulong.MaxValue;
            return false;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(wire, (uint)(text.Length));
        return true;
    }

    private void NextNonce(Span<byte> nonce)
    {
        if (_counter == ulong.MaxValue)
        {
            ThrowExhausted();
        }

        nonce[..NoncePrefixBytes].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[NoncePrefixBytes..], _counter);
        _counter++;
    }

    private static void ThrowExhausted() =>
        throw new CryptographicException("the frame counter of this connection is exhausted (or a frame failed authentication); the connection must be closed");

    public void Dispose() => _aes.Dispose();
}
