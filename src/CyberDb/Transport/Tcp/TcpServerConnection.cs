using System.Net.Sockets;
using System.Security.Cryptography;
using CyberDb.Engine;
using CyberDb.Protocol;
using CyberDb.Server;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// The server's side of one TCP client: handshake, then a loop of read request → run it under the
/// executor's engine lock → write response. At most one request is in flight per connection, so
/// one request buffer and one response buffer serve the whole connection: no allocation per request.
/// </summary>
internal sealed class TcpServerConnection : IExecutorWork, IDisposable
{
    /// <summary>A client that has not finished the handshake within this time is dropped.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly ServerContext _context;
    private readonly FrameBuffer _request = new();
    private readonly FrameBuffer _response = new();
    private readonly CancellationTokenSource _idle = new();
    private OpCode _op;
    private uint _requestId;
    private ResponseStatus _status;

    public TcpServerConnection(Socket socket, ServerContext context)
    {
        _socket = socket;
        _context = context;
        _socket.NoDelay = true;
    }

    public string RemoteEndPoint => _socket.RemoteEndPoint?.ToString() ?? "?";

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
        finally
        {
            Dispose();
        }
    }

    private async Task<bool> HandshakeAsync(CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(HandshakeTimeout);
        var serverNonce = RandomNumberGenerator.GetBytes(Handshake.NonceBytes);
        var flags = _context.Options.Encrypt ? Handshake.Flags.Encrypt : Handshake.Flags.None;

        _response.BeginFrame();
        var writer = new MessagePackWriter(_response);
        writer.WriteArrayHeader(5);
        writer.Write(ProtocolLimits.ProtocolVersion);
        writer.Write((int)flags);
        writer.Write(_context.Salt);
        writer.Write(_context.Iterations);
        writer.Write(serverNonce);
        writer.Flush();
        _response.EndFrame((byte)ResponseStatus.Ok, 0);
        await _socket.SendAsync(_response.WrittenMemory, SocketFlags.None, deadline.Token).ConfigureAwait(false);

        if (!await ReceiveFrameAsync(deadline.Token).ConfigureAwait(false) || _op != OpCode.Auth)
        {
            await SendErrorAsync(ResponseStatus.BadRequest, "expected the authentication frame", deadline.Token).ConfigureAwait(false);
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
            await SendErrorAsync(ResponseStatus.BadRequest, e.Message, deadline.Token).ConfigureAwait(false);
            return false;
        }

        if (version != ProtocolLimits.ProtocolVersion)
        {
            await SendErrorAsync(ResponseStatus.BadRequest, $"protocol version {version} is not supported (server speaks {ProtocolLimits.ProtocolVersion})", deadline.Token).ConfigureAwait(false);
            return false;
        }

        var expected = Handshake.ClientProof(_context.AuthKey, serverNonce, clientNonce);
        if (!Handshake.ProofEquals(expected, proof))
        {
            LogMessages.AuthenticationFailed(_context.Logger, RemoteEndPoint);
            await SendErrorAsync(ResponseStatus.AuthenticationFailed, "wrong password", deadline.Token).ConfigureAwait(false);
            return false;
        }

        var clientEncrypts = (clientFlags & Handshake.Flags.Encrypt) != 0;
        if (clientEncrypts != _context.Options.Encrypt)
        {
            await SendErrorAsync(
                ResponseStatus.AuthenticationFailed,
                $"encryption mismatch: the server has Encrypt={_context.Options.Encrypt}, the client Encrypt={clientEncrypts}",
                deadline.Token).ConfigureAwait(false);
            return false;
        }

        _response.BeginFrame();
        writer = new MessagePackWriter(_response);
        writer.WriteArrayHeader(2);
        writer.Write(Handshake.ServerProof(_context.AuthKey, clientNonce, serverNonce));
        writer.WriteNil(); // shared-memory offer: none over this connection yet
        writer.Flush();
        _response.EndFrame((byte)ResponseStatus.Ok, _requestId);
        await _socket.SendAsync(_response.WrittenMemory, SocketFlags.None, deadline.Token).ConfigureAwait(false);
        LogMessages.ClientConnected(_context.Logger, RemoteEndPoint);
        return true;
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
        while (true)
        {
            bool received;
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
                    received = await ReceiveFrameAsync(link.Token).ConfigureAwait(false);
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
                received = await ReceiveFrameAsync(stopping).ConfigureAwait(false);
            }

            if (!received)
            {
                return; // client closed, or a frame too large (already answered)
            }

            _context.Executor.Execute(this);

            _response.EndFrame((byte)_status, _requestId);
            await _socket.SendAsync(_response.WrittenMemory, SocketFlags.None, stopping).ConfigureAwait(false);
            if (_status == ResponseStatus.BadRequest)
            {
                return; // a client that sends garbage is not trusted with another frame
            }
        }
    }

    /// <summary>Reads one whole frame into <see cref="_request"/>; false on a clean close or an oversized frame.</summary>
    private async ValueTask<bool> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        _request.PrepareReceive(FrameHeader.Size);
        if (!await ReceiveExactlyAsync(_request.Array.AsMemory(0, FrameHeader.Size), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var header = _request.Array.AsSpan(0, FrameHeader.Size);
        var length = FrameHeader.ReadLength(header);
        if (length < FrameHeader.HeaderAfterLength || length > (uint)(_context.MaxFrameBytes - FrameHeader.LengthFieldSize))
        {
            // Checked before anything is allocated: a lying length costs the server nothing.
            await SendErrorAsync(ResponseStatus.BadRequest, $"frame length {length} is outside 5..{_context.MaxFrameBytes - FrameHeader.LengthFieldSize}", cancellationToken).ConfigureAwait(false);
            return false;
        }

        _op = (OpCode)header[FrameHeader.CodeOffset];
        _requestId = FrameHeader.ReadRequestId(header);
        var total = (int)length + FrameHeader.LengthFieldSize;
        _request.EnsureCapacity(total);
        _request.Advance(total - FrameHeader.Size);
        return total == FrameHeader.Size
            || await ReceiveExactlyAsync(_request.Array.AsMemory(FrameHeader.Size, total - FrameHeader.Size), cancellationToken).ConfigureAwait(false);
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

    private async ValueTask SendErrorAsync(ResponseStatus status, string message, CancellationToken cancellationToken)
    {
        OperationDispatcher.Fail(_response, status, message);
        _response.EndFrame((byte)status, _requestId);
        await _socket.SendAsync(_response.WrittenMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the client why the server is closing an otherwise healthy connection.</summary>
    public async ValueTask SendGoodbyeAsync(CyberDbConnectionFailure kind, string message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
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
        _request.Dispose();
        _response.Dispose();
    }
}
