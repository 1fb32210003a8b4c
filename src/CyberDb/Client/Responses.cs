using MessagePack;

namespace CyberDb.Client;

/// <summary>Reads the small fixed-shape answers of table operations.</summary>
internal static class Responses
{
    public static bool ReadBoolean(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        return reader.ReadBoolean();
    }

    public static int ReadInt32(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        return reader.ReadInt32();
    }

    public static long ReadInt64(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        return reader.ReadInt64();
    }

    /// <summary>Reads a [found, value] pair; the value's raw bytes are returned for Get&lt;T&gt;.</summary>
    public static bool ReadFound(ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> value)
    {
        var reader = new MessagePackReader(payload);
        reader.ReadArrayHeader();
        var found = reader.ReadBoolean();
        var start = (int)reader.Consumed;
        reader.Skip();
        value = payload[start..(int)reader.Consumed];
        return found;
    }

    public static List<object?> ReadList(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        var count = reader.ReadArrayHeader();
        var list = new List<object?>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(ValueDecoder.Read(ref reader));
        }

        return list;
    }
}
