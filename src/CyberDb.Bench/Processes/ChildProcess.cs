using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace CyberDb.Bench.Processes;

/// <summary>
/// A process started by the harness: a peer server, a CyberDb server or a worker. Standard output
/// lines are queued for <see cref="TryReadLine"/> (and, with a log file, written there too); the
/// last lines of both streams are kept for error messages. Registered with
/// <see cref="ChildProcessRegistry"/> from start to <see cref="Kill"/>.
/// </summary>
/// <remarks>
/// On Linux the process runs under <c>setpriv --pdeathsig KILL</c>, so it is killed by the kernel
/// if the orchestrator dies without running any handler. The signal follows the thread that
/// forked the child, which is why the orchestrator starts children from its main thread only.
/// </remarks>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLines = 20;
    private const int MaxTailLineLength = 240;
    private const string SetPrivPath = "/usr/bin/setpriv";

    private readonly Process _process;
    private readonly BlockingCollection<string> _stdout = new(new ConcurrentQueue<string>());
    private readonly TextWriter? _log;

    // Guards _tail; written by the two stream reader callbacks, read by Tail().
    private readonly Lock _tailGate = new();
    private readonly Queue<string> _tail = new();
    private int _killed;

    private ChildProcess(Process process, string displayName, TextWriter? log)
    {
        _process = process;
        DisplayName = displayName;
        _log = log;
    }

    public string DisplayName { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    /// <param name="logPath">Also copy both output streams to this file (peer servers).</param>
    public static ChildProcess Start(string displayName, string fileName, IEnumerable<string> arguments,
        string? logPath = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var usePdeathsig = OperatingSystem.IsLinux() && File.Exists(SetPrivPath);
        var info = new ProcessStartInfo(usePdeathsig ? SetPrivPath : fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (usePdeathsig)
        {
            info.ArgumentList.Add("--pdeathsig");
            info.ArgumentList.Add("KILL");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                info.Environment[name] = value;
            }
        }

        TextWriter? log = logPath is null ? null : TextWriter.Synchronized(new StreamWriter(logPath, append: false) { AutoFlush = true });
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, displayName, log);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, isStdout: true);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, isStdout: false);
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"{displayName}: the process did not start");
            }
        }
        catch
        {
            log?.Dispose();
            process.Dispose();
            throw;
        }

        ChildProcessRegistry.Add(child);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the next standard-output line; false on timeout or end of output.</summary>
    public bool TryReadLine(TimeSpan timeout, out string line)
    {
        try
        {
            if (_stdout.TryTake(out var taken, timeout))
            {
                line = taken;
                return true;
            }
        }
        catch (InvalidOperationException)
        {
            // Completed and empty: the process closed its output.
        }

        line = string.Empty;
        return false;
    }

    /// <summary>Writes one line to the child's standard input; false when the child is gone.</summary>
    public bool TryWriteLine(string line)
    {
        try
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Closes the child's standard input (its lifeline: workers and CyberDb servers exit on EOF).</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit by itself.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Closes standard input, gives the child <paramref name="grace"/> to exit, then kills it.</summary>
    public void Stop(TimeSpan grace)
    {
        CloseInput();
        if (!_process.WaitForExit(grace))
        {
            Kill();
        }
        else
        {
            Kill(); // unregisters, closes the log; a no-op kill on an exited process
        }
    }

    /// <summary>Kills the process and its descendants (idempotent) and waits up to 5 s for it.</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) != 0)
        {
            return;
        }

        ChildProcessRegistry.Remove(this);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exited between the check and the kill.
        }

        try
        {
            _stdout.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
            // A signal handler's KillAll raced with Dispose on the main thread.
        }

        _log?.Dispose();
    }

    /// <summary>The last lines the child wrote (both streams), for error messages.</summary>
    public string Tail()
    {
        lock (_tailGate)
        {
            return string.Join(" | ", _tail);
        }
    }

    /// <summary>The exit code, or null while it runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _stdout.Dispose();
    }

    private void OnLine(string? line, bool isStdout)
    {
        if (line is null)
        {
            if (isStdout && !_stdout.IsAddingCompleted)
            {
                try
                {
                    _stdout.CompleteAdding();
                }
                catch (ObjectDisposedException)
                {
                    // Disposed while the reader drained.
                }
            }

            return;
        }

        try
        {
            _log?.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
            // The log closed after a kill; the last lines are not needed.
        }

        lock (_tailGate)
        {
            // Result lines carry whole histograms: keep error messages short.
            _tail.Enqueue(line.Length > MaxTailLineLength ? line[..MaxTailLineLength] + "..." : line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }

        if (isStdout)
        {
            try
            {
                _stdout.Add(line);
            }
            catch (InvalidOperationException)
            {
                // Completed or disposed (ObjectDisposedException): nobody reads any more.
            }
        }
    }
}
