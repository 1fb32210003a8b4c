using System.Runtime.CompilerServices;
using CyberDb.Client;
using CyberDb.Protocol;

namespace CyberDb;

/// <summary>
/// Asynchronous twins of the list members a web request uses most; see <see cref="CyberDict"/>'s:
/// the same requests, results and exceptions, without blocking the thread over shared memory.
/// </summary>
public sealed partial class CyberList
{
    /// <summary>The item at 0..Count-1 (the indexer's get), else <see cref="ArgumentOutOfRangeException"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> GetAsync(int index, CancellationToken cancellationToken = default) =>
        ValueDecoder.Read(await BeginWithIndex(OpCode.ListGet, CheckIndex(index)).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The item at an index that may count from the end: <c>^1</c> is the last.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> GetAsync(Index index, CancellationToken cancellationToken = default) =>
        ValueDecoder.Read(await BeginWithIndex(OpCode.ListGet, ToWire(index)).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> GetAsync<T>(int index, CancellationToken cancellationToken = default) =>
        ValueDecoder.Convert<T>(await BeginWithIndex(OpCode.ListGet, CheckIndex(index)).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Replaces the item at 0..Count-1 (the indexer's set).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SetAsync(int index, object? value, CancellationToken cancellationToken = default) =>
        await BeginSetAt(CheckIndex(index), value).ExecuteAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Appends an item (seed: <c>append</c>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask AddAsync(object? value, CancellationToken cancellationToken = default) =>
        await BeginWithValue(OpCode.ListAdd, value).ExecuteAsync(cancellationToken).ConfigureAwait(false);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> CountAsync(CancellationToken cancellationToken = default) =>
        Responses.ReadInt32(await Begin(OpCode.ListCount).ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Removes and returns the last item; <see cref="InvalidOperationException"/> when empty.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> PopAsync(CancellationToken cancellationToken = default) =>
        ValueDecoder.Read(await BeginPopLast().ExecuteAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>A copy of the whole list (seed: <c>tolist</c>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<List<object?>> ToListAsync(CancellationToken cancellationToken = default) =>
        Responses.ReadList(await Begin(OpCode.ListToList).ExecuteAsync(cancellationToken).ConfigureAwait(false));
}
