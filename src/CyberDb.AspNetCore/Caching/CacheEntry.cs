using Microsoft.Extensions.Caching.Distributed;

namespace CyberDb.AspNetCore.Caching;

/// <summary>
/// One cache entry as it is stored in the cache table, under the cache key:
/// <code>
///   [ value, expiresAt, absolute, sliding ]     a CyberDb list of four items
///     value      byte[]  the cached bytes
///     expiresAt  long    UTC ticks at which the entry is gone: the absolute deadline, or the last
///                        access plus the sliding window, whichever comes first; 0 = never
///     absolute   long    UTC ticks of the absolute deadline; 0 = none
///     sliding    long    the sliding window in ticks; 0 = none
/// </code>
/// A plain list rather than a MessagePack object type, so that every CyberDb client (and a saved
/// <c>.cdb</c> file) can read it. Changing the layout changes stored data:
/// <c>CacheEntryTests</c> pins it.
/// </summary>
internal readonly struct CacheEntry
{
    public const int FieldCount = 4;

    public CacheEntry(byte[] value, long expiresAtTicks, long absoluteTicks, long slidingTicks)
    {
        Value = value;
        ExpiresAtTicks = expiresAtTicks;
        AbsoluteTicks = absoluteTicks;
        SlidingTicks = slidingTicks;
    }

    public byte[] Value { get; }

    public long ExpiresAtTicks { get; }

    public long AbsoluteTicks { get; }

    public long SlidingTicks { get; }

    /// <summary>
    /// An entry set at <paramref name="now"/> with <paramref name="options"/>, as the other
    /// <see cref="IDistributedCache"/> implementations read them: a relative expiration wins over
    /// an absolute one, and an absolute expiration in the past is a caller mistake.
    /// </summary>
    public static CacheEntry Create(byte[] value, DistributedCacheEntryOptions options, DateTimeOffset now)
    {
        long absolute = 0;
        if (options.AbsoluteExpirationRelativeToNow is { } relative)
        {
            absolute = (now + relative).UtcTicks;
        }
        else if (options.AbsoluteExpiration is { } at)
        {
            if (at <= now)
            {
                throw new ArgumentOutOfRangeException(nameof(options), at, "DistributedCacheEntryOptions.AbsoluteExpiration must be in the future");
            }

            absolute = at.UtcTicks;
        }

        var sliding = options.SlidingExpiration?.Ticks ?? 0;
        return new CacheEntry(value, ExpiryFrom(now.UtcTicks, absolute, sliding), absolute, sliding);
    }

    /// <summary>True once <paramref name="nowTicks"/> (UTC) has reached the expiry.</summary>
    public bool IsExpiredAt(long nowTicks) => ExpiresAtTicks != 0 && nowTicks >= ExpiresAtTicks;

    /// <summary>The entry after an access at <paramref name="nowTicks"/>: the sliding window starts again, capped by the absolute deadline.</summary>
    public CacheEntry SlidAt(long nowTicks) => new(Value, ExpiryFrom(nowTicks, AbsoluteTicks, SlidingTicks), AbsoluteTicks, SlidingTicks);

    private static long ExpiryFrom(long nowTicks, long absolute, long sliding)
    {
        if (sliding == 0)
        {
            return absolute;
        }

        var slid = nowTicks + sliding;
        return absolute != 0 && absolute < slid ? absolute : slid;
    }

    /// <summary>The stored form (see the layout in the summary).</summary>
    public List<object?> ToStored() => [Value, ExpiresAtTicks, AbsoluteTicks, SlidingTicks];

    /// <summary>Reads a stored value; false for a missing key (null) or a value this cache did not write.</summary>
    public static bool TryRead(object? stored, out CacheEntry entry)
    {
        if (stored is List<object?> { Count: FieldCount } items
            && items[0] is byte[] value
            && items[1] is long expiresAt
            && items[2] is long absolute
            && items[3] is long sliding)
        {
            entry = new CacheEntry(value, expiresAt, absolute, sliding);
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>Same bytes and same deadlines: the entry nobody has replaced since it was read.</summary>
    public bool SameAs(CacheEntry other) =>
        ExpiresAtTicks == other.ExpiresAtTicks
        && AbsoluteTicks == other.AbsoluteTicks
        && SlidingTicks == other.SlidingTicks
        && Value.AsSpan().SequenceEqual(other.Value);
}
