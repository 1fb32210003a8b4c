using System.Buffers.Binary;
using CyberDb.Protocol;
using CyberDb.Transport.Tcp;

namespace CyberDb.Tests.Transport.Tcp;

public sealed class IncomingFrameTests
{
    /// <summary>Feeds <paramref name="wire"/> (header already in the buffer) in random chunks no larger than each window.</summary>
    private static void Feed(FrameBuffer buffer, byte[] wire, int tagBytes, Random random, int maxChunk)
    {
        wire.AsSpan(0, FrameHeader.Size).CopyTo(buffer.PrepareReceive(FrameHeader.Size));
        var frame = new IncomingFrame(buffer, wire.Length, tagBytes);
        var offset = FrameHeader.Size;
        while (!frame.IsComplete)
        {
            var window = frame.NextWindow();
            Assert.False(window.IsEmpty);
            var count = Math.Min(window.Length, random.Next(1, (int)Math.Min(int.MaxValue, maxChunk + 1L)));
            wire.AsSpan(offset, count).CopyTo(window.Span);
            frame.Received(count);
            offset += count;
        }

        Assert.Equal(wire.Length, offset);
        Assert.Equal(wire, frame.Wire.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    public void Received_RandomChunksAcrossEveryGrowthBoundary_ReassemblesExactly(int tagBytes)
    {
        var random = new Random(42);
        int[] sizes = [FrameHeader.Size + tagBytes, 100, 4096 - 8, 4095, 4096, 4097, 4096 + 15, 4096 + 16, 4096 + 17, 8192 + 3, 69_632 + 9, 70_000, 200_003];
        foreach (var size in sizes)
        {
            foreach (var maxChunk in new[] { 1, 7, 5000, int.MaxValue })
            {
                if (maxChunk == 1 && size > 10_000)
                {
                    continue;
                }

                var wire = new byte[size];
                random.NextBytes(wire);
                BinaryPrimitives.WriteUInt32LittleEndian(wire, (uint)(size - FrameHeader.LengthFieldSize));
                using var buffer = new FrameBuffer();
                Feed(buffer, wire, tagBytes, random, maxChunk);
                Assert.Equal(size - tagBytes, buffer.Length); // the written length leaves the tag out
            }
        }
    }

    [Fact]
    public void NextWindow_AnnouncedHugeFrame_BufferGrowsOnlyWithTheBytesReceived()
    {
        using var buffer = new FrameBuffer();
        buffer.PrepareReceive(FrameHeader.Size);
        var frame = new IncomingFrame(buffer, 100_000_000, 16);
        var received = FrameHeader.Size;
        while (received < 20_000)
        {
            var window = frame.NextWindow();
            var count = Math.Min(window.Length, 1000);
            frame.Received(count);
            received += count;
        }

        Assert.True(buffer.Array.Length <= 128 * 1024, $"{buffer.Array.Length} bytes held for 20 KB received");
    }

    [Fact]
    public void FrameBuffer_AfterAHugeFrame_ShrinksOnNextUse()
    {
        using var buffer = new FrameBuffer();
        buffer.PrepareReceive(FrameHeader.Size);
        buffer.EnsureCapacity(8 * 1024 * 1024);
        Assert.True(buffer.Array.Length >= 8 * 1024 * 1024);
        buffer.PrepareReceive(FrameHeader.Size);
        Assert.True(buffer.Array.Length <= 1024 * 1024, "receiving keeps no huge buffer");

        buffer.EnsureCapacity(8 * 1024 * 1024);
        buffer.BeginFrame();
        Assert.True(buffer.Array.Length <= 1024 * 1024, "sending keeps no huge buffer");
    }
}
