using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace CyberDb.AspNetCore.Caching;

/// <summary>
/// An <see cref="IDistributedCache"/> (and <see cref="IBufferDistributedCache"/>, which
/// HybridCache prefers) on one CyberDict table: key = cache key, value = a <see cref="CacheEntry"/>.
/// <para>
/// Expiry: every read checks the deadline; an expired entry reads as a miss and is removed
/// (remove-if-unchanged, so a value another process set meanwhile survives). A read or
/// <see cref="Refresh"/> of a sliding entry moves its deadline with a compare-and-swap, so it
/// never overwrites a newer value. A periodic sweep removes expired entries nobody reads.
/// Time comes from a <see cref="TimeProvider"/>, so tests advance it instead of sleeping.
/// </para>
/// <para>
/// The client API is synchronous and a same-host round trip takes microseconds, so the async
/// members run synchronously (after checking their token) and return completed tasks.
/// </para>
/// Thread-safe: each call takes its own proxy (a pooled connection) for its duration.
/// </summary>
internal sealed class CyberDbDistributedCache : IBufferDistributedCache, IDisposable
{
    private readonly CyberDbClient _client;
    private readonly string _table;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ITimer? _sweepTimer;

    /// <summary>Set once the table is known to exist; cleared when a call finds it gone (server restarted, table deleted).</summary>
    private volatile bool _tableReady;

    /// <summary>1 while a sweep runs (Interlocked), so timer ticks never overlap.</summary>
    private int _sweeping;

    public CyberDbDistributedCache(CyberDbClient client, CyberDbCacheOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _table = options.TableName;
        _timeProvider = timeProvider;
        _logger = logger;
        if (options.SweepInterval is { } interval)
        {
            _sweepTimer = timeProvider.CreateTimer(static state => ((CyberDbDistributedCache)state!).SweepFromTimer(), this, interval, interval);
        }
    }

    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run(key, static (self, dict, key) => self.Read(dict, key, slide: true));
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(key, static (self, dict, key, token) => self.ReadAsync(dict, key, slide: true, token), token).AsTask();
    }

    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var value = Get(key);
        if (value is null)
        {
            return false;
        }

        destination.Write(value);
        return true;
    }

    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        var value = await RunAsync(key, static (self, dict, key, token) => self.ReadAsync(dict, key, slide: true, token), token).ConfigureAwait(false);
        if (value is null)
        {
            return false;
        }

        destination.Write(value);
        return true;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var stored = CacheEntry.Create(value, options, _timeProvider.GetUtcNow()).ToStored();
        Run((key, stored), static (_, dict, state) =>
        {
            dict[state.key] = state.stored;
            return true;
        });
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        SetStoredAsync(key, value, options, token).AsTask();

    private ValueTask<bool> SetStoredAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var stored = CacheEntry.Create(value, options, _timeProvider.GetUtcNow()).ToStored();
        return RunAsync((key, stored), static async (_, dict, state, token) =>
        {
            await dict.SetAsync(state.key, state.stored, token).ConfigureAwait(false);
            return true;
        }, token);
    }

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) =>
        Set(key, value.ToArray(), options);

    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        await SetStoredAsync(key, value.ToArray(), options, token).ConfigureAwait(false);

    /// <summary>Restarts the sliding window of an entry (no-op without one, or when the key is missing or expired).</summary>
    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Run(key, static (self, dict, key) => self.Read(dict, key, slide: true));
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(key, static (self, dict, key, token) => self.ReadAsync(dict, key, slide: true, token), token).AsTask();
    }

    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Run(key, static (_, dict, key) => dict.Remove(key));
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(key, static (_, dict, key, token) => dict.RemoveAsync(key, token), token).AsTask();
    }

    /// <summary>Removes every expired entry now; returns how many. The timer calls this every <c>SweepInterval</c>.</summary>
    internal int Sweep() => Run(0, static (self, dict, _) =>
    {
        var now = self._timeProvider.GetUtcNow().UtcTicks;
        var removed = 0;
        var entries = 0;

        // One round trip for a copy of the table; the removals are one or two each.
        foreach (var (key, stored) in dict)
        {
            entries++;
            if (CacheEntry.TryRead(stored, out var entry) && entry.IsExpiredAt(now) && self.RemoveIfUnchanged(dict, key, entry))
            {
                removed++;
            }
        }

        LogMessages.CacheSwept(self._logger, self._table, removed, entries);
        return removed;
    });

    private void SweepFromTimer()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            Sweep();
        }
