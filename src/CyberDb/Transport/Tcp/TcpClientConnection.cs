using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CyberDb.Client;
using CyberDb.Protocol;
using CyberDb.Security;
using MessagePack;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// The client's side of one TCP connection: synchronous, blocking socket calls bounded by
/// <c>OperationTimeout</c> (a proxy serves one thread, so blocking is the cheapest wait there is),
/// or, for the asynchronous twins, the socket's awaitable calls (the runtime caches their state
/// per socket) bounded by a timeout source this connection resets and reuses.
/// A killed server closes the socket at once, so waiting calls fail immediately, not at the timeout.
/// With <c>Encrypt</c>, every frame after the handshake is sealed both ways (<see cref="FrameCipher"/>);
/// a response that fails authentication breaks the connection.
/// </summary>
internal sealed class TcpClientConnection : ClientConnection
{
    private readonly Socket _socket;
    private readonly string _endPoint;

    /// <summary>Set when an encrypted handshake succeeds; owned by the thread using the connection.</summary>
    private SecureChannel? _channel;

    /// <summary>OperationTimeout of the asynchronous calls; reset and reused while it has not fired.</summary>
    private CancellationTokenSource? _timeout;
    private CancellationTokenRegistration _callerCancellation;
    private int _asyncInFlight;

    /// <summary>The server's MaxFrameBytes from its hello: a bigger request is refused before it is sent.</summary>
    private int _serverMaxFrameBytes = ProtocolLimits.DefaultMaxFrameBytes;

    private TcpClientConnection(Socket socket, CyberDbClientOptions options)
        : base(options)
    {
        _socket = socket;
        _endPoint = $"{options.Host}:{options.Port}";
    }

    public override CyberTransport Transport => CyberTransport.Tcp;

    /// <summary>The server's MaxFrameBytes, from its hello.</summary>
    public int ServerMaxFrameBytes => _serverMaxFrameBytes;

    /// <summary>The shared-memory region the server offered in its reply to authentication, if it did (only when asked).</summary>
    public (string Path, long Generation)? SharedMemoryOffer { get; private set; }

