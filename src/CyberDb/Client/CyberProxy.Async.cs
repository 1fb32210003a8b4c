using System.Runtime.CompilerServices;
using CyberDb.Client;

namespace CyberDb;

/// <summary>
/// Asynchronous twins of the proxy members a web request uses: the same checks and exceptions,
/// without blocking the thread over shared memory (where the table-kind check usually needs no
/// round trip at all).
/// </summary>
public sealed partial class CyberProxy
{
    /// <summary>A handle to an existing dictionary; <see cref="CyberDbException"/> when there is none of that name and kind.</summary>
    public ValueTask<CyberDict> GetCyberDictAsync(string name, CancellationToken cancellationToken = default) =>
        IsKindKnown(name, CyberTableKind.CyberDict, out var connection, out var version)
            ? new ValueTask<CyberDict>(new CyberDict(this, name))
            : AskKindAsync(name, CyberTableKind.CyberDict, connection, version, cancellationToken, static (proxy, name) => new CyberDict(proxy, name));

    /// <summary>A handle to an existing list; <see cref="CyberDbException"/> when there is none of that name and kind.</summary>
    public ValueTask<CyberList> GetCyberListAsync(string name, CancellationToken cancellationToken = default) =>
        IsKindKnown(name, CyberTableKind.CyberList, out var connection, out var version)
            ? new ValueTask<CyberList>(new CyberList(this, name))
            : AskKindAsync(name, CyberTableKind.CyberList, connection, version, cancellationToken, static (proxy, name) => new CyberList(proxy, name));

    /// <summary>Sends a ping and waits for the answer: a real round trip (health checks).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await BeginPing().ExecuteAsync(cancellationToken).ConfigureAwait(false);

    private async ValueTask<T> AskKindAsync<T>(string name, CyberTableKind kind, ClientConnection connection, long? version, CancellationToken cancellationToken, Func<CyberProxy, string, T> handle)
    {
        CheckKind(connection, name, kind, version, await BeginKindCheck(connection, name).ExecuteAsync(cancellationToken).ConfigureAwait(false));
        return handle(this, name);
    }
}
