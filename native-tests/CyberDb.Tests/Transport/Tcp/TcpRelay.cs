using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>
/// A man in the middle for tests: a TCP proxy between clients and a server on this host that
/// records every byte both ways and, when armed, mutates the next frame in one direction (flip a
/// byte, duplicate it, swap it with the one after it, drop it). It relies on the frame's length
/// prefix, which stays in clear with and without encryption, to cut the stream into frames.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private const int MaxRelayedFrame = 64 * 1024 * 1024;

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly MemoryStream _clientToServer = new();
    private readonly MemoryStream _serverToClient = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _acceptLoop;
    private Mutation _armedClientToServer;
    private Mutation _armedServerToClient;
    private TaskCompletionSource _serverClosed = NewSignal();

    public TcpRelay(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public enum Mutation
    {
        None,
        FlipByte,
        Duplicate,
        SwapWithNext,
        Drop,
    }

    public int Port { get; }

    /// <summary>Frames relayed client → server so far (all connections).</summary>
    public int ClientFrames { get; private set; }

    /// <summary>Every byte the clients sent, as sent (before any mutation).</summary>
    public byte[] ClientToServerBytes
    {
        get
        {
            lock (_gate)
            {
                return _clientToServer.ToArray();
            }
        }
    }

    /// <summary>Every byte the server sent, as sent.</summary>
    public byte[] ServerToClientBytes
    {
        get
        {
            lock (_gate)
            {
                return _serverToClient.ToArray();
            }
        }
    }

    /// <summary>Applies <paramref name="mutation"/> to the next client → server frame; completes when a server side closes afterwards.</summary>
    public Task ArmClientToServer(Mutation mutation)
    {
        lock (_gate)
        {
            _armedClientToServer = mutation;
            _serverClosed = NewSignal();
            return _serverClosed.Task;
        }
    }

    /// <summary>Applies <paramref name="mutation"/> to the next server → client frame.</summary>
    public void ArmServerToClient(Mutation mutation)
    {
        lock (_gate)
        {
            _armedServerToClient = mutation;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(_target, _stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_gate)
            {
                _pumps.Add(RelayAsync(client, server));
            }
        }
    }

    private async Task RelayAsync(Socket client, Socket server)
    {
        var up = PumpAsync(client, server, toServer: true);
        var down = PumpAsync(server, client, toServer: false);
        await Task.WhenAny(up, down);
        await Task.WhenAll(up, down).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        client.Dispose();
        server.Dispose();
    }

    private async Task PumpAsync(Socket from, Socket to, bool toServer)
    {
        byte[]? held = null;
        try
        {
            while (true)
            {
                var frame = await ReadFrameAsync(from);
                if (frame is null)
                {
                    break;
                }

                Mutation mutation;
                lock (_gate)
                {
                    (toServer ? _clientToServer : _serverToClient).Write(frame);
                    if (toServer)
                    {
                        ClientFrames++;
                        mutation = _armedClientToServer;
                        _armedClientToServer = Mutation.None;
                    }
                    else
                    {
                        mutation = _armedServerToClient;
                        _armedServerToClient = Mutation.None;
                    }
                }

                switch (mutation)
                {
                    case Mutation.FlipByte:
                        frame[frame.Length / 2] ^= 0x01; // inside the ciphertext (or payload)
                        await SendAsync(to, frame);
                        break;
                    case Mutation.Duplicate:
                        await SendAsync(to, frame);
                        await SendAsync(to, frame);
                        break;
                    case Mutation.SwapWithNext:
                        held = frame;
                        continue;
                    case Mutation.Drop:
                        break;
                    default:
                        await SendAsync(to, frame);
                        break;
                }

                if (held is not null && !ReferenceEquals(held, frame))
                {
                    await SendAsync(to, held);
                    held = null;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidDataException)
        {
            // one side went away
        }
        finally
        {
            if (!toServer)
            {
                lock (_gate)
                {
                    _serverClosed.TrySetResult();
                }
            }

            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // already gone
            }
        }
    }

    /// <summary>One frame (length prefix included), or null at a clean end of stream.</summary>
    private async Task<byte[]?> ReadFrameAsync(Socket from)
    {
        var lengthField = new byte[4];
        if (!await ReadExactlyAsync(from, lengthField))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (length > MaxRelayedFrame)
        {
            throw new InvalidDataException("frame too large for the relay");
        }

        var frame = new byte[length + 4];
        lengthField.CopyTo(frame, 0);
        return await ReadExactlyAsync(from, frame.AsMemory(4)) ? frame : null;
    }

    private async Task<bool> ReadExactlyAsync(Socket from, Memory<byte> destination)
    {
        while (destination.Length > 0)
        {
            var read = await from.ReceiveAsync(destination, SocketFlags.None, _stopping.Token);
            if (read == 0)
            {
                return false;
            }

            destination = destination[read..];
        }

        return true;
    }

    private async Task SendAsync(Socket to, byte[] frame) =>
        await to.SendAsync(frame, SocketFlags.None, _stopping.Token);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        Task[] pumps;
        lock (_gate)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps.Append(_acceptLoop)).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }
}
