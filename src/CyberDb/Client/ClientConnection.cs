using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Client;

/// <summary>
/// One pooled connection to the server (a TCP socket, or a shared-memory ring pair). A proxy uses
/// it from one thread at a time: <see cref="BeginRequest"/>, write the arguments, <see cref="Execute"/>.
/// The request and response buffers are reused, so a call allocates nothing of its own.
/// Any transport failure marks the connection <see cref="IsBroken"/>; the pool then discards it.
/// </summary>
internal abstract class ClientConnection : IDisposable
{
    private OpCode _op;
    private uint _nextRequestId;

    protected ClientConnection(CyberDbClientOptions options)
    {
        Options = options;
    }

    protected CyberDbClientOptions Options { get; }

    protected FrameBuffer Request { get; } = new();

    protected FrameBuffer Response { get; } = new();

    public abstract CyberTransport Transport { get; }

    /// <summary>
    /// The server's table-set version as this transport can see it without a round trip, or
    /// <see langword="null"/> when it cannot (TCP): then every table-kind check asks the server.
    /// </summary>
    public virtual long? TableSetVersion => null;

    /// <summary>Tables whose kind this connection checked, and the table-set version read before the check.</summary>
    public TableKindCache KnownTables { get; } = new();

    /// <summary>An asynchronous call on this connection has not completed yet: it must not go back to the pool.</summary>
    public virtual bool HasCallInFlight => false;

    /// <summary>True after a transport failure: the connection must not be used again.</summary>
    public bool IsBroken { get; protected set; }

    /// <summary>When the connection was last handed back to the pool (<see cref="TimeProvider"/> timestamp).</summary>
    public long LastUsedTimestamp { get; set; }

    /// <summary>Starts a request for <paramref name="op"/> on <paramref name="table"/> (null for session operations).</summary>
    public MessagePackWriter BeginRequest(OpCode op, string? table)
    {
        if (IsBroken)
        {
            ThrowBroken();
        }

        // Before anything is touched: the pending call still owns the buffers, and its answer is
        // kept in the read cache under the request it was sent for.
        if (HasCallInFlight)
        {
            ThrowCallPending();
        }

        _op = op;
        Request.BeginFrame();
        var writer = new MessagePackWriter(Request);
        if (table is not null)
        {
            writer.Write(table);
        }

        return writer;
    }

    /// <summary>
    /// Sends the request begun by <see cref="BeginRequest"/> (its writer flushed) and returns the
    /// response payload, valid until the next request. Error statuses become their exceptions.
    /// A dictionary read may be answered from <see cref="CachedReads"/> instead, without a round trip.
    /// </summary>
    public ReadOnlyMemory<byte> Execute()
    {
        var id = ++_nextRequestId;
        Request.EndFrame((byte)_op, id);
        var cache = BeginCachedRead(out var version);
        if (cache is not null && TryAnswerFromCache(cache, version, id))
        {
            return ReadResponse(id, null, default);
        }

        Exchange();
        return ReadResponse(id, cache, version);
    }

    /// <summary>
    /// <see cref="Execute"/> without blocking the calling thread where the transport can wait for
    /// the answer elsewhere (TCP; shared memory with <c>futex_waitv</c>); otherwise it completes synchronously.
    /// The payload is valid until the next request.
    /// </summary>
    public ValueTask<ReadOnlyMemory<byte>> ExecuteAsync(CancellationToken cancellationToken)
    {
        var id = ++_nextRequestId;
        Request.EndFrame((byte)_op, id);
        var cache = BeginCachedRead(out var version);
        if (cache is not null && TryAnswerFromCache(cache, version, id))
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new ValueTask<ReadOnlyMemory<byte>>(ReadResponse(id, null, default));
        }

        var exchange = ExchangeAsync(cancellationToken);
        if (exchange.IsCompletedSuccessfully)
        {
            exchange.GetAwaiter().GetResult(); // returns the pooled source, if any
            return new ValueTask<ReadOnlyMemory<byte>>(ReadResponse(id, cache, version));
        }

        return AwaitResponse(exchange, id, cache, version);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> AwaitResponse(ValueTask exchange, uint id, ReadCache? cache, ReadVersion version)
    {
        await exchange.ConfigureAwait(false);
        return ReadResponse(id, cache, version);
    }

