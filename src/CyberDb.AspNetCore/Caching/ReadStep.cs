namespace CyberDb.AspNetCore.Caching;

/// <summary>What reading a cache entry must do besides returning its value.</summary>
internal enum ReadStep
{
    /// <summary>Nothing: the entry is live and has no window to slide.</summary>
    Keep,

    /// <summary>It expired: remove it (if unchanged) and report a miss.</summary>
    Remove,

    /// <summary>Its sliding window moves: compare-and-swap the slid entry in.</summary>
    Slide,
}
