using CyberDb.Engine;

namespace CyberDb.Tests.Engine;

public sealed class DatabaseTests
{
    [Fact]
    public void TableSetVersion_MovesOnEveryChangeToWhichTablesExist_AndOnlyThen()
    {
        var database = new Database();
        var seen = new List<long> { database.TableSetVersion };
        void Moved() { Assert.True(database.TableSetVersion > seen[^1]); seen.Add(database.TableSetVersion); }
        void Stayed() => Assert.Equal(seen[^1], database.TableSetVersion);

        Assert.True(database.TryAdd(new DictTable("a")));
        Moved();
        Assert.False(database.TryAdd(new ListTable("a")));
        Stayed();
        Assert.True(database.TryGet("a", out _));
        Stayed();
        Assert.True(database.Remove("a"));
        Moved();
        Assert.False(database.Remove("a"));
        Stayed();

        var loaded = new Database();
        loaded.TryAdd(new ListTable("a"));
        database.ReplaceWith(loaded);
        Moved();
        database.Clear();
        Moved();
    }
}
