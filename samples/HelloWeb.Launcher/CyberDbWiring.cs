using System.Globalization;

namespace HelloWeb.Launcher;

/// <summary>How a worker reaches the CyberDb server: the address on its command line, the password in its environment (not visible in ps).</summary>
internal static class CyberDbWiring
{
    public static IReadOnlyList<string> Arguments(CentreDatabase database) =>
    [
        "--CyberDb:Host", database.Host,
        "--CyberDb:Port", database.Port.ToString(CultureInfo.InvariantCulture),
    ];

    public static IReadOnlyDictionary<string, string> Environment(CentreDatabase database) =>
        new Dictionary<string, string> { ["CyberDb__Password"] = database.Password };
}
