using System.Buffers;
using System.Globalization;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.TestHost;

/// <summary>
/// <c>shm-echo-server &lt;path&gt; &lt;slots&gt; &lt;ringCapacity&gt; &lt;clientPid&gt; &lt;spinMicroseconds&gt; &lt;yieldMicroseconds&gt;</c>:
/// a miniature executor. Creates the region, claims a slot for the client, prints
/// <c>ready &lt;slot&gt; &lt;slotGeneration&gt; &lt;generation&gt;</c>, then echoes every request
/// message back on the response ring, polling with <see cref="SpscRing.TryRead"/> and sleeping on
/// the region doorbell when idle, the way the real executor will. A zero-length request stops it
/// (region deleted, <c>stopped</c>, exit 0); a dead client also stops it (exit 3).
/// </summary>
internal sealed class ShmEchoServerMode : ITestHostMode
{
    public string Name => "shm-echo-server";

    public int Run(string[] args)
    {
        var path = args[0];
        var slots = int.Parse(args[1], CultureInfo.InvariantCulture);
        var capacity = int.Parse(args[2], CultureInfo.InvariantCulture);
        var clientPid = int.Parse(args[3], CultureInfo.InvariantCulture);
        var policy = new RingWaitPolicy(
            int.Parse(args[4], CultureInfo.InvariantCulture),
            int.Parse(args[5], CultureInfo.InvariantCulture),
            RingWaitPolicy.DefaultPeerCheckIntervalMs);

        using var region = SharedRegion.Create(path, slots, capacity);
        try
        {
            if (!region.TryClaimSlot(clientPid, out var slot, out var slotGeneration))
            {
                Console.Error.WriteLine("no free slot");
                return 2;
            }

            var (requests, responses) = region.CreateExecutorRings(slot, policy);
            Func<bool> clientAlive = () => region.IsSlotClientAlive(slot);
            Func<bool> hasWork = () => requests.HasData;
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            Console.WriteLine(FormattableString.Invariant($"ready {slot} {slotGeneration} {region.Generation}"));
            while (true)
            {
                if (requests.TryRead(buffer))
                {
                    if (buffer.WrittenCount == 0)
                    {
                        break;
                    }

                    responses.Write(buffer.WrittenSpan, 10_000, clientAlive);
                    buffer.ResetWrittenCount();
                    continue;
                }

                if (!region.Doorbell.WaitForWork(hasWork, policy, 200) && !clientAlive())
                {
                    Console.Error.WriteLine("client gone");
                    return 3;
                }
            }
        }
        finally
        {
            region.Delete();
        }

        Console.WriteLine("stopped");
        return 0;
    }
}
