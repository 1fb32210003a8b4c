using System.Globalization;

namespace CyberDb.Bench.Systems;

/// <summary>
/// The key names every system uses, so that all of them store the same strings: <see cref="Count"/>
/// value keys, one hot counter and one list. Immutable; built once per process.
/// </summary>
internal sealed class BenchKeyspace
{
    /// <summary>Name of the table (CyberDb) that holds the value keys and the hot counter.</summary>
    public const string DictName = "bench";

    /// <summary>Name of the shared list (a RESP key, a CyberDb list table).</summary>
    public const string ListName = "bench:list";

    /// <summary>The single key every worker increments in the <c>incr</c> workload.</summary>
    public const string HotKey = "bench:hot";

    /// <summary>Items put in the list by <see cref="IBenchClient.Prepare"/>.</summary>
    public const int ListSeedCount = 100;

    private readonly string[] _keys;

    public BenchKeyspace(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            _keys[i] = "bench:key:" + i.ToString("D6", CultureInfo.InvariantCulture);
        }
    }

    public int Count => _keys.Length;

    public string this[int index] => _keys[index];
}
