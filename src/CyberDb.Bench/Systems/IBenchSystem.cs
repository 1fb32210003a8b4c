namespace CyberDb.Bench.Systems;

/// <summary>
/// A database under test, seen from both sides of the harness.
/// </summary>
/// <remarks>
/// <para>
/// Orchestrator side: <see cref="Start"/> starts the server (always in its own process, on
/// loopback, on a free port), sets <see cref="Endpoint"/>, and <see cref="Stop"/> ends it. A
/// system that cannot be started throws <see cref="BenchSystemUnavailableException"/> with the
/// reason; it is then reported as "missing", never dropped.
/// </para>
/// <para>
/// Worker side: each worker process builds the same class by <see cref="Id"/> (parameterless
/// constructor, no <see cref="Start"/>) and calls <see cref="CreateClient"/> with the endpoint
/// string the orchestrator passed on its command line.
/// </para>
/// <para>
/// Implementations are found by reflection (<see cref="BenchSystemCatalog"/>): a new system is one
/// <c>internal sealed</c> class in <c>Systems/</c>.
/// </para>
/// </remarks>
internal interface IBenchSystem
{
    /// <summary>Unique, lower-case, used on the command line: <c>redis</c>, <c>cyberdb-shm</c>.</summary>
    string Id { get; }

    /// <summary>Product name as shown in results: <c>Redis</c>, <c>Garnet</c>, <c>CyberDb</c>.</summary>
    string Name { get; }

    /// <summary>How clients reach it: <c>tcp</c>, <c>shm</c>, <c>tcp+aes</c>.</summary>
    string Transport { get; }

    /// <summary>Opaque string for <see cref="CreateClient"/>; set by <see cref="Start"/>.</summary>
    string Endpoint { get; }

    /// <summary>Starts the server process and returns once clients can connect.</summary>
    /// <exception cref="BenchSystemUnavailableException">The system cannot run here; the message says why.</exception>
    void Start(BenchEnvironment environment);

    /// <summary>Stops the server process; safe to call twice or after a failed start.</summary>
    void Stop();

    /// <summary>Connects one client (one per worker process, plus one in the orchestrator for setup).</summary>
    IBenchClient CreateClient(string endpoint, BenchKeyspace keyspace);
}
