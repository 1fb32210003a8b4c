namespace HelloWeb.Launcher;

/// <summary>
/// build.ps1 demo: the seed scenario end to end. Starts the CyberDb server and the workers,
/// sends requests on fresh connections, prints each answer and the worker that gave it, and
/// succeeds only if every answer is right and at least two worker processes answered.
/// </summary>
internal static class DemoMode
{
    public static async Task<int> RunAsync(LauncherOptions options, CancellationToken cancellationToken)
    {
        using var database = CentreDatabase.Start(options.Host, options.DbPort, options.Password, options.DataPath);
        Console.WriteLine($"CyberDb server on {database.Host}:{database.Port}: table {CentreDatabase.Table}, content = {CentreDatabase.Content}");

        var port = options.Port == 0 ? FreePort.Pick(options.Host) : options.Port;
        using var workers = await WorkerPool.StartAsync(options, port, "cyberdb", CyberDbWiring.Arguments(database), CyberDbWiring.Environment(database), cancellationToken);
        Console.WriteLine($"{options.Workers} HelloWeb workers on {workers.Url} (pids {string.Join(", ", workers.ProcessIds)})");

        using var http = HelloProbe.CreateClient();
        await HelloProbe.WaitUntilAnsweringAsync(http, workers.Url, options.StartupTimeout, cancellationToken);

        var pids = new HashSet<int>();
        var correct = 0;
        for (var i = 1; i <= options.Requests; i++)
        {
            var answer = await HelloProbe.GetAsync(http, workers.Url, cancellationToken);
            Console.WriteLine($"#{i,2} HTTP {answer.Status} {answer.Body} from worker pid {answer.WorkerPid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}{(answer.IsCorrect ? "" : "  <- WRONG")}");
            if (answer.IsCorrect)
            {
                correct++;
                pids.Add(answer.WorkerPid!.Value);
            }
        }

        Console.WriteLine($"{correct}/{options.Requests} correct answers from {pids.Count} distinct worker processes ({string.Join(", ", pids.Order())})");
        var ok = correct == options.Requests && pids.Count >= 2;
        Console.WriteLine(ok ? "demo: OK" : "demo: FAILED (every answer must be correct and come from at least 2 workers)");
        return ok ? 0 : 1;
    }
}
