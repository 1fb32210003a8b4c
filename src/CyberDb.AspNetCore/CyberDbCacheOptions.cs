namespace CyberDb.AspNetCore;

/// <summary>
/// How <c>AddCyberDbDistributedCache</c> stores entries. Validated once at start-up, with errors
/// that name the option.
/// </summary>
public sealed class CyberDbCacheOptions
{
    /// <summary>The table's default name: a name no application table is likely to take.</summary>
    public const string DefaultTableName = "__cache";

    /// <summary>
    /// Expired entries are removed when read; the sweep only reclaims entries nobody reads again,
    /// so it can be rare. Each worker process sweeps, so the table is swept more often than this.
    /// </summary>
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromMinutes(5);

    /// <summary>The CyberDict table that holds the entries (created on first use).</summary>
    public string TableName { get; set; } = DefaultTableName;

    /// <summary>How often expired entries are swept from the table; null turns the sweep off.</summary>
    public TimeSpan? SweepInterval { get; set; } = DefaultSweepInterval;
}
