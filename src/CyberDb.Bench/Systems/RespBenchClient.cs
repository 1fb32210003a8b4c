using StackExchange.Redis;

namespace CyberDb.Bench.Systems;

/// <summary>
/// StackExchange.Redis against a RESP server (Redis, Garnet): one multiplexer per worker process,
/// synchronous calls (one round trip each), an <see cref="IBatch"/> of SETs for the pipelined run.
/// </summary>
internal sealed class RespBenchClient : IBenchClient
{
    private const int PrepareChunk = 1000;

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly RedisKey[] _keys;
    private readonly RedisKey _hotKey = BenchKeyspace.HotKey;
    private readonly RedisKey _listKey = BenchKeyspace.ListName;
    private Task[] _batchTasks = [];

    public RespBenchClient(string endpoint, BenchKeyspace keyspace)
    {
        ArgumentNullException.ThrowIfNull(keyspace);
        var options = new ConfigurationOptions
        {
            EndPoints = { endpoint },
            AllowAdmin = true, // FLUSHALL in Prepare
            AbortOnConnectFail = true,
            ConnectTimeout = 10_000,
            SyncTimeout = 30_000,
            AsyncTimeout = 30_000,
            ConnectRetry = 3,
            ClientName = "cyberdb-bench",
        };
        _connection = ConnectionMultiplexer.Connect(options);
        _database = _connection.GetDatabase();
        _keys = new RedisKey[keyspace.Count];
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = keyspace[i];
        }
    }

    public void Prepare(byte[] value)
    {
        foreach (var endpoint in _connection.GetEndPoints())
        {
            _connection.GetServer(endpoint).FlushAllDatabases();
        }

        for (var start = 0; start < _keys.Length; start += PrepareChunk)
        {
            var count = Math.Min(PrepareChunk, _keys.Length - start);
            var pairs = new KeyValuePair<RedisKey, RedisValue>[count];
            for (var i = 0; i < count; i++)
            {
                pairs[i] = new(_keys[start + i], value);
            }

            _database.StringSet(pairs);
        }

        _database.StringSet(_hotKey, 0);
        var seed = new RedisValue[BenchKeyspace.ListSeedCount];
        Array.Fill(seed, (RedisValue)value);
        _database.ListRightPush(_listKey, seed);
    }

    public bool Get(int key)
    {
        using var lease = _database.StringGetLease(_keys[key]);
        return lease is not null;
    }

    public void Set(int key, byte[] value) => _database.StringSet(_keys[key], value);

    public long Increment() => _database.StringIncrement(_hotKey);

    public void Push(byte[] value) => _database.ListRightPush(_listKey, value);

    public bool Pop() => !_database.ListRightPop(_listKey).IsNull;

    public void SetBatch(ReadOnlySpan<int> keys, byte[] value)
    {
        // All but the last SET go out as one IBatch; the last is a synchronous SET on the same
        // connection right behind them. Replies arrive in order, so when it returns the whole
        // pipeline has been answered: one round trip, and no sync-over-async wait on tasks.
        if (_batchTasks.Length != keys.Length - 1)
        {
            _batchTasks = new Task[Math.Max(0, keys.Length - 1)];
        }

        if (keys.Length > 1)
        {
            var batch = _database.CreateBatch();
            for (var i = 0; i < keys.Length - 1; i++)
            {
                _batchTasks[i] = batch.StringSetAsync(_keys[keys[i]], value);
            }

            batch.Execute();
        }

        if (keys.Length > 0)
        {
            _database.StringSet(_keys[keys[^1]], value);
        }

        foreach (var task in _batchTasks)
        {
            if (task.IsFaulted)
            {
                throw new InvalidOperationException("a pipelined SET failed", task.Exception);
            }
        }
    }

    public void Dispose() => _connection.Dispose();
}
