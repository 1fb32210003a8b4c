using System.Collections;
using System.Globalization;

namespace CyberDb.TestHost;

/// <summary>
/// Values as text with their types, so that a test in another process can compare exactly:
/// <c>5L</c> (long), <c>1.5d</c> (double), <c>"s"</c>, <c>true</c>, <c>null</c>, <c>0x0102</c>
/// (bytes), <c>[a, b]</c> (lists), <c>{k: v}</c> (maps and pairs, in their order).
/// </summary>
internal static class ValueText
{
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        int i => i.ToString(CultureInfo.InvariantCulture) + "i",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
        string s => $"\"{s}\"",
        byte[] bytes => "0x" + Convert.ToHexString(bytes),
        KeyValuePair<object, object?> pair => $"{{{Format(pair.Key)}: {Format(pair.Value)}}}",
        IDictionary map => "{" + string.Join(", ", Entries(map).Select(e => $"{Format(e.Key)}: {Format(e.Value)}")) + "}",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Format)) + "]",
        _ => $"<{value.GetType().Name} {value}>",
    };

    /// <summary>A map's entries in its own order (IDictionary's enumerator, which yields DictionaryEntry).</summary>
    private static IEnumerable<DictionaryEntry> Entries(IDictionary map)
    {
        var entries = map.GetEnumerator();
        while (entries.MoveNext())
        {
            yield return entries.Entry;
        }
    }
}
