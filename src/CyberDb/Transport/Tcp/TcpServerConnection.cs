using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CyberDb.Engine;
using CyberDb.Protocol;
using CyberDb.Security;
using CyberDb.Server;
using CyberDb.Transport.SharedMemory;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// The server's side of one TCP client: handshake, then a loop of read request → run it under the
/// executor's engine lock → write response. At most one request is in flight per connection, so
/// one request buffer and one response buffer serve the whole connection: no allocation per request.
/// <para>
/// Hostile peers: the handshake has a deadline (<see cref="HardeningOptions.HandshakeTimeout"/>)
/// and a small frame limit (<see cref="Handshake.MaxAuthFrameBytes"/>); failed authentications
/// count toward the source's lockout (<see cref="AuthThrottle"/>); every length field is checked
/// before anything is allocated, and buffers grow only as bytes arrive (<see cref="IncomingFrame"/>).
/// With <c>Encrypt</c>, every frame after the handshake is sealed (<see cref="FrameCipher"/>), and
/// one that fails authentication closes the connection.
/// </para>
/// All fields are owned by the connection's own loop (<see cref="RunAsync"/>); the listener only
/// calls <see cref="Abort"/>, which closes the socket under the loop.
/// </summary>
internal sealed class TcpServerConnection : IExecutorWork, IDisposable
{
    private readonly Socket _socket;
    private readonly ServerContext _context;
    private readonly FrameBuffer _request = new();
    private readonly FrameBuffer _response = new();
    private readonly CancellationTokenSource _idle = new();

    /// <summary>Set when an encrypted handshake succeeds; from then on every frame is sealed both ways.</summary>
    private SecureChannel? _channel;
    private OpCode _op;
    private uint _requestId;
    private ResponseStatus _status;

    public TcpServerConnection(Socket socket, ServerContext context)
    {
        _socket = socket;
        _context = context;
        _socket.NoDelay = true;
        IPEndPoint? remote = null;
        try
        {
            remote = socket.RemoteEndPoint as IPEndPoint;
        }
        catch (SocketException)
        {
            // reset before we looked: refused as an unknown address, then closed
        }

        RemoteAddress = remote is null ? IPAddress.None : IpWhitelist.Normalise(remote.Address);
        RemoteEndPoint = remote is null ? "?" : new IPEndPoint(RemoteAddress, remote.Port).ToString();
    }

    /// <summary>The client's address (IPv4-mapped IPv6 as IPv4), as the whitelist and the throttle see it.</summary>
    public IPAddress RemoteAddress { get; }

    public string RemoteEndPoint { get; }

    private enum Received
    {
        Frame,
        Closed,

        /// <summary>The frame was refused (too long, failed authentication); the client has been told.</summary>
        Rejected,
    }

    /// <summary>Serves the connection until the client leaves, breaks the protocol, idles out, or the server stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            if (!await HandshakeAsync(stopping).ConfigureAwait(false))
            {
                return;
            }

