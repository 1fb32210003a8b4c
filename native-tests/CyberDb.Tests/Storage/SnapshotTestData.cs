using System.Buffers;
using CyberDb.Engine;
using MessagePack;

namespace CyberDb.Tests.Storage;

/// <summary>Databases full of realistic MessagePack keys and values, and a deep comparison of two databases.</summary>
internal static class SnapshotTestData
{
    /// <summary>Writes through the caller's writer by reference (a copy of the struct would lose what it buffered).</summary>
    public delegate void WriteAction(ref MessagePackWriter writer);

    public static byte[] Pack(WriteAction write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Key(long key) => Pack((ref w) => w.Write(key));

    public static byte[] Key(string key) => Pack((ref w) => w.Write(key));

    /// <summary>One value of a kind picked by <paramref name="i"/>: nil, bools, integers, floats, strings, binary, nested arrays and maps, a timestamp.</summary>
    public static byte[] Value(int i, Random random)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        WriteValue(ref writer, i % 12, random, depth: 0);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A dict of string and integer keys and a list, <paramref name="dictEntries"/> and <paramref name="listItems"/> long, plus small tables.</summary>
    public static Database CreateMixed(int dictEntries, int listItems, int seed = 42)
    {
        var random = new Random(seed);
        var database = new Database();
        var dict = new DictTable("users");
        for (var i = 0; i < dictEntries; i++)
        {
            // Integer keys of every width and sign, interleaved with string keys (short, str8, unicode).
            var key = (i % 4) switch
            {
                0 => Key(i * 7919L - 1_000_000),
                1 => Key($"user:{i}"),
                2 => Key(i % 8 == 2 ? long.MinValue + i : (long)i << 33),
                _ => Key($"ключ-{i}-{new string('x', i % 40)}"),
            };
            dict.Set(key, Value(i, random));
        }

        var list = new ListTable("events");
        for (var i = 0; i < listItems; i++)
        {
            list.Items.Add(Value(i + 5, random));
        }

        database.TryAdd(dict);
        database.TryAdd(list);
        database.TryAdd(new DictTable("empty dict"));
        database.TryAdd(new ListTable("empty list"));
        return database;
    }

    public static void AssertSameContent(Database expected, Database actual)
    {
        var expectedTables = expected.Tables.ToList();
        var actualTables = actual.Tables.ToList();
        Assert.Equal(expectedTables.Select(t => (t.Name, t.Kind)), actualTables.Select(t => (t.Name, t.Kind)));
        for (var t = 0; t < expectedTables.Count; t++)
        {
            switch (expectedTables[t], actualTables[t])
            {
                case (DictTable e, DictTable a):
                    var (expectedKeys, expectedValues) = e.Snapshot();
                    var (actualKeys, actualValues) = a.Snapshot();
                    AssertSameBlobs(e.Name, expectedKeys, actualKeys);
                    AssertSameBlobs(e.Name, expectedValues, actualValues);
                    foreach (var key in expectedKeys)
                    {
                        Assert.True(a.ContainsKey(key), $"table '{e.Name}' lost a key after loading");
                    }

                    break;
                case (ListTable e, ListTable a):
                    AssertSameBlobs(e.Name, e.Snapshot(), a.Snapshot());
                    break;
                default:
                    Assert.Fail($"table '{expectedTables[t].Name}' changed type");
                    break;
            }
        }
    }

    private static void AssertSameBlobs(string table, byte[][] expected, byte[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!expected[i].AsSpan().SequenceEqual(actual[i]))
            {
                Assert.Fail($"table '{table}' entry {i} differs: {Convert.ToHexString(expected[i])} != {Convert.ToHexString(actual[i])}");
            }
        }
    }

    private static void WriteValue(ref MessagePackWriter writer, int kind, Random random, int depth)
    {
        switch (kind)
        {
            case 0: writer.WriteNil(); break;
            case 1: writer.Write(random.Next(2) == 0); break;
            case 2: writer.Write(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64)); break;
            case 3: writer.Write(random.NextDouble() * 1e6); break;
            case 4: writer.Write((float)random.NextDouble()); break;
            case 5: writer.Write(RandomString(random, random.Next(0, 20))); break;
            case 6: writer.Write(RandomString(random, random.Next(30, 300)) + "é✓😀"); break;
            case 7:
                var bytes = new byte[random.Next(0, 70)];
                random.NextBytes(bytes);
                writer.Write(bytes);
                break;
            case 8 when depth < 3:
                var count = random.Next(0, 5);
                writer.WriteArrayHeader(count);
                for (var i = 0; i < count; i++)
                {
                    WriteValue(ref writer, random.Next(12), random, depth + 1);
                }

                break;
            case 9 when depth < 3:
                var pairs = random.Next(0, 4);
                writer.WriteMapHeader(pairs);
                for (var i = 0; i < pairs; i++)
                {
                    writer.Write($"f{i}");
                    WriteValue(ref writer, random.Next(12), random, depth + 1);
                }

                break;
            case 10: writer.Write(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next())); break;
            default: writer.Write(random.Next(-40, 200)); break;
        }
    }

    private static string RandomString(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next('a', 'z' + 1);
        }

        return new string(chars);
    }
}
