using System.Diagnostics;
using CyberDb.Engine;
using CyberDb.Storage;

namespace CyberDb;

/// <summary>Snapshots: <see cref="SaveDb"/>, <see cref="LoadDb"/> and the periodic backup.</summary>
public sealed partial class CyberDbServer
{
    /// <summary>The seed's default backup cycle: 300 s.</summary>
    public static readonly TimeSpan DefaultBackupCycle = TimeSpan.FromSeconds(300);

    private string? _backupPath;
    private TimeSpan _backupCycle = DefaultBackupCycle;
    private ITimer? _backupTimer;

    /// <summary>Serialises saves, so a backup tick and an explicit save never write the same file at once.</summary>
    private readonly SemaphoreSlim _saving = new(1, 1);

    /// <summary>Replaces all tables with those of a snapshot file; a missing or corrupt file throws and changes nothing.</summary>
    public void LoadDb(string path = "data.cdb")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var loaded = CdbFile.Read(path); // off the executor: parse and validate the whole file first
        var executor = _executor;
        if (executor is null || _stopped)
        {
            _database.ReplaceWith(loaded);
        }
        else
        {
            executor.InvokeAsync(db =>
            {
                db.ReplaceWith(loaded);
                return true;
            }).GetAwaiter().GetResult();
        }

        LogMessages.Loaded(Logger, loaded.Count, path);
    }

    /// <summary>Saves a point-in-time snapshot atomically: a crash mid-save never leaves a torn file.</summary>
    public void SaveDb(string path = "data.cdb")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _saving.Wait();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var snapshot = CaptureSnapshot();
            CdbFile.Write(snapshot, path); // the executor goes on serving while this writes
            LogMessages.Saved(Logger, snapshot.TableCount, path, stopwatch.ElapsedMilliseconds);
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>Saves to <paramref name="path"/> every <paramref name="cycle"/> (default 300 s) while the server runs, and once more when <see cref="Run"/> stops.</summary>
    public void SetBackup(string path = "data.cdb", TimeSpan? cycle = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var period = cycle ?? DefaultBackupCycle;
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(cycle), period, "the backup cycle must be positive");
        }

        lock (_gate)
        {
            _backupPath = path;
            _backupCycle = period;
            if (_tcp is not null && !_stopped)
            {
                StopBackupTimer();
                StartBackupTimer();
            }
        }
    }

    private DatabaseSnapshot CaptureSnapshot()
    {
        var executor = _executor;
        return executor is null || _stopped
            ? DatabaseSnapshot.Capture(_database)
            : executor.InvokeAsync(DatabaseSnapshot.Capture, readOnly: true).GetAwaiter().GetResult();
    }

    /// <summary>Called under <see cref="_gate"/>.</summary>
    private void StartBackupTimer()
    {
        if (_backupPath is null)
        {
            return;
        }

        var path = _backupPath;
        _backupTimer = _timeProvider.CreateTimer(_ => BackupTick(path), null, _backupCycle, _backupCycle);
    }

    /// <summary>Called under <see cref="_gate"/>.</summary>
    private void StopBackupTimer()
    {
        _backupTimer?.Dispose();
        _backupTimer = null;
    }

    private void BackupTick(string path)
    {
        try
        {
            SaveDb(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CyberDbException)
        {
            LogMessages.BackupFailed(Logger, path, e); // the next tick tries again
        }
    }

    private void SaveFinalBackup()
    {
        var path = _backupPath;
        if (path is not null)
        {
            SaveDb(path);
        }
    }
}
