using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace CyberDb.Protocol;

/// <summary>
/// A growable byte buffer from the shared array pool, reused for every frame a connection sends
/// or receives, so that steady traffic allocates nothing. As an <see cref="IBufferWriter{T}"/> it
/// takes a frame's payload after <see cref="BeginFrame"/> has reserved the header.
/// Owned by one connection; not thread-safe.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    private const int InitialSize = 4096;

    /// <summary>Buffers larger than this go back to the pool after use instead of staying with the connection.</summary>
    private const int KeepAtMost = 1024 * 1024;

    private byte[] _buffer;
    private int _written;

    public FrameBuffer(int initialSize = InitialSize)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    /// <summary>Bytes written so far, header included.</summary>
    public int Length => _written;

    public byte[] Array => _buffer;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The payload of a frame whose header starts at offset 0.</summary>
    public ReadOnlyMemory<byte> Payload => _buffer.AsMemory(FrameHeader.Size, _written - FrameHeader.Size);

    /// <summary>Starts a new frame: forgets what was written and reserves room for the header.</summary>
    public void BeginFrame()
    {
        ShrinkIfHuge();
        _written = FrameHeader.Size;
    }

    /// <summary>Writes the header of the frame begun by <see cref="BeginFrame"/>.</summary>
    public void EndFrame(byte code, uint requestId)
    {
        Debug.Assert(_written >= FrameHeader.Size, "EndFrame without BeginFrame");
        FrameHeader.Write(_buffer, _written - FrameHeader.Size, code, requestId);
    }

    /// <summary>Forgets the contents and makes room for <paramref name="size"/> bytes at offset 0 (for receiving).</summary>
    public Span<byte> PrepareReceive(int size)
    {
        ShrinkIfHuge();
        _written = 0;
        EnsureCapacity(size);
        _written = size;
        return _buffer.AsSpan(0, size);
    }

    /// <summary>Grows the buffer to hold <paramref name="size"/> bytes, keeping what is written.</summary>
    public void EnsureCapacity(int size)
    {
        if (size > _buffer.Length)
        {
            Grow(size);
        }
    }

    public void Advance(int count)
    {
        Debug.Assert(_written + count <= _buffer.Length, "Advance past the end of the buffer");
        _written += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_written);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_written);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureFree(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            Grow(needed);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        var size = (int)Math.Min(Math.Max((long)_buffer.Length * 2, needed), System.Array.MaxLength);
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    private void ShrinkIfHuge()
    {
        if (_buffer.Length > KeepAtMost)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
