using CyberDb.Engine;
using CyberDb.Storage;

namespace CyberDb.Tests.Storage;

public sealed class DatabaseSnapshotTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Capture_TablesChangedAfterwards_SnapshotKeepsThePointInTime()
    {
        var database = SnapshotTestData.CreateMixed(1_000, 100);
        var expected = SnapshotTestData.CreateMixed(1_000, 100);
        var snapshot = DatabaseSnapshot.Capture(database);

        Assert.True(database.TryGet("users", out var users));
        var dict = (DictTable)users;
        dict.Set(SnapshotTestData.Key("user:1"), [0xc0]);
        dict.Set(SnapshotTestData.Key("new"), [0xc3]);
        dict.Remove(SnapshotTestData.Key(-1_000_000), out _);
        Assert.True(database.TryGet("events", out var events));
        ((ListTable)events).Items.Reverse();
        ((ListTable)events).Items.Add([0x01]);
        database.Remove("empty dict");
        database.TryAdd(new ListTable("added later"));

        var path = _temp.File("data.cdb");
        CdbFile.Write(snapshot, path);

        SnapshotTestData.AssertSameContent(expected, CdbFile.Read(path));
    }

    [Fact]
    public void Capture_MixedDatabase_CountsTablesAndEntries()
    {
        var snapshot = DatabaseSnapshot.Capture(SnapshotTestData.CreateMixed(1_000, 100));

        Assert.Equal(4, snapshot.TableCount);
        Assert.Equal(1_100, snapshot.EntryCount);
        Assert.Equal(["users", "events", "empty dict", "empty list"], snapshot.Tables.Select(t => t.Name));
        Assert.Equal(snapshot.Tables[0].Keys.Length, snapshot.Tables[0].Values.Length);
        Assert.Empty(snapshot.Tables[1].Keys);
    }
}
