using System.Globalization;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.TestHost;

/// <summary>
/// <c>shm-ring-writer &lt;path&gt; &lt;messageBytes&gt;</c>: a client that opens the region, reads
/// <c>&lt;slot&gt; &lt;slotGeneration&gt;</c> from standard input (the owner claims the slot for this
/// pid first), prints <c>writing</c> and streams one message of that many bytes into the slot's
/// request ring, then prints <c>done</c>. Tests kill it mid-message to play a dead writer.
/// </summary>
internal sealed class ShmRingWriterMode : ITestHostMode
{
    public string Name => "shm-ring-writer";

    public int Run(string[] args)
    {
        var path = args[0];
        var length = int.Parse(args[1], CultureInfo.InvariantCulture);
        var claim = (Console.ReadLine() ?? string.Empty).Split(' ');
        var slot = int.Parse(claim[0], CultureInfo.InvariantCulture);
        var slotGeneration = long.Parse(claim[1], CultureInfo.InvariantCulture);

        using var region = SharedRegion.Open(path);
        if (!region.IsSlotClaimedBy(slot, Environment.ProcessId, slotGeneration))
        {
            Console.Error.WriteLine("slot not claimed for this process");
            return 2;
        }

        var (requests, _) = region.CreateClientRings(slot);
        var message = new byte[length];
        for (var i = 0; i < message.Length; i++)
        {
            message[i] = (byte)i;
        }

        Console.WriteLine("writing");
        requests.Write(message, 30_000, region.IsOwnerAlive);
        Console.WriteLine("done");
        return 0;
    }
}
