namespace HelloWeb.Launcher;

/// <summary>
/// The seed's deployment, kept running: the CyberDb server (cyberdb_serve.py) and N workers
/// (<c>gunicorn -w N</c>) until Ctrl+C or SIGTERM. Prints one <c>ready</c> line with the URL
/// and the worker pids once they answer; replaces a worker that dies.
/// </summary>
internal static class ServeMode
{
    public const string ReadyPrefix = "ready ";

    public static async Task<int> RunAsync(LauncherOptions options, CancellationToken cancellationToken)
    {
        using var database = CentreDatabase.Start(options.Host, options.DbPort, options.Password, options.DataPath);
        Console.WriteLine($"CyberDb server on {database.Host}:{database.Port}");

        var port = options.Port == 0 ? FreePort.Pick(options.Host) : options.Port;
        using var workers = await WorkerPool.StartAsync(options, port, "cyberdb", CyberDbWiring.Arguments(database), CyberDbWiring.Environment(database), cancellationToken);
        using (var http = HelloProbe.CreateClient())
        {
            await HelloProbe.WaitUntilAnsweringAsync(http, workers.Url, options.StartupTimeout, cancellationToken);
        }

        Console.WriteLine($"{ReadyPrefix}{workers.Url} workers={string.Join(',', workers.ProcessIds)}");
        Console.WriteLine("serving; Ctrl+C stops the workers and the server");
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                workers.ReplaceExited();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine("stopping");
            return 0;
        }
    }
}
