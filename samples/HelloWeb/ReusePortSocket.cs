using System.Net;
using System.Net.Sockets;

namespace HelloWeb;

/// <summary>
/// Listen sockets that several processes can bind to the same port, as gunicorn's workers
/// share one: with SO_REUSEPORT the Linux kernel spreads incoming connections over every
/// process listening on the port (by a hash of the connection's addresses and ports).
/// </summary>
internal static class ReusePortSocket
{
    /// <summary>SOL_SOCKET on Linux.</summary>
    private const int SolSocket = 1;

    /// <summary>SO_REUSEPORT on Linux (asm-generic/socket.h).</summary>
    private const int SoReusePort = 15;

    /// <summary>Kestrel's <c>CreateBoundListenSocket</c>: a bound (not yet listening) socket with SO_REUSEPORT set.</summary>
    public static Socket CreateBound(EndPoint endPoint)
    {
        if (endPoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"HelloWeb listens on IP endpoints only, not {endPoint}");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("sharing one port between worker processes (SO_REUSEPORT) is implemented for Linux only");
        }

        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            socket.Bind(ip);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
