using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CyberDb.Cli.Json;
using CyberDb.Cli.Output;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli.Commands;

/// <summary>
/// <c>cyberdb dump [--table NAME]... [--out FILE]</c>: the whole database, or some tables, as JSON
/// (format in <see cref="DumpFormat"/>), streamed to a file (written to FILE.tmp, then renamed) or
/// to standard output.
/// </summary>
internal static class DumpCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = new ConnectionOptions();
        var tables = new Option<string[]>("--table", "-t")
        {
            Description = "dump only this table (repeat for several); default: every table",
            HelpName = "name",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "write to this file (atomically: FILE.tmp, then renamed); default: standard output",
            HelpName = "file",
        };
        var command = new Command(
            "dump",
            "Write the database (or some tables) as JSON: {\"format\":\"cyberdb-dump\",\"version\":1,\"tables\":[...]}. " +
            "Keys and values keep their types (1 vs \"1\", 1 vs 1.0; bytes as {\"$bytes\":...}, dates as {\"$datetime\":...}). " +
            "Each table is a consistent copy; tables are read one after another.")
        {
            tables,
            output,
        };
        connection.AddTo(command);
        command.SetAction(result => CliApplication.Guard(console, "dump", () =>
        {
            var started = Stopwatch.GetTimestamp();
            using var client = connection.Connect(result, console);
            using var proxy = client.GetProxy();
            proxy.Connect();
            var plan = DumpWriter.Plan(proxy, result.GetValue(tables));
            var path = result.GetValue(output);
            long written;
            using (var progress = ProgressBar.Create(console, "dump", plan.Sum(t => t.Count)))
            {
                if (path is null or "-")
                {
                    using var stdout = console.OpenStandardOutput();
                    written = DumpWriter.Write(proxy, plan, stdout, console.Error, progress is null ? null : progress.Report);
                    stdout.Write("\n"u8);
                }
                else
                {
                    written = WriteFile(path, stream => DumpWriter.Write(proxy, plan, stream, console.Error, progress is null ? null : progress.Report));
                }
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"dumped {plan.Count} table{(plan.Count == 1 ? string.Empty : "s")} ({written:N0} items) to {path ?? "standard output"} in {seconds:0.00} s"));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Writes through a temporary file renamed over <paramref name="path"/>, so a failed dump never leaves half a file.</summary>
    private static long WriteFile(string path, Func<Stream, long> write)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp";
        long written;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                written = write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return written;
    }
}
