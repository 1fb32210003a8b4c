namespace CyberDb.Tests.Infrastructure;

/// <summary>
/// Tests that observe process-wide state (Console.Out, the process's allocation counter) run in
/// this collection, which xunit runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide state)";
}
