using System.Buffers;
using CyberDb.Cli.Json;
using CyberDb.Client;
using MessagePack;

namespace CyberDb.Cli.Shell;

/// <summary>
/// Values and keys as the shell reads and prints them: a JSON literal when the text is one
/// (42, 1.5, true, null, "text", [1,2], {"a":1}, and the tags of <see cref="JsonTags"/> such as
/// {"$bytes":"AQI="}), else the text itself as a string. Printed back as JSON, so 42 and "42" differ.
/// </summary>
internal static class ShellValues
{
    /// <summary>A value from shell text.</summary>
    public static object? ParseValue(string text) =>
        JsonMessagePackReader.TryParse(text, out var messagePack, out _) ? ValueDecoder.Read(messagePack) : text;

    /// <summary>A key: an integer or a JSON string literal as such, any other text as a string.</summary>
    public static object ParseKey(string text)
    {
        var value = ParseValue(text);
        return value switch
        {
            long or string => value,
            _ => text,
        };
    }

    /// <summary>A value as JSON text.</summary>
    public static string Format(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        ValueEncoder.WriteValue(ref writer, value);
        writer.Flush();
        return MessagePackJsonWriter.ToJsonString(buffer.WrittenMemory);
    }

    /// <summary>A key as JSON text: 1 or "name".</summary>
    public static string FormatKey(object key) => Format(key);
}
