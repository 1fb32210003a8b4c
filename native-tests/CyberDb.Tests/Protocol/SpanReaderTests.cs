using System.Buffers;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Tests.Protocol;

/// <summary>The server's parser of untrusted bytes: every length checked, nesting bounded, keys canonical.</summary>
public sealed class SpanReaderTests
{
    private delegate void Writes(ref MessagePackWriter writer);

    private static byte[] Encode(Writes write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Key(byte[] encoded)
    {
        var reader = new SpanReader(encoded);
        var key = reader.ReadKey(new byte[CanonicalInteger.MaxLength]).ToArray();
        Assert.True(reader.End);
        return key;
    }

    private static void AssertRefused(byte[] bytes, Func<byte[], object?> read) =>
        Assert.Throws<ProtocolException>(() => read(bytes));

    [Fact]
    public void ReadKey_IntegerInEveryWidth_CanonicalizedToShortestForm()
    {
        byte[] canonicalOne = [0x01];
        Assert.Equal(canonicalOne, Key([0x01]));
        Assert.Equal(canonicalOne, Key([0xcc, 0x01]));
        Assert.Equal(canonicalOne, Key([0xcd, 0x00, 0x01]));
        Assert.Equal(canonicalOne, Key([0xce, 0, 0, 0, 1]));
        Assert.Equal(canonicalOne, Key([0xcf, 0, 0, 0, 0, 0, 0, 0, 1]));
        Assert.Equal(canonicalOne, Key([0xd0, 0x01]));
        Assert.Equal(canonicalOne, Key([0xd3, 0, 0, 0, 0, 0, 0, 0, 1]));

        byte[] canonicalMinusOne = [0xff];
        Assert.Equal(canonicalMinusOne, Key([0xd0, 0xff]));
        Assert.Equal(canonicalMinusOne, Key([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));

        byte[] canonical300 = [0xcd, 0x01, 0x2c];
        Assert.Equal(canonical300, Key([0xd2, 0, 0, 0x01, 0x2c]));
        Assert.Equal(canonical300, Key([0xcf, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]));
    }

    [Fact]
    public void ReadKey_ShortestString_ReturnedAsIs()
    {
        var encoded = Encode((ref MessagePackWriter w) => w.Write("name"));
        Assert.Equal(encoded, Key(encoded));
        var longer = Encode((ref MessagePackWriter w) => w.Write(new string('k', 40)));
        Assert.Equal(longer, Key(longer));
    }

    [Fact]
    public void ReadKey_StringInLongerFormThanNeeded_Refused()
    {
        // "abc" as str8 instead of fixstr: two byte forms of one key would be two keys, so it is refused.
        AssertRefused([0xd9, 0x03, (byte)'a', (byte)'b', (byte)'c'], b => Key(b));
    }

    [Theory]
    [InlineData(new byte[] { 0xc0 })]               // nil
    [InlineData(new byte[] { 0xc3 })]               // true
    [InlineData(new byte[] { 0xcb, 0, 0, 0, 0, 0, 0, 0, 0 })] // float64
    [InlineData(new byte[] { 0x91, 0x01 })]         // array
    [InlineData(new byte[] { 0xc4, 0x01, 0x00 })]   // bin
    public void ReadKey_NotStringOrInteger_Refused(byte[] bytes)
    {
        AssertRefused(bytes, b => Key(b));
    }

    [Fact]
    public void ReadKey_UnsignedAboveLongMax_Refused()
    {
        AssertRefused([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], b => Key(b));
    }

    [Fact]
    public void ReadStringUtf8_BadUtf8_Refused()
    {
        AssertRefused([0xa2, 0xc3, 0x28], b => new SpanReader(b).ReadStringUtf8().Length);   // bad continuation
        AssertRefused([0xa1, 0xff], b => new SpanReader(b).ReadStringUtf8().Length);         // never valid
        AssertRefused([0xa3, 0xed, 0xa0, 0x80], b => new SpanReader(b).ReadStringUtf8().Length); // a lone surrogate
        AssertRefused([0xa2, 0xc3, 0x28], b => Key(b));
    }

    [Fact]
    public void ReadStringUtf8_ValidMultiByte_Accepted()
    {
        var encoded = Encode((ref MessagePackWriter w) => w.Write("é😀"));
        var reader = new SpanReader(encoded);
        Assert.Equal("é😀"u8.ToArray(), reader.ReadStringUtf8().ToArray());
    }

    public static TheoryData<byte[]> Truncated() => new()
    {
        Array.Empty<byte>(),
        new byte[] { 0xa5, (byte)'a' },             // fixstr of 5, 1 byte present
        new byte[] { 0xd9 },                        // str8 without its length
        new byte[] { 0xdb, 0xff, 0xff, 0xff, 0xf0 }, // str32 of 4 GiB
        new byte[] { 0x93, 0x01 },                  // array of 3, 1 present
        new byte[] { 0xdd, 0x7f, 0xff, 0xff, 0xff }, // array32 claiming 2^31 items
        new byte[] { 0xdf, 0xff, 0xff, 0xff, 0xff }, // map32 claiming 2^32 pairs
        new byte[] { 0x81, 0x01 },                  // map of 1 pair, key only
        new byte[] { 0xcb, 0, 0 },                  // float64 cut short
        new byte[] { 0xc6, 0xff, 0xff, 0xff, 0xff }, // bin32 of 4 GiB
        new byte[] { 0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01 }, // ext32 past the end
        new byte[] { 0xd8, 0x01 },                  // fixext16 cut short
    };

    [Theory]
    [MemberData(nameof(Truncated))]
    public void ReadRawObject_Truncated_RefusedWithoutAllocating(byte[] bytes)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ProtocolException>(() => new SpanReader(bytes).ReadRawObject().Length);
        Assert.Contains("past the end", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "the reader allocated for a lying length");
    }

    [Fact]
    public void ReadArrayAndMapHeader_CountBeyondRemaining_Refused()
    {
        AssertRefused([0xdc, 0x00, 0x05, 0x01], b => new SpanReader(b).ReadArrayHeader());
        AssertRefused([0xde, 0x00, 0x02, 0x01, 0x01], b => new SpanReader(b).ReadMapHeader());
        Assert.Equal(2, new SpanReader([0x92, 0x01, 0x02]).ReadArrayHeader());
        Assert.Equal(1, new SpanReader([0x81, 0x01, 0x02]).ReadMapHeader());
    }

    [Fact]
    public void ReadRawObject_InvalidFormatByte_Refused()
    {
        AssertRefused([0xc1], b => new SpanReader(b).ReadRawObject().Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    public void ReadRawObject_NestingWithinLimit_Accepted(int depth)
    {
        var bytes = Nested(depth);
        var reader = new SpanReader(bytes);
        Assert.Equal(bytes.Length, reader.ReadRawObject().Length);
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(200)]
    [InlineData(100_000)]
    public void ReadRawObject_NestingBeyondLimit_Refused(int depth)
    {
        var e = Assert.Throws<ProtocolException>(() => new SpanReader(Nested(depth)).ReadRawObject().Length);
        Assert.Contains("nested", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadRawObject_NestedMapsBeyondLimit_Refused()
    {
        var bytes = new List<byte>();
        for (var i = 0; i < 100; i++)
        {
            bytes.Add(0x81); // map of one pair: key 1, value the next map
            bytes.Add(0x01);
        }

        bytes.Add(0xc0);
        Assert.Throws<ProtocolException>(() => new SpanReader(bytes.ToArray()).ReadRawObject().Length);
    }

    /// <summary><paramref name="depth"/> one-element arrays around a nil.</summary>
    internal static byte[] Nested(int depth)
    {
        var bytes = new byte[depth + 1];
        bytes.AsSpan(0, depth).Fill(0x91);
        bytes[depth] = 0xc0;
        return bytes;
    }

    [Fact]
    public void ReadRawObject_EveryValidFormat_ReturnsExactBytes()
    {
        var value = Encode((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(14);
            w.WriteNil();
            w.Write(true);
            w.Write(-5);
            w.Write(300);
            w.Write(ulong.MaxValue);
            w.Write(1.5f);
            w.Write(2.5);
            w.Write("s");
            w.Write(new string('x', 300));
            w.Write(new byte[] { 1, 2 });
            w.Write(DateTime.UnixEpoch);
            w.WriteMapHeader(1);
            w.Write("k");
            w.Write(1);
            w.WriteExtensionFormat(new ExtensionResult(5, new byte[20]));
            w.WriteArrayHeader(0);
        });
        var withTail = value.Concat(new byte[] { 0x07 }).ToArray();
        var reader = new SpanReader(withTail);
        Assert.Equal(value, reader.ReadRawObject().ToArray());
        Assert.Equal(7, reader.ReadInt64());
        Assert.True(reader.End);
    }

    [Fact]
    public void ReadInt32_OutOfRange_Refused()
    {
        AssertRefused(Encode((ref MessagePackWriter w) => w.Write((long)int.MaxValue + 1)), b => new SpanReader(b).ReadInt32());
        Assert.Equal(int.MinValue, new SpanReader(Encode((ref MessagePackWriter w) => w.Write(int.MinValue))).ReadInt32());
    }

    [Fact]
    public void ReadBooleanAndNil_WrongType_Refused()
    {
        AssertRefused([0x01], b => new SpanReader(b).ReadBoolean());
        Assert.False(new SpanReader([0x01]).TryReadNil());
        AssertRefused([], b => new SpanReader(b).TryReadNil());
    }
}
