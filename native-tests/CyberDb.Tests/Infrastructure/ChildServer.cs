using System.Globalization;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Infrastructure;

/// <summary>
/// A TestHost server in a child process, to stall and kill; disposing it also removes the region
/// a killed server leaves in /dev/shm (its next owner would replace it; tests have none).
/// </summary>
public sealed class ChildServer : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private ChildServer(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    public static async Task<ChildServer> StartAsync()
    {
        var process = ChildProcess.Start("server", TestServer.Password);
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith("PORT ", StringComparison.Ordinal), Deadline);
            return new ChildServer(process, int.Parse(line[5..], CultureInfo.InvariantCulture));
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Process.Dispose();
        File.Delete(SharedMemoryHost.RegionPath("127.0.0.1", Port));
    }
}
