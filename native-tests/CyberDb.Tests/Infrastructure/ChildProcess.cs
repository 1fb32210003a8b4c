using System.Diagnostics;
using System.Threading.Channels;

namespace CyberDb.Tests.Infrastructure;

/// <summary>
/// A real child process running <c>CyberDb.TestHost</c> in one of its modes. Standard output
/// arrives line by line; tests wait for a line with a deadline instead of sleeping. Disposing
/// kills the whole process tree, so a failed test never leaves a process behind.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the child wrote to standard error so far (for assertion messages).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return string.Join(Environment.NewLine, _stderr);
            }
        }
    }

    /// <summary>The built <c>CyberDb.TestHost.dll</c> next to this test assembly's build.</summary>
    public static string HostPath
    {
        get
        {
            // .../native-tests/CyberDb.Tests/bin/<Configuration>/net10.0/ → .../native-tests/CyberDb.TestHost/bin/<Configuration>/net10.0/
            var testsDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var framework = Path.GetFileName(testsDir);
            var configuration = Path.GetFileName(Path.GetDirectoryName(testsDir)!);
            var nativeTests = Path.GetFullPath(Path.Combine(testsDir, "..", "..", "..", ".."));
            var path = Path.Combine(nativeTests, "CyberDb.TestHost", "bin", configuration, framework, "CyberDb.TestHost.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("CyberDb.TestHost is not built; build the solution first.", path);
            }

            return path;
        }
    }

    public static ChildProcess Start(string mode, params string[] args) => Start(environment: null, mode, args);

    /// <summary>Starts the test host in <paramref name="mode"/> with extra environment variables.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string>? environment, string mode, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(HostPath);
        info.ArgumentList.Add(mode);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
            }
            else
            {
                child._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the next output line that satisfies <paramref name="match"/>; earlier lines are consumed.</summary>
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
            throw new TimeoutException($"child {Id} printed no matching line within {timeout}; stderr: {StandardError}");
        }

        throw new InvalidOperationException($"child {Id} exited (code {ExitCodeOrNull()}) without a matching line; stderr: {StandardError}");
    }

    public Task<string> WaitForLineAsync(string prefix, TimeSpan timeout) =>
        WaitForLineAsync(line => line.StartsWith(prefix, StringComparison.Ordinal), timeout);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"child {Id} did not exit within {timeout}; stderr: {StandardError}");
        }

        return _process.ExitCode;
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>SIGKILL: the child gets no chance to clean up, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM: the polite stop a service manager sends.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = Interop.Kill(_process.Id, Interop.SigTerm);
        }
    }

    private int? ExitCodeOrNull() => _process.HasExited ? _process.ExitCode : null;

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
    }

    private static class Interop
    {
        public const int SigTerm = 15;

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
