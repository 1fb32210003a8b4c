using System.Buffers;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Tests.Protocol;

/// <summary>Keys must have one byte form whichever client wrote them: the shortest, as MessagePack-CSharp writes it.</summary>
public sealed class CanonicalIntegerTests
{
    private static byte[] MessagePackCSharp(long value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Canonical(long value)
    {
        var scratch = new byte[CanonicalInteger.MaxLength];
        return scratch[..CanonicalInteger.Write(scratch, value)];
    }

    public static IEnumerable<long> Boundaries()
    {
        long[] edges =
        [
            0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue,
            -1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769, int.MinValue, (long)int.MinValue - 1, long.MinValue,
            short.MaxValue, short.MaxValue + 1L, int.MaxValue, int.MaxValue + 1L, sbyte.MinValue, sbyte.MaxValue,
        ];
        foreach (var edge in edges)
        {
            yield return edge;
            if (edge != long.MaxValue)
            {
                yield return edge + 1;
            }

            if (edge != long.MinValue)
            {
                yield return edge - 1;
            }
        }
    }

    [Fact]
    public void Write_Boundaries_MatchesMessagePackCSharp()
    {
        foreach (var value in Boundaries())
        {
            Assert.True(MessagePackCSharp(value).AsSpan().SequenceEqual(Canonical(value)), $"value {value}");
        }
    }

    [Fact]
    public void Write_ManyRandomValues_MatchesMessagePackCSharp()
    {
        var random = new Random(20240601);
        for (var i = 0; i < 20_000; i++)
        {
            // Spread over every magnitude: a random bit width, then a random sign.
            var bits = random.Next(0, 64);
            var value = random.NextInt64() >> (63 - bits);
            if (random.Next(2) == 0)
            {
                value = -value;
            }

            Assert.True(MessagePackCSharp(value).AsSpan().SequenceEqual(Canonical(value)), $"value {value}");
        }
    }

    [Fact]
    public void Write_EveryIntegerForm_ReadsBackTheSameValue()
    {
        foreach (var value in Boundaries())
        {
            var reader = new SpanReader(Canonical(value));
            Assert.Equal(value, reader.ReadInt64());
            Assert.True(reader.End);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void StringHeaderLength_MatchesMessagePackCSharp(int utf8Length)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(new string('a', utf8Length));
        writer.Flush();
        Assert.Equal(buffer.WrittenCount - utf8Length, CanonicalInteger.StringHeaderLength(utf8Length));
    }
}
