using System.Net;
using System.Runtime.CompilerServices;
using CyberDb.Client;
using CyberDb.Protocol;
using CyberDb.Transport.Tcp;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// The client's side of one shared-memory connection: a ring pair in the server's region, plus the
/// authenticated TCP socket it was handed over, kept open as the lifeline. A request frame goes
/// into the request ring whole (or streamed, when larger than the ring); the thread then waits on
/// the response ring, spinning briefly, then on its futex. No socket call, no Task, no allocation
/// per request.
/// </summary>
/// <remarks>
/// Failure: while it waits, the ring checks <see cref="TcpClientConnection.IsServerListening"/>
/// between futex slices (every 50 ms): a killed server's socket is closed by the kernel, so the
/// call fails within that, not at <c>OperationTimeout</c>; a goodbye the server sent first (idle
/// timeout, a broken protocol) becomes the exception's message.
/// </remarks>
internal sealed class SharedMemoryClientConnection : ClientConnection
{
    private readonly TcpClientConnection _lifeline;
    private readonly ClientRegionCache.Lease _region;
    private readonly SpscRing _requests;
    private readonly SpscRing _responses;
    private readonly Func<bool> _serverAlive;
    private readonly int _maxFrameBytes;

    private SharedMemoryClientConnection(CyberDbClientOptions options, TcpClientConnection lifeline, ClientRegionCache.Lease region, int slot)
        : base(options)
    {
        _lifeline = lifeline;
        _region = region;
        _maxFrameBytes = lifeline.ServerMaxFrameBytes;
        (_requests, _responses) = region.Region.CreateClientRings(slot, RingWaitPolicy.Default, ProtocolLimits.DefaultMaxFrameBytes);
        _serverAlive = lifeline.IsServerListening;
    }

    public override CyberTransport Transport => CyberTransport.SharedMemory;

    public override long? TableSetVersion => _region.Region.TableSetVersion;

    /// <summary>Whether shared memory can be tried at all for <paramref name="host"/>: Linux, and a loopback host.</summary>
    public static bool IsPossible(string host) =>
        OperatingSystem.IsLinux() && Futex.IsSupported
        && (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address)));

    /// <summary>
    /// Turns an authenticated TCP connection into a shared-memory one, if the server offered its
    /// region, the region opens (same OS user: it is mode 0600) and a slot is free. On success the
    /// new connection owns <paramref name="tcp"/>; otherwise <paramref name="tcp"/> is untouched and
    /// usable, and <paramref name="reason"/> says why.
    /// </summary>
    public static bool TryUpgrade(TcpClientConnection tcp, ClientRegionCache regions, CyberDbClientOptions options, out SharedMemoryClientConnection? connection, out string reason)
    {
        connection = null;
        if (tcp.SharedMemoryOffer is not { } offer)
        {
            reason = "the server offers no shared memory (its SharedMemory option is off, or it cannot create its region)";
            return false;
        }

        ClientRegionCache.Lease lease;
        try
        {
            lease = regions.Acquire(offer.Path, offer.Generation);
        }
        catch (Exception e) when (e is SharedRegionException or IOException or UnauthorizedAccessException)
        {
            reason = $"the server's region {offer.Path} cannot be opened: {e.Message}";
            return false;
        }

        try
        {
            if (tcp.AttachSharedMemory(out var refusal) is not { } attached)
            {
                lease.Release();
                reason = $"the server gave no ring pair: {refusal}";
                return false;
            }

            if (!lease.Region.IsSlotClaimedBy(attached.Slot, Environment.ProcessId, attached.SlotGeneration))
            {
                throw new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the server's slot {attached.Slot} in {offer.Path} is not claimed for this process");
            }

            connection = new SharedMemoryClientConnection(options, tcp, lease, attached.Slot);
            reason = string.Empty;
            return true;
        }
        catch
        {
            lease.Release();
            throw;
        }
    }

    protected override void Exchange()
    {
        var frame = Request.WrittenSpan;
        if (frame.Length > _maxFrameBytes)
        {
            ThrowTooLarge(frame.Length);
        }

        var timeoutMs = (int)Math.Min(int.MaxValue, Options.OperationTimeout.TotalMilliseconds);
        try
        {
            // Fast path: the whole frame fits now. Otherwise stream it while the executor drains.
            if (frame.Length > _requests.MaxWholeMessageLength || !_requests.TryWrite(frame))
            {
                _requests.Write(frame, timeoutMs, _serverAlive);
            }

            Response.PrepareReceive(0);
            _responses.Read(Response, timeoutMs, _serverAlive);
        }
        catch (TimeoutException e)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(
                CyberDbConnectionFailure.OperationTimeout,
                $"the server did not answer over shared memory within OperationTimeout ({Options.OperationTimeout.TotalSeconds:0.###} s)",
                e);
        }
        catch (SharedRegionException e)
        {
            throw Failed(e);
        }

        var response = Response.WrittenSpan;
        if (response.Length < FrameHeader.Size || FrameHeader.ReadLength(response) != response.Length - FrameHeader.LengthFieldSize)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the server sent a {response.Length}-byte ring message that is not a frame");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CyberDbConnectionException Failed(SharedRegionException e)
    {
        IsBroken = true;
        if (_lifeline.TryReadGoodbye() is { Length: > 0 } goodbye && ResponseErrors.Create(ResponseStatus.Refused, goodbye) is CyberDbConnectionException refusal)
        {
            return refusal;
        }

        return e.Failure == SharedRegionFailure.PeerDead
            ? new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the server at {Options.Host}:{Options.Port} closed the connection (stopped or crashed)", e)
            : new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"the shared-memory connection to {Options.Host}:{Options.Port} failed: {e.Message}", e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(int length) =>
        throw new ArgumentException(
            $"the request is {length} bytes, over the server's MaxFrameBytes ({_maxFrameBytes}); nothing was sent. Store smaller values, or raise the server's MaxFrameBytes.");

    /// <summary>Reusable while the lifeline is quiet: the server neither closed it nor said goodbye.</summary>
    public override bool IsAliveForReuse() => !IsBroken && _lifeline.IsServerListening();

    public override void Dispose()
    {
        // Closing the lifeline tells the server to reclaim the slot; it stops polling the rings
        // before it frees them, and our mapping outlives this connection in the lease.
        _lifeline.Dispose();
        _region.Release();
        base.Dispose();
    }
}
