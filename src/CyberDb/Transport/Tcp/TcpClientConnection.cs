using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Transport.Tcp;

/// <summary>
/// The client's side of one TCP connection: synchronous, blocking socket calls bounded by
/// <c>OperationTimeout</c> (a proxy serves one thread, so blocking is the cheapest wait there is).
/// A killed server closes the socket at once, so waiting calls fail immediately, not at the timeout.
/// </summary>
internal sealed class TcpClientConnection : ClientConnection
{
    private readonly Socket _socket;
    private readonly string _endPoint;

    private TcpClientConnection(Socket socket, CyberDbClientOptions options)
        : base(options)
    {
        _socket = socket;
        _endPoint = $"{options.Host}:{options.Port}";
    }

    public override CyberTransport Transport => CyberTransport.Tcp;

    /// <summary>Connects and authenticates; throws the documented exception for each way that fails.</summary>
    public static TcpClientConnection Open(CyberDbClientOptions options, AuthKeyCache keys)
    {
        var socket = ConnectSocket(options);
        var connection = new TcpClientConnection(socket, options);
        try
        {
            connection.Authenticate(keys);
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
            socket.ConnectAsync(new IPEndPoint(addresses[0], options.Port), cts.Token).AsTask().GetAwaiter().GetResult();
            var milliseconds = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
            socket.ReceiveTimeout = milliseconds;
            socket.SendTimeout = milliseconds;
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

    private void Authenticate(AuthKeyCache keys)
    {
        ReceiveFrame();
        var status = (ResponseStatus)Response.Array[FrameHeader.CodeOffset];
        if (status != ResponseStatus.Ok)
        {
            throw ResponseErrors.Create(status, ReadString(Response.Payload));
        }

        var hello = new MessagePackReader(Response.Payload);
        if (hello.ReadArrayHeader() < 5)
        {
            throw Violation("the server's hello is malformed");
        }

        var version = hello.ReadInt32();
        var flags = (Handshake.Flags)hello.ReadInt32();
        var salt = hello.ReadBytes()?.ToArray() ?? throw Violation("the server's hello has no salt");
        var iterations = hello.ReadInt32();
        var serverNonce = hello.ReadBytes()?.ToArray() ?? throw Violation("the server's hello has no nonce");
        if (version != ProtocolLimits.ProtocolVersion)
        {
            throw Violation($"the server speaks protocol version {version}, this client {ProtocolLimits.ProtocolVersion}");
        }

        if (iterations is < 1 or > Handshake.MaxIterations || salt.Length != Handshake.SaltBytes || serverNonce.Length != Handshake.NonceBytes)
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
        writer.Write((int)(Options.Encrypt ? Handshake.Flags.Encrypt : Handshake.Flags.None));
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
        reply.ReadArrayHeader();
        var serverProof = reply.ReadBytes()?.ToArray() ?? [];
        if (!Handshake.ProofEquals(Handshake.ServerProof(key, clientNonce, serverNonce), serverProof))
        {
            throw new CyberDbAuthenticationException("the server could not prove that it knows the password");
        }
    }

    protected override void Exchange()
    {
        try
        {
            var frame = Request.WrittenSpan;
            while (!frame.IsEmpty)
            {
                frame = frame[_socket.Send(frame)..];
            }

            ReceiveFrame();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(
                CyberDbConnectionFailure.OperationTimeout,
                $"the server at {_endPoint} did not answer within OperationTimeout ({Options.OperationTimeout.TotalSeconds:0.###} s)",
                e);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            IsBroken = true;
            throw new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the connection to {_endPoint} failed: {e.Message}", e);
        }
    }

    private void ReceiveFrame()
    {
        var header = Response.PrepareReceive(FrameHeader.Size);
        ReceiveExactly(header);
        var length = FrameHeader.ReadLength(header);
        if (length < FrameHeader.HeaderAfterLength || length > ProtocolLimits.DefaultMaxFrameBytes)
        {
            IsBroken = true;
            throw Violation($"the server sent a frame length of {length}");
        }

        var total = (int)length + FrameHeader.LengthFieldSize;
        Response.EnsureCapacity(total);
        Response.Advance(total - FrameHeader.Size);
        ReceiveExactly(Response.Array.AsSpan(FrameHeader.Size, total - FrameHeader.Size));
    }

    private void ReceiveExactly(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var read = _socket.Receive(destination);
            if (read == 0)
            {
                IsBroken = true;
                throw new CyberDbConnectionException(CyberDbConnectionFailure.ServerClosed, $"the server at {_endPoint} closed the connection (stopped or crashed)");
            }

            destination = destination[read..];
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
        base.Dispose();
    }
}
