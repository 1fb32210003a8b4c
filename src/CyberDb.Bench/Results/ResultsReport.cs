using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CyberDb.Bench.Results;

/// <summary>
/// Writes a run's rows as results.json and results.md, and the main table to the console. Every
/// ratio is against the baseline (Redis) at the same workload and client count, measured in the
/// same run: only those ratios mean anything on a noisy 2-core machine.
/// </summary>
internal sealed class ResultsReport
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly IReadOnlyList<ResultRow> _rows;
    private readonly string _baselineSystem;

    public ResultsReport(IReadOnlyList<ResultRow> rows, string baselineSystem)
    {
        _rows = rows;
        _baselineSystem = baselineSystem;
    }

    public void WriteJson(string path) => File.WriteAllText(path, JsonSerializer.Serialize(_rows, s_json) + "\n");

    /// <summary>results.md: the setup, missing systems, then per workload one table and its chart.</summary>
    public void WriteMarkdown(string path, string title, IEnumerable<string> setupLines, IReadOnlyDictionary<string, string> workloadDescriptions,
        IReadOnlyDictionary<string, string> charts)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# {title}\n\n");
        foreach (var line in setupLines)
        {
            md.Append(CultureInfo.InvariantCulture, $"- {line}\n");
        }

        md.Append('\n');
        var notRun = _rows.Where(r => r.Status != ResultRow.Ok)
            .GroupBy(r => (r.Label, r.Status, r.Reason))
            .ToList();
        if (notRun.Count > 0)
        {
            md.Append("## Not measured\n\n| system | status | cells | reason |\n|---|---|---|---|\n");
            foreach (var group in notRun)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {group.Key.Label} | {group.Key.Status} | {group.Count()} | {Escape(group.Key.Reason)} |\n");
            }

            md.Append('\n');
        }

        foreach (var workload in _rows.Select(r => r.Workload).Distinct())
        {
            var description = workloadDescriptions.GetValueOrDefault(workload, string.Empty);
            md.Append(CultureInfo.InvariantCulture, $"## {workload}: {description}\n\n");
            md.Append(CultureInfo.InvariantCulture, $"| clients | system | transport | ops/s | vs {_baselineSystem} | p50 µs | p99 µs | p99.9 µs |\n");
            md.Append("|---:|---|---|---:|---:|---:|---:|---:|\n");
            foreach (var row in _rows.Where(r => r.Workload == workload).OrderBy(r => r.Clients))
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"| {row.Clients} | {row.System} | {row.Transport} | {Ops(row)} | {Ratio(row)} | {Us(row.P50Us)} | {Us(row.P99Us)} | {Us(row.P999Us)} |\n");
            }

            md.Append('\n');
            if (charts.TryGetValue(workload, out var chart))
            {
                md.Append(CultureInfo.InvariantCulture, $"![{workload}: throughput vs client processes]({chart})\n\n");
            }
        }

        foreach (var (key, chart) in charts.Where(c => c.Key.StartsWith("latency", StringComparison.Ordinal)))
        {
            md.Append(CultureInfo.InvariantCulture, $"## Latency distribution ({key["latency".Length..].Trim(':', ' ')})\n\n![latency distribution]({chart})\n\n");
        }

        File.WriteAllText(path, md.ToString());
    }

    /// <summary>The main table: per workload, ops/s and the ratio to the baseline for each system and client count.</summary>
    public void WriteConsole(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var clients = _rows.Select(r => r.Clients).Distinct().Order().ToList();
        var labels = _rows.Select(r => r.Label).Distinct().ToList();
        var labelWidth = Math.Max(18, labels.Max(l => l.Length) + 1);
        const int cellWidth = 27;
        foreach (var workload in _rows.Select(r => r.Workload).Distinct())
        {
            output.WriteLine();
            output.Write($"{workload,-10}".PadRight(labelWidth + 2));
            foreach (var count in clients)
            {
                output.Write($"{count} proc ops/s (vs {_baselineSystem})".PadLeft(cellWidth));
            }

            output.WriteLine();
            foreach (var label in labels)
            {
                output.Write("  " + label.PadRight(labelWidth));
                foreach (var count in clients)
                {
                    var row = _rows.FirstOrDefault(r => r.Workload == workload && r.Label == label && r.Clients == count);
                    var cell = row is null ? "-" : row.Status == ResultRow.Ok ? $"{Ops(row)} ({Ratio(row)})" : row.Status;
                    output.Write(cell.PadLeft(cellWidth));
                }

                output.WriteLine();
            }
        }

        foreach (var group in _rows.Where(r => r.Status != ResultRow.Ok).GroupBy(r => (r.Label, r.Status, r.Reason)))
        {
            output.WriteLine($"{group.Key.Label}: {group.Key.Status}: {group.Key.Reason}");
        }
    }

    /// <summary>Ratio of <paramref name="row"/>'s throughput to the baseline's in the same cell, as "1.23x".</summary>
    public string Ratio(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var baseline = _rows.FirstOrDefault(r => r.System == _baselineSystem && r.Workload == row.Workload && r.Clients == row.Clients && r.Status == ResultRow.Ok);
        return row.OpsPerSec is { } ops && baseline?.OpsPerSec is { } reference && reference > 0
            ? (ops / reference).ToString("0.00", CultureInfo.InvariantCulture) + "x"
            : "n/a";
    }

    private static string Ops(ResultRow row) =>
        row.OpsPerSec is { } ops ? ops.ToString("N0", CultureInfo.InvariantCulture) : row.Status;

    private static string Us(double? us) => us is { } value ? value.ToString(value < 100 ? "0.0" : "N0", CultureInfo.InvariantCulture) : "-";

    private static string Escape(string? text) => (text ?? string.Empty).Replace("|", "\\|", StringComparison.Ordinal);
}
