namespace CyberDb.Tests.Transport.SharedMemory;

/// <summary>Deterministic message contents, different for every (length, seed), so a misplaced chunk shows.</summary>
internal static class TestPayload
{
    public static byte[] Create(int length, int seed)
    {
        var bytes = new byte[length];
        Fill(bytes, seed);
        return bytes;
    }

    public static void Fill(Span<byte> bytes, int seed)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 31) + seed + (i >> 11));
        }
    }
}
