namespace CyberDb.Cli.Json;

/// <summary>
/// How CyberDb values that JSON has no literal for are written, as one-property objects whose name
/// starts with <c>$</c>. Everything else maps directly: null, true/false, integers (no fraction, no
/// exponent), strings, arrays, and maps whose keys are all strings as JSON objects.
/// <code>
/// {"$bytes":"AAEC"}                   byte[] (base64)
/// {"$datetime":"2026-01-02T03:04:05.0000000Z"}  DateTime (UTC, round-trip "O" format)
/// 1.0, 2.5E+20                        a double: always written with a '.' or an exponent,
///                                     so that it reads back as a double and not an integer
/// {"$float":"NaN"}                    NaN, "Infinity", "-Infinity"
/// {"$float32":1.5}                    a single-precision float (stored as such)
/// {"$map":[[1,"a"],["b",2]]}          a map with a non-string key, or one whose only key starts with '$'
/// {"$ext":[5,"AAEC"]}                 a MessagePack extension CyberDb does not interpret (type, base64)
/// </code>
/// A one-property object whose name starts with '$' is always read as a tag; an unknown tag is an
/// error rather than a silent string map.
/// </summary>
internal static class JsonTags
{
    public const string Bytes = "$bytes";
    public const string DateTime = "$datetime";
    public const string Float = "$float";
    public const string Float32 = "$float32";
    public const string Map = "$map";
    public const string Extension = "$ext";

    /// <summary>Whether a one-property object named <paramref name="name"/> would read as a tag.</summary>
    public static bool LooksLikeTag(string name) => name.StartsWith('$');
}
