using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace CyberDb.Tests.Cli;

/// <summary>
/// The real cyberdb tool as a child process (<c>dotnet CyberDb.Cli.dll ...</c>): for what only a
/// process shows, such as signals, exit codes and redirected standard input. Output arrives line
/// by line; every wait has a deadline; disposing kills whatever is left.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];

    private CliProcess(Process process)
    {
        _process = process;
    }

    /// <summary>CyberDb.Cli.dll of the same configuration as this test assembly.</summary>
    public static string CliPath
    {
        get
        {
            var testsDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var framework = Path.GetFileName(testsDir);
            var configuration = Path.GetFileName(Path.GetDirectoryName(testsDir)!);
            var root = Path.GetFullPath(Path.Combine(testsDir, "..", "..", "..", "..", ".."));
            var path = Path.Combine(root, "src", "CyberDb.Cli", "bin", configuration, framework, "CyberDb.Cli.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("CyberDb.Cli is not built; build the solution first.", path);
        }
    }

    public string StandardError
    {
        get
        {
            lock (_error)
            {
                return string.Join("\n", _error);
            }
        }
    }

    public string StandardOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join("\n", _output);
            }
        }
    }

    public static CliProcess Start(IReadOnlyDictionary<string, string>? environment, string? workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CYBERDB_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new CliProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
                return;
            }

            lock (child._output)
            {
                child._output.Add(e.Data);
            }

            child._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._error)
                {
                    child._error.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (match(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"cyberdb printed no matching line within {timeout}; stdout: {StandardOutput}; stderr: {StandardError}");
        }

        throw new InvalidOperationException($"cyberdb exited without a matching line; stdout: {StandardOutput}; stderr: {StandardError}");
    }

    /// <summary>Writes standard input and closes it (end of input).</summary>
    public void WriteInputAndClose(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Close();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"cyberdb did not exit within {timeout}; stdout: {StandardOutput}; stderr: {StandardError}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGTERM, the stop a service manager sends.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
