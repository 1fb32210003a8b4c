namespace CyberDb.Bench.Systems;

/// <summary>
/// One connection to a system under test, used by one thread of one worker process. Keys are
/// indexes into the <see cref="BenchKeyspace"/> the client was created with, so implementations
/// can encode every key once, up front, and the measured loop allocates nothing on the harness
/// side. Every call is one synchronous round trip, except <see cref="SetBatch"/>.
/// </summary>
internal interface IBenchClient : IDisposable
{
    /// <summary>
    /// Orchestrator side, once per system before any worker runs: clears what an earlier run left,
    /// writes every key of the keyspace with <paramref name="value"/>, sets the hot counter to 0
    /// and seeds the list.
    /// </summary>
    void Prepare(byte[] value);

    /// <summary>Reads key <paramref name="key"/>; true when it was found.</summary>
    bool Get(int key);

    /// <summary>Writes key <paramref name="key"/>.</summary>
    void Set(int key, byte[] value);

    /// <summary>Adds 1 to the hot counter key and returns the new value.</summary>
    long Increment();

    /// <summary>Appends to the shared list (the tail).</summary>
    void Push(byte[] value);

    /// <summary>Removes the last item of the shared list; false when it was empty.</summary>
    bool Pop();

    /// <summary>
    /// Writes every key in <paramref name="keys"/> in one round trip: a pipeline of SETs on RESP
    /// servers, one batched call where the client offers one.
    /// </summary>
    void SetBatch(ReadOnlySpan<int> keys, byte[] value);
}
