using System.Runtime.CompilerServices;
using CyberDb.Client;
using CyberDb.Protocol;

namespace CyberDb;

/// <summary>
/// Asynchronous twins of the members a web request uses most: the same requests and the same
/// results and exceptions, but over shared memory the calling thread is given back while the
/// server answers (a pooled state machine and the connection's reusable completion source, so
/// a call allocates nothing of its own in steady state); over TCP the socket's awaitable calls do
/// the waiting.
/// One call at a time per proxy, as for the synchronous members.
/// </summary>
public sealed partial class CyberDict
{
    /// <summary>The value (the indexer's get); <see cref="KeyNotFoundException"/> when missing.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> GetAsync(object key, CancellationToken cancellationToken = default) =>
        ValueDecoder.Read(await Begin(OpCode.DictGet, key).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The value converted to <typeparamref name="T"/>; <see cref="KeyNotFoundException"/> when missing.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> GetAsync<T>(object key, CancellationToken cancellationToken = default) =>
        ValueDecoder.Convert<T>(await Begin(OpCode.DictGet, key).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The value, or <paramref name="defaultValue"/> when the key is missing (seed: <c>get</c>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> GetValueOrDefaultAsync(object key, object? defaultValue = null, CancellationToken cancellationToken = default) =>
        Responses.ReadFound(await Begin(OpCode.DictTryGet, key).ExecuteAsync(cancellationToken).ConfigureAwait(false), out var value) ? ValueDecoder.Read(value) : defaultValue;

    /// <summary>Sets a value (the indexer's set).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SetAsync(object key, object? value, CancellationToken cancellationToken = default) =>
        await BeginWithValue(OpCode.DictSet, key, value).ExecuteAsync(cancellationToken).ConfigureAwait(false);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> CountAsync(CancellationToken cancellationToken = default) =>
        Responses.ReadInt32(await Begin(OpCode.DictCount).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ContainsKeyAsync(object key, CancellationToken cancellationToken = default) =>
        Responses.ReadBoolean(await Begin(OpCode.DictContainsKey, key).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Removes a key; false when it was not there.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> RemoveAsync(object key, CancellationToken cancellationToken = default) =>
        Responses.ReadBoolean(await Begin(OpCode.DictRemove, key).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Adds the key only if it is missing; false when it exists.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> TryAddAsync(object key, object? value, CancellationToken cancellationToken = default) =>
        Responses.ReadBoolean(await BeginWithValue(OpCode.DictTryAdd, key, value).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Compare-and-swap: sets <paramref name="newValue"/> only if the value equals <paramref name="comparisonValue"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> TryUpdateAsync(object key, object? newValue, object? comparisonValue, CancellationToken cancellationToken = default) =>
        Responses.ReadBoolean(await BeginTryUpdate(key, newValue, comparisonValue).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The existing value, or sets and returns <paramref name="value"/> (seed: <c>setdefault</c>), atomically.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> GetOrAddAsync(object key, object? value, CancellationToken cancellationToken = default) =>
        ValueDecoder.Read(await BeginWithValue(OpCode.DictGetOrAdd, key, value).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Adds <paramref name="delta"/> to an integer value (a missing key counts as 0) and returns the result.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> IncrementAsync(object key, long delta = 1, CancellationToken cancellationToken = default) =>
        Responses.ReadInt64(await BeginIncrement(key, delta).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>A copy of the whole table, in insertion order (seed: <c>todict</c>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Dictionary<object, object?>> ToDictionaryAsync(CancellationToken cancellationToken = default) =>
        ToDictionary(ReadItems(await Begin(OpCode.DictItems).ExecuteAsync(cancellationToken).ConfigureAwait(false)));
}
