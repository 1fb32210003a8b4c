using System.Net;
using System.Net.Sockets;

namespace HelloWeb.Launcher;

/// <summary>Free loopback ports for the workers, the CyberDb server and Redis.</summary>
internal static class FreePort
{
    /// <summary>A port nobody listens on right now (the kernel picks it; there is a short race until someone binds it).</summary>
    public static int Pick(string host)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(host), 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
