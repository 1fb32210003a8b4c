using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CyberDb.Security;

/// <summary>
/// Slows online password guessing: after <see cref="HardeningOptions.FailureLimit"/> failed
/// authentications from one source within <see cref="HardeningOptions.FailureWindow"/>, that
/// source is refused at accept (before any byte is read) for <see cref="HardeningOptions.Lockout"/>.
/// Other sources are unaffected. A source is an IPv4 address, or an IPv6 /64 (the block one
/// subscriber usually gets, so hopping between its addresses does not help). A successful
/// authentication clears the source's record.
/// <para>
/// Memory is bounded: at most <see cref="HardeningOptions.MaxTrackedAddresses"/> sources are
/// tracked; when full, expired records are dropped first, then those not locked out. A flood of
/// distinct sources can therefore evict a record early, which costs that attacker nothing it did
/// not already have (many addresses), and never costs the server memory.
/// </para>
/// Thread-safe: accept and connection loops call it concurrently. Each record is guarded by its
/// own lock, held for a few arithmetic operations; the table is a <see cref="ConcurrentDictionary{TKey, TValue}"/>.
/// </summary>
internal sealed class AuthThrottle
{
    private readonly HardeningOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<IPAddress, Record> _records = new();

    public AuthThrottle(HardeningOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Sources tracked right now (for tests).</summary>
    public int TrackedCount => _records.Count;

    /// <summary>Whether <paramref name="address"/> is locked out now, and for how much longer.</summary>
    public bool IsLockedOut(IPAddress address, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (!_records.TryGetValue(SourceOf(address), out var record))
        {
            return false;
        }

        var now = _time.GetUtcNow();
        lock (record.Gate)
        {
            if (record.LockedUntil > now)
            {
                remaining = record.LockedUntil - now;
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts a failed authentication; true when this failure locks the source out.</summary>
    public bool RecordFailure(IPAddress address)
    {
        var source = SourceOf(address);
        if (!_records.TryGetValue(source, out var record))
        {
            if (_records.Count >= _options.MaxTrackedAddresses)
            {
                Evict();
                if (_records.Count >= _options.MaxTrackedAddresses)
                {
                    return false; // every slot holds a locked-out source: stay bounded, do not track this one
                }
            }

            record = _records.GetOrAdd(source, static _ => new Record());
        }

        var now = _time.GetUtcNow();
        lock (record.Gate)
        {
            if (now - record.WindowStart > _options.FailureWindow)
            {
                record.WindowStart = now;
                record.Failures = 0;
            }

            record.Failures++;
            if (record.Failures >= _options.FailureLimit && record.LockedUntil <= now)
            {
                record.LockedUntil = now + _options.Lockout;
                record.Failures = 0;
                record.WindowStart = now;
                return true;
            }
        }

        return false;
    }

    /// <summary>Forgets the source's failures: the client knew the password.</summary>
    public void RecordSuccess(IPAddress address) => _records.TryRemove(SourceOf(address), out _);

    /// <summary>The key a connection from <paramref name="address"/> is counted under.</summary>
    public static IPAddress SourceOf(IPAddress address)
    {
        address = IpWhitelist.Normalise(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private void Evict()
    {
        var now = _time.GetUtcNow();
        foreach (var (source, record) in _records)
        {
            lock (record.Gate)
            {
                if (record.LockedUntil > now || now - record.WindowStart <= _options.FailureWindow)
                {
                    continue;
                }
            }

            _records.TryRemove(source, out _);
        }

        if (_records.Count < _options.MaxTrackedAddresses)
        {
            return;
        }

        foreach (var (source, record) in _records)
        {
            bool locked;
            lock (record.Gate)
            {
                locked = record.LockedUntil > now;
            }

            if (!locked)
            {
                _records.TryRemove(source, out _);
            }
        }
    }

    /// <summary>One source's failures; every field guarded by <see cref="Gate"/>.</summary>
    private sealed class Record
    {
        public readonly Lock Gate = new();
        public int Failures;
        public DateTimeOffset WindowStart = DateTimeOffset.MinValue;
        public DateTimeOffset LockedUntil = DateTimeOffset.MinValue;
    }
}
