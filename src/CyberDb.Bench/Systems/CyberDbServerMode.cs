using System.Globalization;

namespace CyberDb.Bench.Systems;

/// <summary>
/// A CyberDb server in its own process, as the bench needs it: loopback, a free port, the given
/// password and encryption, shared memory published. Prints <c>@port N</c> once clients can
/// connect, then serves until its standard input ends (the orchestrator's lifeline) or says
/// <c>quit</c>, and stops.
/// </summary>
/// <remarks>Usage: <c>cyberdb-server --password TEXT [--encrypt true|false] [--shared-memory true|false]</c>.</remarks>
internal sealed class CyberDbServerMode : IBenchMode
{
    public const string ModeName = "cyberdb-server";
    public const string PortReply = "@port";
    public const string FatalReply = "@fatal";

    // A server nobody stops is gone after this long, orchestrator or not.
    private static readonly TimeSpan s_maxLifetime = TimeSpan.FromHours(2);

    public string Name => ModeName;

    public int Run(string[] args)
    {
        string? password = null;
        bool encrypt = false, sharedMemory = true;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--password": password = args[i + 1]; break;
                case "--encrypt": encrypt = bool.Parse(args[i + 1]); break;
                case "--shared-memory": sharedMemory = bool.Parse(args[i + 1]); break;
                default:
                    Console.WriteLine($"{FatalReply} unknown argument '{args[i]}'");
                    return 64;
            }
        }

        if (string.IsNullOrEmpty(password))
        {
            Console.WriteLine($"{FatalReply} --password is required");
            return 64;
        }

        using var lifetime = new Timer(_ => Environment.Exit(3), null, s_maxLifetime, Timeout.InfiniteTimeSpan);
        using var server = new CyberDbServer();
        try
        {
            server.Start(new CyberDbServerOptions
            {
                Host = "127.0.0.1",
                Port = 0,
                Password = password,
                Encrypt = encrypt,
                SharedMemory = sharedMemory,
            });
        }
#pragma warning disable CA1031 // whatever stops the server from starting goes to the orchestrator as the reason
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.WriteLine($"{FatalReply} {ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" "));
            return 1;
        }

        Console.WriteLine(PortReply + " " + server.Port.ToString(CultureInfo.InvariantCulture));
        while (Console.In.ReadLine() is { } line && line != "quit")
        {
        }

        server.Stop();
        return 0;
    }
}
