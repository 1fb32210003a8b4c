namespace CyberDb.TestHost;

/// <summary>
/// A server for quick measurements: <c>perf-server [port] [sharedMemory:true|false]</c>; prints
/// "PORT n" once clients can connect and runs until standard input closes.
/// </summary>
internal sealed class PerfServerMode : ITestHostMode
{
    public string Name => "perf-server";

    public int Run(string[] args)
    {
        var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var sharedMemory = args.Length <= 1 || bool.Parse(args[1]);
        using var server = new CyberDbServer();
        server.Start(new CyberDbServerOptions { Port = port, Password = PerfClientMode.Password, SharedMemory = sharedMemory });
        Console.WriteLine($"PORT {server.Port}");
        while (Console.ReadLine() is not null)
        {
        }

        return 0;
    }
}
