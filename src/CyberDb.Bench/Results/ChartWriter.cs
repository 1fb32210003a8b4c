using System.Globalization;
using HdrHistogram;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace CyberDb.Bench.Results;

/// <summary>
/// The PNG charts of a run (ScottPlot 5 over SkiaSharp's self-contained Linux build): throughput
/// against client processes, one chart per workload, and latency distributions (percentile on a
/// "nines" axis, microseconds on a log axis).
/// </summary>
internal static class ChartWriter
{
    private const int Width = 900;
    private const int Height = 540;

    /// <summary>Throughput of every measured system against client process count for one workload.</summary>
    public static void Throughput(string path, string workload, string description, IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plot = new Plot();
        var clients = rows.Select(r => r.Clients).Distinct().Order().ToArray();
        var maxOps = 1.0;
        foreach (var series in rows.Where(r => r.Workload == workload).GroupBy(r => r.Label))
        {
            var measured = series.Where(r => r.Status == ResultRow.Ok && r.OpsPerSec is not null).OrderBy(r => r.Clients).ToArray();
            if (measured.Length == 0)
            {
                // A missing system still shows up, in the legend.
                var placeholder = plot.Add.Scatter(Array.Empty<double>(), Array.Empty<double>());
                placeholder.LegendText = $"{series.Key}: {series.First().Status}";
                continue;
            }

            var xs = measured.Select(r => Math.Log2(r.Clients)).ToArray();
            var ys = measured.Select(r => r.OpsPerSec!.Value).ToArray();
            maxOps = Math.Max(maxOps, ys.Max());
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = series.Key;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }

        plot.Title($"{workload}: {description}");
        plot.XLabel("client processes");
        plot.YLabel("operations per second");
        plot.Axes.Bottom.TickGenerator = new NumericManual(
            clients.Select(c => Math.Log2(c)).ToArray(),
            clients.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = v => v.ToString("N0", CultureInfo.InvariantCulture) };
        var span = Math.Max(1, Math.Log2(clients.Max()) - Math.Log2(clients.Min()));
        plot.Axes.SetLimits(Math.Log2(clients.Min()) - (span * 0.05), Math.Log2(clients.Max()) + (span * 0.05), 0, maxOps * 1.12);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// Latency distribution of one workload: one solid line per system at the fewest client
    /// processes, one dashed line at the most.
    /// </summary>
    public static void Latency(string path, string workload, IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var measured = rows.Where(r => r.Workload == workload && r.Status == ResultRow.Ok && r.Histogram is { TotalCount: > 0 }).ToList();
        var plot = new Plot();
        if (measured.Count > 0)
        {
            var fewest = measured.Min(r => r.Clients);
            var most = measured.Max(r => r.Clients);
            var palette = new ScottPlot.Palettes.Category10();
            var labels = rows.Select(r => r.Label).Distinct().ToList();
            foreach (var row in measured.Where(r => r.Clients == fewest || r.Clients == most).OrderBy(r => r.Clients))
            {
                var (xs, ys) = Distribution(row.Histogram!);
                var line = plot.Add.ScatterLine(xs, ys);
                line.Color = palette.GetColor(labels.IndexOf(row.Label));
                line.LineWidth = 2;
                line.LinePattern = row.Clients == fewest ? LinePattern.Solid : LinePattern.Dashed;
                line.LegendText = $"{row.Label}, {row.Clients} proc";
            }
        }

        plot.Title($"{workload}: latency distribution per call");
        plot.XLabel("percentile");
        plot.YLabel("latency (µs, log scale)");
        double[] nines = [0, 1, 2, 3, 4];
        plot.Axes.Bottom.TickGenerator = new NumericManual(nines, ["0%", "90%", "99%", "99.9%", "99.99%"]);
        plot.Axes.Left.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsX(0, 4.2);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>(log10(1 / (1 - p)), log10(µs)) pairs of a histogram in ns, up to 99.99%.</summary>
    private static (double[] X, double[] Y) Distribution(HistogramBase histogram)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var point in histogram.Percentiles(5))
        {
            var percentile = point.PercentileLevelIteratedTo;
            if (percentile >= 99.995)
            {
                break;
            }

            xs.Add(Math.Log10(100.0 / (100.0 - percentile)));
            ys.Add(Math.Log10(Math.Max(0.1, histogram.HighestEquivalentValue(point.ValueIteratedTo) / 1000.0)));
        }

        return ([.. xs], [.. ys]);
    }
}
