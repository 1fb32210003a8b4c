using System.IO.Hashing;
using CyberDb.Engine;
using CyberDb.Protocol;
using CyberDb.Storage;

namespace CyberDb.Tests.Storage;

/// <summary>Pins the on-disk format: a change to any of these is a format change and must bump the version.</summary>
public sealed class CdbFormatTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Constants_Version1_ArePinned()
    {
        Assert.Equal("CYBERDB\0"u8.ToArray(), CdbFormat.Magic.ToArray());
        Assert.Equal(1, CdbFormat.Version);
        Assert.Equal(0, CdbFormat.MagicOffset);
        Assert.Equal(8, CdbFormat.MagicSize);
        Assert.Equal(8, CdbFormat.VersionOffset);
        Assert.Equal(12, CdbFormat.FlagsOffset);
        Assert.Equal(16, CdbFormat.TableCountOffset);
        Assert.Equal(24, CdbFormat.FileLengthOffset);
        Assert.Equal(32, CdbFormat.HeaderSize);
        Assert.Equal(0u, CdbFormat.KnownFlags);
        Assert.Equal(4, CdbFormat.LengthPrefixSize);
        Assert.Equal(1, CdbFormat.KindSize);
        Assert.Equal(8, CdbFormat.EntryCountSize);
        Assert.Equal(8, CdbFormat.ChecksumSize);
        Assert.Equal(8, CdbFormat.TrailerSize);
        Assert.Equal(40, CdbFormat.MinFileSize);
        Assert.Equal(10, CdbFormat.MinDictEntrySize);
        Assert.Equal(5, CdbFormat.MinListEntrySize);
        Assert.Equal(0, CdbFormat.DictKind);
        Assert.Equal(1, CdbFormat.ListKind);
        Assert.Equal(0, (int)CyberTableKind.CyberDict);
        Assert.Equal(1, (int)CyberTableKind.CyberList);
        Assert.Equal(256, ProtocolLimits.MaxTableNameBytes);
        Assert.Equal(".tmp", CdbFile.TempSuffix);
        Assert.Equal("_backup", CdbFile.BackupSuffix);
    }

    [Fact]
    public void Write_TinyDatabase_ProducesExactlyTheDocumentedBytes()
    {
        var database = new Database();
        var dict = new DictTable("d");
        dict.Set([0x01], [0xc3]); // 1: true
        var list = new ListTable("l");
        list.Items.Add([0xc0]); // nil
        database.TryAdd(dict);
        database.TryAdd(list);
        var path = _temp.File("tiny.cdb");

        CdbFile.Write(DatabaseSnapshot.Capture(database), path);

        byte[] body =
        [
            0x43, 0x59, 0x42, 0x45, 0x52, 0x44, 0x42, 0x00, // magic "CYBERDB\0"
            0x01, 0x00, 0x00, 0x00,                         // format version 1
            0x00, 0x00, 0x00, 0x00,                         // flags
            0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 2 tables
            0x53, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // file length 83
            0x01, 0x00, 0x00, 0x00, 0x64,                   // name "d"
            0x00,                                           // kind dict
            0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1 entry
            0x01, 0x00, 0x00, 0x00, 0x01,                   // key 1
            0x01, 0x00, 0x00, 0x00, 0xc3,                   // value true
            0x01, 0x00, 0x00, 0x00, 0x6c,                   // name "l"
            0x01,                                           // kind list
            0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1 item
            0x01, 0x00, 0x00, 0x00, 0xc0,                   // nil
        ];
        byte[] expected = [.. body, .. BitConverter.GetBytes(XxHash3.HashToUInt64(body))];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Write_EmptyDatabase_IsHeaderAndTrailerOnly()
    {
        var path = _temp.File("empty.cdb");

        CdbFile.Write(DatabaseSnapshot.Capture(new Database()), path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(CdbFormat.MinFileSize, bytes.Length);
        Assert.Equal(RawCdb.Build(0, _ => { }), bytes);
    }

    [Theory]
    [InlineData("data.cdb", "data_backup.cdb")]
    [InlineData("snap.bin", "snap_backup.bin")]
    [InlineData("noextension", "noextension_backup")]
    [InlineData("two.dots.cdb", "two.dots_backup.cdb")]
    public void BackupPathFor_Name_InsertsSuffixBeforeExtension(string name, string expected)
    {
        Assert.Equal(_temp.File(expected), CdbFile.BackupPathFor(_temp.File(name)));
    }
}
