using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace CyberDb.Storage;

/// <summary>
/// Reads the body of a <c>.cdb</c> file (see <see cref="CdbFormat"/>) from a stream through one
/// pooled buffer and hashes every byte before the trailer as it is loaded, so that loading a file
/// of any size needs <see cref="BufferSize"/> bytes beyond the tables it builds. It trusts no
/// length: callers check each one against <see cref="Remaining"/> before they read that many, and
/// running out of bytes is an <see cref="InvalidDataException"/>. Not thread-safe: one load owns it.
/// </summary>
internal sealed class CdbReader : IDisposable
{
    /// <summary>1 MiB, as <see cref="CdbWriter.BufferSize"/>.</summary>
    public const int BufferSize = CdbWriter.BufferSize;

    private readonly Stream _stream;
    private readonly XxHash3 _hash = new();

    /// <summary>File offset where the trailer starts: bytes before it are hashed, bytes from it are not.</summary>
    private readonly long _trailerOffset;

    private byte[] _buffer;

    /// <summary>Unconsumed bytes are <c>_buffer[_start.._end]</c>.</summary>
    private int _start;
    private int _end;

    /// <summary>File offset of the byte that will land at <c>_buffer[_end]</c>: how much has been loaded.</summary>
    private long _loaded;

    /// <param name="stream">Positioned at offset 0 of the file.</param>
    /// <param name="fileLength">The file length declared in the header, already checked against the real one.</param>
    public CdbReader(Stream stream, long fileLength)
    {
        Debug.Assert(fileLength >= CdbFormat.MinFileSize, "the caller checks the declared length first");
        _stream = stream;
        _trailerOffset = fileLength - CdbFormat.TrailerSize;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>File offset of the next byte to consume.</summary>
    public long Position => _loaded - (_end - _start);

    /// <summary>Bytes left before the trailer.</summary>
    public long Remaining => _trailerOffset - Position;

    /// <summary>Consumes <paramref name="count"/> bytes (at most <see cref="BufferSize"/>); the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        Debug.Assert(count <= BufferSize, "ReadSpan is for small fields");
        if (_end - _start < count)
        {
            Fill(count);
        }

        var span = _buffer.AsSpan(_start, count);
        _start += count;
        return span;
    }

    public byte ReadByte() => ReadSpan(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(sizeof(uint)));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(sizeof(ulong)));

    /// <summary>Consumes exactly <c>destination.Length</c> bytes into <paramref name="destination"/>.</summary>
    public void ReadExactly(Span<byte> destination)
    {
        var buffered = Math.Min(_end - _start, destination.Length);
        _buffer.AsSpan(_start, buffered).CopyTo(destination);
        _start += buffered;
        var rest = destination[buffered..];
        if (rest.IsEmpty)
        {
            return;
        }

        if (rest.Length < BufferSize / 2)
        {
            Fill(rest.Length);
            _buffer.AsSpan(_start, rest.Length).CopyTo(rest);
            _start += rest.Length;
            return;
        }

        // Large blob: the buffer is empty now; read straight into place instead of copying through it.
        Debug.Assert(_start == _end, "the buffer was drained above");
        var read = _stream.ReadAtLeast(rest, rest.Length, throwOnEndOfStream: false);
        Hash(rest[..read], _loaded);
        _loaded += read;
        if (read < rest.Length)
        {
            ThrowEndOfFile();
        }
    }

    /// <summary>Consumes and hashes whatever is left before the trailer (to check the checksum after a parse error).</summary>
    public void SkipToTrailer()
    {
        while (Remaining > 0)
        {
            _start = _end;
            var count = (int)Math.Min(Remaining, BufferSize);
            Fill(count);
            _start += count;
        }
    }

    /// <summary>The checksum of every byte consumed so far; call once <see cref="Remaining"/> is 0.</summary>
    public ulong ComputedChecksum => _hash.GetCurrentHashAsUInt64();

    /// <summary>Consumes the trailer and returns the checksum stored in it.</summary>
    public ulong ReadStoredChecksum()
    {
        Debug.Assert(Remaining == 0, "the trailer follows the last table");
        return ReadUInt64();
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

    /// <summary>Makes at least <paramref name="count"/> unconsumed bytes sit in the buffer.</summary>
    private void Fill(int count)
    {
        var unconsumed = _end - _start;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, unconsumed).CopyTo(_buffer);
            _start = 0;
            _end = unconsumed;
        }

        var fileEnd = _trailerOffset + CdbFormat.TrailerSize;
        while (_end < count)
        {
            // Never read past the declared end, even if the file grew since its length was checked.
            var room = (int)Math.Min(_buffer.Length - _end, fileEnd - _loaded);
            var read = room == 0 ? 0 : _stream.Read(_buffer, _end, room);
            if (read == 0)
            {
                ThrowEndOfFile();
            }

            Hash(_buffer.AsSpan(_end, read), _loaded);
            _end += read;
            _loaded += read;
        }
    }

    /// <summary>Hashes the part of <paramref name="chunk"/> (which starts at file offset <paramref name="offset"/>) that lies before the trailer.</summary>
    private void Hash(ReadOnlySpan<byte> chunk, long offset)
    {
        var hashed = (int)Math.Clamp(_trailerOffset - offset, 0, chunk.Length);
        if (hashed > 0)
        {
            _hash.Append(chunk[..hashed]);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowEndOfFile() => throw new InvalidDataException("the file ended before its declared length (it changed while being read)");
}
