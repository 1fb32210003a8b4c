using System.Globalization;

namespace HelloWeb.Launcher;

/// <summary>
/// N HelloWeb workers on one port, like <c>gunicorn -w N</c>: each binds the port with
/// SO_REUSEPORT and the kernel spreads connections over them. Disposing stops every worker
/// (all asked at once, then each waited for or killed), so a failure never leaves one behind.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly List<WorkerProcess> _workers = [];
    private readonly string _workerPath;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;

    private WorkerPool(string workerPath, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string url)
    {
        _workerPath = workerPath;
        _arguments = arguments;
        _environment = environment;
        Url = url;
    }

    /// <summary>The address every worker listens on.</summary>
    public string Url { get; }

    /// <summary>The workers' process ids, in start order.</summary>
    public IReadOnlyList<int> ProcessIds => _workers.Select(w => w.Id).ToList();

    /// <summary>
    /// Starts <paramref name="count"/> workers serving <paramref name="backend"/> on host:port and
    /// returns once every one has printed its ready line; throws (after stopping them) if one
    /// exits first or the deadline passes.
    /// </summary>
    public static async Task<WorkerPool> StartAsync(
        LauncherOptions options, int port, string backend, IReadOnlyList<string> backendArguments,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var workerPath = options.WorkerPath ?? WorkerProcess.DefaultPath;
        if (!File.Exists(workerPath))
        {
            throw new FileNotFoundException($"the HelloWeb worker is not built at {workerPath}; build samples/HelloWeb (or pass --worker PATH)", workerPath);
        }

        List<string> arguments =
        [
            "--Backend", backend,
            "--Host", options.Host,
            "--Port", port.ToString(CultureInfo.InvariantCulture),
            .. backendArguments,
        ];
        var pool = new WorkerPool(workerPath, arguments, environment, $"http://{options.Host}:{port}/");
        try
        {
            for (var i = 0; i < options.Workers; i++)
            {
                pool.StartOne();
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.StartupTimeout);
            try
            {
                await Task.WhenAll(pool._workers.Select(w => w.WaitReadyAsync(deadline.Token)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the workers were not ready within {options.StartupTimeout.TotalSeconds:F0} s");
            }

            return pool;
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <summary>Replaces workers that died (gunicorn's arbiter does the same); returns how many.</summary>
    public int ReplaceExited()
    {
        var replaced = 0;
        for (var i = 0; i < _workers.Count; i++)
        {
            if (_workers[i].HasExited)
            {
                Console.WriteLine($"worker {_workers[i].Id} exited; starting a replacement");
                _workers[i].Dispose();
                _workers[i] = Launch();
                replaced++;
            }
        }

        return replaced;
    }

    private void StartOne() => _workers.Add(Launch());

    private WorkerProcess Launch() => WorkerProcess.Start(_workerPath, _arguments, _environment, Console.WriteLine);

    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.RequestStop();
        }

        foreach (var worker in _workers)
        {
            worker.Stop(StopGrace);
            worker.Dispose();
        }

        _workers.Clear();
    }
}
