using System.Buffers.Binary;
using CyberDb.Transport.SharedMemory;
using L = CyberDb.Transport.SharedMemory.SharedRegionLayout;

namespace CyberDb.Tests.Transport.SharedMemory;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedRegionTests : IDisposable
{
    private readonly TempRegionPath _path = new();

    public void Dispose() => _path.Dispose();

    [Fact]
    public void Create_NewPath_FileHasMode0600()
    {
        using var region = SharedRegion.Create(_path.Path, 2, 4096);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path.Path));
        Assert.True(region.IsOwner);
        Assert.Equal(2, region.SlotCount);
        Assert.Equal(4096, region.RingCapacity);
        Assert.Equal(1, region.Generation);
        Assert.Equal(Environment.ProcessId, region.OwnerPid);
        region.Delete();
        Assert.False(File.Exists(_path.Path));
    }

    [Fact]
    public void Create_PathHeldByLiveOwner_ThrowsOwnerAlive()
    {
        using var region = SharedRegion.Create(_path.Path, 1, 4096);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Create(_path.Path, 1, 4096));
        Assert.Equal(SharedRegionFailure.OwnerAlive, e.Failure);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.True(region.IsOwnerAlive()); // the refused Create left the live region alone
    }

    [Fact]
    public void Create_AfterCleanDelete_StartsAtGenerationOne()
    {
        SharedRegion.Create(_path.Path, 1, 4096).Delete();
        using var region = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.Equal(1, region.Generation);
    }

    [Fact]
    public void Create_OverClosedButUndeletedRegion_BumpsGeneration()
    {
        // A region whose owner marked it closed is stale even though the owner (we) still runs.
        using (var first = SharedRegion.Create(_path.Path, 1, 4096))
        {
            MarkClosed(_path.Path);
        }

        using var second = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.Equal(2, second.Generation);
    }

    [Fact]
    public void Create_GarbageFile_ReplacesIt()
    {
        File.WriteAllBytes(_path.Path, new byte[100]);
        using var region = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.Equal(1, region.Generation);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path.Path));
    }

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(L.MaxSlotCount + 1, 4096)]
    [InlineData(1, 64)]
    [InlineData(1, 4095)]
    public void Create_InvalidSizes_ThrowsArgumentOutOfRange(int slots, int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedRegion.Create(_path.Path, slots, capacity));
        Assert.False(File.Exists(_path.Path));
    }

    [Fact]
    public void Open_LiveRegion_SeesOwnerHeader()
    {
        using var owner = SharedRegion.Create(_path.Path, 3, 8192);
        using var client = SharedRegion.Open(_path.Path, expectedGeneration: 1);
        Assert.False(client.IsOwner);
        Assert.Equal(3, client.SlotCount);
        Assert.Equal(8192, client.RingCapacity);
        Assert.Equal(owner.OwnerStartTime, client.OwnerStartTime);
        Assert.True(client.IsOwnerAlive());
    }

    [Fact]
    public void Open_MissingFile_ThrowsNotFound()
    {
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.NotFound, e.Failure);
        Assert.Contains(_path.Path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_BadMagic_ThrowsBadMagicWithClearMessage()
    {
        File.WriteAllBytes(_path.Path, new byte[L.TotalSize(1, 4096)]);
        File.SetUnixFileMode(_path.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.BadMagic, e.Failure);
        Assert.Contains("not a CyberDb shared-memory region", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TinyFile_ThrowsBadMagic()
    {
        File.WriteAllBytes(_path.Path, [1, 2, 3]);
        File.SetUnixFileMode(_path.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.BadMagic, e.Failure);
    }

    [Fact]
    public void Open_WrongVersion_ThrowsUnsupportedVersionNamingBoth()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        PatchInt32(_path.Path, L.LayoutVersionOffset, 99);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.UnsupportedVersion, e.Failure);
        Assert.Contains("version 99", e.Message, StringComparison.Ordinal);
        Assert.Contains($"version {L.LayoutVersion}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_InconsistentHeader_ThrowsCorrupt()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        PatchInt32(_path.Path, L.SlotCountOffset, 1000);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.Corrupt, e.Failure);
    }

    [Fact]
    public void Open_ModeNot0600_ThrowsInsecureMode()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        File.SetUnixFileMode(_path.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.InsecureMode, e.Failure);
        Assert.Contains("640", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongGeneration_ThrowsGenerationMismatch()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path, expectedGeneration: 7));
        Assert.Equal(SharedRegionFailure.GenerationMismatch, e.Failure);
    }

    [Fact]
    public void Open_ClosedRegion_ThrowsOwnerDead()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        MarkClosed(_path.Path);
        var e = Assert.Throws<SharedRegionException>(() => SharedRegion.Open(_path.Path));
        Assert.Equal(SharedRegionFailure.OwnerDead, e.Failure);
    }

    [Fact]
    public void Delete_ClientMappingStaysReadable_AndSeesOwnerGone()
    {
        var owner = SharedRegion.Create(_path.Path, 1, 4096);
        using var client = SharedRegion.Open(_path.Path);
        Assert.True(client.IsOwnerAlive());
        owner.Delete();
        Assert.False(File.Exists(_path.Path));
        Assert.False(client.IsOwnerAlive());
        Assert.Equal(4096, client.RingCapacity);
    }

    [Fact]
    public void TryClaimSlot_AllTaken_ReturnsFalse_ReleaseFreesOneWithNewGeneration()
    {
        using var owner = SharedRegion.Create(_path.Path, 2, 4096);
        using var client = SharedRegion.Open(_path.Path);
        var pid = Environment.ProcessId;
        Assert.True(owner.TryClaimSlot(pid, out var a, out var generationA));
        Assert.True(owner.TryClaimSlot(pid, out var b, out _));
        Assert.NotEqual(a, b);
        Assert.False(owner.TryClaimSlot(pid, out var none, out _));
        Assert.Equal(-1, none);

        Assert.True(client.IsSlotClaimedBy(a, pid, generationA));
        Assert.True(owner.IsSlotClientAlive(a));
        owner.ReleaseSlot(a);
        Assert.False(client.IsSlotClaimedBy(a, pid, generationA));
        Assert.False(owner.IsSlotClientAlive(a));

        Assert.True(owner.TryClaimSlot(pid, out var again, out var generationAgain));
        Assert.Equal(a, again);
        Assert.Equal(generationA + 1, generationAgain);
        Assert.False(client.IsSlotClaimedBy(a, pid, generationA));
        Assert.True(client.IsSlotClaimedBy(a, pid, generationAgain));
    }

    [Fact]
    public void TryClaimSlot_ResetsRingsLeftByThePreviousClient()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.True(owner.TryClaimSlot(Environment.ProcessId, out var slot, out _));
        var (requests, _) = owner.CreateClientRings(slot);
        Assert.True(requests.TryWrite([1, 2, 3]));
        owner.ReleaseSlot(slot);

        Assert.True(owner.TryClaimSlot(Environment.ProcessId, out slot, out _));
        var (executorRequests, _) = owner.CreateExecutorRings(slot);
        Assert.False(executorRequests.HasData);
    }

    [Fact]
    public void TryClaimSlot_OnClient_ThrowsInvalidOperation()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        using var client = SharedRegion.Open(_path.Path);
        Assert.Throws<InvalidOperationException>(() => client.TryClaimSlot(Environment.ProcessId, out _, out _));
        Assert.Throws<InvalidOperationException>(client.Delete);
    }

    [Fact]
    public void TryClaimSlot_DeadPid_ThrowsArgumentException()
    {
        using var owner = SharedRegion.Create(_path.Path, 1, 4096);
        Assert.Throws<ArgumentException>(() => owner.TryClaimSlot(int.MaxValue, out _, out _));
    }

    private static void MarkClosed(string path) => PatchInt32(path, L.OwnerClosedOffset, 1);

    private static void PatchInt32(string path, int offset, int value)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        RandomAccess.Write(handle, bytes, offset);
    }
}
