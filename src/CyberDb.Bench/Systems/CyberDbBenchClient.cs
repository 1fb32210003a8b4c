namespace CyberDb.Bench.Systems;

/// <summary>
/// A worker's connection to CyberDb: one <see cref="CyberDbClient"/>, one connected
/// <see cref="CyberProxy"/> held for the whole run (the worker is one unit of work), and handles
/// to the bench dictionary (value keys and the hot counter) and the bench list.
/// </summary>
internal sealed class CyberDbBenchClient : IBenchClient
{
    private const int PrepareChunk = 1000;

    private readonly CyberDbClient _client;
    private readonly CyberProxy _proxy;
    private readonly object[] _keys;

    // Set at construction when the tables exist (workers), by Prepare otherwise (the setup client).
    private CyberDict? _dict;
    private CyberList? _list;
    private KeyValuePair<object, object?>[] _batch = [];

    public CyberDbBenchClient(CyberDbClientOptions options, BenchKeyspace keyspace)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keyspace);
        _client = CyberDbClient.Connect(options);
        try
        {
            if (options.Transport != CyberTransport.Auto && _client.Transport != options.Transport)
            {
                throw new InvalidOperationException($"asked for {options.Transport}, got {_client.Transport}");
            }

            _proxy = _client.GetProxy();
            _proxy.Connect();
            var tables = _proxy.GetTables();
            if (tables.ContainsKey(BenchKeyspace.DictName) && tables.ContainsKey(BenchKeyspace.ListName))
            {
                _dict = _proxy.GetCyberDict(BenchKeyspace.DictName);
                _list = _proxy.GetCyberList(BenchKeyspace.ListName);
            }
        }
        catch
        {
            _client.Dispose();
            throw;
        }

        _keys = new object[keyspace.Count];
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = keyspace[i];
        }
    }

    private CyberDict Dict => _dict ?? throw new InvalidOperationException("the bench tables do not exist: Prepare first");

    private CyberList List => _list ?? throw new InvalidOperationException("the bench tables do not exist: Prepare first");

    public void Prepare(byte[] value)
    {
        var tables = _proxy.GetTables();
        foreach (var name in new[] { BenchKeyspace.DictName, BenchKeyspace.ListName })
        {
            if (tables.ContainsKey(name))
            {
                _proxy.DeleteTable(name);
            }
        }

        _dict = _proxy.CreateCyberDict(BenchKeyspace.DictName);
        for (var start = 0; start < _keys.Length; start += PrepareChunk)
        {
            var count = Math.Min(PrepareChunk, _keys.Length - start);
            _dict.Update(Enumerable.Range(start, count).Select(i => new KeyValuePair<object, object?>(_keys[i], value)));
        }

        _dict[BenchKeyspace.HotKey] = 0L;
        _list = _proxy.CreateCyberList(BenchKeyspace.ListName, Enumerable.Repeat<object?>(value, BenchKeyspace.ListSeedCount));
    }

    public bool Get(int key) => Dict.GetValueOrDefault(_keys[key]) is not null;

    public void Set(int key, byte[] value) => Dict[_keys[key]] = value;

    public long Increment() => Dict.Increment(BenchKeyspace.HotKey);

    public void Push(byte[] value) => List.Add(value);

    public bool Pop()
    {
        // The workload never pops an empty list (each worker pops only after its own push).
        List.Pop();
        return true;
    }

    public void SetBatch(ReadOnlySpan<int> keys, byte[] value)
    {
        // One Update call: one frame, one round trip, applied atomically on the server.
        if (_batch.Length != keys.Length)
        {
            _batch = new KeyValuePair<object, object?>[keys.Length];
        }

        for (var i = 0; i < keys.Length; i++)
        {
            _batch[i] = new(_keys[keys[i]], value);
        }

        Dict.Update(_batch);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _client.Dispose();
    }
}
