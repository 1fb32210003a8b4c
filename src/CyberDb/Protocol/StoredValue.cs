using System.Buffers.Binary;

namespace CyberDb.Protocol;

/// <summary>
/// Server-side reading of stored values. Values are kept as the MessagePack bytes a client sent;
/// the server looks inside only when an operation needs it: equality across number types,
/// sorting, increment.
/// </summary>
internal static class StoredValue
{
    /// <summary>
    /// Python's <c>==</c> on stored values: the same bytes, or two numbers of equal value
    /// (<c>1 == 1.0</c>, and an integer written in a longer form than needed).
    /// </summary>
    public static bool ValueEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.SequenceEqual(b))
        {
            return true;
        }

        if (a.IsEmpty || b.IsEmpty)
        {
            return false;
        }

        if (TryReadNumber(a, out var x) && TryReadNumber(b, out var y))
        {
            return x.CompareTo(y) == 0;
        }

        return false;
    }

    /// <summary>A number read from a stored value: an exact integer or a double.</summary>
    internal readonly struct Number : IComparable<Number>
    {
        private readonly long _integer;
        private readonly double _float;

        public Number(long integer)
        {
            _integer = integer;
            IsInteger = true;
        }

        public Number(double value)
        {
            _float = value;
            IsInteger = false;
        }

        public bool IsInteger { get; }

        public long Integer => _integer;

        public int CompareTo(Number other)
        {
            if (IsInteger && other.IsInteger)
            {
                return _integer.CompareTo(other._integer);
            }

            // A long converts to double with rounding beyond 2^53; values that large are compared
            // approximately, as Python would not (acceptable: mixing them with floats is rare).
            var left = IsInteger ? _integer : _float;
            var right = other.IsInteger ? other._integer : other._float;
            return left.CompareTo(right);
        }
    }

    public static bool TryReadNumber(ReadOnlySpan<byte> value, out Number number)
    {
        number = default;
        if (value.IsEmpty)
        {
            return false;
        }

        var code = value[0];
        if (MessagePackCode.IsInteger(code))
        {
            if (code == MessagePackCode.UInt64 && value.Length >= 9 && BinaryPrimitives.ReadUInt64BigEndian(value[1..]) > long.MaxValue)
            {
                number = new Number((double)BinaryPrimitives.ReadUInt64BigEndian(value[1..]));
                return true;
            }

            var reader = new SpanReader(value);
            number = new Number(reader.ReadInt64());
            return true;
        }

        if (code == MessagePackCode.Float32 && value.Length >= 5)
        {
            number = new Number(BinaryPrimitives.ReadSingleBigEndian(value[1..]));
            return true;
        }

        if (code == MessagePackCode.Float64 && value.Length >= 9)
        {
            number = new Number(BinaryPrimitives.ReadDoubleBigEndian(value[1..]));
            return true;
        }

        return false;
    }

    /// <summary>Reads a stored integer for <c>Increment</c>; false when the value is not an integer.</summary>
    public static bool TryReadInteger(ReadOnlySpan<byte> value, out long integer)
    {
        integer = 0;
        if (value.IsEmpty || !MessagePackCode.IsInteger(value[0]))
        {
            return false;
        }

        try
        {
            var reader = new SpanReader(value);
            integer = reader.ReadInt64();
            return true;
        }
        catch (ProtocolException)
        {
            return false; // an unsigned value past long.MaxValue
        }
    }

    /// <summary>Reads a stored string's UTF-8 bytes; false when the value is not a string.</summary>
    public static bool TryReadString(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        if (value.IsEmpty || !MessagePackCode.IsString(value[0]))
        {
            return false;
        }

        var reader = new SpanReader(value);
        utf8 = reader.ReadStringUtf8();
        return true;
    }

    /// <summary>The canonical bytes of an integer value (what <c>Increment</c> stores).</summary>
    public static byte[] EncodeInteger(long value)
    {
        Span<byte> scratch = stackalloc byte[CanonicalInteger.MaxLength];
        return scratch[..CanonicalInteger.Write(scratch, value)].ToArray();
    }
}