            await ServeAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (Exception e)
        {
            // A bug, not a client's doing: this connection closes, the server and everyone else go on.
            LogMessages.ConnectionFailed(_context.Logger, RemoteEndPoint, e);
        }
        finally
        {
            Dispose();
        }
    }

    private async Task<bool> HandshakeAsync(CancellationToken stopping)
    {
        var timeout = _context.Hardening.HandshakeTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            return await HandshakeCoreAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            LogMessages.HandshakeTimedOut(_context.Logger, RemoteEndPoint, timeout.TotalSeconds);
            return false;
        }
    }

    private async Task<bool> HandshakeCoreAsync(CancellationToken cancellationToken)
    {
        var serverNonce = RandomNumberGenerator.GetBytes(Handshake.NonceBytes);
        var flags = _context.Options.Encrypt ? Handshake.Flags.Encrypt : Handshake.Flags.None;

        _response.BeginFrame();
        var writer = new MessagePackWriter(_response);
        writer.WriteArrayHeader(6);
        writer.Write(ProtocolLimits.ProtocolVersion);
        writer.Write((int)flags);
        writer.Write(_context.Salt);
        writer.Write(_context.Iterations);
        writer.Write(serverNonce);
        writer.Write(_context.MaxFrameBytes);
        writer.Flush();
        _response.EndFrame((byte)ResponseStatus.Ok, 0);
        await SendResponseAsync(cancellationToken).ConfigureAwait(false);

        switch (await ReceiveFrameAsync(Handshake.MaxAuthFrameBytes, cancellationToken).ConfigureAwait(false))
        {
            case Received.Closed:
                return false; // a port probe, or a client that saw an encryption mismatch in the hello
            case Received.Rejected:
                RecordFailure();
                return false;
        }

        if (_op != OpCode.Auth)
        {
            RecordFailure();
            await SendErrorAsync(ResponseStatus.BadRequest, "expected the authentication frame", cancellationToken).ConfigureAwait(false);
            return false;
        }

        int version;
        Handshake.Flags clientFlags;
        byte[] clientNonce;
        byte[] proof;
        try
        {
            var reader = new SpanReader(_request.Payload.Span);
            if (reader.ReadArrayHeader() != 4)
            {
                throw new ProtocolException("the authentication frame must hold 4 items");
            }

            version = reader.ReadInt32();
            clientFlags = (Handshake.Flags)reader.ReadInt32();
            clientNonce = ReadBinary(ref reader, Handshake.NonceBytes);
            proof = ReadBinary(ref reader, Handshake.ProofBytes);
        }
        catch (ProtocolException e)
        {
            RecordFailure();
            await SendErrorAsync(ResponseStatus.BadRequest, e.Message, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (version != ProtocolLimits.ProtocolVersion)
        {
            await SendErrorAsync(ResponseStatus.BadRequest, $"protocol version {version} is not supported (server speaks {ProtocolLimits.ProtocolVersion})", cancellationToken).ConfigureAwait(false);
            return false;
        }

        var expected = Handshake.ClientProof(_context.AuthKey, serverNonce, clientNonce);
        if (!Handshake.ProofEquals(expected, proof))
        {
            LogMessages.AuthenticationFailed(_context.Logger, RemoteEndPoint);
            RecordFailure();
            await SendErrorAsync(ResponseStatus.AuthenticationFailed, "wrong password", cancellationToken).ConfigureAwait(false);
            return false;
        }

        _context.Throttle.RecordSuccess(RemoteAddress);
        var clientEncrypts = (clientFlags & Handshake.Flags.Encrypt) != 0;
        if (clientEncrypts != _context.Options.Encrypt)
        {
            await SendErrorAsync(
                ResponseStatus.AuthenticationFailed,
                $"encryption mismatch: the server has Encrypt={_context.Options.Encrypt}, the client Encrypt={clientEncrypts}; both must match",
                cancellationToken).ConfigureAwait(false);
            return false;
        }

        _response.BeginFrame();
        writer = new MessagePackWriter(_response);
        writer.WriteArrayHeader(2);
        writer.Write(Handshake.ServerProof(_context.AuthKey, clientNonce, serverNonce));
        WriteSharedMemoryOffer(ref writer, clientFlags);
        writer.Flush();
        _response.EndFrame((byte)ResponseStatus.Ok, _requestId);
        await SendResponseAsync(cancellationToken).ConfigureAwait(false);
        if (_context.Options.Encrypt)
        {
            // The reply above is the last clear frame: from here on both sides seal.
            _channel = SecureChannel.ForServer(_context.AuthKey, serverNonce, clientNonce);
        }

        LogMessages.ClientConnected(_context.Logger, RemoteEndPoint);
        return true;
    }

    /// <summary>
    /// The region ([path, generation]) for a client that asked for shared memory from this host;
    /// nil for everyone else: a remote peer is never told where the region lives.
    /// </summary>
    private void WriteSharedMemoryOffer(ref MessagePackWriter writer, Handshake.Flags clientFlags)
    {
        if (_context.SharedMemory is { } sharedMemory && (clientFlags & Handshake.Flags.SharedMemory) != 0 && IPAddress.IsLoopback(RemoteAddress))
        {
            writer.WriteArrayHeader(2);
            writer.Write(sharedMemory.Path);
            writer.Write(sharedMemory.Generation);
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <summary>
    /// Answers <see cref="OpCode.AttachSharedMemory"/>: a ring pair for the client's process, after
    /// which this socket is only the lifeline (see <see cref="LifelineAsync"/>). False when no
    /// slot was given (the connection goes on over TCP).
    /// </summary>
    private async Task<bool> TryAttachSharedMemoryAsync(CancellationToken stopping)
    {
        var sharedMemory = _context.SharedMemory;
        int pid;
        try
        {
            var reader = new SpanReader(_request.Payload.Span);
            pid = reader.ReadInt32();
            reader.ExpectEnd();
        }
        catch (ProtocolException e)
        {
            await SendErrorAsync(ResponseStatus.BadRequest, e.Message, stopping).ConfigureAwait(false);
            throw new IOException("malformed shared-memory request", e); // ends the connection like any bad request
        }

        SharedMemorySession? session = null;
        string? refusal = null;
        if (sharedMemory is null || !IPAddress.IsLoopback(RemoteAddress))
        {
            refusal = "this server offers no shared memory to this client";
        }
        else
        {
            try
            {
                session = sharedMemory.TryAttach(pid);
                refusal = session is null ? "every shared-memory slot is taken" : null;
            }
            catch (ArgumentException e)
            {
                refusal = e.Message; // no such process on this host: the client is not where it says
            }
        }

        _response.BeginFrame();
        var writer = new MessagePackWriter(_response);
        if (session is null)
        {
            writer.WriteArrayHeader(1);
            writer.Write(refusal);
        }
        else
        {
            writer.WriteArrayHeader(2);
            writer.Write(session.Slot);
            writer.Write(session.SlotGeneration);
        }

        writer.Flush();
        _response.EndFrame((byte)ResponseStatus.Ok, _requestId);
        try
        {
            await SendResponseAsync(stopping).ConfigureAwait(false);
        }
        catch
        {
            if (session is not null)
            {
                sharedMemory!.Detach(session);
            }

            throw;
        }

        if (session is null)
        {
            return false;
        }

        LogMessages.SharedMemoryAttached(_context.Logger, RemoteEndPoint, session.Slot);
        var reason = "lifeline closed";
        try
        {
            reason = await LifelineAsync(session, stopping).ConfigureAwait(false);
        }
        finally
        {
            sharedMemory!.Detach(session);
            LogMessages.SharedMemoryDetached(_context.Logger, RemoteEndPoint, session.Slot, reason);
        }

        return true;
    }

    /// <summary>
    /// Holds the socket of a shared-memory client until it closes (the client exited or was killed:
    /// the kernel closes its sockets), sends anything, breaks the protocol on its rings, idles past
    /// the server's <c>Timeout</c>, or the server stops. Then the slot is reclaimed; the client,
    /// which watches the same socket while it waits, sees it close.
    /// </summary>
    private async Task<string> LifelineAsync(SharedMemorySession session, CancellationToken stopping)
    {
        var idleTimeout = _context.Options.Timeout;
        var check = TimeSpan.FromMilliseconds(250);
        if (idleTimeout > TimeSpan.Zero && idleTimeout / 4 < check)
        {
            check = idleTimeout / 4;
        }

        var probe = new byte[1];
        var receive = _socket.ReceiveAsync(probe.AsMemory(), SocketFlags.None, stopping).AsTask();
        while (true)
        {
            var finished = await Task.WhenAny(receive, Task.Delay(check, _context.TimeProvider, stopping)).ConfigureAwait(false);
            if (finished == receive)
            {
                return "the client closed its connection";
            }

            stopping.ThrowIfCancellationRequested();
            if (session.IsClosed)
            {
                await SendGoodbyeAsync(CyberDbConnectionFailure.ProtocolViolation, $"{session.CloseReason}; the connection is closed").ConfigureAwait(false);
                return session.CloseReason ?? "protocol violation";
            }

            if (idleTimeout > TimeSpan.Zero && _context.TimeProvider.GetElapsedTime(session.LastActivityTimestamp()) > idleTimeout)
            {
                await SendGoodbyeAsync(
                    CyberDbConnectionFailure.IdleTimeout,
                    $"the server closed the connection after {idleTimeout.TotalSeconds:0.###} s idle (its Timeout option)").ConfigureAwait(false);
                return "idle timeout";
            }
        }
    }

    private void RecordFailure()
    {
        if (_context.Throttle.RecordFailure(RemoteAddress))
        {
            LogMessages.SourceLockedOut(_context.Logger, RemoteAddress.ToString(), _context.Hardening.FailureLimit, _context.Hardening.Lockout.TotalSeconds);
        }
    }

    private static byte[] ReadBinary(ref SpanReader reader, int length)
    {
        var raw = reader.ReadRawObject();
        if (raw.Length != length + 2 || raw[0] != Protocol.MessagePackCode.Bin8 || raw[1] != length)
        {
            throw new ProtocolException($"expected {length} bytes of binary");
        }

        return raw[2..].ToArray();
    }

    private async Task ServeAsync(CancellationToken stopping)
    {
        var idleTimeout = _context.Options.Timeout;
        var maxFrameBytes = _context.MaxFrameBytes;
        while (true)
        {
            Received received;
            if (idleTimeout > TimeSpan.Zero)
            {
                if (!_idle.TryReset())
                {
                    return;
                }

                using var link = CancellationTokenSource.CreateLinkedTokenSource(stopping, _idle.Token);
                _idle.CancelAfter(idleTimeout);
                try
                {
                    received = await ReceiveFrameAsync(maxFrameBytes, link.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_idle.IsCancellationRequested && !stopping.IsCancellationRequested)
                {
                    await SendGoodbyeAsync(
                        CyberDbConnectionFailure.IdleTimeout,
                        $"the server closed the connection after {idleTimeout.TotalSeconds:0.###} s idle (its Timeout option)").ConfigureAwait(false);
                    return;
                }
            }
            else
            {
                received = await ReceiveFrameAsync(maxFrameBytes, stopping).ConfigureAwait(false);
            }

            if (received != Received.Frame)
            {
                return; // client closed, or a frame refused (already answered)
            }

            if (_op == OpCode.AttachSharedMemory)
            {
                if (await TryAttachSharedMemoryAsync(stopping).ConfigureAwait(false))
                {
                    return; // the client was served over shared memory until its lifeline ended
                }

                continue;
            }

            _context.Executor.Execute(this);

            _response.EndFrame((byte)_status, _requestId);
            await SendResponseAsync(stopping).ConfigureAwait(false);
            if (_status == ResponseStatus.BadRequest)
            {
                return; // a client that sends garbage is not trusted with another frame
            }
        }
    }

    /// <summary>
    /// Reads one whole frame into <see cref="_request"/> (opened, when sealed). The length field is
    /// checked against <paramref name="maxFrameBytes"/> before anything is allocated; a frame
    /// that is too long or fails authentication is answered with a refusal and not read.
    /// </summary>
    private async ValueTask<Received> ReceiveFrameAsync(int maxFrameBytes, CancellationToken cancellationToken)
    {
        _request.PrepareReceive(FrameHeader.Size);
        if (!await ReceiveExactlyAsync(_request.Array.AsMemory(0, FrameHeader.Size), cancellationToken).ConfigureAwait(false))
        {
            return Received.Closed;
        }

        var length = FrameHeader.ReadLength(_request.Array);
        var tagBytes = _channel is null ? 0 : FrameCipher.TagBytes;
        var min = FrameHeader.HeaderAfterLength + tagBytes;
        var max = maxFrameBytes - FrameHeader.LengthFieldSize + tagBytes;
        if (length < min || length > max)
        {
            LogMessages.FrameRefused(_context.Logger, RemoteEndPoint, length, max);
            var limit = maxFrameBytes == _context.MaxFrameBytes
                ? $"the server's MaxFrameBytes is {maxFrameBytes}"
                : $"at most {maxFrameBytes} bytes before authentication";
            await SendGoodbyeAsync(
                CyberDbConnectionFailure.ProtocolViolation,
                $"frame length {length} is outside {min}..{max} ({limit}); the connection is closed",
                cancellationToken).ConfigureAwait(false);
            return Received.Rejected;
        }

        var frame = new IncomingFrame(_request, (int)length + FrameHeader.LengthFieldSize, tagBytes);
        while (!frame.IsComplete)
        {
            var read = await _socket.ReceiveAsync(frame.NextWindow(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return Received.Closed;
            }

            frame.Received(read);
        }

        if (_channel is not null && !_channel.Opener.TryOpen(frame.Wire))
        {
            LogMessages.FrameForged(_context.Logger, RemoteEndPoint);
            await SendGoodbyeAsync(
                CyberDbConnectionFailure.ProtocolViolation,
                "a frame failed authentication (tampered, replayed, dropped or reordered on the way); the connection is closed",
                cancellationToken).ConfigureAwait(false);
            return Received.Rejected;
        }

        var header = _request.Array.AsSpan(0, FrameHeader.Size);
        _op = (OpCode)header[FrameHeader.CodeOffset];
        _requestId = FrameHeader.ReadRequestId(header);
        return Received.Frame;
    }

    private async ValueTask<bool> ReceiveExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (destination.Length > 0)
        {
            var read = await _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            destination = destination[read..];
        }

        return true;
    }

    /// <summary>Sends the frame in <see cref="_response"/>, sealed when the connection is encrypted.</summary>
    private ValueTask<int> SendResponseAsync(CancellationToken cancellationToken)
    {
        var length = _response.Length;
        if (_channel is not null)
        {
            _response.GetSpan(FrameCipher.TagBytes); // room for the tag after the frame
            length += FrameCipher.TagBytes;
            _channel.Sealer.Seal(_response.Array.AsSpan(0, length));
        }

        return _socket.SendAsync(_response.Array.AsMemory(0, length), SocketFlags.None, cancellationToken);
    }

    private async ValueTask SendErrorAsync(ResponseStatus status, string message, CancellationToken cancellationToken)
    {
        OperationDispatcher.Fail(_response, status, message);
        _response.EndFrame((byte)status, _requestId);
        await SendResponseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the client why the server is closing the connection (request id 0, status Refused).</summary>
    public ValueTask SendGoodbyeAsync(CyberDbConnectionFailure kind, string message) =>
        SendGoodbyeAsync(kind, message, CancellationToken.None);

    private async ValueTask SendGoodbyeAsync(CyberDbConnectionFailure kind, string message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            _requestId = 0;
            await SendErrorAsync(ResponseStatus.Refused, Refusal.Format(kind, message), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone already.
        }
    }

    /// <summary>
    /// Refuses a connection the listener will not serve (not whitelisted, locked out, too many
    /// connections): one clear error frame, sent within a second, then the socket is closed.
    /// Nothing is read from the client.
    /// </summary>
    public async Task RefuseAsync(ResponseStatus status, string message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            _requestId = 0;
            await SendErrorAsync(status, message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone already.
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>The dispatcher reports what each request changes.</summary>
    public bool ReportsTableChanges => true;

    /// <summary>Runs the pending request under the engine lock (see <see cref="Executor.Execute"/>).</summary>
    public void Execute(OperationDispatcher dispatcher, Database database) =>
        _status = dispatcher.Execute(_op, _request.Payload.Span, _response);

    /// <summary>Closes the socket under a running loop; the loop then ends and disposes the rest.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }
    }

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }

        _socket.Dispose();
        _idle.Dispose();
        _channel?.Dispose();
        _request.Dispose();
        _response.Dispose();
    }
}