    /// <summary>
    /// The cache that may answer the pending request, with the counters read now, before the request
    /// goes out (the order <see cref="ReadCache"/> relies on); <see langword="null"/> when it is not a
    /// cacheable read or this connection keeps no cache.
    /// </summary>
    private ReadCache? BeginCachedRead(out ReadVersion version)
    {
        version = default;
        if (!ReadCache.IsCacheable(_op) || CachedReads is not { } cache || RequestPayload.Length > ReadCache.MaxRequestBytes)
        {
            return null;
        }

        // Every cacheable operation is a table's: its payload starts with the name, and the server
        // counts changes against those bytes as they go out, not against the string.
        var reader = new SpanReader(RequestPayload);
        version = ReadVersionOf(reader.ReadStringUtf8());
        return cache;
    }

    private bool TryAnswerFromCache(ReadCache cache, ReadVersion version, uint id)
    {
        if (!cache.TryRead(_op, RequestPayload, version, Response))
        {
            return false;
        }

        BeforeCachedAnswer();
        BinaryPrimitives.WriteUInt32LittleEndian(Response.Array.AsSpan(FrameHeader.RequestIdOffset), id);
        return true;
    }

    private ReadOnlySpan<byte> RequestPayload => Request.WrittenSpan[FrameHeader.Size..];

    private ReadOnlyMemory<byte> ReadResponse(uint id, ReadCache? keepIn, ReadVersion version)
    {
        var header = Response.Array.AsSpan(0, FrameHeader.Size);
        var status = (ResponseStatus)header[FrameHeader.CodeOffset];
        var responseId = FrameHeader.ReadRequestId(header);
        if (responseId != id)
        {
            ThrowUnexpected(status, responseId, id);
        }

        keepIn?.Store(_op, RequestPayload, version, Response.WrittenSpan);
        if (status != ResponseStatus.Ok)
        {
            ThrowError(status);
        }

        return Response.Payload;
    }

    /// <summary>
    /// Where this connection keeps answers to dictionary reads, or <see langword="null"/> (TCP, which
    /// cannot see the server's counters; or <see cref="CyberDbClientOptions.ReadCache"/> off).
    /// </summary>
    protected virtual ReadCache? CachedReads => null;

    /// <summary>The server's counters for a read of the table named <paramref name="utf8Name"/>, now (only asked when <see cref="CachedReads"/> is set).</summary>
    protected virtual ReadVersion ReadVersionOf(ReadOnlySpan<byte> utf8Name) => default;

    /// <summary>
    /// Before an answer from <see cref="CachedReads"/> is given: throws what a round trip would if the
    /// server is gone, and lets the server know that the connection is in use (it never sees the read).
    /// </summary>
    protected virtual void BeforeCachedAnswer()
    {
    }

    /// <summary>
    /// Sends <see cref="Request"/>'s frame and fills <see cref="Response"/> with the whole response
    /// frame (header at offset 0). Throws <see cref="CyberDbConnectionException"/> (and sets
    /// <see cref="IsBroken"/>) when the transport fails or <c>OperationTimeout</c> passes.
    /// </summary>
    protected abstract void Exchange();

    /// <summary>
    /// <see cref="Exchange"/> for <see cref="ExecuteAsync"/>. By default it is <see cref="Exchange"/> on
    /// the calling thread, already complete when it returns (shared memory without <c>futex_waitv</c>);
    /// TCP and shared memory with the pump override it.
    /// </summary>
    protected virtual ValueTask ExchangeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Exchange();
        return default;
    }

    /// <summary>Whether an idle pooled connection is still usable (the server did not close it meanwhile).</summary>
    public abstract bool IsAliveForReuse();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowError(ResponseStatus status)
    {
        var message = ReadMessage();
        if (status is ResponseStatus.BadRequest or ResponseStatus.Refused)
        {
            IsBroken = true; // the server closes the connection after these
        }

        throw ResponseErrors.Create(status, message);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowUnexpected(ResponseStatus status, uint responseId, uint expected)
    {
        IsBroken = true;
        if (responseId == 0 && status == ResponseStatus.Refused)
        {
            // The server said goodbye (idle timeout, shutdown) before it saw our request.
            throw ResponseErrors.Create(status, ReadMessage());
        }

        throw new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the server answered request {responseId} while request {expected} was pending");
    }

    private string ReadMessage()
    {
        try
        {
            var reader = new MessagePackReader(Response.Payload);
            return reader.ReadString() ?? string.Empty;
        }
        catch (MessagePackSerializationException)
        {
            return "(the server's message could not be read)";
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowCallPending() =>
        throw new InvalidOperationException("a call on this proxy is still pending: a proxy makes one call at a time (await each call before the next, or give each concurrent flow its own proxy)");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBroken() =>
        throw new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, "this connection failed earlier and cannot be used; the proxy will take a fresh one on its next call");

    public virtual void Dispose()
    {
        Request.Dispose();
        Response.Dispose();
    }
}
