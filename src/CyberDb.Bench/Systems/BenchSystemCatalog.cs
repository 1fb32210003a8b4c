namespace CyberDb.Bench.Systems;

/// <summary>
/// Every <see cref="IBenchSystem"/> compiled into this assembly, found by reflection, in report
/// order: the baseline (Redis) first, then the other peers, then CyberDb's transports.
/// </summary>
internal static class BenchSystemCatalog
{
    /// <summary>The system every ratio is computed against.</summary>
    public const string BaselineId = "redis";

    // Report order for the systems we know; any other system follows, by id.
    private static readonly string[] s_preferredOrder = ["redis", "garnet", "cyberdb-shm", "cyberdb-tcp", "cyberdb-tcp-aes"];

    /// <summary>Ids of all compiled-in systems, in report order.</summary>
    public static IReadOnlyList<string> Ids { get; } = typeof(IBenchSystem).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchSystem).IsAssignableFrom(t))
        .Select(t => ((IBenchSystem)Activator.CreateInstance(t)!).Id)
        .OrderBy(id => Array.IndexOf(s_preferredOrder, id) is var i and >= 0 ? i : int.MaxValue)
        .ThenBy(id => id, StringComparer.Ordinal)
        .ToArray();

    /// <summary>A new, not started instance of the system <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException">No such system is compiled in.</exception>
    public static IBenchSystem Create(string id)
    {
        var type = typeof(IBenchSystem).Assembly.GetTypes().FirstOrDefault(t =>
            t is { IsClass: true, IsAbstract: false } && typeof(IBenchSystem).IsAssignableFrom(t) &&
            string.Equals(((IBenchSystem)Activator.CreateInstance(t)!).Id, id, StringComparison.Ordinal));
        return type is null
            ? throw new ArgumentException($"unknown system '{id}'; compiled in: {string.Join(", ", Ids)}", nameof(id))
            : (IBenchSystem)Activator.CreateInstance(type)!;
    }
}
