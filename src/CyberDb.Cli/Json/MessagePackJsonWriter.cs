using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MessagePack;

namespace CyberDb.Cli.Json;

/// <summary>
/// Writes stored MessagePack values as JSON (the format of <see cref="JsonTags"/>), straight from
/// the bytes, so that every type survives a dump and restore: integers stay integers, doubles stay
/// doubles, byte arrays and timestamps are tagged.
/// </summary>
internal static class MessagePackJsonWriter
{
    /// <summary>Deepest nesting accepted, as the server's own limit.</summary>
    private const int MaxDepth = 64;

    /// <summary>Writes the value at the reader's position and advances past it.</summary>
    public static void WriteValue(ref MessagePackReader reader, Utf8JsonWriter json) => WriteValue(ref reader, json, 0);

    /// <summary>The JSON text of one MessagePack value (for the shell's output).</summary>
    public static string ToJsonString(ReadOnlyMemory<byte> messagePack, bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, DumpFormat.WriterOptions(indented)))
        {
            var reader = new MessagePackReader(messagePack);
            WriteValue(ref reader, json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(ref MessagePackReader reader, Utf8JsonWriter json, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"a value is nested deeper than {MaxDepth} levels");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                return;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                return;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64)
                {
                    json.WriteNumberValue(reader.ReadUInt64());
                }
                else
                {
                    json.WriteNumberValue(reader.ReadInt64());
                }

                return;
            case MessagePackType.Float:
                WriteFloat(ref reader, json);
                return;
            case MessagePackType.String:
                json.WriteStringValue(reader.ReadString());
                return;
            case MessagePackType.Binary:
                json.WriteStartObject();
                json.WriteBase64String(JsonTags.Bytes, reader.ReadBytes()!.Value.ToArray());
                json.WriteEndObject();
                return;
            case MessagePackType.Array:
                {
                    var count = reader.ReadArrayHeader();
                    json.WriteStartArray();
                    for (var i = 0; i < count; i++)
                    {
                        WriteValue(ref reader, json, depth + 1);
                    }

                    json.WriteEndArray();
                    return;
                }

            case MessagePackType.Map:
                WriteMap(ref reader, json, depth);
                return;
            case MessagePackType.Extension:
                WriteExtension(ref reader, json);
                return;
            default:
                throw new InvalidDataException($"a stored value is not valid MessagePack (code 0x{reader.NextCode:x2})");
        }
    }

    private static void WriteFloat(ref MessagePackReader reader, Utf8JsonWriter json)
    {
        if (reader.NextCode == MessagePackCode.Float32)
        {
            var single = reader.ReadSingle();
            json.WriteStartObject();
            json.WritePropertyName(JsonTags.Float32);
            WriteDouble(json, single, float.IsFinite(single) ? single.ToString("R", CultureInfo.InvariantCulture) : null);
            json.WriteEndObject();
            return;
        }

        var value = reader.ReadDouble();
        WriteDouble(json, value, double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : null);
    }

    /// <summary>A finite double always with '.' or an exponent (so it reads back as a double); NaN and infinities tagged.</summary>
    private static void WriteDouble(Utf8JsonWriter json, double value, string? text)
    {
        if (text is null)
        {
            json.WriteStartObject();
            json.WriteString(JsonTags.Float, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            json.WriteEndObject();
            return;
        }

        if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.Ordinal))
        {
            text += ".0";
        }

        json.WriteRawValue(text, skipInputValidation: true);
    }

    private static void WriteMap(ref MessagePackReader reader, Utf8JsonWriter json, int depth)
    {
        // Peek: a plain JSON object only when every key is a string, and a lone key cannot be taken for a tag.
        var peek = reader.CreatePeekReader();
        var count = peek.ReadMapHeader();
        var plain = true;
        for (var i = 0; i < count && plain; i++)
        {
            if (peek.NextMessagePackType != MessagePackType.String)
            {
                plain = false;
                break;
            }

            var key = peek.ReadString()!;
            plain = !(count == 1 && JsonTags.LooksLikeTag(key));
            peek.Skip();
        }

        count = reader.ReadMapHeader();
        if (plain)
        {
            json.WriteStartObject();
            for (var i = 0; i < count; i++)
            {
                json.WritePropertyName(reader.ReadString()!);
                WriteValue(ref reader, json, depth + 1);
            }

            json.WriteEndObject();
            return;
        }

        json.WriteStartObject();
        json.WriteStartArray(JsonTags.Map);
        for (var i = 0; i < count; i++)
        {
            json.WriteStartArray();
            WriteValue(ref reader, json, depth + 1);
            WriteValue(ref reader, json, depth + 1);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteExtension(ref MessagePackReader reader, Utf8JsonWriter json)
    {
        var peek = reader.CreatePeekReader();
        var header = peek.ReadExtensionFormatHeader();
        json.WriteStartObject();
        if (header.TypeCode == ReservedMessagePackExtensionTypeCode.DateTime)
        {
            json.WriteString(JsonTags.DateTime, reader.ReadDateTime().ToString("O", CultureInfo.InvariantCulture));
        }
        else
        {
            var extension = reader.ReadExtensionFormat();
            json.WriteStartArray(JsonTags.Extension);
            json.WriteNumberValue(extension.TypeCode);
            json.WriteBase64StringValue(extension.Data.ToArray());
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }
}
