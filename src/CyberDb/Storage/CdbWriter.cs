using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;

namespace CyberDb.Storage;

/// <summary>
/// Streams the bytes of a <c>.cdb</c> file (see <see cref="CdbFormat"/>) to a stream through one
/// pooled buffer, hashing each chunk as it leaves, so that a file of any size needs
/// <see cref="BufferSize"/> bytes of memory beyond the snapshot itself. Not thread-safe: one
/// save owns it.
/// </summary>
internal sealed class CdbWriter : IDisposable
{
    /// <summary>1 MiB: large enough that a write(2) per chunk costs nothing next to the copy, small enough to stay in cache.</summary>
    public const int BufferSize = 1 << 20;

    private readonly Stream _stream;
    private readonly XxHash3 _hash = new();
    private byte[] _buffer;
    private int _buffered;

    public CdbWriter(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Bytes written so far (flushed or buffered), trailer included once <see cref="Finish"/> ran.</summary>
    public long Position { get; private set; }

    public void WriteHeader(ulong tableCount, ulong fileLength)
    {
        CdbFormat.WriteHeader(Reserve(CdbFormat.HeaderSize), tableCount, fileLength);
    }

    public void WriteTableHeader(ReadOnlySpan<byte> utf8Name, CyberTableKind kind, ulong entryCount)
    {
        WriteBlob(utf8Name);
        Reserve(CdbFormat.KindSize)[0] = (byte)kind;
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(CdbFormat.EntryCountSize), entryCount);
    }

    /// <summary>Writes a u32 length prefix and the bytes.</summary>
    public void WriteBlob(ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(CdbFormat.LengthPrefixSize), checked((uint)bytes.Length));
        if (bytes.Length <= _buffer.Length - _buffered)
        {
            bytes.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += bytes.Length;
            Position += bytes.Length;
            return;
        }

        WriteLarge(bytes);
    }

    /// <summary>Flushes what is buffered and writes the checksum trailer. Nothing may be written after it.</summary>
    public void Finish()
    {
        FlushBuffer();
        Span<byte> trailer = stackalloc byte[CdbFormat.TrailerSize];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, _hash.GetCurrentHashAsUInt64());
        _stream.Write(trailer);
        Position += trailer.Length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Returns <paramref name="size"/> bytes of buffer to fill (small fixed fields only).</summary>
    private Span<byte> Reserve(int size)
    {
        Debug.Assert(size <= BufferSize, "Reserve is for fixed-size fields");
        if (size > _buffer.Length - _buffered)
        {
            FlushBuffer();
        }

        var span = _buffer.AsSpan(_buffered, size);
        _buffered += size;
        Position += size;
        return span;
    }

    /// <summary>A blob that does not fit what is left of the buffer: top the buffer up, then stream the rest.</summary>
    private void WriteLarge(ReadOnlySpan<byte> bytes)
    {
        var head = _buffer.Length - _buffered;
        bytes[..head].CopyTo(_buffer.AsSpan(_buffered));
        _buffered += head;
        FlushBuffer();
        var rest = bytes[head..];
        if (rest.Length >= _buffer.Length)
        {
            // Bigger than the buffer: hash and write it in place rather than copying it through.
            _hash.Append(rest);
            _stream.Write(rest);
        }
        else
        {
            rest.CopyTo(_buffer);
            _buffered = rest.Length;
        }

        Position += bytes.Length;
    }

    private void FlushBuffer()
    {
        if (_buffered == 0)
        {
            return;
        }

        var chunk = _buffer.AsSpan(0, _buffered);
        _hash.Append(chunk);
        _stream.Write(chunk);
        _buffered = 0;
    }
}
