namespace CyberDb.Cli.Output;

/// <summary>Aligned plain-text columns for terminal output (no borders, so it also pipes cleanly).</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<string[]> rows, IReadOnlyCollection<int>? rightAligned = null, string indent = "")
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        WriteRow(headers);
        foreach (var row in all)
        {
            WriteRow(row);
        }

        void WriteRow(IReadOnlyList<string> cells)
        {
            var line = new System.Text.StringBuilder(indent);
            for (var i = 0; i < cells.Count; i++)
            {
                var right = rightAligned?.Contains(i) == true;
                var last = i == cells.Count - 1;
                line.Append(right ? cells[i].PadLeft(widths[i]) : last ? cells[i] : cells[i].PadRight(widths[i]));
                if (!last)
                {
                    line.Append("  ");
                }
            }

            output.WriteLine(line.ToString());
        }
    }
}
