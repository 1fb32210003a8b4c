namespace CyberDb.Storage;

/// <summary>
/// Saves and loads <c>.cdb</c> snapshot files (layout in <see cref="CdbFormat"/>).
/// </summary>
/// <remarks>
/// <para><b>Save</b> (<see cref="Write"/>, off the executor thread, from a <see cref="DatabaseSnapshot"/>):</para>
/// <list type="number">
/// <item>Stream the snapshot to <c>path.tmp</c> through a 1 MiB buffer, hashing as it goes, and
/// fsync it. A leftover <c>.tmp</c> of a crashed save is simply overwritten.</item>
/// <item>If <c>path</c> holds a complete snapshot (header checked: magic, version, length), make it
/// the backup <c>name_backup.ext</c>: hard-link it as <c>name_backup.ext.tmp</c> (or copy and fsync
/// where links are not available), then rename that over the backup. <c>path</c> is untouched, so it
/// stays valid throughout; a torn or foreign <c>path</c> never replaces a good backup.</item>
/// <item>Rename <c>path.tmp</c> over <c>path</c> (atomic) and fsync the directory so that the
/// renames survive a power cut.</item>
/// </list>
/// <para>At every instant <c>path</c> is a complete file (the old or the new one) or, if it never
/// existed, absent; the backup is complete or absent. Callers serialise saves to one path
/// (<c>CyberDbServer</c> does); two concurrent saves to the same path would share the temporary file.</para>
/// <para><b>Load</b> (<see cref="Read"/>) builds a new <see cref="Engine.Database"/> and never touches
/// the live one. It checks the magic, version, flags and declared length first (so a short file is
/// reported as truncated), then streams the tables, checking every length against what is left before
/// it reads, every key (canonical MessagePack integer or string) and value (exactly one well-formed
/// object, nesting bounded) with <see cref="Protocol.SpanReader"/>, table kinds, duplicate table names
/// and keys, and finally the checksum. When the structure is bad and the checksum is bad too, the error
/// says checksum mismatch (the likelier story: bytes changed on disk). Every failure is a
/// <see cref="CyberDbException"/> that names the file; the file itself is only ever read.</para>
/// </remarks>
internal static partial class CdbFile
{
    /// <summary>Appended to a file name for the file being written (<c>data.cdb.tmp</c>).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Inserted before the extension of the backup (<c>data.cdb</c> → <c>data_backup.cdb</c>).</summary>
    public const string BackupSuffix = "_backup";

    /// <summary>Where the previous file is kept: <c>dir/data.cdb</c> → <c>dir/data_backup.cdb</c>.</summary>
    public static string BackupPathFor(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? string.Empty;
        var name = Path.GetFileNameWithoutExtension(fullPath) + BackupSuffix + Path.GetExtension(fullPath);
        return Path.Join(directory, name);
    }

    private static string Describe(string fullPath) => $"Snapshot file '{fullPath}'";
}
