using System.Globalization;

namespace CyberDb.TestHost;

/// <summary>
/// <c>server &lt;password&gt; [MaxConnections=n] [TimeoutMs=n] [Port=n]</c>: a real CyberDb server on a
/// loopback port (a free one unless Port is given). Prints <c>PORT &lt;n&gt;</c> once clients can connect, then obeys standard input:
/// <c>stall</c> blocks the executor (prints <c>STALLED</c> once it is blocked: a live server that
/// answers nothing), <c>release</c> unblocks it (<c>RELEASED</c>), <c>stop</c> or end of input
/// stops the server (<c>STOPPED</c>, exit 0). Tests kill it to play a crashed server.
/// </summary>
internal sealed class ServerMode : ITestHostMode
{
    public string Name => "server";

    public int Run(string[] args)
    {
        var options = new CyberDbServerOptions { Port = 0, Password = args[0] };
        foreach (var arg in args.Skip(1))
        {
            var (key, value) = (arg.Split('=')[0], int.Parse(arg.Split('=')[1], CultureInfo.InvariantCulture));
            switch (key)
            {
                case "MaxConnections": options.MaxConnections = value; break;
                case "Port": options.Port = value; break;
                case "TimeoutMs": options.Timeout = TimeSpan.FromMilliseconds(value); break;
                default: throw new ArgumentException($"unknown server option {key}");
            }
        }

        using var server = new CyberDbServer();
        server.Start(options);
        Console.WriteLine(FormattableString.Invariant($"PORT {server.Port}"));

        using var release = new ManualResetEventSlim();
        string? line;
        while ((line = Console.ReadLine()) is not null && line != "stop")
        {
            switch (line)
            {
                case "stall":
                    release.Reset();
                    _ = server.Context!.Executor.InvokeAsync(_ =>
                    {
                        Console.WriteLine("STALLED");
                        return release.Wait(TimeSpan.FromMinutes(1));
                    });
                    break;
                case "release":
                    release.Set();
                    Console.WriteLine("RELEASED");
                    break;
            }
        }

        release.Set();
        server.Stop();
        Console.WriteLine("STOPPED");
        return 0;
    }
}
