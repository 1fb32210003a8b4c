using System.Globalization;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.TestHost;

/// <summary>
/// <c>shm-owner &lt;path&gt; &lt;slots&gt; &lt;ringCapacity&gt;</c>: creates a shared-memory region and
/// holds it. Prints <c>ready &lt;generation&gt; &lt;pid&gt;</c>; on a <c>quit</c> line (or end of
/// input) deletes the region, prints <c>deleted</c> and exits 0. Tests kill it to leave a stale region.
/// </summary>
internal sealed class ShmOwnerMode : ITestHostMode
{
    public string Name => "shm-owner";

    public int Run(string[] args)
    {
        var path = args[0];
        var slots = int.Parse(args[1], CultureInfo.InvariantCulture);
        var capacity = int.Parse(args[2], CultureInfo.InvariantCulture);
        using var region = SharedRegion.Create(path, slots, capacity);
        Console.WriteLine(FormattableString.Invariant($"ready {region.Generation} {Environment.ProcessId}"));
        string? line;
        while ((line = Console.ReadLine()) is not null && line != "quit")
        {
        }

        region.Delete();
        Console.WriteLine("deleted");
        return 0;
    }
}