    /// <summary>
    /// Connects and authenticates; throws the documented exception for each way that fails. With
    /// <paramref name="askSharedMemory"/> the server is told this client can use shared memory, and
    /// offers its region (<see cref="SharedMemoryOffer"/>).
    /// </summary>
    public static TcpClientConnection Open(CyberDbClientOptions options, AuthKeyCache keys, bool askSharedMemory = false)
    {
        var socket = ConnectSocket(options);
        var connection = new TcpClientConnection(socket, options);
        try
        {
            connection.Authenticate(keys, askSharedMemory);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static Socket ConnectSocket(CyberDbClientOptions options)
    {
        var timeout = options.OperationTimeout;
        using var cts = new CancellationTokenSource(timeout);
        Socket? socket = null;
        try
        {
            var addresses = IPAddress.TryParse(options.Host, out var address)
                ? [address]
                : Dns.GetHostAddresses(options.Host);
            if (addresses.Length == 0)
            {
                throw new CyberDbConnectionException(CyberDbConnectionFailure.Unreachable, $"host '{options.Host}' has no address");
            }

            socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (options.LocalAddress is { } local)
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(local), 0));
            }

            socket.ConnectAsync(new IPEndPoint(addresses[0], options.Port), cts.Token).AsTask().GetAwaiter().GetResult();
            socket.ReceiveTimeout = options.OperationTimeoutMilliseconds;
            socket.SendTimeout = options.OperationTimeoutMilliseconds;
            return socket;
        }
        catch (OperationCanceledException e)
        {
            socket?.Dispose();
            throw new CyberDbConnectionException(CyberDbConnectionFailure.Unreachable, $"no answer from {options.Host}:{options.Port} within {timeout.TotalSeconds:0.###} s", e);
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            throw new CyberDbConnectionException(CyberDbConnectionFailure.Unreachable, $"cannot connect to {options.Host}:{options.Port}: {e.Message} (is the server running?)", e);
        }
    }

    private void Authenticate(AuthKeyCache keys, bool askSharedMemory)
    {
        ReceiveHello();
        var status = (ResponseStatus)Response.Array[FrameHeader.CodeOffset];
        if (status != ResponseStatus.Ok)
        {
            throw ResponseErrors.Create(status, ReadString(Response.Payload));
        }

        var hello = new MessagePackReader(Response.Payload);
        var helloItems = hello.ReadArrayHeader();
        if (helloItems < 5)
        {
            throw Violation("the server's hello is malformed");
        }

        var version = hello.ReadInt32();
        var flags = (Handshake.Flags)hello.ReadInt32();
        var salt = hello.ReadBytes()?.ToArray() ?? throw Violation("the server's hello has no salt");
        var iterations = hello.ReadInt32();
        var serverNonce = hello.ReadBytes()?.ToArray() ?? throw Violation("the server's hello has no nonce");
        _serverMaxFrameBytes = helloItems >= 6 ? hello.ReadInt32() : ProtocolLimits.DefaultMaxFrameBytes;
        if (version != ProtocolLimits.ProtocolVersion)
        {
            throw Violation($"the server speaks protocol version {version}, this client {ProtocolLimits.ProtocolVersion}");
        }

        if (iterations is < 1 or > Handshake.MaxIterations || salt.Length != Handshake.SaltBytes || serverNonce.Length != Handshake.NonceBytes
            || _serverMaxFrameBytes < Handshake.MaxAuthFrameBytes)
        {
            throw Violation("the server's hello has out-of-range parameters");
        }

        var serverEncrypts = (flags & Handshake.Flags.Encrypt) != 0;
        if (serverEncrypts != Options.Encrypt)
        {
            throw new CyberDbAuthenticationException($"encryption mismatch: the server has Encrypt={serverEncrypts}, this client Encrypt={Options.Encrypt}; both must match");
        }

        var key = keys.GetKey(salt, iterations);
        var clientNonce = RandomNumberGenerator.GetBytes(Handshake.NonceBytes);
        Request.BeginFrame();
        var writer = new MessagePackWriter(Request);
        writer.WriteArrayHeader(4);
        writer.Write(ProtocolLimits.ProtocolVersion);
        writer.Write((int)((Options.Encrypt ? Handshake.Flags.Encrypt : Handshake.Flags.None)
            | (askSharedMemory ? Handshake.Flags.SharedMemory : Handshake.Flags.None)));
        writer.Write(clientNonce);
        writer.Write(Handshake.ClientProof(key, serverNonce, clientNonce));
        writer.Flush();
        Request.EndFrame((byte)OpCode.Auth, 0);
        Exchange();

        status = (ResponseStatus)Response.Array[FrameHeader.CodeOffset];
        if (status != ResponseStatus.Ok)
        {
            throw ResponseErrors.Create(status, ReadString(Response.Payload));
        }

        var reply = new MessagePackReader(Response.Payload);
        var replyItems = reply.ReadArrayHeader();
        var serverProof = reply.ReadBytes()?.ToArray() ?? [];
        if (!Handshake.ProofEquals(Handshake.ServerProof(key, clientNonce, serverNonce), serverProof))
        {
            throw new CyberDbAuthenticationException("the server could not prove that it knows the password");
        }

        if (replyItems >= 2 && !reply.TryReadNil())
        {
            if (reply.ReadArrayHeader() != 2)
            {
                throw Violation("the server's shared-memory offer is malformed");
            }

            var path = reply.ReadString() ?? throw Violation("the server's shared-memory offer has no path");
            SharedMemoryOffer = (path, reply.ReadInt64());
        }

        if (Options.Encrypt)
        {
            // The server's reply was the last clear frame: from here on both sides seal.
            _channel = SecureChannel.ForClient(key, serverNonce, clientNonce);
        }
    }

    /// <summary>The server speaks first; a server that accepts and then says nothing (or resets) fails like any call.</summary>
    private void ReceiveHello()
    {
        try
        {
            ReceiveFrame();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(
                CyberDbConnectionFailure.OperationTimeout,
                $"{_endPoint} accepted the connection but sent no hello within OperationTimeout ({Options.OperationTimeout.TotalSeconds:0.###} s); is it a CyberDb server?",
                e);
        }
        catch (SocketException e)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the connection to {_endPoint} failed during the hello: {e.Message}", e);
        }
    }

    protected override void Exchange()
    {
        if (Request.Length > _serverMaxFrameBytes)
        {
            ThrowTooLarge();
        }

        try
        {
            var frame = SealRequest().Span;
            while (!frame.IsEmpty)
            {
                frame = frame[_socket.Send(frame)..];
            }

            ReceiveFrame();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            throw TimedOut(e);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Failed(e);
        }
    }

    protected override ValueTask ExchangeAsync(CancellationToken cancellationToken)
    {
        if (Request.Length > _serverMaxFrameBytes)
        {
            ThrowTooLarge();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ExchangeCoreAsync(cancellationToken);
    }

    /// <summary>An awaited exchange has not finished: its socket calls are still pending.</summary>
    public override bool HasCallInFlight => Volatile.Read(ref _asyncInFlight) != 0;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ExchangeCoreAsync(CancellationToken cancellationToken)
    {
        var token = StartTimeout(cancellationToken);
        Volatile.Write(ref _asyncInFlight, 1);
        try
        {
            var frame = SealRequest();
            while (!frame.IsEmpty)
            {
                frame = frame[await _socket.SendAsync(frame, SocketFlags.None, token).ConfigureAwait(false)..];
            }

            await ReceiveFrameAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            IsBroken = true; // a frame may be half sent or half read
            throw new OperationCanceledException("the call was cancelled; its connection is closed (the request may still have run on the server)", e, cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            throw TimedOut(e);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Failed(e);
        }
        finally
        {
            _callerCancellation.Dispose();
            _callerCancellation = default;
            _timeout!.TryReset(); // disarms the timer, so an idle spell past OperationTimeout does not cost a new source
            Volatile.Write(ref _asyncInFlight, 0);
        }
    }

    /// <summary>The token of one asynchronous exchange: OperationTimeout from now, or the caller's cancellation.</summary>
    private CancellationToken StartTimeout(CancellationToken cancellationToken)
    {
        if (_timeout is null || !_timeout.TryReset())
        {
            _timeout?.Dispose();
            _timeout = new CancellationTokenSource();
        }

        _timeout.CancelAfter(Options.OperationTimeoutMilliseconds); // clamped as for the synchronous path's socket timeouts
        if (cancellationToken.CanBeCanceled)
        {
            _callerCancellation = cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), _timeout);
        }

        return _timeout.Token;
    }

    /// <summary>The request frame as it goes on the wire (sealed in place, tag appended, with Encrypt).</summary>
    private ReadOnlyMemory<byte> SealRequest()
    {
        if (_channel is null)
        {
            return Request.Array.AsMemory(0, Request.Length);
        }

        Request.GetSpan(FrameCipher.TagBytes); // room for the tag after the frame
        var wire = Request.Array.AsMemory(0, Request.Length + FrameCipher.TagBytes);
        _channel.Sealer.Seal(wire.Span);
        return wire;
    }

    /// <summary><see cref="ReceiveFrame"/> with awaitable socket calls.</summary>
    private async ValueTask ReceiveFrameAsync(CancellationToken token)
    {
        Response.PrepareReceive(FrameHeader.Size);
        var header = Response.Array.AsMemory(0, FrameHeader.Size);
        while (!header.IsEmpty)
        {
            var read = await _socket.ReceiveAsync(header, SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                throw Closed();
            }

            header = header[read..];
        }

        var frame = StartFrame(Response.Array.AsSpan(0, FrameHeader.Size));
        while (!frame.IsComplete)
        {
            var read = await _socket.ReceiveAsync(frame.NextWindow(), SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                throw Closed();
            }

            frame.Received(read);
        }

        OpenFrame(frame);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge() =>
        throw new ArgumentException(
            $"the request is {Request.Length} bytes, over the server's MaxFrameBytes ({_serverMaxFrameBytes}); nothing was sent. Store smaller values, or raise the server's MaxFrameBytes.");

    /// <summary>Reads one whole frame into <see cref="ClientConnection.Response"/> (opened, when sealed).</summary>
    private void ReceiveFrame()
    {
        var header = Response.PrepareReceive(FrameHeader.Size);
        ReceiveExactly(header);
        var frame = StartFrame(header);
        while (!frame.IsComplete)
        {
            var window = frame.NextWindow().Span;
            var read = _socket.Receive(window);
            if (read == 0)
            {
                throw Closed();
            }

            frame.Received(read);
        }

        OpenFrame(frame);
    }

    /// <summary>Checks a received header's length before anything is allocated for the frame.</summary>
    private IncomingFrame StartFrame(ReadOnlySpan<byte> header)
    {
        var length = FrameHeader.ReadLength(header);
        var tagBytes = _channel is null ? 0 : FrameCipher.TagBytes;
        if (length < FrameHeader.HeaderAfterLength + tagBytes || length > ProtocolLimits.DefaultMaxFrameBytes + tagBytes)
        {
            throw Violation($"the server sent a frame length of {length}");
        }

        // Memory follows the bytes that arrive, not the length a (hostile) server announces.
        return new IncomingFrame(Response, (int)length + FrameHeader.LengthFieldSize, tagBytes);
    }

    private void OpenFrame(IncomingFrame frame)
    {
        if (_channel is not null && !_channel.Opener.TryOpen(frame.Wire))
        {
            throw Violation("a frame from the server failed authentication (tampered, replayed or reordered on the way); the connection is closed");
        }
    }

    private void ReceiveExactly(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var read = _socket.Receive(destination);
            if (read == 0)
            {
                throw Closed();
            }

            destination = destination[read..];
        }
    }

    /// <summary>
    /// Asks for a shared-memory ring pair for this process (after the server offered its region).
    /// On success this connection must carry no more requests: it is the lifeline.
    /// </summary>
    /// <returns>The slot and its generation, or null with the server's reason.</returns>
    public (int Slot, long SlotGeneration)? AttachSharedMemory(out string? refusal)
    {
        var writer = BeginRequest(OpCode.AttachSharedMemory, table: null);
        writer.Write(Environment.ProcessId);
        writer.Flush();
        var reader = new MessagePackReader(Execute());
        if (reader.ReadArrayHeader() == 2)
        {
            refusal = null;
            return (reader.ReadInt32(), reader.ReadInt64());
        }

        refusal = reader.ReadString() ?? "the server gave no slot";
        return null;
    }

    /// <summary>
    /// Lifeline check while a shared-memory call waits: false once the server closed the socket
    /// (it stopped or was killed) or sent a goodbye. No allocation, one poll syscall.
    /// </summary>
    public bool IsServerListening()
    {
        try
        {
            return !_socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>After the lifeline went quiet: the server's goodbye message, if it sent one before closing.</summary>
    public string? TryReadGoodbye()
    {
        try
        {
            if (_socket.Available == 0)
            {
                return null;
            }

            _socket.ReceiveTimeout = 1000;
            ReceiveFrame();
            return ReadString(Response.Payload);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or CyberDbConnectionException)
        {
            return null;
        }
    }

    /// <summary>An idle connection is reusable unless the server has sent something (a goodbye) or closed it.</summary>
    public override bool IsAliveForReuse()
    {
        try
        {
            return !IsBroken && !_socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private CyberDbConnectionException TimedOut(Exception e)
    {
        IsBroken = true;
        return new CyberDbConnectionException(
            CyberDbConnectionFailure.OperationTimeout,
            $"the server at {_endPoint} did not answer within OperationTimeout ({Options.OperationTimeout.TotalSeconds:0.###} s)",
            e);
    }

    private CyberDbConnectionException Failed(Exception e)
    {
        IsBroken = true;
        return new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the connection to {_endPoint} failed: {e.Message}", e);
    }

    private CyberDbConnectionException Closed()
    {
        IsBroken = true;
        return new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the server at {_endPoint} closed the connection (stopped or crashed)");
    }

    private CyberDbConnectionException Violation(string message)
    {
        IsBroken = true;
        return new CyberDbConnectionException(CyberDbConnectionFailure.ProtocolViolation, $"{_endPoint}: {message}");
    }

    private static string ReadString(ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            return reader.ReadString() ?? string.Empty;
        }
        catch (MessagePackSerializationException)
        {
            return "(unreadable message)";
        }
    }

    public override void Dispose()
    {
        _socket.Dispose();
        _timeout?.Dispose();
        _channel?.Dispose();
        base.Dispose();
    }
}
