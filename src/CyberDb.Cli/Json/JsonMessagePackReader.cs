using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using MessagePack;

namespace CyberDb.Cli.Json;

/// <summary>
/// Reads one JSON value (the format of <see cref="JsonTags"/>) and writes it as the MessagePack a
/// CyberDb client would have stored: integers in their shortest form, numbers with a fraction or an
/// exponent as doubles, tagged objects back to bytes, timestamps, single floats, maps and extensions.
/// </summary>
internal static class JsonMessagePackReader
{
    private const int MaxDepth = 64;

    /// <summary>
    /// Converts the value whose first token the reader is on; leaves the reader on the value's last
    /// token. The whole value must be in the reader's buffer (see <see cref="JsonStreamReader"/>).
    /// </summary>
    public static void ReadValue(ref Utf8JsonReader json, ref MessagePackWriter writer) => ReadValue(ref json, ref writer, 0);

    /// <summary>Parses JSON text to MessagePack bytes; false when the text is not one valid JSON value.</summary>
    public static bool TryParse(string text, out byte[] messagePack, out string? error)
    {
        messagePack = [];
        error = null;
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var json = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            if (!json.Read())
            {
                error = "empty";
                return false;
            }

            var writer = new MessagePackWriter(buffer);
            ReadValue(ref json, ref writer);
            writer.Flush();
            if (json.Read())
            {
                error = "more than one value";
                return false;
            }
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }

