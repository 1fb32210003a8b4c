namespace CyberDb.Cli.Serve;

/// <summary>Defaults of the server's methods that <see cref="CyberDbServerOptions"/> does not carry.</summary>
internal static class CyberDbServerDefaults
{
    /// <summary>The seed's <c>set_backup</c> cycle, as <c>CyberDbServer.SetBackup</c>'s default.</summary>
    public static readonly TimeSpan BackupCycle = TimeSpan.FromSeconds(300);
}
