namespace CyberDb.Cli.Serve;

/// <summary>
/// TEMPORARY: stands in for <c>CyberDbServer.LoadDb</c>, <c>SetBackup</c> and <c>SetIpWhitelist</c>
/// while they are still landing in the library. An instance method always wins over an extension
/// method, so once the real ones compile these are never called; delete this file then.
/// </summary>
internal static class PendingServerFeatures
{
    public static void LoadDb(this CyberDbServer server, string path) =>
        throw new CyberDbException($"cannot load {path}: this build of CyberDb has no snapshot storage yet");

    public static void SetBackup(this CyberDbServer server, string path, TimeSpan? cycle) =>
        throw new CyberDbException($"cannot back up to {path}: this build of CyberDb has no snapshot storage yet");

    public static void SetIpWhitelist(this CyberDbServer server, IEnumerable<string> entries) =>
        throw new CyberDbException("this build of CyberDb has no IP whitelist yet");
}