        messagePack = buffer.WrittenSpan.ToArray();
        return true;
    }

    private static void ReadValue(ref Utf8JsonReader json, ref MessagePackWriter writer, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Invalid(ref json, $"a value is nested deeper than {MaxDepth} levels");
        }

        switch (json.TokenType)
        {
            case JsonTokenType.Null:
                writer.WriteNil();
                return;
            case JsonTokenType.True:
                writer.Write(true);
                return;
            case JsonTokenType.False:
                writer.Write(false);
                return;
            case JsonTokenType.String:
                writer.Write(json.GetString());
                return;
            case JsonTokenType.Number:
                WriteNumber(ref json, ref writer);
                return;
            case JsonTokenType.StartArray:
                {
                    // The count comes first in MessagePack: gather the items, then write header and items.
                    var items = new ArrayBufferWriter<byte>();
                    var inner = new MessagePackWriter(items);
                    var count = 0;
                    while (Next(ref json) != JsonTokenType.EndArray)
                    {
                        ReadValue(ref json, ref inner, depth + 1);
                        count++;
                    }

                    inner.Flush();
                    writer.WriteArrayHeader(count);
                    writer.WriteRaw(items.WrittenSpan);
                    return;
                }

            case JsonTokenType.StartObject:
                ReadObject(ref json, ref writer, depth);
                return;
            default:
                throw Invalid(ref json, $"unexpected {json.TokenType}");
        }
    }

    /// <summary>Writes a dictionary key: a JSON integer or string, nothing else.</summary>
    public static void ReadKey(ref Utf8JsonReader json, ref MessagePackWriter writer)
    {
        switch (json.TokenType)
        {
            case JsonTokenType.String:
                writer.Write(json.GetString());
                return;
            case JsonTokenType.Number when json.TryGetInt64(out var integer) && IsIntegerLiteral(json.ValueSpan):
                writer.Write(integer);
                return;
            default:
                throw Invalid(ref json, "a key must be a string or an integer (up to 64 bits, signed)");
        }
    }

    private static void WriteNumber(ref Utf8JsonReader json, ref MessagePackWriter writer)
    {
        if (IsIntegerLiteral(json.ValueSpan))
        {
            if (json.TryGetInt64(out var signed))
            {
                writer.Write(signed);
                return;
            }

            if (json.TryGetUInt64(out var unsigned))
            {
                writer.Write(unsigned);
                return;
            }

            throw Invalid(ref json, "an integer does not fit in 64 bits; write it with a fraction (1.0E+30) to store a double");
        }

        writer.Write(json.GetDouble());
    }

    /// <summary>True for a number literal with no fraction and no exponent.</summary>
    private static bool IsIntegerLiteral(ReadOnlySpan<byte> literal) => literal.IndexOfAny(".eE"u8) < 0;

    private static void ReadObject(ref Utf8JsonReader json, ref MessagePackWriter writer, int depth)
    {
        // An object with exactly one property named "$..." is a tag; look ahead on a copy.
        var probe = json;
        if (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            var name = probe.GetString()!;
            if (JsonTags.LooksLikeTag(name))
            {
                var afterValue = probe;
                afterValue.Read();
                afterValue.TrySkip();
                if (afterValue.Read() && afterValue.TokenType == JsonTokenType.EndObject)
                {
                    json.Read(); // the property name
                    json.Read(); // the tag's value
                    ReadTag(ref json, ref writer, name, depth);
                    Expect(ref json, JsonTokenType.EndObject);
                    return;
                }
            }
        }

        var entries = new ArrayBufferWriter<byte>();
        var inner = new MessagePackWriter(entries);
        var count = 0;
        while (Next(ref json) != JsonTokenType.EndObject)
        {
            inner.Write(json.GetString());
            json.Read();
            ReadValue(ref json, ref inner, depth + 1);
            count++;
        }

        inner.Flush();
        writer.WriteMapHeader(count);
        writer.WriteRaw(entries.WrittenSpan);
    }

    private static void ReadTag(ref Utf8JsonReader json, ref MessagePackWriter writer, string tag, int depth)
    {
        switch (tag)
        {
            case JsonTags.Bytes when json.TokenType == JsonTokenType.String:
                writer.Write(json.GetBytesFromBase64());
                return;
            case JsonTags.DateTime when json.TokenType == JsonTokenType.String:
                {
                    var text = json.GetString()!;
                    if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value))
                    {
                        throw Invalid(ref json, $"'{text}' is not an ISO 8601 date and time");
                    }

                    writer.Write(DateTime.SpecifyKind(value, DateTimeKind.Utc));
                    return;
                }

            case JsonTags.Float when json.TokenType == JsonTokenType.String:
                writer.Write(json.GetString() switch
                {
                    "NaN" => double.NaN,
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    var other => throw Invalid(ref json, $"{JsonTags.Float} is \"NaN\", \"Infinity\" or \"-Infinity\", not \"{other}\""),
                });
                return;
            case JsonTags.Float32 when json.TokenType == JsonTokenType.Number:
                writer.Write(float.Parse(json.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture));
                return;
            case JsonTags.Map when json.TokenType == JsonTokenType.StartArray:
                ReadTaggedMap(ref json, ref writer, depth);
                return;
            case JsonTags.Extension when json.TokenType == JsonTokenType.StartArray:
                {
                    Expect(ref json, JsonTokenType.Number);
                    var type = json.GetSByte();
                    Expect(ref json, JsonTokenType.String);
                    var data = json.GetBytesFromBase64();
                    Expect(ref json, JsonTokenType.EndArray);
                    writer.WriteExtensionFormat(new ExtensionResult(type, data));
                    return;
                }

            case JsonTags.Bytes or JsonTags.DateTime or JsonTags.Float or JsonTags.Float32 or JsonTags.Map or JsonTags.Extension:
                throw Invalid(ref json, $"{tag} cannot take a {json.TokenType}");
            default:
                throw Invalid(ref json, $"unknown tag {tag} (known: {JsonTags.Bytes}, {JsonTags.DateTime}, {JsonTags.Float}, {JsonTags.Float32}, {JsonTags.Map}, {JsonTags.Extension}); to store a map with this one key, write {{\"{JsonTags.Map}\":[[\"{tag}\", value]]}}");
        }
    }

    private static void ReadTaggedMap(ref Utf8JsonReader json, ref MessagePackWriter writer, int depth)
    {
        var entries = new ArrayBufferWriter<byte>();
        var inner = new MessagePackWriter(entries);
        var count = 0;
        while (Next(ref json) != JsonTokenType.EndArray)
        {
            if (json.TokenType != JsonTokenType.StartArray)
            {
                throw Invalid(ref json, $"each entry of {JsonTags.Map} is a [key, value] pair");
            }

            json.Read();
            ReadValue(ref json, ref inner, depth + 1);
            json.Read();
            ReadValue(ref json, ref inner, depth + 1);
            Expect(ref json, JsonTokenType.EndArray);
            count++;
        }

        inner.Flush();
        writer.WriteMapHeader(count);
        writer.WriteRaw(entries.WrittenSpan);
    }

    private static JsonTokenType Next(ref Utf8JsonReader json)
    {
        if (!json.Read())
        {
            throw Invalid(ref json, "the value ends early");
        }

        return json.TokenType;
    }

    private static void Expect(ref Utf8JsonReader json, JsonTokenType expected)
    {
        if (Next(ref json) != expected)
        {
            throw Invalid(ref json, $"expected {expected}, found {json.TokenType}");
        }
    }

    /// <summary>An error for the value being read; <see cref="JsonStreamReader"/> adds where in the file.</summary>
    private static JsonException Invalid(ref Utf8JsonReader json, string message)
    {
        _ = json.TokenStartIndex;
        return new JsonException(message);
    }
}
