namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// One client process's mapping of the server's region, shared by all its pooled shared-memory
/// connections: a region is mapped once, not once per connection. Each connection holds a
/// <see cref="Lease"/>; a mapping is unmapped when its last lease is gone and the cache has moved
/// on (the server restarted with a new generation) or was disposed.
/// </summary>
internal sealed class ClientRegionCache : IDisposable
{
    /// <summary>Guards <see cref="_current"/>; never held across the open (file I/O and mmap).</summary>
    private readonly Lock _gate = new();
    private Lease? _current;
    private bool _disposed;

    /// <summary>A lease on the mapping of <paramref name="path"/> at <paramref name="generation"/>, opening it if needed.</summary>
    /// <exception cref="SharedRegionException">The region cannot be opened (see <see cref="SharedRegion.Open"/>).</exception>
    public Lease Acquire(string path, long generation)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is { } current && current.Region.Path == path && current.Region.Generation == generation && current.TryAddRef())
            {
                return current;
            }
        }

        var opened = new Lease(SharedRegion.Open(path, generation)); // one reference: the caller's
        Lease? replaced = null;
        lock (_gate)
        {
            if (!_disposed && opened.TryAddRef())
            {
                replaced = _current;
                _current = opened; // the cache's reference
            }
        }

        replaced?.Release();
        return opened;
    }

    public void Dispose()
    {
        Lease? current;
        lock (_gate)
        {
            _disposed = true;
            current = _current;
            _current = null;
        }

        current?.Release();
    }

    /// <summary>A counted reference to one mapping; the last <see cref="Release"/> unmaps it.</summary>
    internal sealed class Lease
    {
        private int _references = 1;

        public Lease(SharedRegion region)
        {
            Region = region;
        }

        public SharedRegion Region { get; }

        /// <summary>Answers to dictionary reads from this server, checked against its region's counters (see <see cref="Client.ReadCache"/>).</summary>
        public Client.ReadCache ReadCache { get; } = new();

        /// <summary>Adds a reference unless the mapping is already gone.</summary>
        public bool TryAddRef()
        {
            while (true)
            {
                var count = Volatile.Read(ref _references);
                if (count == 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _references, count + 1, count) == count)
                {
                    return true;
                }
            }
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                Region.Dispose();
            }
        }
    }
}