#pragma warning disable CA1031 // A timer callback must not throw: it would end the process. The next tick tries again.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogMessages.CacheSweepFailed(_logger, _table, e);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    /// <summary>The value, or null when missing or expired; removes an expired entry and slides a sliding one.</summary>
    private byte[]? Read(CyberDict dict, string key, bool slide)
    {
        if (!CacheEntry.TryRead(dict.GetValueOrDefault(key), out var entry))
        {
            return null;
        }

        switch (Judge(entry, slide, out var slid))
        {
            case ReadStep.Remove:
                RemoveIfUnchanged(dict, key, entry);
                return null;
            case ReadStep.Slide:
                // Compare-and-swap: if another process replaced the entry since we read it, theirs stays.
                dict.TryUpdate(key, slid.ToStored(), entry.ToStored());
                break;
        }

        return entry.Value;
    }

    /// <summary><see cref="Read"/> with the asynchronous twins: the request's thread is not held while the server answers.</summary>
    private async ValueTask<byte[]?> ReadAsync(CyberDict dict, string key, bool slide, CancellationToken token)
    {
        if (!CacheEntry.TryRead(await dict.GetValueOrDefaultAsync(key, null, token).ConfigureAwait(false), out var entry))
        {
            return null;
        }

        switch (Judge(entry, slide, out var slid))
        {
            case ReadStep.Remove:
                // Rare (the sweep removes most expired entries) and a few round trips: done synchronously.
                RemoveIfUnchanged(dict, key, entry);
                return null;
            case ReadStep.Slide:
                await dict.TryUpdateAsync(key, slid.ToStored(), entry.ToStored(), token).ConfigureAwait(false);
                break;
        }

        return entry.Value;
    }

    /// <summary>What a read must do besides returning the value, decided once for both twins.</summary>
    private ReadStep Judge(CacheEntry entry, bool slide, out CacheEntry slid)
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        slid = entry;
        if (entry.IsExpiredAt(now))
        {
            return ReadStep.Remove;
        }

        if (slide && entry.SlidingTicks != 0)
        {
            slid = entry.SlidAt(now);
            if (slid.ExpiresAtTicks != entry.ExpiresAtTicks)
            {
                return ReadStep.Slide;
            }
        }

        return ReadStep.Keep;
    }

    /// <summary>
    /// Removes <paramref name="key"/> only if it still holds <paramref name="expected"/>. The server
    /// has no conditional delete, so: pop it, and if what came out is not what we saw (another
    /// process set the key in between), put it back unless yet another value has landed since.
    /// </summary>
    private bool RemoveIfUnchanged(CyberDict dict, object key, CacheEntry expected)
    {
        if (!dict.TryRemove(key, out var removed))
        {
            return false;
        }

        if (CacheEntry.TryRead(removed, out var current) && current.SameAs(expected))
        {
            return true;
        }

        dict.TryAdd(key, removed);
        return false;
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the table through a proxy of its own. Makes the table
    /// on first use; if the table has gone (the server restarted without it), makes it again and
    /// retries once: a table error means the server applied nothing.
    /// </summary>
    private TResult Run<TState, TResult>(TState state, Func<CyberDbDistributedCache, CyberDict, TState, TResult> operation)
    {
        using var proxy = _client.GetProxy();
        proxy.Connect();
        for (var attempt = 0; ; attempt++)
        {
            if (!_tableReady)
            {
                EnsureTable(proxy);
            }

            try
            {
                return operation(this, new CyberDict(proxy, _table), state);
            }
            catch (CyberDbException e) when (attempt == 0 && IsTableError(e))
            {
                _tableReady = false;
            }
        }
    }

    /// <summary><see cref="Run"/> for an asynchronous operation (the table check, rare, stays synchronous).</summary>
    private async ValueTask<TResult> RunAsync<TState, TResult>(TState state, Func<CyberDbDistributedCache, CyberDict, TState, CancellationToken, ValueTask<TResult>> operation, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        using var proxy = _client.GetProxy();
        proxy.Connect();
        for (var attempt = 0; ; attempt++)
        {
            if (!_tableReady)
            {
                EnsureTable(proxy);
            }

            try
            {
                return await operation(this, new CyberDict(proxy, _table), state, token).ConfigureAwait(false);
            }
            catch (CyberDbException e) when (attempt == 0 && IsTableError(e))
            {
                _tableReady = false;
            }
        }
    }

    /// <summary>A table error (the plain <see cref="CyberDbException"/>, not a connection or authentication one): the server applied nothing.</summary>
    private static bool IsTableError(CyberDbException e) => e.GetType() == typeof(CyberDbException);

    private void EnsureTable(CyberProxy proxy)
    {
        if (!proxy.GetTables().TryGetValue(_table, out var kind))
        {
            try
            {
                proxy.CreateCyberDict(_table);
                LogMessages.CacheTableCreated(_logger, _table);
                _tableReady = true;
                return;
            }
            catch (CyberDbException e) when (IsTableError(e))
            {
                // Another worker created it between our two calls; check what it made below.
                if (!proxy.GetTables().TryGetValue(_table, out kind))
                {
                    throw;
                }
            }
        }

        if (kind != CyberTableKind.CyberDict)
        {
            throw new CyberDbException($"the cache table '{_table}' exists but is a {kind}, not a CyberDict; set CyberDbCacheOptions.TableName to another name");
        }

        _tableReady = true;
    }

    public void Dispose() => _sweepTimer?.Dispose();
}
