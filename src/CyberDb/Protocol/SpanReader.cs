using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace CyberDb.Protocol;

/// <summary>
/// Reads untrusted MessagePack from one contiguous span without allocating: the server's parser
/// for request payloads and the snapshot loader's. Every length is checked against what is left
/// before it is used, nesting is bounded by <see cref="ProtocolLimits.MaxValueDepth"/>, and any
/// violation is a <see cref="ProtocolException"/>.
/// </summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SpanReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly bool End => _position >= _data.Length;

    public readonly int Remaining => _data.Length - _position;

    public readonly byte PeekCode()
    {
        if (_position >= _data.Length)
        {
            ThrowTruncated();
        }

        return _data[_position];
    }

    /// <summary>
    /// Throws unless every byte has been read. Operations call it after their last argument and
    /// before they change anything, so a request with trailing bytes is refused with no effect.
    /// </summary>
    public readonly void ExpectEnd()
    {
        if (_position < _data.Length)
        {
            ThrowTrailing(_data.Length - _position);
        }
    }

    public bool TryReadNil()
    {
        if (PeekCode() == MessagePackCode.Nil)
        {
            _position++;
            return true;
        }

        return false;
    }

    public bool ReadBoolean()
    {
        var code = ReadByte();
        return code switch
        {
            MessagePackCode.True => true,
            MessagePackCode.False => false,
            _ => throw new ProtocolException($"expected a boolean, found format 0x{code:x2}"),
        };
    }

    public long ReadInt64()
    {
        var code = ReadByte();
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            return code;
        }

        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            return (sbyte)code;
        }

        switch (code)
        {
            case MessagePackCode.UInt8: return Take(1)[0];
            case MessagePackCode.UInt16: return BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            case MessagePackCode.UInt32: return BinaryPrimitives.ReadUInt32BigEndian(Take(4));
            case MessagePackCode.UInt64:
                var value = BinaryPrimitives.ReadUInt64BigEndian(Take(8));
                if (value > long.MaxValue)
                {
                    throw new ProtocolException("integer out of the range of a 64-bit signed integer");
                }

                return (long)value;
            case MessagePackCode.Int8: return (sbyte)Take(1)[0];
            case MessagePackCode.Int16: return BinaryPrimitives.ReadInt16BigEndian(Take(2));
            case MessagePackCode.Int32: return BinaryPrimitives.ReadInt32BigEndian(Take(4));
            case MessagePackCode.Int64: return BinaryPrimitives.ReadInt64BigEndian(Take(8));
            default: throw new ProtocolException($"expected an integer, found format 0x{code:x2}");
        }
    }

    public int ReadInt32()
    {
        var value = ReadInt64();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new ProtocolException("integer out of the range of a 32-bit integer");
        }

        return (int)value;
    }

    /// <summary>Reads a string's UTF-8 bytes (validated UTF-8), without decoding them.</summary>
    public ReadOnlySpan<byte> ReadStringUtf8()
    {
        var code = ReadByte();
        int length;
        if (code >= MessagePackCode.MinFixStr && code <= MessagePackCode.MaxFixStr)
        {
            length = code - MessagePackCode.MinFixStr;
        }
        else
        {
            length = code switch
            {
                MessagePackCode.Str8 => Take(1)[0],
                MessagePackCode.Str16 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
                MessagePackCode.Str32 => CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4))),
                _ => throw new ProtocolException($"expected a string, found format 0x{code:x2}"),
            };
        }

        var bytes = Take(length);
        if (!Utf8.IsValid(bytes))
        {
            throw new ProtocolException("a string is not valid UTF-8");
        }

        return bytes;
    }

    public int ReadArrayHeader()
    {
        var code = ReadByte();
        var count = code switch
        {
            >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray => code - MessagePackCode.MinFixArray,
            MessagePackCode.Array16 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
            MessagePackCode.Array32 => CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4))),
            _ => throw new ProtocolException($"expected an array, found format 0x{code:x2}"),
        };

        // Each element takes at least one byte: a count larger than what is left is a lie.
        if (count > Remaining)
        {
            ThrowTruncated();
        }

        return count;
    }

    public int ReadMapHeader()
    {
        var code = ReadByte();
        var count = code switch
        {
            >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap => code - MessagePackCode.MinFixMap,
            MessagePackCode.Map16 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
            MessagePackCode.Map32 => CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4))),
            _ => throw new ProtocolException($"expected a map, found format 0x{code:x2}"),
        };

        if ((long)count * 2 > Remaining)
        {
            ThrowTruncated();
        }

        return count;
    }

    /// <summary>Reads one whole well-formed object (any type, nesting bounded) and returns its bytes.</summary>
    public ReadOnlySpan<byte> ReadRawObject()
    {
        var start = _position;
        SkipObject(0);
        return _data[start.._position];
    }

    /// <summary>
    /// Reads a table key, an integer or a string, and returns its canonical encoding: the shortest
    /// MessagePack form, as MessagePack-CSharp writes it. Integers are re-encoded into
    /// <paramref name="scratch"/> (9 bytes at least) so that <c>1</c> sent as int64 and as fixint is one key.
    /// </summary>
    public ReadOnlySpan<byte> ReadKey(Span<byte> scratch)
    {
        var code = PeekCode();
        if (MessagePackCode.IsInteger(code))
        {
            var value = ReadInt64();
            var length = CanonicalInteger.Write(scratch, value);
            return scratch[..length];
        }

        if (MessagePackCode.IsString(code))
        {
            var start = _position;
            var utf8 = ReadStringUtf8();
            var encoded = _data[start.._position];
            if (encoded.Length != CanonicalInteger.StringHeaderLength(utf8.Length) + utf8.Length)
            {
                throw new ProtocolException("a string key is not in its shortest encoding");
            }

            return encoded;
        }

        throw new ProtocolException($"a key must be a string or an integer, found format 0x{code:x2}");
    }

    private void SkipObject(int depth)
    {
        if (depth > ProtocolLimits.MaxValueDepth)
        {
            throw new ProtocolException($"a value is nested deeper than {ProtocolLimits.MaxValueDepth} levels");
        }

        var code = ReadByte();
        if (code <= MessagePackCode.MaxPositiveFixInt || code >= MessagePackCode.MinNegativeFixInt)
        {
            return;
        }

        if (code >= MessagePackCode.MinFixMap && code <= MessagePackCode.MaxFixMap)
        {
            SkipElements((code - MessagePackCode.MinFixMap) * 2L, depth);
            return;
        }

        if (code >= MessagePackCode.MinFixArray && code <= MessagePackCode.MaxFixArray)
        {
            SkipElements(code - MessagePackCode.MinFixArray, depth);
            return;
        }

        if (code >= MessagePackCode.MinFixStr && code <= MessagePackCode.MaxFixStr)
        {
            Take(code - MessagePackCode.MinFixStr);
            return;
        }

        switch (code)
        {
            case MessagePackCode.Nil:
            case MessagePackCode.False:
            case MessagePackCode.True:
                return;
            case MessagePackCode.Bin8:
            case MessagePackCode.Str8:
                Take(Take(1)[0]);
                return;
            case MessagePackCode.Bin16:
            case MessagePackCode.Str16:
                Take(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                return;
            case MessagePackCode.Bin32:
            case MessagePackCode.Str32:
                Take(CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4))));
                return;
            case MessagePackCode.Ext8:
                Take(Take(1)[0] + 1);
                return;
            case MessagePackCode.Ext16:
                Take(BinaryPrimitives.ReadUInt16BigEndian(Take(2)) + 1);
                return;
            case MessagePackCode.Ext32:
                Take(CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4)), extra: 1));
                return;
            case MessagePackCode.Float32: Take(4); return;
            case MessagePackCode.Float64: Take(8); return;
            case MessagePackCode.UInt8: case MessagePackCode.Int8: Take(1); return;
            case MessagePackCode.UInt16: case MessagePackCode.Int16: Take(2); return;
            case MessagePackCode.UInt32: case MessagePackCode.Int32: Take(4); return;
            case MessagePackCode.UInt64: case MessagePackCode.Int64: Take(8); return;
            case MessagePackCode.FixExt1: Take(2); return;
            case MessagePackCode.FixExt2: Take(3); return;
            case MessagePackCode.FixExt4: Take(5); return;
            case MessagePackCode.FixExt8: Take(9); return;
            case MessagePackCode.FixExt16: Take(17); return;
            case MessagePackCode.Array16:
                SkipElements(BinaryPrimitives.ReadUInt16BigEndian(Take(2)), depth);
                return;
            case MessagePackCode.Array32:
                SkipElements(BinaryPrimitives.ReadUInt32BigEndian(Take(4)), depth);
                return;
            case MessagePackCode.Map16:
                SkipElements(BinaryPrimitives.ReadUInt16BigEndian(Take(2)) * 2L, depth);
                return;
            case MessagePackCode.Map32:
                SkipElements(BinaryPrimitives.ReadUInt32BigEndian(Take(4)) * 2L, depth);
                return;
            default:
                throw new ProtocolException($"invalid MessagePack format byte 0x{code:x2}");
        }
    }

    private void SkipElements(long count, int depth)
    {
        if (count > Remaining)
        {
            ThrowTruncated();
        }

        for (long i = 0; i < count; i++)
        {
            SkipObject(depth + 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            ThrowTruncated();
        }

        return _data[_position++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_data.Length - _position))
        {
            ThrowTruncated();
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly int CheckedLength(uint length, int extra = 0)
    {
        if (length + (ulong)extra > (ulong)Remaining)
        {
            ThrowTruncated();
        }

        return (int)length + extra;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTrailing(int count) => throw new ProtocolException($"{count} unexpected bytes after the arguments");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncated() => throw new ProtocolException("a MessagePack object runs past the end of its frame");
}
