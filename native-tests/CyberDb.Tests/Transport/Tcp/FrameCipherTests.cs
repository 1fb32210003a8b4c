using System.Buffers.Binary;
using System.Security.Cryptography;
using CyberDb.Protocol;
using CyberDb.Security;

namespace CyberDb.Tests.Transport.Tcp;

public sealed class FrameCipherTests
{
    private static readonly byte[] AuthKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] ServerNonce = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] ClientNonce = Enumerable.Range(200, 32).Select(i => (byte)i).ToArray();

    /// <summary>A plain frame (code 22, request id 7, payload "hello") with 16 free bytes for the tag.</summary>
    private static byte[] PlainFrameWithRoom(string payload = "hello")
    {
        var body = System.Text.Encoding.ASCII.GetBytes(payload);
        var wire = new byte[FrameHeader.Size + body.Length + FrameCipher.TagBytes];
        FrameHeader.Write(wire, body.Length, 22, 7);
        body.CopyTo(wire, FrameHeader.Size);
        return wire;
    }

    private static (SecureChannel Client, SecureChannel Server) Pair() =>
        (SecureChannel.ForClient(AuthKey, ServerNonce, ClientNonce), SecureChannel.ForServer(AuthKey, ServerNonce, ClientNonce));

    [Fact]
    public void Constants_AreTheWireFormat()
    {
        Assert.Equal(16, FrameCipher.TagBytes);
        Assert.Equal(12, FrameCipher.NonceBytes);
        Assert.Equal(4, FrameCipher.NoncePrefixBytes);
        Assert.Equal(32, FrameCipher.KeyBytes);
        Assert.Equal(1024, Handshake.MaxAuthFrameBytes);
    }

    [Fact]
    public void KeySchedule_FixedInputs_MatchesPinnedKeys()
    {
        // HKDF-SHA256(ikm = auth key, salt = serverNonce | clientNonce, info = "cyberdb c2s" / "cyberdb s2c").
        // Pinned so that a change of the key schedule cannot slip in: old and new peers could not talk.
        Span<byte> c2s = stackalloc byte[32];
        Span<byte> s2c = stackalloc byte[32];
        SecureChannel.DeriveKey(AuthKey, ServerNonce, ClientNonce, "cyberdb c2s"u8, c2s);
        SecureChannel.DeriveKey(AuthKey, ServerNonce, ClientNonce, "cyberdb s2c"u8, s2c);
        Assert.Equal(PinnedC2sKey, Convert.ToHexString(c2s));
        Assert.Equal(PinnedS2cKey, Convert.ToHexString(s2c));
        Assert.NotEqual(Convert.ToHexString(c2s), Convert.ToHexString(s2c));
    }

    [Fact]
    public void Seal_FixedKeyFirstFrame_MatchesPinnedBytes()
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            var wire = PlainFrameWithRoom();
            client.Sealer.Seal(wire);
            Assert.Equal(PinnedSealedFrame, Convert.ToHexString(wire));
            Assert.Equal((uint)(wire.Length - 4), BinaryPrimitives.ReadUInt32LittleEndian(wire)); // length in clear, tag counted
        }
    }

    [Fact]
    public void TryOpen_SealedByPeer_RestoresPlainFrameInPlace()
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            for (var i = 0; i < 3; i++)
            {
                var wire = PlainFrameWithRoom($"message {i}");
                var plain = wire[..^FrameCipher.TagBytes];
                client.Sealer.Seal(wire);
                Assert.NotEqual(plain.AsSpan(4).ToArray(), wire.AsSpan(4, plain.Length - 4).ToArray());

                Assert.True(server.Opener.TryOpen(wire));
                Assert.Equal(plain, wire[..^FrameCipher.TagBytes]); // length field back to the plain length
            }

            Assert.Equal(3UL, client.Sealer.Counter);
            Assert.Equal(3UL, server.Opener.Counter);
        }
    }

    [Fact]
    public void TryOpen_EveryByteFlipped_FailsAuthentication()
    {
        var (client, _) = Pair();
        using (client)
        {
            var sealedFrame = PlainFrameWithRoom();
            client.Sealer.Seal(sealedFrame);
            for (var position = 0; position < sealedFrame.Length; position++)
            {
                using var server = SecureChannel.ForServer(AuthKey, ServerNonce, ClientNonce);
                var copy = (byte[])sealedFrame.Clone();
                copy[position] ^= 0x80;
                Assert.False(server.Opener.TryOpen(copy), $"a flip at byte {position} went unnoticed");
            }
        }
    }

    [Fact]
    public void TryOpen_ReplayedFrame_Fails()
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            var first = PlainFrameWithRoom();
            client.Sealer.Seal(first);
            var replay = (byte[])first.Clone();
            Assert.True(server.Opener.TryOpen(first));
            Assert.False(server.Opener.TryOpen(replay));
        }
    }

    [Fact]
    public void TryOpen_ReorderedOrDroppedFrame_Fails()
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            var first = PlainFrameWithRoom("first");
            var second = PlainFrameWithRoom("second");
            client.Sealer.Seal(first);
            client.Sealer.Seal(second);
            Assert.False(server.Opener.TryOpen(second)); // first dropped or swapped
        }
    }

    [Fact]
    public void TryOpen_AfterAFailure_RefusesEvenAGoodFrame()
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            var bad = PlainFrameWithRoom();
            client.Sealer.Seal(bad);
            var good = (byte[])bad.Clone();
            bad[^1] ^= 1;
            Assert.False(server.Opener.TryOpen(bad));
            Assert.False(server.Opener.TryOpen(good));
        }
    }

    [Fact]
    public void TryOpen_OwnDirectionsFrame_Fails()
    {
        // A frame reflected back to its sender: the directions have different keys.
        var (client, _) = Pair();
        using (client)
        {
            var wire = PlainFrameWithRoom();
            client.Sealer.Seal(wire);
            Assert.False(client.Opener.TryOpen(wire));
        }
    }

    [Fact]
    public void TryOpen_OtherConnectionsKeys_Fails()
    {
        var (client, _) = Pair();
        using (client)
        using (var other = SecureChannel.ForServer(AuthKey, ServerNonce, RandomNumberGenerator.GetBytes(32)))
        {
            var wire = PlainFrameWithRoom();
            client.Sealer.Seal(wire);
            Assert.False(other.Opener.TryOpen(wire));
        }
    }

    [Fact]
    public void TryOpen_TooShortForATag_Fails()
    {
        using var server = SecureChannel.ForServer(AuthKey, ServerNonce, ClientNonce);
        Assert.False(server.Opener.TryOpen(new byte[FrameHeader.Size + FrameCipher.TagBytes - 1]));
    }

    [Fact]
    public void SealAndOpen_SteadyState_AllocateNothing()
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            var wire = PlainFrameWithRoom(new string('x', 100));
            var plainLength = wire.Length - FrameCipher.TagBytes;
            for (var i = 0; i < 100; i++)
            {
                client.Sealer.Seal(wire);
                Assert.True(server.Opener.TryOpen(wire));
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                client.Sealer.Seal(wire.AsSpan(0, plainLength + FrameCipher.TagBytes));
                server.Opener.TryOpen(wire);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    // Cross-checked against an independent implementation (Python: hmac/hashlib HKDF, cryptography's AESGCM).
    private const string PinnedC2sKey = "B21341A02876DC59E5B04EAB998B6D428FE16A00F770CFAC402E5CF20C12BC59";
    private const string PinnedS2cKey = "723B1D71107250EEF6E0EF04FFE92CC1E86CE02F6C3776754DFB388E3C7C70F6";

    /// <summary>Length 0x1A (5 + 5 payload + 16 tag) in clear, then ciphertext and tag; nonce = 4 zero bytes | counter 0.</summary>
    private const string PinnedSealedFrame = "1A000000BFE283B24F1A981F14A4634E4C543F7A5344DDEBD36686831EC6";
}
