using System.Buffers.Binary;
using System.Text;
using CyberDb.Engine;
using CyberDb.Protocol;

namespace CyberDb.Storage;

/// <summary>Loading: see the remarks of <see cref="CdbFile"/>.</summary>
internal static partial class CdbFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates a whole snapshot file into a new <see cref="Database"/>; the caller swaps it in.</summary>
    /// <exception cref="CyberDbException">The file is missing, unreadable, not a snapshot, truncated or corrupt; the message names it and says which.</exception>
    public static Database Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read,
                BufferSize = 0, // CdbReader buffers in 1 MiB chunks
                Options = FileOptions.SequentialScan,
            };

            using var stream = new FileStream(fullPath, options);
            return ReadFrom(stream, fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CyberDbException($"{Describe(fullPath)} does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CyberDbException($"Cannot read {Describe(fullPath)}: {e.Message}", e);
        }
    }

    /// <summary>Reads the fixed header fields after the magic; false when <paramref name="header"/> does not start with the magic.</summary>
    private static bool TryParseHeader(ReadOnlySpan<byte> header, out uint version, out uint flags, out ulong tableCount, out ulong fileLength)
    {
        var magic = header[CdbFormat.MagicOffset..(CdbFormat.MagicOffset + CdbFormat.MagicSize)];
        version = BinaryPrimitives.ReadUInt32LittleEndian(header[CdbFormat.VersionOffset..]);
        flags = BinaryPrimitives.ReadUInt32LittleEndian(header[CdbFormat.FlagsOffset..]);
        tableCount = BinaryPrimitives.ReadUInt64LittleEndian(header[CdbFormat.TableCountOffset..]);
        fileLength = BinaryPrimitives.ReadUInt64LittleEndian(header[CdbFormat.FileLengthOffset..]);
        return magic.SequenceEqual(CdbFormat.Magic);
    }

    private static Database ReadFrom(FileStream stream, string fullPath)
    {
        var length = stream.Length;
        Span<byte> header = stackalloc byte[CdbFormat.HeaderSize];
        var got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);

        // A prefix of the magic is a truncated snapshot; anything else is some other file.
        var magicBytes = Math.Min(got, CdbFormat.MagicSize);
        if (!header[..magicBytes].SequenceEqual(CdbFormat.Magic[..magicBytes]))
        {
            throw Invalid(fullPath, "is not a CyberDb snapshot (bad magic)");
        }

        if (got < CdbFormat.HeaderSize)
        {
            throw Invalid(fullPath, $"is truncated: {length} bytes, less than the {CdbFormat.MinFileSize} of an empty snapshot");
        }

        TryParseHeader(header, out var version, out var flags, out var tableCount, out var declaredLength);
        if (version != CdbFormat.Version)
        {
            throw Invalid(fullPath, $"has format version {version}; this CyberDb reads version {CdbFormat.Version}");
        }

        if ((flags & ~CdbFormat.KnownFlags) != 0)
        {
            throw Invalid(fullPath, $"uses flags 0x{flags:x8} that this CyberDb does not know");
        }

        if (declaredLength < CdbFormat.MinFileSize)
        {
            throw Invalid(fullPath, $"is corrupt: its header declares {declaredLength} bytes, less than the {CdbFormat.MinFileSize} of an empty snapshot");
        }

        if ((ulong)length < declaredLength)
        {
            throw Invalid(fullPath, $"is truncated: {length} of {declaredLength} bytes");
        }

        if ((ulong)length > declaredLength)
        {
            throw Invalid(fullPath, $"is corrupt: {(ulong)length - declaredLength} unexpected bytes follow its declared end at {declaredLength}");
        }

        Span<byte> trailer = stackalloc byte[CdbFormat.TrailerSize];
        stream.Position = length - CdbFormat.TrailerSize;
        stream.ReadExactly(trailer);
        var storedChecksum = BinaryPrimitives.ReadUInt64LittleEndian(trailer);
        stream.Position = 0;

        using var reader = new CdbReader(stream, length);
        Database database;
        try
        {
            reader.ReadSpan(CdbFormat.HeaderSize); // checked above; consumed here so that it is hashed
            database = ReadTables(reader, tableCount);
        }
        catch (InvalidDataException e)
        {
            // Bad structure: most likely bytes that changed on disk, which the checksum tells.
            try
            {
                reader.SkipToTrailer();
            }
            catch (InvalidDataException)
            {
                throw Invalid(fullPath, $"is corrupt: {e.Message}", e);
            }

            throw reader.ComputedChecksum != storedChecksum
                ? ChecksumMismatch(fullPath, storedChecksum, reader.ComputedChecksum, e)
                : Invalid(fullPath, $"is corrupt: {e.Message}", e);
        }

        if (reader.ComputedChecksum != storedChecksum)
        {
            throw ChecksumMismatch(fullPath, storedChecksum, reader.ComputedChecksum, null);
        }

        return database;
    }

    private static Database ReadTables(CdbReader reader, ulong tableCount)
    {
        // Each table takes at least its fixed part and a one-byte name: a larger count is a lie.
        if (tableCount > (ulong)(reader.Remaining / CdbFormat.TableHeaderSize(1)))
        {
            throw new InvalidDataException($"the header announces {tableCount} tables, more than the {reader.Remaining} bytes of the file can hold");
        }

        var database = new Database();
        var scratch = new KeyScratch();
        for (ulong t = 0; t < tableCount; t++)
        {
            if (reader.Remaining < CdbFormat.LengthPrefixSize)
            {
                throw RunsPastEnd(reader, CdbFormat.LengthPrefixSize, $"table {t}");
            }

            var nameLength = reader.ReadUInt32();
            if (nameLength is 0 or > ProtocolLimits.MaxTableNameBytes)
            {
                throw new InvalidDataException($"table {t} has a name of {nameLength} bytes (1 to {ProtocolLimits.MaxTableNameBytes} allowed)");
            }

            if (reader.Remaining < nameLength + CdbFormat.KindSize + CdbFormat.EntryCountSize)
            {
                throw RunsPastEnd(reader, nameLength + CdbFormat.KindSize + CdbFormat.EntryCountSize, $"table {t}");
            }

            string name;
            try
            {
                name = StrictUtf8.GetString(reader.ReadSpan((int)nameLength));
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException($"the name of table {t} is not valid UTF-8");
            }

            var kind = reader.ReadByte();
            var count = reader.ReadUInt64();
            Table table = kind switch
            {
                CdbFormat.DictKind => ReadDict(reader, name, count, scratch),
                CdbFormat.ListKind => ReadList(reader, name, count),
                _ => throw new InvalidDataException($"table '{name}' has unknown kind {kind}"),
            };

            if (!database.TryAdd(table))
            {
                throw new InvalidDataException($"table '{name}' appears twice");
            }
        }

        if (reader.Remaining != 0)
        {
            throw new InvalidDataException($"{reader.Remaining} unexpected bytes follow the last table");
        }

        return database;
    }

    private static DictTable ReadDict(CdbReader reader, string name, ulong count, KeyScratch scratch)
    {
        CheckCount(reader, name, count, CdbFormat.MinDictEntrySize);
        var table = new DictTable(name);
        for (long i = 0; i < (long)count; i++)
        {
            var keyLength = ReadLength(reader, name, i, "key");
            var key = scratch.Rent(keyLength);
            reader.ReadExactly(key);
            ValidateKey(key, scratch.Canonical, name, i);
            var value = ReadValue(reader, name, i);
            if (!table.TryAdd(key, value))
            {
                throw new InvalidDataException($"table '{name}' entry {i}: the key appears twice");
            }
        }

        return table;
    }

    private static ListTable ReadList(CdbReader reader, string name, ulong count)
    {
        CheckCount(reader, name, count, CdbFormat.MinListEntrySize);
        var table = new ListTable(name);
        table.Items.Capacity = (int)count;
        for (long i = 0; i < (long)count; i++)
        {
            table.Items.Add(ReadValue(reader, name, i));
        }

        return table;
    }

    private static byte[] ReadValue(CdbReader reader, string name, long index)
    {
        var value = new byte[ReadLength(reader, name, index, "value")];
        reader.ReadExactly(value);
        try
        {
            var parser = new SpanReader(value);
            parser.ReadRawObject();
            if (!parser.End)
            {
                throw new InvalidDataException($"table '{name}' entry {index}: the value has {parser.Remaining} bytes after its MessagePack object");
            }
        }
        catch (ProtocolException e)
        {
            throw new InvalidDataException($"table '{name}' entry {index}: the value is not valid MessagePack ({e.Message})", e);
        }

        return value;
    }

    private static void ValidateKey(ReadOnlySpan<byte> key, Span<byte> canonical, string name, long index)
    {
        try
        {
            var parser = new SpanReader(key);
            var canonicalKey = parser.ReadKey(canonical);
            if (!parser.End || !canonicalKey.SequenceEqual(key))
            {
                throw new InvalidDataException($"table '{name}' entry {index}: the key is not one canonically encoded integer or string");
            }
        }
        catch (ProtocolException e)
        {
            throw new InvalidDataException($"table '{name}' entry {index}: the key is not valid ({e.Message})", e);
        }
    }

    /// <summary>Reads a blob's length prefix and checks that the blob fits in what is left.</summary>
    private static int ReadLength(CdbReader reader, string name, long index, string what)
    {
        if (reader.Remaining < CdbFormat.LengthPrefixSize)
        {
            throw RunsPastEnd(reader, CdbFormat.LengthPrefixSize, $"table '{name}' entry {index}");
        }

        var length = reader.ReadUInt32();
        if (length == 0 || length > reader.Remaining || length > Array.MaxLength)
        {
            throw new InvalidDataException($"table '{name}' entry {index}: a {what} of {length} bytes does not fit in the {reader.Remaining} bytes left");
        }

        return (int)length;
    }

    private static void CheckCount(CdbReader reader, string name, ulong count, int minEntrySize)
    {
        if (count > (ulong)(reader.Remaining / minEntrySize) || count > (ulong)Array.MaxLength)
        {
            throw new InvalidDataException($"table '{name}' announces {count} entries, more than the {reader.Remaining} bytes left can hold");
        }
    }

    /// <summary>Only called on the failure path: the message is formatted only then.</summary>
    private static InvalidDataException RunsPastEnd(CdbReader reader, long bytes, string where) =>
        new($"{where} runs past the end of the data ({reader.Remaining} bytes left, {bytes} needed)");

    private static CyberDbException Invalid(string fullPath, string problem, Exception? inner = null) =>
        new($"{Describe(fullPath)} {problem}", inner);

    private static CyberDbException ChecksumMismatch(string fullPath, ulong stored, ulong computed, Exception? inner) =>
        new($"{Describe(fullPath)} is corrupt: checksum mismatch (stored 0x{stored:x16}, computed 0x{computed:x16})", inner);

    /// <summary>Reusable room for one key while it is validated (keys are copied into the table).</summary>
    private sealed class KeyScratch
    {
        private byte[] _key = new byte[256];

        public byte[] Canonical { get; } = new byte[CanonicalInteger.MaxLength];

        public Span<byte> Rent(int length)
        {
            if (length > _key.Length)
            {
                _key = new byte[Math.Max(length, _key.Length * 2)];
            }

            return _key.AsSpan(0, length);
        }
    }
}
