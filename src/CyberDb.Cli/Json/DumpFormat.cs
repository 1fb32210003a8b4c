using System.Text.Encodings.Web;
using System.Text.Json;

namespace CyberDb.Cli.Json;

/// <summary>
/// The dump file written by <c>cyberdb dump</c> and read by <c>cyberdb restore</c>:
/// <code>
/// {"format":"cyberdb-dump","version":1,"tables":[
///   {"name":"centre","kind":"dict","items":[["content","Hello CyberDB!"],[1,2.5]]},
///   {"name":"jobs","kind":"list","items":[42,{"$bytes":"AQI="}]}
/// ]}
/// </code>
/// Dictionary items are [key, value] pairs in insertion order (keys are integers or strings, so
/// 1 and "1" stay different keys); list items are values. Values use <see cref="JsonTags"/>.
/// </summary>
internal static class DumpFormat
{
    public const string FormatName = "cyberdb-dump";
    public const int Version = 1;

    public const string FormatProperty = "format";
    public const string VersionProperty = "version";
    public const string TablesProperty = "tables";
    public const string NameProperty = "name";
    public const string KindProperty = "kind";
    public const string ItemsProperty = "items";

    public const string DictKind = "dict";
    public const string ListKind = "list";

    public static string KindName(CyberTableKind kind) => kind == CyberTableKind.CyberDict ? DictKind : ListKind;

    /// <summary>
    /// Compact, and with non-ASCII text kept as is: a dump is a data file, never embedded in HTML,
    /// so the relaxed encoder's readability is worth more than escaping every accent.
    /// </summary>
    public static JsonWriterOptions WriterOptions(bool indented = false) => new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = indented,
        SkipValidation = false,
    };
}
