using System.Text.Json;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Cli.Json;

/// <summary>
/// Writes tables to a <see cref="DumpFormat"/> stream. Each table is read in one round trip (its
/// items, or its list, as the server holds them at that instant: a consistent copy of that table)
/// and converted straight from MessagePack to JSON, flushing the output as it goes.
/// </summary>
/// <remarks>
/// A dump is consistent per table, not across tables: a table changed between two reads shows
/// its state at its own read. One table must fit in one response frame (128 MiB of MessagePack).
/// </remarks>
internal static class DumpWriter
{
    private const int FlushBytes = 1 << 20;
    private const int ProgressEvery = 1000;

    /// <summary>The tables to dump: all of them, or those named (each must exist), in name order.</summary>
    public static List<DumpTable> Plan(CyberProxy proxy, IReadOnlyCollection<string>? only)
    {
        var tables = proxy.GetInfo().Tables.Select(t => new DumpTable(t.Name, t.Kind, t.Count)).ToList();
        if (only is null || only.Count == 0)
        {
            return tables;
        }

        var missing = only.Where(name => tables.All(t => t.Name != name)).ToList();
        if (missing.Count > 0)
        {
            throw new CyberDbException($"no such table: {string.Join(", ", missing)}");
        }

        return tables.Where(t => only.Contains(t.Name)).ToList();
    }

    /// <summary>Writes the dump; returns the number of items written. A table deleted meanwhile is left out with a warning.</summary>
    public static long Write(CyberProxy proxy, IReadOnlyList<DumpTable> tables, Stream output, TextWriter warnings, Action<long>? progress)
    {
        using var json = new Utf8JsonWriter(output, DumpFormat.WriterOptions());
        json.WriteStartObject();
        json.WriteString(DumpFormat.FormatProperty, DumpFormat.FormatName);
        json.WriteNumber(DumpFormat.VersionProperty, DumpFormat.Version);
        json.WriteStartArray(DumpFormat.TablesProperty);
        long written = 0;
        foreach (var table in tables)
        {
            ReadOnlyMemory<byte> payload;
            try
            {
                payload = Fetch(proxy, table);
            }
            catch (CyberDbException e) when (e is not CyberDbConnectionException)
            {
                warnings.WriteLine($"warning: table '{table.Name}' left out: {e.Message}");
                continue;
            }

            json.WriteStartObject();
            json.WriteString(DumpFormat.NameProperty, table.Name);
            json.WriteString(DumpFormat.KindProperty, DumpFormat.KindName(table.Kind));
            json.WriteStartArray(DumpFormat.ItemsProperty);
            var reader = new MessagePackReader(payload);
            var count = table.Kind == CyberTableKind.CyberDict ? reader.ReadMapHeader() : reader.ReadArrayHeader();
            for (var i = 0; i < count; i++)
            {
                if (table.Kind == CyberTableKind.CyberDict)
                {
                    json.WriteStartArray();
                    MessagePackJsonWriter.WriteValue(ref reader, json);
                    MessagePackJsonWriter.WriteValue(ref reader, json);
                    json.WriteEndArray();
                }
                else
                {
                    MessagePackJsonWriter.WriteValue(ref reader, json);
                }

                written++;
                if (json.BytesPending > FlushBytes)
                {
                    json.Flush();
                }

                if (written % ProgressEvery == 0)
                {
                    progress?.Invoke(written);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        progress?.Invoke(written);
        return written;
    }

    /// <summary>The table's whole content as the server sends it: a map (dict, insertion order) or an array (list).</summary>
    private static ReadOnlyMemory<byte> Fetch(CyberProxy proxy, DumpTable table)
    {
        var connection = proxy.Connection;
        var writer = connection.BeginRequest(table.Kind == CyberTableKind.CyberDict ? OpCode.DictItems : OpCode.ListToList, table.Name);
        writer.Flush();
        return connection.Execute();
    }
}
