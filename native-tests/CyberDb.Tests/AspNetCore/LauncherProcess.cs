using System.Diagnostics;
using System.Threading.Channels;

namespace CyberDb.Tests.AspNetCore;

/// <summary>
/// samples/HelloWeb.Launcher as a real child process (built alongside the tests through a
/// ProjectReference). Output arrives line by line and is waited for with a deadline; disposing
/// kills the whole process tree, so a failed test leaves nothing running.
/// </summary>
internal sealed class LauncherProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];

    private LauncherProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything the launcher printed so far (for assertion messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>
    /// native-tests/CyberDb.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/ →
    /// samples/HelloWeb.Launcher/bin/&lt;Configuration&gt;/&lt;tfm&gt;/HelloWeb.Launcher.dll.
    /// </summary>
    public static string LauncherPath
    {
        get
        {
            var testsDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var framework = Path.GetFileName(testsDir);
            var configuration = Path.GetFileName(Path.GetDirectoryName(testsDir)!);
            var root = Path.GetFullPath(Path.Combine(testsDir, "..", "..", "..", "..", ".."));
            var path = Path.Combine(root, "samples", "HelloWeb.Launcher", "bin", configuration, framework, "HelloWeb.Launcher.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("HelloWeb.Launcher is not built; build the test project first.", path);
            }

            return path;
        }
    }

    public static LauncherProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(LauncherPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var launcher = new LauncherProcess(process);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (launcher._output)
            {
                launcher._output.Add(line);
            }

            launcher._lines.Writer.TryWrite(line);
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return launcher;
    }

    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the launcher printed no line starting with '{prefix}' within {timeout}; output:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>SIGTERM, as a service manager stops it; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        _ = Kill(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
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

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
