using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CyberDb.Protocol;
using CyberDb.Security;
using MessagePack;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>
/// A hand-driven TCP connection for transport tests: the real handshake (through the library's
/// <see cref="Handshake"/> and <see cref="SecureChannel"/>), then frames built, sealed, pipelined,
/// reordered or corrupted at will. Every receive has a deadline; a closed connection reads as null.
/// </summary>
internal sealed class RawSession : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private SecureChannel? _channel;

    private RawSession(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>The server's hello, once <see cref="ReadHelloAsync"/> has run.</summary>
    public Hello? ServerHello { get; private set; }

    public bool IsEncrypted => _channel is not null;

    public Socket Socket => _socket;

    public static async Task<RawSession> ConnectAsync(int port, string host = "127.0.0.1", string? localAddress = null)
    {
        var address = IPAddress.Parse(host);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (localAddress is not null)
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
            }

            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token);
            return new RawSession(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public sealed record Hello(Handshake.Flags Flags, byte[] Salt, int Iterations, byte[] ServerNonce, int MaxFrameBytes);

    /// <summary>A received frame, opened when the session is encrypted.</summary>
    public readonly record struct Frame(byte Code, uint RequestId, byte[] Payload)
    {
        public ResponseStatus Status => (ResponseStatus)Code;

        public string Message
        {
            get
            {
                try
                {
                    var reader = new MessagePackReader(Payload);
                    return reader.ReadString() ?? string.Empty;
                }
                catch (MessagePackSerializationException)
                {
                    return "(not a string)";
                }
            }
        }
    }

    public async Task<Hello> ReadHelloAsync()
    {
        var frame = await ReceiveAsync() ?? throw new InvalidOperationException("the server closed before its hello");
        if (frame.Status != ResponseStatus.Ok)
        {
            throw new InvalidOperationException($"the server refused: {frame.Status} {frame.Message}");
        }

        var reader = new MessagePackReader(frame.Payload);
        var items = reader.ReadArrayHeader();
        reader.ReadInt32();
        var flags = (Handshake.Flags)reader.ReadInt32();
        var salt = reader.ReadBytes()!.Value.ToArray();
        var iterations = reader.ReadInt32();
        var nonce = reader.ReadBytes()!.Value.ToArray();
        var max = items >= 6 ? reader.ReadInt32() : ProtocolLimits.DefaultMaxFrameBytes;
        ServerHello = new Hello(flags, salt, iterations, nonce, max);
        return ServerHello;
    }

    /// <summary>The auth frame for <paramref name="key"/>: what a real client sends.</summary>
    public static byte[] BuildAuthFrame(byte[] key, byte[] serverNonce, byte[] clientNonce, Handshake.Flags flags)
    {
        using var buffer = new FrameBuffer();
        buffer.BeginFrame();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(ProtocolLimits.ProtocolVersion);
        writer.Write((int)flags);
        writer.Write(clientNonce);
        writer.Write(Handshake.ClientProof(key, serverNonce, clientNonce));
        writer.Flush();
        buffer.EndFrame((byte)OpCode.Auth, 0);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads the hello and authenticates with <paramref name="password"/>, announcing
    /// <paramref name="claimEncrypt"/> (default: what the server wants). Returns the server's answer;
    /// on Ok with Encrypt the session seals from then on.
    /// </summary>
    public async Task<Frame?> AuthenticateAsync(string password, bool? claimEncrypt = null, byte[]? cachedKey = null)
    {
        var hello = ServerHello ?? await ReadHelloAsync();
        var key = cachedKey ?? Handshake.DeriveKey(password, hello.Salt, hello.Iterations);
        var clientNonce = RandomNumberGenerator.GetBytes(Handshake.NonceBytes);
        var encrypt = claimEncrypt ?? (hello.Flags & Handshake.Flags.Encrypt) != 0;
        await SendRawAsync(BuildAuthFrame(key, hello.ServerNonce, clientNonce, encrypt ? Handshake.Flags.Encrypt : Handshake.Flags.None));
        var answer = await ReceiveAsync();
        if (answer is { Status: ResponseStatus.Ok } && encrypt)
        {
            _channel = SecureChannel.ForClient(key, hello.ServerNonce, clientNonce);
        }

        return answer;
    }

    /// <summary>A request frame as it would go on the wire now (sealed when encrypted; each call uses up one counter).</summary>
    public byte[] BuildFrame(OpCode op, uint requestId, PayloadWriter? payload = null) =>
        BuildFrame((byte)op, requestId, payload);

    public byte[] BuildFrame(byte code, uint requestId, PayloadWriter? payload = null)
    {
        using var buffer = new FrameBuffer();
        buffer.BeginFrame();
        if (payload is not null)
        {
            var writer = new MessagePackWriter(buffer);
            payload(ref writer); // by ref: MessagePackWriter is a struct whose buffered bytes a copy would lose
            writer.Flush();
        }

        buffer.EndFrame(code, requestId);
        return Seal(buffer.WrittenSpan);
    }

    /// <summary>Seals a plain frame (header included) with the next counter; unchanged when not encrypted.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plainFrame)
    {
        if (_channel is null)
        {
            return plainFrame.ToArray();
        }

        var wire = new byte[plainFrame.Length + FrameCipher.TagBytes];
        plainFrame.CopyTo(wire);
        _channel.Sealer.Seal(wire);
        return wire;
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    public Task SendAsync(OpCode op, uint requestId, PayloadWriter? payload = null) =>
        SendRawAsync(BuildFrame(op, requestId, payload));

    /// <summary>Sends a request and returns its answer (null when the server closed instead).</summary>
    public async Task<Frame?> CallAsync(OpCode op, uint requestId, PayloadWriter? payload = null)
    {
        await SendAsync(op, requestId, payload);
        return await ReceiveAsync();
    }

    /// <summary>The next whole frame (opened when encrypted), or null when the server closed (or reset) the connection.</summary>
    public async Task<Frame?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var lengthField = new byte[FrameHeader.LengthFieldSize];
        if (!await ReceiveExactlyAsync(lengthField, cts.Token))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (length is < FrameHeader.HeaderAfterLength or > 64 * 1024 * 1024)
        {
            throw new InvalidDataException($"the server sent a frame length of {length}");
        }

        var wire = new byte[length + FrameHeader.LengthFieldSize];
        lengthField.CopyTo(wire, 0);
        if (!await ReceiveExactlyAsync(wire.AsMemory(FrameHeader.LengthFieldSize), cts.Token))
        {
            return null;
        }

        var plainLength = wire.Length;
        if (_channel is not null && length >= FrameHeader.HeaderAfterLength + FrameCipher.TagBytes)
        {
            if (!_channel.Opener.TryOpen(wire))
            {
                throw new CryptographicException("a frame from the server failed authentication");
            }

            plainLength -= FrameCipher.TagBytes;
        }

        return new Frame(
            wire[FrameHeader.CodeOffset],
            FrameHeader.ReadRequestId(wire),
            wire[FrameHeader.Size..plainLength]);
    }

    /// <summary>Reads and drops whatever the server still sends until it closes; false when it is still open at the deadline.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var sink = new byte[4096];
        try
        {
            while (await _socket.ReceiveAsync(sink, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset: closed as well
        }
    }

    private async Task<bool> ReceiveExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            while (destination.Length > 0)
            {
                var read = await _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                destination = destination[read..];
            }

            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _channel?.Dispose();
    }
}
