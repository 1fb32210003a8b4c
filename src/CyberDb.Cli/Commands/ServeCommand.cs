using System.CommandLine;
using System.Globalization;
using CyberDb.Cli.Output;
using CyberDb.Cli.Serve;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli.Commands;

/// <summary>
/// <c>cyberdb serve</c>: runs a server in the foreground until Ctrl+C or SIGTERM, then saves the
/// backup (when <c>--backup</c> is set) and exits 0. Settings come from flags, environment
/// variables and a JSON file (<see cref="ServeSettings"/>).
/// </summary>
internal static class ServeCommand
{
    private const string Description =
        "Run a CyberDb server in the foreground. Ctrl+C or SIGTERM saves the backup (when --backup is set) and exits 0.\n\n" +
        "Every setting comes from, in this order of precedence: a flag; an environment variable (CYBERDB_PORT, ...; " +
        "booleans as true/false, 1/0, yes/no, on/off); a JSON configuration file (--config or CYBERDB_CONFIG, e.g. " +
        "{\"port\": 9980, \"password\": \"...\", \"maxConnections\": 500, \"timeout\": \"5m\", \"backup\": \"data.cdb\", \"cycle\": 300, " +
        "\"whitelist\": [\"127.0.0.1\", \"10.0.0.0/8\"]}; unknown keys are errors); the default.\n" +
        "Durations are seconds (300) or 250ms, 30s, 5m, 2h, 1d.";

