using System.Diagnostics;

namespace HelloWeb.Launcher;

/// <summary>
/// One HelloWeb worker process (<c>dotnet HelloWeb.dll ...</c>). We hold its standard input: the
/// worker stops when that closes, which happens when we stop it and also when this process dies
/// in any way, so no worker outlives its launcher. Disposing stops it, and kills it past a grace period.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const string ReadyMarker = " ready on ";

    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// The HelloWeb.dll built next to this launcher:
    /// samples/HelloWeb.Launcher/bin/&lt;Configuration&gt;/&lt;tfm&gt;/ → samples/HelloWeb/bin/&lt;Configuration&gt;/&lt;tfm&gt;/HelloWeb.dll.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            var own = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var framework = Path.GetFileName(own);
            var configuration = Path.GetFileName(Path.GetDirectoryName(own)!);
            var samples = Path.GetFullPath(Path.Combine(own, "..", "..", "..", ".."));
            return Path.Combine(samples, "HelloWeb", "bin", configuration, framework, "HelloWeb.dll");
        }
    }

    public static WorkerProcess Start(string workerPath, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, Action<string> log)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(workerPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--WatchStdin");
        info.ArgumentList.Add("true");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.Contains(ReadyMarker, StringComparison.Ordinal))
            {
                worker._ready.TrySetResult();
            }
            else
            {
                log($"  [worker {process.Id}] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log($"  [worker {process.Id}] {e.Data}");
            }
        };
        process.Exited += (_, _) => worker._ready.TrySetException(new InvalidOperationException($"worker {worker.SafeId()} exited with code {worker.SafeExitCode()} before it was ready"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Completes when the worker prints its ready line; throws if it exits first.</summary>
    public Task WaitReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Asks the worker to stop (closes its standard input), without waiting.</summary>
    public void RequestStop()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Waits up to <paramref name="grace"/> for the worker to exit, then kills it (and anything it started).</summary>
    public void Stop(TimeSpan grace)
    {
        RequestStop();
        try
        {
            if (!_process.WaitForExit(grace))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
    }

    private string SafeId()
    {
        try
        {
            return Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
