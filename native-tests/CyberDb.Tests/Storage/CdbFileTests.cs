using System.Diagnostics;
using System.Text;
using CyberDb.Engine;
using CyberDb.Storage;

namespace CyberDb.Tests.Storage;

public sealed class CdbFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WriteRead_100kMixedEntries_RoundTripsInInsertionOrder()
    {
        var database = SnapshotTestData.CreateMixed(dictEntries: 70_000, listItems: 30_000);
        var path = _temp.File("data.cdb");

        CdbFile.Write(DatabaseSnapshot.Capture(database), path);
        var loaded = CdbFile.Read(path);

        Assert.NotSame(database, loaded);
        Assert.Equal(4, loaded.Count);
        Assert.True(loaded.TryGet("users", out var users));
        Assert.Equal(70_000, users.Count);
        SnapshotTestData.AssertSameContent(database, loaded);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void WriteRead_EmptyDatabase_LoadsNoTables()
    {
        var path = _temp.File("data.cdb");

        CdbFile.Write(DatabaseSnapshot.Capture(new Database()), path);

        Assert.Equal(0, CdbFile.Read(path).Count);
    }

    [Fact]
    public void WriteRead_UnicodeNames_KeepNamesExactly()
    {
        string[] names = ["表格", "emoji 😀 table", "Ünïcödé", "עברית", new string('é', 128)]; // the last is exactly 256 UTF-8 bytes
        var database = new Database();
        foreach (var name in names)
        {
            var table = new DictTable(name);
            table.Set(SnapshotTestData.Key(name), SnapshotTestData.Key("v"));
            database.TryAdd(table);
        }

        var path = _temp.File("données 数据.cdb");
        CdbFile.Write(DatabaseSnapshot.Capture(database), path);
        var loaded = CdbFile.Read(path);

        Assert.Equal(names, loaded.Tables.Select(t => t.Name));
        Assert.True(loaded.TryGet(Encoding.UTF8.GetBytes("emoji 😀 table"), out _));
        SnapshotTestData.AssertSameContent(database, loaded);
    }

    [Fact]
    public void WriteRead_ValueLargerThanTheBuffer_RoundTrips()
    {
        var big = new byte[(3 * CdbWriter.BufferSize) + 17];
        new Random(7).NextBytes(big);
        var value = SnapshotTestData.Pack((ref w) => w.Write(big));
        var database = new Database();
        var list = new ListTable("blobs");
        list.Items.AddRange([[0x01], value, [0x02], SnapshotTestData.Pack((ref w) => w.Write(big.AsSpan(0, CdbWriter.BufferSize - 9)))]);
        database.TryAdd(list);
        var path = _temp.File("big.cdb");

        CdbFile.Write(DatabaseSnapshot.Capture(database), path);

        SnapshotTestData.AssertSameContent(database, CdbFile.Read(path));
    }

    [Fact]
    public void Read_MissingFile_ThrowsNamingIt()
    {
        var path = _temp.File("absent.cdb");

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFolder_ThrowsNamingTheFile()
    {
        var path = _temp.File(Path.Combine("no-such-folder", "data.cdb"));

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GarbageFile_ThrowsBadMagic()
    {
        var path = _temp.File("data.cdb");
        var garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("is not a CyberDb snapshot (bad magic)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TextFile_ThrowsBadMagic()
    {
        var path = _temp.File("data.cdb");
        File.WriteAllText(path, "{\"users\": {}}");

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains("bad magic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EveryPrefixOfAFile_ThrowsTruncated()
    {
        var path = WriteSmallFile("data.cdb");
        var bytes = File.ReadAllBytes(path);
        var prefixPath = _temp.File("prefix.cdb");

        for (var length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(prefixPath, bytes[..length]);
            var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(prefixPath));
            Assert.Contains(prefixPath, e.Message, StringComparison.Ordinal);
            Assert.True(e.Message.Contains("is truncated", StringComparison.Ordinal), $"prefix of {length} bytes: {e.Message}");
        }
    }

    [Fact]
    public void Read_AnyFlippedBit_ThrowsNamingTheFile()
    {
        var path = WriteSmallFile("data.cdb");
        var bytes = File.ReadAllBytes(path);
        var corruptPath = _temp.File("corrupt.cdb");
        var checksumMismatches = 0;

        for (var offset = 0; offset < bytes.Length; offset++)
        {
            foreach (var bit in new byte[] { 0x01, 0x80 })
            {
                var corrupt = (byte[])bytes.Clone();
                corrupt[offset] ^= bit;
                File.WriteAllBytes(corruptPath, corrupt);
                var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(corruptPath));
                Assert.Contains(corruptPath, e.Message, StringComparison.Ordinal);
                if (e.Message.Contains("checksum mismatch", StringComparison.Ordinal))
                {
                    checksumMismatches++;
                }
            }
        }

        // Everything but the magic, version, flags and declared length (checked first, with their own messages) is caught by the checksum,
        // whatever the flip does to the structure on the way.
        Assert.Equal(2 * (bytes.Length - 24), checksumMismatches);
    }

    [Theory]
    [InlineData(8, 0x02, "has format version 2")]
    [InlineData(12, 0x01, "uses flags 0x00000001")]
    [InlineData(0, (byte)'X', "bad magic")]
    public void Read_BadHeaderField_ThrowsSayingWhich(int offset, byte value, string expected)
    {
        var path = WriteSmallFile("data.cdb");
        var bytes = File.ReadAllBytes(path);
        bytes[offset] = value;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BytesAppended_ThrowsCorrupt()
    {
        var path = WriteSmallFile("data.cdb");
        File.AppendAllText(path, "extra");

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains("5 unexpected bytes follow its declared end", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> StructurallyBadFiles() => new()
    {
        { "unknown kind 7", RawCdb.Build(1, w => RawCdb.Table(w, "t", 7, 0)) },
        { "table 't' appears twice", RawCdb.Build(2, w => { RawCdb.Table(w, "t", 0, 0); RawCdb.Table(w, "t", 1, 0); }) },
        { "a name of 0 bytes", RawCdb.Build(1, w => { RawCdb.Table(w, "", 1, 1); RawCdb.Blob(w, [0xc0]); }) },
        { "a name of 257 bytes", RawCdb.Build(1, w => RawCdb.Table(w, new string('n', 257), 1, 0)) },
        { "is not valid UTF-8", RawCdb.Build(1, w => RawCdb.Table(w, [0x74, 0xff], 1, 0)) },
        { "announces 5 tables", RawCdb.Build(5, w => RawCdb.Table(w, "t", 1, 0)) },
        { "announces 1000 entries", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1000); RawCdb.Blob(w, [0xc0]); }) },
        { "entry 1: the key appears twice", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 0, 2); RawCdb.Blob(w, [0x01]); RawCdb.Blob(w, [0xc0]); RawCdb.Blob(w, [0x01]); RawCdb.Blob(w, [0xc3]); }) },
        { "not one canonically encoded", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 0, 1); RawCdb.Blob(w, [0xd3, 0, 0, 0, 0, 0, 0, 0, 1]); RawCdb.Blob(w, [0xc0]); }) },
        { "not one canonically encoded", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 0, 1); RawCdb.Blob(w, [0x01, 0x02]); RawCdb.Blob(w, [0xc0]); }) },
        { "not in its shortest encoding", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 0, 1); RawCdb.Blob(w, [0xd9, 0x01, 0x61]); RawCdb.Blob(w, [0xc0]); }) },
        { "a key must be a string or an integer", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 0, 1); RawCdb.Blob(w, [0xc0]); RawCdb.Blob(w, [0xc0]); }) },
        { "the value is not valid MessagePack", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1); RawCdb.Blob(w, [0xc1]); }) },
        { "the value is not valid MessagePack", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1); RawCdb.Blob(w, [0x92, 0x01]); }) },
        { "1 bytes after its MessagePack object", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1); RawCdb.Blob(w, [0xc0, 0xc0]); }) },
        { "a value of 0 bytes", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1); RawCdb.Blob(w, []); w.Write(new byte[4]); }) },
        { "a value of 4000000000 bytes", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1); w.Write(4_000_000_000u); w.Write(new byte[8]); }) },
        { "nested deeper than 64", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 1); RawCdb.Blob(w, [.. Enumerable.Repeat((byte)0x91, 70), 0xc0]); }) },
        { "3 unexpected bytes follow the last table", RawCdb.Build(1, w => { RawCdb.Table(w, "t", 1, 0); w.Write(new byte[3]); }) },
    };

    [Theory]
    [MemberData(nameof(StructurallyBadFiles))]
    public void Read_ValidChecksumButBadStructure_ThrowsCorruptSayingWhat(string expected, byte[] file)
    {
        var path = _temp.File("data.cdb");
        File.WriteAllBytes(path, file);

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("is corrupt", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("checksum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HandBuiltValidFile_Loads()
    {
        var path = _temp.File("data.cdb");
        File.WriteAllBytes(path, RawCdb.Build(1, w =>
        {
            RawCdb.Table(w, "t", 0, 2);
            RawCdb.Blob(w, SnapshotTestData.Key(300));
            RawCdb.Blob(w, [0xc3]);
            RawCdb.Blob(w, SnapshotTestData.Key("k"));
            RawCdb.Blob(w, [0x92, 0x01, 0xa1, 0x78]);
        }));

        var loaded = CdbFile.Read(path);

        Assert.True(loaded.TryGet("t", out var table));
        var dict = Assert.IsType<DictTable>(table);
        Assert.True(dict.TryGetValue(SnapshotTestData.Key(300), out var value));
        Assert.Equal([0xc3], value);
        Assert.True(dict.TryGetValue(SnapshotTestData.Key("k"), out value));
        Assert.Equal([0x92, 0x01, 0xa1, 0x78], value);
    }

    [Fact]
    public void Read_CorruptFile_LeavesItUntouched()
    {
        var path = WriteSmallFile("data.cdb");
        var bytes = File.ReadAllBytes(path);
        bytes[^20] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var written = File.GetLastWriteTimeUtc(path);

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Read(path));

        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_FirstSave_KeepsNoBackup()
    {
        var path = WriteSmallFile("data.cdb");

        Assert.False(File.Exists(_temp.File("data_backup.cdb")));
        Assert.Equal(["data.cdb"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
        Assert.Equal(1, CdbFile.Read(path).Count);
    }

    [Fact]
    public void Write_SecondSave_KeepsThePreviousFileAsBackup()
    {
        var path = _temp.File("data.cdb");
        var first = SnapshotTestData.CreateMixed(100, 10, seed: 1);
        var second = SnapshotTestData.CreateMixed(50, 5, seed: 2);

        CdbFile.Write(DatabaseSnapshot.Capture(first), path);
        var firstBytes = File.ReadAllBytes(path);
        CdbFile.Write(DatabaseSnapshot.Capture(second), path);

        var backup = _temp.File("data_backup.cdb");
        Assert.Equal(firstBytes, File.ReadAllBytes(backup));
        SnapshotTestData.AssertSameContent(first, CdbFile.Read(backup));
        SnapshotTestData.AssertSameContent(second, CdbFile.Read(path));
        Assert.Equal(["data.cdb", "data_backup.cdb"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_ThirdSave_BackupIsTheSecondAndStaysIntactWhenTheMainFileIsReplaced()
    {
        var path = _temp.File("data.cdb");
        var backup = _temp.File("data_backup.cdb");
        var databases = Enumerable.Range(1, 3).Select(seed => SnapshotTestData.CreateMixed(20 * seed, seed, seed)).ToArray();

        foreach (var database in databases)
        {
            CdbFile.Write(DatabaseSnapshot.Capture(database), path);
        }

        SnapshotTestData.AssertSameContent(databases[1], CdbFile.Read(backup));
        SnapshotTestData.AssertSameContent(databases[2], CdbFile.Read(path));
    }

    [Fact]
    public void Write_OverATornMainFile_KeepsTheGoodBackup()
    {
        var path = _temp.File("data.cdb");
        var backup = _temp.File("data_backup.cdb");
        var a = SnapshotTestData.CreateMixed(10, 1, seed: 1);
        var b = SnapshotTestData.CreateMixed(20, 2, seed: 2);
        var c = SnapshotTestData.CreateMixed(30, 3, seed: 3);
        CdbFile.Write(DatabaseSnapshot.Capture(a), path);
        CdbFile.Write(DatabaseSnapshot.Capture(b), path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); // torn by something other than CyberDb

        CdbFile.Write(DatabaseSnapshot.Capture(c), path);

        SnapshotTestData.AssertSameContent(a, CdbFile.Read(backup));
        SnapshotTestData.AssertSameContent(c, CdbFile.Read(path));
    }

    [Fact]
    public void WriteRead_LeftoversOfACrashedSave_DoNotBreakTheNextSaveOrLoad()
    {
        var path = _temp.File("data.cdb");
        var first = SnapshotTestData.CreateMixed(100, 10, seed: 1);
        CdbFile.Write(DatabaseSnapshot.Capture(first), path);

        // A save that died half-way: a torn temp file, and a staged backup link that was never renamed.
        var torn = File.ReadAllBytes(path)[..50];
        File.WriteAllBytes(path + ".tmp", torn);
        File.WriteAllBytes(_temp.File("data_backup.cdb.tmp"), torn);
        SnapshotTestData.AssertSameContent(first, CdbFile.Read(path));

        var second = SnapshotTestData.CreateMixed(60, 6, seed: 2);
        CdbFile.Write(DatabaseSnapshot.Capture(second), path);

        SnapshotTestData.AssertSameContent(second, CdbFile.Read(path));
        SnapshotTestData.AssertSameContent(first, CdbFile.Read(_temp.File("data_backup.cdb")));
        Assert.Equal(["data.cdb", "data_backup.cdb"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_TempFileCannotBeCreated_ThrowsAndLeavesThePreviousFile()
    {
        var path = _temp.File("data.cdb");
        var first = SnapshotTestData.CreateMixed(100, 10, seed: 1);
        CdbFile.Write(DatabaseSnapshot.Capture(first), path);
        var before = File.ReadAllBytes(path);
        Directory.CreateDirectory(path + ".tmp"); // the temp file's name is taken by a folder

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Write(DatabaseSnapshot.Capture(SnapshotTestData.CreateMixed(5, 5)), path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot save", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(_temp.File("data_backup.cdb")));
    }

    [Fact]
    public void Write_MissingFolder_ThrowsNamingTheFile()
    {
        var path = _temp.File(Path.Combine("no-such-folder", "data.cdb"));

        var e = Assert.Throws<CyberDbException>(() => CdbFile.Write(DatabaseSnapshot.Capture(new Database()), path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_RelativePath_WritesNextToTheWorkingDirectory()
    {
        var database = SnapshotTestData.CreateMixed(10, 1);
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _temp.Path;
        try
        {
            CdbFile.Write(DatabaseSnapshot.Capture(database), "relative.cdb");
            CdbFile.Write(DatabaseSnapshot.Capture(database), "relative.cdb");
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        SnapshotTestData.AssertSameContent(database, CdbFile.Read(_temp.File("relative.cdb")));
        Assert.True(File.Exists(_temp.File("relative_backup.cdb")));
    }

    [Fact]
    public void Write_FsyncedDirectory_DoesNotFailOnThisFileSystem()
    {
        var stopwatch = Stopwatch.StartNew();

        NativeFileSystem.FsyncDirectory(_temp.Path);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        if (OperatingSystem.IsLinux())
        {
            Assert.Throws<IOException>(() => NativeFileSystem.FsyncDirectory(_temp.File("missing")));
        }
    }

    private string WriteSmallFile(string name)
    {
        var database = new Database();
        var dict = new DictTable("small");
        dict.Set(SnapshotTestData.Key(1), SnapshotTestData.Key("one"));
        dict.Set(SnapshotTestData.Key("two"), SnapshotTestData.Pack((ref w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(2.5);
            w.WriteNil();
        }));
        database.TryAdd(dict);
        var path = _temp.File(name);
        CdbFile.Write(DatabaseSnapshot.Capture(database), path);
        return path;
    }
}
