namespace CyberDb.Bench.Processes;

/// <summary>
/// How to start another copy of this program: <c>dotnet CyberDb.Bench.dll &lt;mode&gt; ...</c>, with
/// the same dotnet host that runs this one.
/// </summary>
internal static class BenchExecutable
{
    /// <summary>The dotnet host: DOTNET_HOST_PATH (set by the SDK), this process when it is dotnet, else "dotnet" on PATH.</summary>
    public static string DotnetHost { get; } = FindHost();

    /// <summary>The bench assembly next to this one.</summary>
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "CyberDb.Bench.dll");

    /// <summary>Starts <c>dotnet CyberDb.Bench.dll <paramref name="mode"/> <paramref name="arguments"/></c>.</summary>
    /// <param name="tieredCompilation">
    /// False for worker processes: with tiering on, 16 processes tiering up at once on 2 cores
    /// stayed at a tenth of their throughput for many seconds (GET at 16 processes: ~2k ops/s with
    /// tiering, ~15k without, Redis, same run). Without it every method is compiled optimised once
    /// (framework code keeps its ReadyToRun code): steady state from the first call, for every
    /// system alike. Servers (long-lived, one process) keep the default.
    /// </param>
    public static ChildProcess Start(string displayName, string mode, IEnumerable<string> arguments, bool tieredCompilation = true)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        if (!tieredCompilation)
        {
            environment["DOTNET_TieredCompilation"] = "0";
        }

        return ChildProcess.Start(displayName, DotnetHost, [AssemblyPath, mode, .. arguments], environment: environment);
    }

    private static string FindHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        return "dotnet";
    }
}
