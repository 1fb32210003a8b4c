using System.Globalization;
using System.Text.Json;
using CyberDb.Bench.Processes;

namespace CyberDb.Bench.Systems;

/// <summary>
/// Microsoft Garnet, the <c>garnet-server</c> dotnet tool pinned in <c>.config/dotnet-tools.json</c>.
/// The tool's assembly is run directly with the dotnet host (<c>dotnet GarnetServer.dll</c>)
/// rather than through <c>dotnet tool run</c>, so the process we kill is the server itself.
/// </summary>
internal sealed class GarnetSystem : RespServerSystem
{
    private const string ToolName = "garnet-server";

    public override string Id => "garnet";

    public override string Name => "Garnet";

    protected override (string FileName, IReadOnlyList<string> Arguments) ResolveCommand(BenchEnvironment environment)
    {
        var version = ReadToolVersion(environment.RepositoryRoot);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var tools = Path.Combine(packages, ToolName, version, "tools");
        var dll = Directory.Exists(tools)
            ? Directory.EnumerateFiles(tools, "GarnetServer.dll", SearchOption.AllDirectories).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (dll is null)
        {
            throw new BenchSystemUnavailableException($"{ToolName} {version} is not restored under {packages} (run dotnet tool restore)");
        }

        // Small log memory and index: the data set is about 1 MB, and the defaults (16 GB log,
        // 128 MB index) only cost start-up time and address space on a 24 GB machine.
        return (BenchExecutable.DotnetHost, [dll, "--memory", "1g", "--index", "64m", "--logger-level", "Warning"]);
    }

    protected override IEnumerable<string> PortArguments(int port) => ["--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)];

    private static string ReadToolVersion(string repositoryRoot)
    {
        var manifest = Path.Combine(repositoryRoot, ".config", "dotnet-tools.json");
        if (!File.Exists(manifest))
        {
            throw new BenchSystemUnavailableException($"no tool manifest at {manifest}");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        if (document.RootElement.TryGetProperty("tools", out var tools) &&
            tools.TryGetProperty(ToolName, out var tool) &&
            tool.TryGetProperty("version", out var version) &&
            version.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        throw new BenchSystemUnavailableException($"{ToolName} is not in {manifest} (dotnet tool install {ToolName} --version 2.2.8)");
    }
}
