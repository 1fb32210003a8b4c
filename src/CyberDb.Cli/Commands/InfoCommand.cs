using System.CommandLine;
using System.Text.Json;
using CyberDb.Cli.Json;
using CyberDb.Cli.Output;
using CyberDb.Cli.Terminal;
using CyberDb.Client;

namespace CyberDb.Cli.Commands;

/// <summary>
/// <c>cyberdb info</c>: server version, uptime, transports and their clients, tables with kind and
/// size, memory, last save and operations per second (measured over <c>--sample</c>).
/// </summary>
internal static class InfoCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = new ConnectionOptions();
        var sample = new Option<string>("--sample")
        {
            Description = "measure operations per second over this long (0 = only the average since start)",
            HelpName = "duration",
            DefaultValueFactory = _ => "1s",
        };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        var command = new Command("info", "Show the server's version, uptime, transports, clients, tables, memory, last save and operations per second.")
        {
            sample,
            json,
        };
        connection.AddTo(command);
        command.SetAction((result, cancellationToken) => CliApplication.GuardAsync(console, "info", async () =>
        {
            var window = SettingParser.ParseDuration(result.GetValue(sample)!, "--sample");
            using var client = connection.Connect(result, console);
            using var proxy = client.GetProxy();
            proxy.Connect();
            var info = proxy.GetInfo();
            double? rate = null;
            if (window > TimeSpan.Zero)
            {
                await Task.Delay(window, cancellationToken).ConfigureAwait(false);
                var later = proxy.GetInfo();
                var elapsed = later.Uptime - info.Uptime;

                // The second Info call counts itself: leave it out of the rate.
                rate = elapsed > TimeSpan.Zero ? Math.Max(0, later.OperationsExecuted - info.OperationsExecuted - 1) / elapsed.TotalSeconds : null;
                info = later;
            }

            if (result.GetValue(json))
            {
                WriteJson(console.Out, info, rate);
            }
            else
            {
                InfoReport.Write(console.Out, info, rate);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static void WriteJson(TextWriter output, ServerInfo info, double? rate)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, DumpFormat.WriterOptions(indented: true)))
        {
            writer.WriteStartObject();
            writer.WriteString("version", info.Version);
            writer.WriteString("startedAt", info.StartedAt);
            writer.WriteNumber("uptimeSeconds", Math.Round(info.Uptime.TotalSeconds, 3));
            writer.WriteStartArray("transports");
            foreach (var (name, endPoint, connections) in info.Transports)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("endPoint", endPoint);
                writer.WriteNumber("clients", connections);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("maxConnections", info.MaxConnections);
            writer.WriteBoolean("encrypt", info.Encrypt);
            writer.WriteNumber("operations", info.OperationsExecuted);
            if (rate is { } perSecond)
            {
                writer.WriteNumber("operationsPerSecond", Math.Round(perSecond, 1));
            }
            else
            {
                writer.WriteNull("operationsPerSecond");
            }

            writer.WriteNumber("managedBytes", info.ManagedBytes);
            writer.WriteNumber("workingSetBytes", info.WorkingSetBytes);
            if (info.LastSave is { } saved)
            {
                writer.WriteString("lastSave", saved);
            }
            else
            {
                writer.WriteNull("lastSave");
            }

            writer.WriteString("lastSavePath", info.LastSavePath);
            writer.WriteStartArray("tables");
            foreach (var (name, kind, count) in info.Tables)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("kind", DumpFormat.KindName(kind));
                writer.WriteNumber("size", count);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
