using System.Buffers;
using System.Globalization;
using MessagePack;

namespace CyberDb.Client;

/// <summary>
/// Turns stored MessagePack back into .NET values: integers as <see cref="long"/> (an unsigned
/// value past <c>long.MaxValue</c> as <see cref="ulong"/>), floating point as <see cref="double"/>,
/// lists as <c>List&lt;object?&gt;</c>, maps as <c>Dictionary&lt;object, object?&gt;</c>, timestamps as
/// UTC <see cref="DateTime"/>. <see cref="Convert{T}"/> serves <c>Get&lt;T&gt;</c>.
/// </summary>
internal static class ValueDecoder
{
    public static object? Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        return Read(ref reader, 0);
    }

    public static object? Read(ref MessagePackReader reader) => Read(ref reader, 0);

    public static object ReadKey(ref MessagePackReader reader) =>
        reader.NextMessagePackType == MessagePackType.String ? reader.ReadString()! : reader.ReadInt64();

    private static object? Read(ref MessagePackReader reader, int depth)
    {
        if (depth > Protocol.ProtocolLimits.MaxValueDepth)
        {
            throw new CyberDbException($"a value from the server is nested deeper than {Protocol.ProtocolLimits.MaxValueDepth} levels");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePack.MessagePackCode.UInt64)
                {
                    var unsigned = reader.ReadUInt64();
                    return unsigned <= long.MaxValue ? (long)unsigned : unsigned;
                }

                return reader.ReadInt64();
            case MessagePackType.Float:
                return reader.ReadDouble();
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Binary:
                return reader.ReadBytes()!.Value.ToArray();
            case MessagePackType.Array:
                {
                    var count = reader.ReadArrayHeader();
                    var list = new List<object?>(count);
                    for (var i = 0; i < count; i++)
                    {
                        list.Add(Read(ref reader, depth + 1));
                    }

                    return list;
                }

            case MessagePackType.Map:
                {
                    var count = reader.ReadMapHeader();
                    var map = new Dictionary<object, object?>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var key = Read(ref reader, depth + 1) ?? throw new CyberDbException("a stored map has a nil key");
                        map[key] = Read(ref reader, depth + 1);
                    }

                    return map;
                }

            case MessagePackType.Extension:
                {
                    var peek = reader.CreatePeekReader();
                    var header = peek.ReadExtensionFormatHeader();
                    if (header.TypeCode == ReservedMessagePackExtensionTypeCode.DateTime)
                    {
                        return reader.ReadDateTime();
                    }

                    throw new CyberDbException($"a stored value has MessagePack extension type {header.TypeCode}, which CyberDb does not decode; read it with Get<T> and a [MessagePackObject] type");
                }

            default:
                throw new CyberDbException("a value from the server is not valid MessagePack");
        }
    }

    /// <summary>Converts a stored value to <typeparamref name="T"/> (Get&lt;T&gt;).</summary>
    public static T Convert<T>(ReadOnlyMemory<byte> bytes)
    {
        if (typeof(T) == typeof(object))
        {
            return (T)Read(bytes)!;
        }

        var reader = new MessagePackReader(bytes);

        // Get<List<object?>> (or IList<object?>, IEnumerable...) and Get<Dictionary<object, object?>>
        // read as through object: integers as long, not the smallest type MessagePack's own
        // object formatter picks.
        if ((reader.NextMessagePackType == MessagePackType.Array && typeof(T).IsAssignableFrom(typeof(List<object?>)))
            || (reader.NextMessagePackType == MessagePackType.Map && typeof(T).IsAssignableFrom(typeof(Dictionary<object, object?>))))
        {
            return (T)Read(bytes)!;
        }

        if (reader.NextMessagePackType is MessagePackType.Integer or MessagePackType.Float or MessagePackType.Boolean or MessagePackType.String
            && Nullable.GetUnderlyingType(typeof(T)) is null
            && typeof(IConvertible).IsAssignableFrom(typeof(T)))
        {
            var value = Read(bytes);
            if (value is T typed)
            {
                return typed;
            }

            try
            {
                return (T)System.Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture)!;
            }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
            {
                throw new InvalidCastException($"the stored value {value} cannot be read as {typeof(T).Name}: {e.Message}", e);
            }
        }

        try
        {
            return MessagePackSerializer.Deserialize<T>(new ReadOnlySequence<byte>(bytes), ValueEncoder.Options);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidCastException($"the stored value cannot be read as {typeof(T).Name}: {e.Message}", e);
        }
    }
}
