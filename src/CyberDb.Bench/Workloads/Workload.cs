namespace CyberDb.Bench.Workloads;

/// <summary>What each worker does in a loop, one call (one round trip) per iteration.</summary>
internal enum WorkloadKind
{
    /// <summary>GET of a random key out of the keyspace.</summary>
    Get,

    /// <summary>SET of a random key with a fresh value of the configured size.</summary>
    Set,

    /// <summary>90% GET, 10% SET, random keys.</summary>
    Mixed,

    /// <summary>Increment of one hot key shared by every worker.</summary>
    Incr,

    /// <summary>Push then pop on one shared list, alternating (never pops an empty list).</summary>
    List,

    /// <summary>A batch of SETs in one round trip (pipeline); latency is per batch.</summary>
    Pipeline,

    /// <summary>Every operation above in turn: run unreported when a pool of workers starts, so
    /// that the JIT has tiered up every path before the first measured cell.</summary>
    Prime,
}

/// <summary>A workload as named on the command line and in the results.</summary>
internal sealed record Workload(WorkloadKind Kind, string Name, string Description)
{
    public static IReadOnlyList<Workload> All { get; } =
    [
        new(WorkloadKind.Get, "get", "GET of random keys"),
        new(WorkloadKind.Set, "set", "SET of random keys"),
        new(WorkloadKind.Mixed, "mixed", "90% GET / 10% SET, random keys"),
        new(WorkloadKind.Incr, "incr", "increment of one hot key"),
        new(WorkloadKind.List, "list", "push / pop on one shared list"),
        new(WorkloadKind.Pipeline, "pipeline", "batches of SETs in one round trip (latency per batch)"),
    ];

    /// <summary>The warm-up workload of a new worker pool; never reported.</summary>
    public static Workload Prime { get; } = new(WorkloadKind.Prime, "prime", "every operation in turn (warm-up only)");

    public static Workload Parse(string name) =>
        All.Append(Prime).FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown workload '{name}'; known: {string.Join(", ", All.Select(w => w.Name))}", nameof(name));
}
