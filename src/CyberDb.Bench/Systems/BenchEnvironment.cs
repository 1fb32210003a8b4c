namespace CyberDb.Bench.Systems;

/// <summary>What a system needs from the orchestrator to start its server process.</summary>
/// <param name="RepositoryRoot">The folder with <c>CyberDb.sln</c> and <c>.config/dotnet-tools.json</c> (or the current folder).</param>
/// <param name="LogDirectory">Where server processes write their output (<c>logs/</c> of the results folder).</param>
/// <param name="StartTimeout">How long a server may take to answer its first request.</param>
internal sealed record BenchEnvironment(string RepositoryRoot, string LogDirectory, TimeSpan StartTimeout);