    public static Command Create(CliConsole console)
    {
        var host = new Option<string?>("--host") { Description = Help("--host", "TCP bind address; 0.0.0.0 for remote clients", "127.0.0.1"), HelpName = "address" };
        var port = new Option<int?>("--port", "-p") { Description = Help("--port", "TCP port; 0 picks a free one", "9980"), HelpName = "port" };
        var password = new Option<string?>("--password") { Description = Help("--password", "the password clients must know (required; prefer the variable or the file: a command line is visible to other users)", null), HelpName = "password" };
        var maxConnections = new Option<int?>("--max-connections") { Description = Help("--max-connections", "refuse clients beyond this many connections", "500"), HelpName = "count" };
        var timeout = new Option<string?>("--timeout") { Description = Help("--timeout", "close connections idle this long; 0 = never", "0"), HelpName = "duration" };
        var printLog = new Option<bool?>("--print-log") { Description = Help("--print-log", "log connections and saves to standard output", "false"), Arity = ArgumentArity.ZeroOrOne };
        var encrypt = new Option<bool?>("--encrypt") { Description = Help("--encrypt", "AES-256 on TCP; turns the IP whitelist on", "false"), Arity = ArgumentArity.ZeroOrOne };
        var sharedMemory = new Option<bool?>("--shared-memory") { Description = Help("--shared-memory", "offer the shared-memory transport to clients on this host (--shared-memory false to turn it off)", "true"), Arity = ArgumentArity.ZeroOrOne };
        var load = new Option<string?>("--load") { Description = Help("--load", "load this .cdb snapshot at start; when the file does not exist yet, warn and start empty (a corrupt file stops the start)", "none"), HelpName = "file" };
        var backup = new Option<string?>("--backup") { Description = Help("--backup", "save a .cdb snapshot here every --cycle and when stopped", "none"), HelpName = "file" };
        var cycle = new Option<string?>("--cycle") { Description = Help("--cycle", "time between backups", "300 s"), HelpName = "duration" };
        var whitelist = new Option<string[]>("--whitelist")
        {
            Description = Help("--whitelist", "addresses or CIDR blocks allowed to connect when --encrypt is on (repeat, or separate with commas)", "127.0.0.1"),
            HelpName = "address",
            AllowMultipleArgumentsPerToken = true,
        };
        var config = new Option<string?>("--config", "-c") { Description = $"a JSON configuration file [env {ServeSettings.ConfigVariable}]", HelpName = "file" };

        var command = new Command("serve", Description)
        {
            host, port, password, maxConnections, timeout, printLog, encrypt, sharedMemory, load, backup, cycle, whitelist, config,
        };

        command.SetAction((result, cancellationToken) => CliApplication.GuardAsync(console, "serve", async () =>
        {
            bool? Flag(Option<bool?> option) => result.GetResult(option) is null ? null : result.GetValue(option) ?? true;
            TimeSpan? Duration(Option<string?> option, string name) => result.GetValue(option) is { } text ? SettingParser.ParseDuration(text, name) : null;

            var flags = new ServeLayer
            {
                Host = result.GetValue(host),
                Port = result.GetValue(port),
                Password = result.GetValue(password),
                MaxConnections = result.GetValue(maxConnections),
                Timeout = Duration(timeout, "--timeout"),
                PrintLog = Flag(printLog),
                Encrypt = Flag(encrypt),
                SharedMemory = Flag(sharedMemory),
                Load = result.GetValue(load),
                Backup = result.GetValue(backup),
                Cycle = Duration(cycle, "--cycle"),
                Whitelist = result.GetValue(whitelist) is { Length: > 0 } entries ? [.. entries.SelectMany(ServeSettings.SplitList)] : null,
            };
            var configPath = result.GetValue(config) ?? console.GetEnvironmentVariable(ServeSettings.ConfigVariable);
            var file = configPath is { Length: > 0 } ? ServeSettings.FromFile(configPath) : new ServeLayer();
            var settings = ServeSettings.Resolve(flags, ServeSettings.FromEnvironment(console.GetEnvironmentVariable), file);
            return await RunAsync(console, settings, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static string Help(string flag, string text, string? defaultValue)
    {
        var names = ServeSettings.Names.First(n => n.Flag == flag);
        var suffix = defaultValue is null ? string.Empty : $"; default {defaultValue}";
        return $"{text} [env {names.Variable}; file \"{names.FileKey}\"{suffix}]";
    }

    private static async Task<int> RunAsync(CliConsole console, ServeSettings settings, CancellationToken cancellationToken)
    {
        var output = console.Out;
        var c = CultureInfo.InvariantCulture;
        await using var server = new CyberDbServer();

        string loaded;
        if (settings.Load is { } load)
        {
            if (File.Exists(load))
            {
                server.LoadDb(load);
                loaded = $"loaded {server.TableCount.ToString(c)} table{(server.TableCount == 1 ? string.Empty : "s")} from {load}";
            }
            else
            {
                console.Error.WriteLine($"warning: {load} does not exist yet; starting with an empty database");
                loaded = $"{load} not found: started empty";
            }
        }
        else
        {
            loaded = "no --load: started empty";
        }

        if (settings.Whitelist is { } whitelist)
        {
            server.SetIpWhitelist(whitelist);
        }

        var backupPath = settings.Backup;
        if (backupPath is not null)
        {
            server.SetBackup(backupPath, settings.Cycle);
        }
        else if (settings.Cycle != CyberDbServerDefaults.BackupCycle)
        {
            console.Error.WriteLine("warning: --cycle has no effect without --backup");
        }

        // RunAsync starts the server before its first await: once it returns, clients can connect
        // (or the task has failed with the reason).
        var running = server.RunAsync(settings.Options, cancellationToken);
        if (!running.IsCompleted)
        {
            var options = settings.Options;
            var stats = server.CurrentStats();
            var transports = stats is null ? "tcp" : string.Join(", ", stats.Transports.Select(t => t.Name));
            output.WriteLine($"CyberDb {InfoReport.DisplayVersion(stats?.Version ?? "?")} serving on {options.Host}:{server.Port.ToString(c)} (pid {Environment.ProcessId.ToString(c)})");
            output.WriteLine($"  transports   {transports}{(options.SharedMemory ? string.Empty : " (shared memory off)")}");
            output.WriteLine($"  tables       {loaded}");
            output.WriteLine(backupPath is { } path
                ? $"  backup       {path} every {InfoReport.FormatDuration(settings.Cycle)} and on stop"
                : "  backup       none (nothing is saved on stop)");
            output.WriteLine($"  clients      at most {options.MaxConnections.ToString(c)}; idle timeout {(options.Timeout == TimeSpan.Zero ? "none" : InfoReport.FormatDuration(options.Timeout))}; encryption {(options.Encrypt ? "on" : "off")}");
            if (options.Encrypt)
            {
                output.WriteLine($"  whitelist    {string.Join(", ", settings.Whitelist ?? ["127.0.0.1"])}");
            }

            output.WriteLine("Press Ctrl+C to stop (SIGTERM also saves and stops).");
            output.Flush();
        }

        await running.ConfigureAwait(false);
        output.WriteLine(backupPath is { } saved ? $"stopped; saved to {saved}" : "stopped");
        output.Flush();
        return ExitCodes.Success;
    }
}
