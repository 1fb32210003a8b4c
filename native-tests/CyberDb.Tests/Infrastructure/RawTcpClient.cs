using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Tests.Infrastructure;

/// <summary>
/// A hand-driven TCP connection to a CyberDb server for protocol tests: sends arbitrary bytes and
/// reads whole frames, with a deadline on every receive. <see cref="AuthenticateAsync"/> runs the
/// real handshake (reusing the library's internal <see cref="Handshake"/> and <see cref="FrameHeader"/>).
/// </summary>
internal sealed class RawTcpClient : IDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;

    private RawTcpClient(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawTcpClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        return new RawTcpClient(socket);
    }

    /// <summary>A frame as received: the code byte (a response status), the request id and the payload.</summary>
    public readonly record struct Frame(byte Code, uint RequestId, byte[] Payload)
    {
        public ResponseStatus Status => (ResponseStatus)Code;

        /// <summary>The payload read as the MessagePack string an error frame carries.</summary>
        public string Message
        {
            get
            {
                var reader = new MessagePackReader(Payload);
                return reader.ReadString() ?? string.Empty;
            }
        }
    }

    /// <summary>Reads the hello and answers it with a correct proof; returns the server's final answer.</summary>
    public async Task<Frame> AuthenticateAsync(string password)
    {
        var hello = await ReceiveFrameAsync() ?? throw new InvalidOperationException("the server closed before its hello");
        var (salt, iterations, serverNonce) = ReadHello(hello.Payload);
        var key = Handshake.DeriveKey(password, salt, iterations);
        var clientNonce = RandomNumberGenerator.GetBytes(Handshake.NonceBytes);
        await SendFrameAsync((byte)OpCode.Auth, 0, (ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(4);
            writer.Write(ProtocolLimits.ProtocolVersion);
            writer.Write(0);
            writer.Write(clientNonce);
            writer.Write(Handshake.ClientProof(key, serverNonce, clientNonce));
        });

        return await ReceiveFrameAsync() ?? throw new InvalidOperationException("the server closed instead of answering the authentication");
    }

    /// <summary>Reads the server's hello frame (the first thing it sends).</summary>
    public async Task<Frame> ReceiveHelloAsync() =>
        await ReceiveFrameAsync() ?? throw new InvalidOperationException("the server closed before its hello");

    private static (byte[] Salt, int Iterations, byte[] ServerNonce) ReadHello(byte[] payload)
    {
        var reader = new MessagePackReader(payload);
        reader.ReadArrayHeader();
        reader.ReadInt32(); // version
        reader.ReadInt32(); // flags
        var salt = reader.ReadBytes()!.Value.ToArray();
        var iterations = reader.ReadInt32();
        var nonce = reader.ReadBytes()!.Value.ToArray();
        return (salt, iterations, nonce);
    }

    public delegate void PayloadWriter(ref MessagePackWriter writer);

    /// <summary>Sends one well-formed frame whose payload <paramref name="write"/> produces.</summary>
    public Task SendFrameAsync(byte code, uint requestId, PayloadWriter write)
    {
        using var buffer = new FrameBuffer();
        buffer.BeginFrame();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        buffer.EndFrame(code, requestId);
        return SendAsync(buffer.WrittenSpan.ToArray());
    }

    /// <summary>Sends a frame whose payload is exactly <paramref name="payload"/> (any bytes).</summary>
    public Task SendRawFrameAsync(byte code, uint requestId, byte[] payload)
    {
        var frame = new byte[FrameHeader.Size + payload.Length];
        FrameHeader.Write(frame, payload.Length, code, requestId);
        payload.CopyTo(frame, FrameHeader.Size);
        return SendAsync(frame);
    }

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    /// <summary>Reads one whole frame; null when the server closed the connection cleanly first.</summary>
    public async Task<Frame?> ReceiveFrameAsync()
    {
        var header = new byte[FrameHeader.Size];
        if (!await ReceiveExactlyAsync(header))
        {
            return null;
        }

        var length = FrameHeader.ReadLength(header);
        if (length < FrameHeader.HeaderAfterLength || length > 16 * 1024 * 1024)
        {
            throw new InvalidOperationException($"the server sent a frame length of {length}");
        }

        var payload = new byte[length - FrameHeader.HeaderAfterLength];
        if (!await ReceiveExactlyAsync(payload))
        {
            throw new InvalidOperationException("the server closed in the middle of a frame");
        }

        return new Frame(header[FrameHeader.CodeOffset], FrameHeader.ReadRequestId(header), payload);
    }

    /// <summary>
    /// True when the server closes the connection (EOF or reset) within the deadline. Bytes that
    /// arrive first (a second error frame) are skipped: what matters is that the peer is cut off.
    /// </summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> ReceiveExactlyAsync(Memory<byte> destination)
    {
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        while (destination.Length > 0)
        {
            var read = await _socket.ReceiveAsync(destination, SocketFlags.None, cts.Token);
            if (read == 0)
            {
                return false;
            }

            destination = destination[read..];
        }

        return true;
    }

    /// <summary>A little-endian u32, as the frame length field is written.</summary>
    public static byte[] LengthField(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    public void Dispose() => _socket.Dispose();
}
