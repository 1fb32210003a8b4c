using System.Text.Json.Serialization;
using HdrHistogram;

namespace CyberDb.Bench.Results;

/// <summary>
/// One cell of the matrix (system x workload x client processes): a row of results.json. A
/// system that could not run has one row per cell with <see cref="Status"/> "missing" and the
/// reason; a cell that failed while measuring is "failed".
/// </summary>
internal sealed record ResultRow
{
    public const string Ok = "ok";
    public const string Missing = "missing";
    public const string Failed = "failed";

    [JsonPropertyName("system")]
    public required string System { get; init; }

    [JsonPropertyName("transport")]
    public required string Transport { get; init; }

    [JsonPropertyName("workload")]
    public required string Workload { get; init; }

    [JsonPropertyName("clients")]
    public required int Clients { get; init; }

    [JsonPropertyName("value_bytes")]
    public required int ValueBytes { get; init; }

    /// <summary>Operations per round trip: 1, or the pipeline depth.</summary>
    [JsonPropertyName("ops_per_call")]
    public int OpsPerCall { get; init; } = 1;

    [JsonPropertyName("ops_per_sec")]
    public double? OpsPerSec { get; init; }

    /// <summary>Latency of one call (of one whole batch for the pipeline workload).</summary>
    [JsonPropertyName("p50_us")]
    public double? P50Us { get; init; }

    [JsonPropertyName("p99_us")]
    public double? P99Us { get; init; }

    [JsonPropertyName("p999_us")]
    public double? P999Us { get; init; }

    [JsonPropertyName("max_us")]
    public double? MaxUs { get; init; }

    /// <summary>Operations counted in the measured windows, all workers together.</summary>
    [JsonPropertyName("operations")]
    public long? Operations { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>The merged latency histogram (ns), for the charts; not serialised.</summary>
    [JsonIgnore]
    public HistogramBase? Histogram { get; init; }

    /// <summary>System and transport, as a legend or table label.</summary>
    [JsonIgnore]
    public string Label => $"{System} ({Transport})";
}
