using CyberDb.Engine;
using CyberDb.Protocol;

namespace CyberDb.Tests.Engine;

/// <summary>The ordered dictionary behind CyberDict: Python's dict order through removals, re-sets and compactions.</summary>
public sealed class DictTableTests
{
    private static byte[] K(long key)
    {
        var bytes = new byte[CanonicalInteger.MaxLength];
        return bytes[..CanonicalInteger.Write(bytes, key)];
    }

    private static byte[] V(long value) => K(value);

    private static long[] KeysOf(DictTable table)
    {
        var keys = new List<long>();
        foreach (var (key, _) in table)
        {
            keys.Add(new SpanReader(key).ReadInt64());
        }

        return [.. keys];
    }

    [Fact]
    public void Set_NewAndExisting_NewAppendsExistingKeepsPlace()
    {
        var table = new DictTable("t");
        table.Set(K(3), V(0));
        table.Set(K(1), V(0));
        table.Set(K(2), V(0));
        table.Set(K(3), V(9));
        Assert.Equal([3, 1, 2], KeysOf(table));
        Assert.True(table.TryGetValue(K(3), out var value));
        Assert.Equal(V(9), value);
    }

    [Fact]
    public void Remove_ThenSetAgain_MovesToEnd()
    {
        var table = new DictTable("t");
        foreach (var k in new long[] { 1, 2, 3 })
        {
            table.Set(K(k), V(k));
        }

        Assert.True(table.Remove(K(1), out var removed));
        Assert.Equal(V(1), removed);
        Assert.False(table.Remove(K(1), out _));
        table.Set(K(1), V(1));
        Assert.Equal([2, 3, 1], KeysOf(table));
    }

    [Fact]
    public void TryPopLast_AfterRemovingTheTail_TakesLastLiveEntry()
    {
        var table = new DictTable("t");
        for (var k = 0; k < 10; k++)
        {
            table.Set(K(k), V(k));
        }

        table.Remove(K(9), out _);
        table.Remove(K(8), out _);
        Assert.True(table.TryPopLast(out var key, out var value));
        Assert.Equal(K(7), key);
        Assert.Equal(V(7), value);
        table.Set(K(100), V(100));
        Assert.True(table.TryPopLast(out key, out _));
        Assert.Equal(K(100), key);
        Assert.Equal(7, table.Count);
    }

    [Fact]
    public void TryPopLast_Empty_ReturnsFalse()
    {
        var table = new DictTable("t");
        Assert.False(table.TryPopLast(out _, out _));
        table.Set(K(1), V(1));
        table.Remove(K(1), out _);
        Assert.False(table.TryPopLast(out _, out _));
    }

    [Fact]
    public void TryAddAndTryReplace_RespectPresence()
    {
        var table = new DictTable("t");
        Assert.False(table.TryReplace(K(1), V(1)));
        Assert.True(table.TryAdd(K(1), V(1)));
        Assert.False(table.TryAdd(K(1), V(2)));
        Assert.True(table.TryReplace(K(1), V(3)));
        Assert.True(table.TryGetValue(K(1), out var value));
        Assert.Equal(V(3), value);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Remove_MostEntries_CompactsAndKeepsOrder()
    {
        var table = new DictTable("t");
        for (var k = 0; k < 10_000; k++)
        {
            table.Set(K(k), V(k));
        }

        for (var k = 0; k < 10_000; k++)
        {
            if (k % 100 != 0)
            {
                table.Remove(K(k), out _);
            }
        }

        Assert.Equal(100, table.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 100L).ToArray(), KeysOf(table));
        for (var k = 0; k < 10_000; k += 100)
        {
            Assert.True(table.TryGetValue(K(k), out var value));
            Assert.Equal(V(k), value);
        }
    }

    [Fact]
    public void RandomOperations_AgainstPythonDictModel_SameOrderAndValuesThroughout()
    {
        var random = new Random(12345);
        var table = new DictTable("t");
        var order = new List<long>();
        var model = new Dictionary<long, long>();

        for (var step = 0; step < 30_000; step++)
        {
            var key = (long)random.Next(0, 400);
            switch (random.Next(0, 100))
            {
                case < 40: // set
                    table.Set(K(key), V(step));
                    if (!model.ContainsKey(key))
                    {
                        order.Add(key);
                    }

                    model[key] = step;
                    break;
                case < 75: // remove
                    Assert.Equal(model.Remove(key), table.Remove(K(key), out _));
                    order.Remove(key);
                    break;
                case < 85: // try add
                    var added = table.TryAdd(K(key), V(step));
                    Assert.Equal(!model.ContainsKey(key), added);
                    if (added)
                    {
                        order.Add(key);
                        model[key] = step;
                    }

                    break;
                case < 99: // pop last
                    var popped = table.TryPopLast(out var poppedKey, out var poppedValue);
                    Assert.Equal(order.Count > 0, popped);
                    if (popped)
                    {
                        var last = order[^1];
                        Assert.Equal(K(last), poppedKey);
                        Assert.Equal(V(model[last]), poppedValue);
                        order.RemoveAt(order.Count - 1);
                        model.Remove(last);
                    }

                    break;
                default:
                    table.Clear();
                    order.Clear();
                    model.Clear();
                    break;
            }

            Assert.Equal(model.Count, table.Count);
            if (step % 97 == 0)
            {
                Assert.Equal(order.ToArray(), KeysOf(table));
                foreach (var (k, v) in model)
                {
                    Assert.True(table.TryGetValue(K(k), out var value));
                    Assert.Equal(V(v), value);
                }
            }
        }

        Assert.Equal(order.ToArray(), KeysOf(table));
    }

    [Fact]
    public void Snapshot_IsAPointInTimeCopy()
    {
        var table = new DictTable("t");
        table.Set(K(1), V(10));
        table.Set(K(2), V(20));
        var (keys, values) = table.Snapshot();
        table.Remove(K(1), out _);
        table.Set(K(3), V(30));
        Assert.Equal([K(1), K(2)], keys);
        Assert.Equal([V(10), V(20)], values);
    }

    [Fact]
    public void Keys_SameValueDifferentTypes_AreDifferentKeys()
    {
        var table = new DictTable("t");
        table.Set(K(1), V(1));
        table.Set([0xa1, (byte)'1'], V(2)); // the string "1"
        Assert.Equal(2, table.Count);
    }
}
