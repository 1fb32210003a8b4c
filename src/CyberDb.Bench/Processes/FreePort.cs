using System.Net;
using System.Net.Sockets;

namespace CyberDb.Bench.Processes;

/// <summary>Free loopback TCP ports for servers that cannot bind port 0 and report it (Redis, Garnet).</summary>
internal static class FreePort
{
    /// <summary>A port that was free a moment ago; the caller retries on a bind race.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
