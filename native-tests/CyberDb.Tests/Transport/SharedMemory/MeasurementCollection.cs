namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>Latency measurements run alone: on 2 cores any parallel test would be in the numbers.</summary>
[CollectionDefinition(nameof(MeasurementCollection), DisableParallelization = true)]
public sealed class MeasurementCollection
{
}
