using System.Globalization;
using CyberDb.Cli.Json;
using CyberDb.Client;

namespace CyberDb.Cli.Output;

/// <summary>The text of <c>cyberdb info</c> (and the shell's <c>info</c>).</summary>
internal static class InfoReport
{
    public static void Write(TextWriter output, ServerInfo info, double? operationsPerSecond)
    {
        var c = CultureInfo.InvariantCulture;
        var connections = info.Transports.Sum(t => t.Connections);
        output.WriteLine($"version      CyberDb {DisplayVersion(info.Version)}");
        output.WriteLine($"uptime       {FormatDuration(info.Uptime)} (since {info.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", c)} UTC)");
        output.WriteLine($"transports   {string.Join(", ", info.Transports.Select(t => $"{t.Name} {t.EndPoint} ({Plural(t.Connections, "client")})"))}");
        output.WriteLine($"clients      {connections.ToString(c)} of {info.MaxConnections.ToString(c)} allowed; encryption {(info.Encrypt ? "on" : "off")}");
        var average = info.Uptime.TotalSeconds > 0 ? info.OperationsExecuted / info.Uptime.TotalSeconds : 0;
        var rate = operationsPerSecond is { } now ? $"{now.ToString("N1", c)}/s now, " : string.Empty;
        output.WriteLine($"operations   {info.OperationsExecuted.ToString("N0", c)} ({rate}{average.ToString("N1", c)}/s average)");
        output.WriteLine($"memory       {FormatBytes(info.ManagedBytes)} managed, {FormatBytes(info.WorkingSetBytes)} resident");
        output.WriteLine(info.LastSave is { } saved
            ? $"last save    {saved.ToString("yyyy-MM-dd HH:mm:ss", c)} UTC to {info.LastSavePath}"
            : "last save    never (since start)");
        output.WriteLine($"tables       {info.Tables.Count.ToString(c)} ({info.Tables.Sum(t => (long)t.Count).ToString("N0", c)} entries)");
        if (info.Tables.Count > 0)
        {
            TextTable.Write(
                output,
                ["name", "kind", "size"],
                info.Tables.Select(t => new[] { t.Name, DumpFormat.KindName(t.Kind), t.Count.ToString("N0", c) }),
                rightAligned: [2],
                indent: "  ");
        }
    }

    /// <summary>"1.0.0+a0bb895c34..." as "1.0.0 (a0bb895)".</summary>
    public static string DisplayVersion(string version)
    {
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : $"{version[..plus]} ({version[(plus + 1)..Math.Min(version.Length, plus + 8)]})";
    }

    public static string FormatDuration(TimeSpan span)
    {
        var c = CultureInfo.InvariantCulture;
        return span.TotalDays >= 1
            ? $"{((int)span.TotalDays).ToString(c)}d {span.Hours.ToString(c)}h {span.Minutes.ToString(c)}m"
            : span.TotalHours >= 1
                ? $"{span.Hours.ToString(c)}h {span.Minutes.ToString(c)}m {span.Seconds.ToString(c)}s"
                : span.TotalMinutes >= 1 ? $"{span.Minutes.ToString(c)}m {span.Seconds.ToString(c)}s" : $"{span.TotalSeconds.ToString("0.0", c)}s";
    }

    public static string FormatBytes(long bytes)
    {
        var c = CultureInfo.InvariantCulture;
        return bytes switch
        {
            >= 1L << 30 => $"{(bytes / (double)(1L << 30)).ToString("0.0", c)} GiB",
            >= 1L << 20 => $"{(bytes / (double)(1L << 20)).ToString("0.0", c)} MiB",
            >= 1L << 10 => $"{(bytes / 1024.0).ToString("0.0", c)} KiB",
            _ => $"{bytes.ToString(c)} B",
        };
    }

    private static string Plural(int count, string noun) =>
        count == 1 ? $"1 {noun}" : $"{count.ToString(CultureInfo.InvariantCulture)} {noun}s";
}
