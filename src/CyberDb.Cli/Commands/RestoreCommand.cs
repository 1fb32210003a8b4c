using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CyberDb.Cli.Json;
using CyberDb.Cli.Output;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli.Commands;

/// <summary>
/// <c>cyberdb restore --in FILE [--replace] [--table NAME]...</c>: loads a dump into a running
/// server. The whole file is checked first; tables that exist already are refused unless
/// <c>--replace</c>, so nothing changes when the file or the target is wrong.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = new ConnectionOptions();
        var input = new Option<string>("--in", "-i")
        {
            Description = "the dump file to read (from cyberdb dump)",
            HelpName = "file",
            Required = true,
        };
        var replace = new Option<bool>("--replace")
        {
            Description = "delete tables of the same name first (default: refuse when any exists)",
        };
        var tables = new Option<string[]>("--table", "-t")
        {
            Description = "restore only this table (repeat for several); default: every table in the file",
            HelpName = "name",
        };
        var command = new Command(
            "restore",
            "Load a dump (cyberdb dump) into the server: tables are created and filled in batches of 5,000 items. " +
            "The file is checked whole before anything changes; a table being restored is visible while it fills.")
        {
            input,
            replace,
            tables,
        };
        connection.AddTo(command);
        command.SetAction(result => CliApplication.Guard(console, "restore", () =>
        {
            var started = Stopwatch.GetTimestamp();
            var path = result.GetValue(input)!;
            List<DumpTable> inFile;
            using (var stream = OpenRead(path))
            {
                inFile = DumpReader.Scan(stream);
            }

            var only = result.GetValue(tables) is { Length: > 0 } named ? new HashSet<string>(named, StringComparer.Ordinal) : null;
            if (only is not null && only.FirstOrDefault(n => inFile.All(t => t.Name != n)) is { } absent)
            {
                throw new CliUsageException($"table '{absent}' is not in {path}");
            }

            var chosen = inFile.Where(t => only is null || only.Contains(t.Name)).ToList();
            using var client = connection.Connect(result, console);
            using var proxy = client.GetProxy();
            proxy.Connect();
            var existing = proxy.GetTables();
            var clashes = chosen.Where(t => existing.ContainsKey(t.Name)).Select(t => t.Name).ToList();
            if (clashes.Count > 0 && !result.GetValue(replace))
            {
                throw new CyberDbException($"these tables exist already: {string.Join(", ", clashes)} (use --replace to overwrite them); nothing was restored");
            }

            long sent;
            using (var progress = ProgressBar.Create(console, "restore", chosen.Sum(t => t.Count)))
            using (var stream = OpenRead(path))
            {
                sent = DumpReader.Restore(stream, proxy, only, clashes.ToHashSet(StringComparer.Ordinal), progress is null ? null : progress.Report);
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"restored {chosen.Count} table{(chosen.Count == 1 ? string.Empty : "s")} ({sent:N0} items) from {path} in {seconds:0.00} s{(clashes.Count > 0 ? $"; replaced {clashes.Count}" : string.Empty)}"));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static FileStream OpenRead(string path) =>
        File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan)
            : throw new CliUsageException($"{path} does not exist");
}
