using System.Diagnostics;
using System.Globalization;
using CyberDb.Engine;
using CyberDb.Storage;
using Xunit.Abstractions;

namespace CyberDb.Tests.Storage;

/// <summary>
/// Capture, write and read times for 1,000,000 dict entries of 100-byte values, printed. Run with
/// <c>CYBERDB_MEASURE=1 dotnet test CyberDb.sln -c Release --no-build --filter Category=Measure
/// --logger "console;verbosity=detailed"</c>. Only correctness is asserted: timings on a shared
/// 2-core machine are too noisy to gate a build on.
/// </summary>
[Trait("Category", "Measure")]
public sealed class CdbFileMeasurements : IDisposable
{
    private const int Entries = 1_000_000;
    private const int ValueBytes = 100;

    private readonly TempDirectory _temp = new();
    private readonly ITestOutputHelper _output;

    public CdbFileMeasurements(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _temp.Dispose();

    [MeasureFact]
    public void WriteRead_1MillionEntriesOf100Bytes_PrintsTimings()
    {
        var database = new Database();
        var table = new DictTable("bench");
        var random = new Random(3);
        for (var i = 0; i < Entries; i++)
        {
            // A 100-byte MessagePack value: bin8 header (2 bytes) and 98 random bytes.
            var value = new byte[ValueBytes];
            value[0] = 0xc4;
            value[1] = ValueBytes - 2;
            random.NextBytes(value.AsSpan(2));
            table.Set(SnapshotTestData.Key("key:" + i.ToString(CultureInfo.InvariantCulture)), value);
        }

        database.TryAdd(table);
        var path = _temp.File("measure.cdb");

        var stopwatch = Stopwatch.StartNew();
        var snapshot = DatabaseSnapshot.Capture(database);
        var capture = stopwatch.Elapsed;

        stopwatch.Restart();
        CdbFile.Write(snapshot, path);
        var write = stopwatch.Elapsed;
        var fileBytes = new FileInfo(path).Length;

        // A second save: the one that also keeps a backup (a hard link, no copy).
        stopwatch.Restart();
        CdbFile.Write(snapshot, path);
        var rewrite = stopwatch.Elapsed;

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        stopwatch.Restart();
        var loaded = CdbFile.Read(path);
        var read = stopwatch.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.True(loaded.TryGet("bench", out var loadedTable));
        Assert.Equal(Entries, loadedTable.Count);
        Assert.Equal(Entries, snapshot.EntryCount);

        var megabytes = fileBytes / (1024.0 * 1024.0);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Entries:N0} entries, {ValueBytes}-byte values, file {fileBytes:N0} bytes ({megabytes:F1} MiB)"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"capture {capture.TotalMilliseconds:F1} ms"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"write   {write.TotalMilliseconds:F0} ms ({megabytes / write.TotalSeconds:F0} MiB/s), incl. fsync"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rewrite {rewrite.TotalMilliseconds:F0} ms ({megabytes / rewrite.TotalSeconds:F0} MiB/s), incl. fsync and backup link"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read    {read.TotalMilliseconds:F0} ms ({megabytes / read.TotalSeconds:F0} MiB/s), allocated {allocated / (1024.0 * 1024.0):F0} MiB"));
    }
}
