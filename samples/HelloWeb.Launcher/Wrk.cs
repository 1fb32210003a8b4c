using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HelloWeb.Launcher;

/// <summary>What one wrk run measured.</summary>
internal sealed record WrkResult(double RequestsPerSecond, double AverageLatencyMilliseconds, long Requests, long Errors, string Output);

/// <summary>Runs the <c>wrk</c> HTTP load generator (Debian package wrk) and reads its summary.</summary>
internal static partial class Wrk
{
    public static string CommandLine(int threads, int connections, int seconds, string url) =>
        $"wrk -t{threads} -c{connections} -d{seconds}s {url}";

    public static async Task<WrkResult> RunAsync(int threads, int connections, int seconds, string url, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add($"-t{threads}");
        info.ArgumentList.Add($"-c{connections}");
        info.ArgumentList.Add($"-d{seconds}s");
        info.ArgumentList.Add(url);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("wrk is not installed (apt-get install -y wrk)", e);
        }

        using (process)
        {
            using var kill = cancellationToken.Register(() =>
            {
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                }
            });
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var text = await output;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"wrk failed with exit code {process.ExitCode}: {await error}");
            }

            return Parse(text);
        }
    }

    internal static WrkResult Parse(string text)
    {
        var rps = RequestsPerSecondPattern().Match(text);
        var requests = RequestsPattern().Match(text);
        var latency = LatencyPattern().Match(text);
        if (!rps.Success || !requests.Success || !latency.Success)
        {
            throw new InvalidOperationException("could not read wrk's summary:\n" + text);
        }

        var latencyValue = double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture);
        var latencyMs = latency.Groups[2].Value switch
        {
            "us" => latencyValue / 1000,
            "ms" => latencyValue,
            "s" => latencyValue * 1000,
            _ => latencyValue * 60_000,
        };
        long errors = 0;
        var non2xx = Non2xxPattern().Match(text);
        if (non2xx.Success)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        var socketErrors = SocketErrorsPattern().Match(text);
        if (socketErrors.Success)
        {
            for (var g = 1; g <= 4; g++)
            {
                errors += long.Parse(socketErrors.Groups[g].Value, CultureInfo.InvariantCulture);
            }
        }

        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            latencyMs,
            long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture),
            errors,
            text);
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecondPattern();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsPattern();

    [GeneratedRegex(@"Latency\s+([\d.]+)(us|ms|s|m)\b")]
    private static partial Regex LatencyPattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxPattern();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsPattern();
}
