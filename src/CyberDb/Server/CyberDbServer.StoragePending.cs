namespace CyberDb;

// Temporary: stands in for CyberDbServer.Storage.cs until src/CyberDb/Storage lands.
public sealed partial class CyberDbServer
{
    private static void StartBackupTimer()
    {
    }

    private static void StopBackupTimer()
    {
    }

    private static void SaveFinalBackup()
    {
    }
}
