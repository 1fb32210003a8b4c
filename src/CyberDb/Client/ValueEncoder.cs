using System.Collections;
using System.Reflection;
using MessagePack;
using MessagePack.Resolvers;

namespace CyberDb.Client;

/// <summary>
/// Turns the values API.md allows into MessagePack on the client, and refuses everything else with
/// an <see cref="ArgumentException"/> before anything is sent. Integers of every width are written
/// in their shortest form (so <c>int 1</c> and <c>long 1</c> are the same key and the same value),
/// <see cref="DateTime"/> as a UTC timestamp (an unspecified kind counts as UTC), user types only
/// when annotated <c>[MessagePackObject]</c>, through the standard resolver (never typeless).
/// </summary>
internal static class ValueEncoder
{
    /// <summary>The options used for user types, both ways: standard resolver, untrusted-data limits.</summary>
    public static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData);

    public static void WriteKey(ref MessagePackWriter writer, object key)
    {
        switch (key)
        {
            case string s:
                writer.Write(s);
                return;
            case int i:
                writer.Write((long)i);
                return;
            case long l:
                writer.Write(l);
                return;
            case null:
                throw new ArgumentNullException(nameof(key), "a key cannot be null");
            default:
                WriteOtherKey(ref writer, key);
                return;
        }
    }

    private static void WriteOtherKey(ref MessagePackWriter writer, object key)
    {
        switch (key)
        {
            case short or sbyte or byte or ushort or uint:
                writer.Write(Convert.ToInt64(key, System.Globalization.CultureInfo.InvariantCulture));
                return;
            case ulong u when u <= long.MaxValue:
                writer.Write((long)u);
                return;
            default:
                throw new ArgumentException($"a key must be a string or an integer (up to long.MaxValue), not {key.GetType().Name}", nameof(key));
        }
    }

    public static void WriteValue(ref MessagePackWriter writer, object? value) => WriteValue(ref writer, value, 0);

    private static void WriteValue(ref MessagePackWriter writer, object? value, int depth)
    {
        if (depth > Protocol.ProtocolLimits.MaxValueDepth)
        {
            throw new ArgumentException($"a value is nested deeper than {Protocol.ProtocolLimits.MaxValueDepth} levels (or refers to itself)", nameof(value));
        }

        switch (value)
        {
            case null: writer.WriteNil(); return;
            case string s: writer.Write(s); return;
            case bool b: writer.Write(b); return;
            case int i: writer.Write((long)i); return;
            case long l: writer.Write(l); return;
            case double d: writer.Write(d); return;
            case float f: writer.Write(f); return;
            case byte[] bytes: writer.Write(bytes); return;
            case short or sbyte or byte or ushort or uint:
                writer.Write(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                return;
            case ulong u: writer.Write(u); return;
            case DateTime dt: writer.Write(ToUtc(dt)); return;
            default: WriteComposite(ref writer, value, depth); return;
        }
    }

    public static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    private static void WriteComposite(ref MessagePackWriter writer, object value, int depth)
    {
        var type = value.GetType();
        if (type.GetCustomAttribute<MessagePackObjectAttribute>() is not null)
        {
            MessagePackSerializer.Serialize(type, ref writer, value, Options);
            return;
        }

        switch (value)
        {
            case IDictionary dictionary:
                writer.WriteMapHeader(dictionary.Count);
                foreach (DictionaryEntry entry in dictionary)
                {
                    WriteKey(ref writer, entry.Key);
                    WriteValue(ref writer, entry.Value, depth + 1);
                }

                return;
            case ICollection collection:
                writer.WriteArrayHeader(collection.Count);
                foreach (var item in collection)
                {
                    WriteValue(ref writer, item, depth + 1);
                }

                return;
            case IEnumerable enumerable when value is not char[]:
                var items = enumerable.Cast<object?>().ToList();
                writer.WriteArrayHeader(items.Count);
                foreach (var item in items)
                {
                    WriteValue(ref writer, item, depth + 1);
                }

                return;
            default:
                throw new ArgumentException(
                    $"CyberDb cannot store a {type.Name}: values are null, bool, integers, floating point, string, byte[], DateTime, " +
                    "lists and dictionaries of those, or types annotated [MessagePackObject]", nameof(value));
        }
    }
}
