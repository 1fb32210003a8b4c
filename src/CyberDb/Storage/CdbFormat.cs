using System.Buffers.Binary;

namespace CyberDb.Storage;

/// <summary>
/// The layout of a <c>.cdb</c> snapshot file, format version 1. All integers are little-endian.
/// <code>
/// Header (32 bytes)
///  offset  size  field
///   0       8    magic            "CYBERDB\0"  (43 59 42 45 52 44 42 00)
///   8       4    format version   u32 = 1
///  12       4    flags            u32 = 0 (reserved; a reader refuses bits it does not know)
///  16       8    table count      u64
///  24       8    file length      u64: every byte of the file, header and trailer included
///
/// Tables (table count times, in catalog order)
///  +0       4    name length n    u32, 1..256 (ProtocolLimits.MaxTableNameBytes)
///  +4       n    name             UTF-8
///  +4+n     1    kind             u8: 0 = CyberDict, 1 = CyberList (the CyberTableKind values)
///  +5+n     8    entry count      u64
///  +13+n         entries, in insertion order:
///                  dict: u32 key length, key bytes, u32 value length, value bytes
///                  list: u32 value length, value bytes
///                key   = one canonical MessagePack key (shortest integer or string encoding)
///                value = exactly one MessagePack object
///
/// Trailer (8 bytes, at file length - 8)
///   +0      8    checksum         u64 XxHash3 (seed 0) of every byte before the trailer
/// </code>
/// </summary>
/// <remarks>
/// The file length in the header lets the reader tell a truncated file from a corrupt one before
/// it parses anything; every length prefix lets it check a blob fits in what is left before it
/// allocates for it. A change to any of these constants is a format change: bump
/// <see cref="Version"/>, and <c>CdbFormatTests</c> pins them so that it cannot happen by accident.
/// </remarks>
internal static class CdbFormat
{
    public const int Version = 1;

    public const int MagicOffset = 0;
    public const int MagicSize = 8;
    public const int VersionOffset = 8;
    public const int FlagsOffset = 12;
    public const int TableCountOffset = 16;
    public const int FileLengthOffset = 24;
    public const int HeaderSize = 32;

    /// <summary>No flag is defined in version 1.</summary>
    public const uint KnownFlags = 0;

    /// <summary>Bytes of a length prefix (name, key and value lengths).</summary>
    public const int LengthPrefixSize = 4;

    /// <summary>Bytes of a table's kind field.</summary>
    public const int KindSize = 1;

    /// <summary>Bytes of a table's entry count field.</summary>
    public const int EntryCountSize = 8;

    public const int ChecksumSize = 8;
    public const int TrailerSize = ChecksumSize;

    /// <summary>The smallest valid file: a header and a trailer, no tables.</summary>
    public const int MinFileSize = HeaderSize + TrailerSize;

    /// <summary>Smallest dict entry on disk: two length prefixes and a one-byte key and value.</summary>
    public const int MinDictEntrySize = (2 * LengthPrefixSize) + 2;

    /// <summary>Smallest list item on disk: a length prefix and a one-byte value.</summary>
    public const int MinListEntrySize = LengthPrefixSize + 1;

    /// <summary>Stored value of <see cref="CyberTableKind.CyberDict"/> in the kind byte.</summary>
    public const byte DictKind = (byte)CyberTableKind.CyberDict;

    /// <summary>Stored value of <see cref="CyberTableKind.CyberList"/> in the kind byte.</summary>
    public const byte ListKind = (byte)CyberTableKind.CyberList;

    /// <summary>"CYBERDB\0".</summary>
    public static ReadOnlySpan<byte> Magic => "CYBERDB\0"u8;

    /// <summary>Fills <paramref name="header"/> (<see cref="HeaderSize"/> bytes).</summary>
    public static void WriteHeader(Span<byte> header, ulong tableCount, ulong fileLength)
    {
        Magic.CopyTo(header[MagicOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[VersionOffset..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[FlagsOffset..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[TableCountOffset..], tableCount);
        BinaryPrimitives.WriteUInt64LittleEndian(header[FileLengthOffset..], fileLength);
    }

    /// <summary>Bytes a table's fixed part takes before its entries.</summary>
    public static long TableHeaderSize(int nameBytes) => LengthPrefixSize + nameBytes + KindSize + EntryCountSize;
}
