using System.Globalization;

namespace CyberDb.Cli.Commands;

/// <summary>
/// Parses setting values that come as text (environment variables, flags) with errors that name
/// where the value came from, e.g. "CYBERDB_PORT: 'abc' is not an integer".
/// </summary>
internal static class SettingParser
{
    public static int ParseInt(string text, string source, int min, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new CliUsageException($"{source}: '{text}' is not an integer");
        }

        return value >= min && value <= max ? value : throw new CliUsageException($"{source}: {value} is outside {min}..{max}");
    }

    public static bool ParseBool(string text, string source) => text.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" or "" => false,
        _ => throw new CliUsageException($"{source}: '{text}' is not a boolean (true/false, yes/no, on/off, 1/0)"),
    };

    /// <summary>
    /// A duration: plain seconds ("300", "1.5"), a number with a unit ("250ms", "30s", "5m", "2h",
    /// "1d"), or a TimeSpan ("00:05:00").
    /// </summary>
    public static TimeSpan ParseDuration(string text, string source)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach (var (suffix, seconds) in units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(trimmed[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                return Checked(amount * seconds);
            }
        }

        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain))
        {
            return Checked(plain);
        }

        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span))
        {
            return span >= TimeSpan.Zero ? span : throw new CliUsageException($"{source}: a duration cannot be negative");
        }

        throw new CliUsageException($"{source}: '{text}' is not a duration (seconds, or 250ms, 30s, 5m, 2h, 1d, or hh:mm:ss)");

        TimeSpan Checked(double seconds) => seconds is >= 0 and < 1e9
            ? TimeSpan.FromSeconds(seconds)
            : throw new CliUsageException($"{source}: '{text}' is not a duration of 0 up to 31 years");
    }
}
