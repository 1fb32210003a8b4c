using CyberDb.Engine;
using CyberDb.Protocol;
using CyberDb.Server;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The server's side of one shared-memory client connection: a claimed slot's ring pair, polled by
/// the executor thread. Each ring message is one whole frame (the same bytes as on TCP, length field
/// included), so one dispatcher serves both transports.
/// </summary>
/// <remarks>
/// <para>Never blocks the executor: a request is read with <see cref="SpscRing.TryRead"/> as its
/// bytes arrive (a 64 MiB value streams through the ring over many polls), and a response is written
/// with <see cref="SpscRing.WriteAvailable"/>, resumed on later polls while the client drains the
/// ring. So a slow, stopped or killed client costs the others nothing but a flag check.</para>
/// <para>Ownership: every field but <see cref="LastActivityTimestamp"/> and <see cref="IsClosed"/>
/// belongs to the executor thread. The TCP lifeline task that attached the session only reads
/// those two and asks <see cref="SharedMemoryHost.Detach"/>, which posts the removal to the executor.</para>
/// </remarks>
internal sealed class SharedMemorySession : IExecutorWork, IDisposable
{
    private readonly SpscRing _requests;
    private readonly SpscRing _responses;
    private readonly FrameBuffer _request = new();
    private readonly FrameBuffer _response = new();
    private readonly int _maxFrameBytes;

    private OpCode _op;
    private uint _requestId;
    private ResponseStatus _status;

    /// <summary>Bytes of the pending response already in the ring, or -1 when none is pending.</summary>
    private long _responseProgress = -1;

    private long _lastActivity;
    private volatile bool _closed;

    // The lifeline's idle check only: the client's cached-read count where it last looked.
    private readonly Func<long> _clientReads;
    private long _clientReadsSeen;

    public SharedMemorySession(int slot, long slotGeneration, SpscRing requests, SpscRing responses, int maxFrameBytes, TimeProvider time, Func<long> clientReads)
    {
        _clientReads = clientReads;
        _clientReadsSeen = clientReads();
        Slot = slot;
        SlotGeneration = slotGeneration;
        _requests = requests;
        _responses = responses;
        _maxFrameBytes = maxFrameBytes;
        Time = time;
        _lastActivity = time.GetTimestamp();
        _request.PrepareReceive(0);
    }

    public int Slot { get; }

    public long SlotGeneration { get; }

    private TimeProvider Time { get; }

    /// <summary>
    /// The lifeline's idle check (its only caller): when the client last used the session, as a
    /// <see cref="TimeProvider"/> timestamp: the executor's last finished request, or now if the
    /// client answered reads from its cache since the previous look (those never reach the executor).
    /// </summary>
    public long LastActivityTimestamp()
    {
        var reads = _clientReads();
        if (reads != _clientReadsSeen)
        {
            _clientReadsSeen = reads;
            Interlocked.Exchange(ref _lastActivity, Time.GetTimestamp());
        }

        return Interlocked.Read(ref _lastActivity);
    }

    /// <summary>Set by the executor when the client broke the protocol; the lifeline then closes the connection.</summary>
    public bool IsClosed => _closed;

    /// <summary>Why the executor closed the session (for the lifeline's goodbye), if it did.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Executor: whether a poll would make progress (a request arrived, or room for the pending response).</summary>
    public bool HasWork => !_closed && (_responseProgress >= 0 ? _responses.FreeBytes >= RoomToProgress : _requests.HasData);

    /// <summary>Free bytes that let the pending response move: its 4-byte length prefix goes in whole.</summary>
    private int RoomToProgress => _responseProgress == 0 ? SpscRing.LengthPrefixSize : 1;

    /// <summary>
    /// Executor: advances the session by what can be done without waiting: finishes writing a
    /// pending response, or reads a request and, once it is whole, runs it under the engine lock.
    /// </summary>
    /// <returns>Whether anything was done.</returns>
    public bool Poll(Executor executor)
    {
        if (_closed)
        {
            return false;
        }

        try
        {
            if (_responseProgress >= 0)
            {
                return ContinueResponse();
            }

            if (!_requests.HasData)
            {
                return false;
            }

            if (!_requests.TryRead(_request))
            {
                return true; // part of a large request; the rest follows
            }

            if (!TryParseRequest())
            {
                return true;
            }

            executor.Execute(this);
            _response.EndFrame((byte)_status, _requestId);
            Interlocked.Exchange(ref _lastActivity, Time.GetTimestamp());
            _request.PrepareReceive(0);
            _responseProgress = 0;
            ContinueResponse();
            if (_status == ResponseStatus.BadRequest)
            {
                Close("the client sent a malformed request");
            }

            return true;
        }
        catch (SharedRegionException e)
        {
            Close(e.Message); // a corrupt ring: this client's rings are not to be trusted any more
            return true;
        }
    }

    /// <returns>Whether any of the response went in: a client that does not drain its ring (stopped,
    /// or done waiting after a cancelled call) must let the executor sleep, not keep it polling.</returns>
    private bool ContinueResponse()
    {
        var before = _responseProgress;
        if (_responses.WriteAvailable(_response.WrittenSpan, ref _responseProgress))
        {
            _responseProgress = -1;
            return true;
        }

        return _responseProgress != before;
    }

    /// <summary>Checks the frame header against the message; a bad one is answered BadRequest and closes the session.</summary>
    private bool TryParseRequest()
    {
        var frame = _request.WrittenSpan;
        if (frame.Length < FrameHeader.Size || frame.Length > _maxFrameBytes || FrameHeader.ReadLength(frame) != frame.Length - FrameHeader.LengthFieldSize)
        {
            _requestId = frame.Length >= FrameHeader.Size ? FrameHeader.ReadRequestId(frame) : 0;
            OperationDispatcher.Fail(_response, ResponseStatus.BadRequest, $"a {frame.Length}-byte ring message is not a well-formed frame (at most {_maxFrameBytes} bytes)");
            _response.EndFrame((byte)ResponseStatus.BadRequest, _requestId);
            _request.PrepareReceive(0);
            _responseProgress = 0;
            ContinueResponse();
            Close("the client sent a malformed frame");
            return false;
        }

        _op = (OpCode)frame[FrameHeader.CodeOffset];
        _requestId = FrameHeader.ReadRequestId(frame);
        return true;
    }

    /// <summary>The dispatcher reports what each request changes.</summary>
    public bool ReportsTableChanges => true;

    /// <summary>Runs the pending request under the engine lock (see <see cref="Executor.Execute"/>).</summary>
    public void Execute(OperationDispatcher dispatcher, Database database) =>
        _status = dispatcher.Execute(_op, _request.Payload.Span, _response);

    private void Close(string reason)
    {
        CloseReason = reason;
        _closed = true;
    }

    public void Dispose()
    {
        _closed = true;
        _request.Dispose();
        _response.Dispose();
    }
}
