using System.Diagnostics;
using CyberDb.Protocol;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// Receives the rest of one frame, whose header is already in <see cref="FrameBuffer"/>, into
/// that buffer, growing it in steps as bytes arrive. A peer that announces a large frame and
/// then sends little costs the receiver about what it sent, not what it announced: the length
/// field is checked against the maximum first, and memory follows the data.
/// <para>
/// For a sealed frame (<c>tagBytes</c> = 16) the buffer's written length covers the frame without
/// its tag, so that <see cref="FrameBuffer.Payload"/> is the payload once the frame is opened;
/// the tag is received just past it. Invariant: the buffer's written length is
/// min(received, plainEnd), and while the buffer may still grow no tag byte is received, so a
/// grow (which keeps only the written bytes) never loses data.
/// </para>
/// Usage: <c>while (!frame.IsComplete) frame.Received(Receive(frame.NextWindow()))</c>. A local of
/// one receive loop; allocates nothing beyond the buffer's growth.
/// </summary>
internal struct IncomingFrame
{
    /// <summary>Growth past the buffer's size is at least this much (and at least double), so a large frame takes few copies.</summary>
    private const int GrowthStep = 64 * 1024;

    private readonly FrameBuffer _buffer;
    private readonly int _plainEnd;
    private readonly int _wireEnd;
    private int _received;

    /// <param name="buffer">Holds the frame's header at offset 0 (its written length is the bytes received so far).</param>
    /// <param name="wireEnd">The whole frame's size on the wire: the length field's value + 4.</param>
    /// <param name="tagBytes">Bytes of authentication tag at the end (0 for a plain frame).</param>
    public IncomingFrame(FrameBuffer buffer, int wireEnd, int tagBytes)
    {
        Debug.Assert(buffer.Length <= wireEnd - tagBytes, "the header must not run into the tag");
        _buffer = buffer;
        _wireEnd = wireEnd;
        _plainEnd = wireEnd - tagBytes;
        _received = buffer.Length;
    }

    public readonly bool IsComplete => _received == _wireEnd;

    /// <summary>The whole frame as received (length field to tag), once <see cref="IsComplete"/>.</summary>
    public readonly Span<byte> Wire => _buffer.Array.AsSpan(0, _wireEnd);

    /// <summary>Where the next bytes go; grows the buffer when it is full.</summary>
    public Memory<byte> NextWindow()
    {
        var capacity = _buffer.Array.Length;
        if (capacity < _wireEnd && _received == Math.Min(capacity, _plainEnd))
        {
            var target = (int)Math.Min(_wireEnd, Math.Max(2L * capacity, (long)_received + GrowthStep));
            _buffer.EnsureCapacity(target);
            capacity = _buffer.Array.Length;
        }

        var end = capacity >= _wireEnd ? _wireEnd : Math.Min(capacity, _plainEnd);
        Debug.Assert(end > _received, "a receive window must not be empty");
        return _buffer.Array.AsMemory(_received, end - _received);
    }

    /// <summary>Records <paramref name="count"/> bytes received into the last <see cref="NextWindow"/>.</summary>
    public void Received(int count)
    {
        var before = Math.Min(_received, _plainEnd);
        _received += count;
        _buffer.Advance(Math.Min(_received, _plainEnd) - before);
    }
}
