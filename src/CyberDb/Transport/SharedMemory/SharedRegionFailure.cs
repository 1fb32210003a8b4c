namespace CyberDb.Transport.SharedMemory;

/// <summary>What went wrong with a shared-memory region or ring; carried by <see cref="SharedRegionException"/>.</summary>
/// <remarks>Stored values are pinned by a test: integrators may log or switch on them.</remarks>
internal enum SharedRegionFailure
{
    /// <summary>The region file does not exist.</summary>
    NotFound = 1,

    /// <summary>The file does not start with the CyberDb region magic.</summary>
    BadMagic = 2,

    /// <summary>The file has a layout version this build does not speak.</summary>
    UnsupportedVersion = 3,

    /// <summary>Header fields contradict each other or the file size, or a ring holds an impossible length.</summary>
    Corrupt = 4,

    /// <summary>The file is readable or writable by someone other than its owner (mode is not 0600).</summary>
    InsecureMode = 5,

    /// <summary>Open: the owner process has exited (or closed the region, or its pid was reused).</summary>
    OwnerDead = 6,

    /// <summary>Create: a live owner process already holds this path.</summary>
    OwnerAlive = 7,

    /// <summary>Open: the region's generation is not the one the caller was told to expect.</summary>
    GenerationMismatch = 8,

    /// <summary>A blocking ring call gave up because the peer process is gone.</summary>
    PeerDead = 9,
}
