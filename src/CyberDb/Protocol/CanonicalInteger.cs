using System.Buffers.Binary;

namespace CyberDb.Protocol;

/// <summary>
/// The shortest MessagePack encoding of integers and string headers: the form MessagePack-CSharp's
/// writer produces, so that a key's bytes are the same whichever client type wrote it.
/// </summary>
internal static class CanonicalInteger
{
    public const int MaxLength = 9;

    public static int Write(Span<byte> destination, long value)
    {
        if (value >= 0)
        {
            if (value <= MessagePackCode.MaxPositiveFixInt)
            {
                destination[0] = (byte)value;
                return 1;
            }

            if (value <= byte.MaxValue)
            {
                destination[0] = MessagePackCode.UInt8;
                destination[1] = (byte)value;
                return 2;
            }

            if (value <= ushort.MaxValue)
            {
                destination[0] = MessagePackCode.UInt16;
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
                return 3;
            }

            if (value <= uint.MaxValue)
            {
                destination[0] = MessagePackCode.UInt32;
                BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value);
                return 5;
            }

            destination[0] = MessagePackCode.UInt64;
            BinaryPrimitives.WriteUInt64BigEndian(destination[1..], (ulong)value);
            return 9;
        }

        if (value >= -32)
        {
            destination[0] = unchecked((byte)(sbyte)value);
            return 1;
        }

        if (value >= sbyte.MinValue)
        {
            destination[0] = MessagePackCode.Int8;
            destination[1] = unchecked((byte)(sbyte)value);
            return 2;
        }

        if (value >= short.MinValue)
        {
            destination[0] = MessagePackCode.Int16;
            BinaryPrimitives.WriteInt16BigEndian(destination[1..], (short)value);
            return 3;
        }

        if (value >= int.MinValue)
        {
            destination[0] = MessagePackCode.Int32;
            BinaryPrimitives.WriteInt32BigEndian(destination[1..], (int)value);
            return 5;
        }

        destination[0] = MessagePackCode.Int64;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], value);
        return 9;
    }

    /// <summary>Bytes of the shortest header of a string of <paramref name="utf8Length"/> bytes.</summary>
    public static int StringHeaderLength(int utf8Length) => utf8Length switch
    {
        <= 31 => 1,
        <= byte.MaxValue => 2,
        <= ushort.MaxValue => 3,
        _ => 5,
    };
}
