using System.Text;
using CyberDb.Protocol;

namespace CyberDb.Storage;

/// <summary>Saving: see the remarks of <see cref="CdbFile"/>.</summary>
internal static partial class CdbFile
{
    /// <summary>
    /// Writes <paramref name="snapshot"/> to <paramref name="path"/> atomically, keeping the previous
    /// file as its backup. Call off the executor thread.
    /// </summary>
    /// <exception cref="CyberDbException">The file could not be written (disk full, no permission, missing folder); <paramref name="path"/> is as it was.</exception>
    public static void Write(DatabaseSnapshot snapshot, string path)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var tempPath = fullPath + TempSuffix;
        var names = EncodeNames(snapshot, fullPath);
        try
        {
            WriteTemp(snapshot, names, tempPath);
            KeepBackup(fullPath);
            File.Move(tempPath, fullPath, overwrite: true);
            NativeFileSystem.FsyncDirectory(Path.GetDirectoryName(fullPath)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tempPath);
            throw new CyberDbException($"Cannot save {Describe(fullPath)}: {e.Message}", e);
        }
    }

    private static byte[][] EncodeNames(DatabaseSnapshot snapshot, string fullPath)
    {
        var names = new byte[snapshot.TableCount][];
        for (var i = 0; i < names.Length; i++)
        {
            var name = snapshot.Tables[i].Name;
            names[i] = Encoding.UTF8.GetBytes(name);
            if (names[i].Length is 0 or > ProtocolLimits.MaxTableNameBytes)
            {
                // The engine never creates such a name; refuse rather than write a file no one can load.
                throw new CyberDbException($"Cannot save {Describe(fullPath)}: table name '{name}' is not 1 to {ProtocolLimits.MaxTableNameBytes} UTF-8 bytes");
            }
        }

        return names;
    }

    private static void WriteTemp(DatabaseSnapshot snapshot, byte[][] names, string tempPath)
    {
        var fileLength = MeasureFileLength(snapshot, names);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0, // CdbWriter buffers (and hashes) in 1 MiB chunks; a second buffer would only copy
            PreallocationSize = fileLength,
        };

        using var stream = new FileStream(tempPath, options);
        using var writer = new CdbWriter(stream);
        writer.WriteHeader((ulong)snapshot.TableCount, (ulong)fileLength);
        for (var t = 0; t < names.Length; t++)
        {
            var table = snapshot.Tables[t];
            writer.WriteTableHeader(names[t], table.Kind, (ulong)table.Count);
            var values = table.Values;
            if (table.Kind == CyberTableKind.CyberDict)
            {
                var keys = table.Keys;
                for (var i = 0; i < values.Length; i++)
                {
                    writer.WriteBlob(keys[i]);
                    writer.WriteBlob(values[i]);
                }
            }
            else
            {
                foreach (var value in values)
                {
                    writer.WriteBlob(value);
                }
            }
        }

        writer.Finish();
        if (writer.Position != fileLength)
        {
            // Only a bug can get here (the snapshot is immutable); never rename such a file into place.
            throw new InvalidOperationException($"wrote {writer.Position} bytes to {tempPath}, but its header declares {fileLength}");
        }

        stream.Flush(flushToDisk: true);
    }

    private static long MeasureFileLength(DatabaseSnapshot snapshot, byte[][] names)
    {
        long length = CdbFormat.HeaderSize + CdbFormat.TrailerSize;
        for (var t = 0; t < names.Length; t++)
        {
            var table = snapshot.Tables[t];
            length += CdbFormat.TableHeaderSize(names[t].Length);
            if (table.Kind == CyberTableKind.CyberDict)
            {
                foreach (var key in table.Keys)
                {
                    length += CdbFormat.LengthPrefixSize + key.Length;
                }
            }

            foreach (var value in table.Values)
            {
                length += CdbFormat.LengthPrefixSize + value.Length;
            }
        }

        return length;
    }

    /// <summary>Makes the current <paramref name="fullPath"/> the backup, without ever leaving the backup torn.</summary>
    private static void KeepBackup(string fullPath)
    {
        if (!LooksComplete(fullPath))
        {
            return;
        }

        var backupPath = BackupPathFor(fullPath);
        var stagingPath = backupPath + TempSuffix;
        File.Delete(stagingPath); // a leftover of a crashed save
        if (!NativeFileSystem.TryHardLink(fullPath, stagingPath))
        {
            File.Copy(fullPath, stagingPath, overwrite: true);
            using var copy = new FileStream(stagingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            copy.Flush(flushToDisk: true);
        }

        File.Move(stagingPath, backupPath, overwrite: true);
    }

    /// <summary>Whether the file exists and its header says it is a whole snapshot (not a full validation).</summary>
    private static bool LooksComplete(string fullPath)
    {
        try
        {
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            Span<byte> header = stackalloc byte[CdbFormat.HeaderSize];
            return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
                && TryParseHeader(header, out var version, out _, out _, out var declaredLength)
                && version == CdbFormat.Version
                && declaredLength == (ulong)stream.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // missing or unreadable: nothing to keep
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next save overwrites it, and a load never looks at it.
        }
    }
}
