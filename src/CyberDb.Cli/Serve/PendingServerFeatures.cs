namespace CyberDb.Cli.Serve;

/// <summary>
/// TEMPORARY: stands in for <c>CyberDbServer.LoadDb</c> and <c>SetBackup</c> while snapshot
/// storage is still landing in the library. An instance method always wins over an extension
/// method, so once the real ones compile these are never called; delete this file then.
/// </summary>
internal static class PendingServerFeatures
{
    public static void LoadDb(this CyberDbServer server, string path) =>
        throw new CyberDbException($"cannot load {path}: this build of CyberDb has no snapshot storage yet");

    /// <summary>Not supported yet: <c>serve</c> warns and goes on without backups.</summary>
    public static void SetBackup(this CyberDbServer server, string path, TimeSpan? cycle) =>
        throw new NotSupportedException($"this build of CyberDb has no snapshot storage yet; nothing will be saved to {path}");
}
