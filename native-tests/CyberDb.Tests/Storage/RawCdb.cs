using System.IO.Hashing;
using System.Text;

namespace CyberDb.Tests.Storage;

/// <summary>
/// Builds <c>.cdb</c> bytes by hand, independently of the product's writer, so that tests can
/// produce files that are well formed on the outside (right length and checksum) but wrong inside.
/// </summary>
internal static class RawCdb
{
    public static byte[] Build(ulong tableCount, Action<BinaryWriter> writeTables, uint version = 1, uint flags = 0)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("CYBERDB\0"u8);
            writer.Write(version);
            writer.Write(flags);
            writer.Write(tableCount);
            writer.Write(0UL); // file length, patched below
            writeTables(writer);
        }

        var length = (ulong)body.Length + 8;
        body.Position = 24;
        body.Write(BitConverter.GetBytes(length));
        var bytes = body.ToArray();
        return [.. bytes, .. BitConverter.GetBytes(XxHash3.HashToUInt64(bytes))];
    }

    public static void Table(BinaryWriter writer, string name, byte kind, ulong count)
    {
        var utf8 = Encoding.UTF8.GetBytes(name);
        Table(writer, utf8, kind, count);
    }

    public static void Table(BinaryWriter writer, byte[] utf8Name, byte kind, ulong count)
    {
        writer.Write((uint)utf8Name.Length);
        writer.Write(utf8Name);
        writer.Write(kind);
        writer.Write(count);
    }

    public static void Blob(BinaryWriter writer, byte[] bytes)
    {
        writer.Write((uint)bytes.Length);
        writer.Write(bytes);
    }
}
