namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>A unique <c>/dev/shm</c> path for one test; deleting whatever is left there on dispose.</summary>
internal sealed class TempRegionPath : IDisposable
{
    public string Path { get; } = $"/dev/shm/cyberdb-test-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // best effort: the test's own assertion failure matters more
        }
    }
}
