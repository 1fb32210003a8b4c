using System.Globalization;
using System.Text.Json;
using CyberDb.Cli.Commands;

namespace CyberDb.Cli.Serve;

/// <summary>
/// The settings of <c>cyberdb serve</c>, resolved from four places in this order of precedence:
/// command-line flags, then environment variables, then the JSON configuration file, then the
/// defaults of <see cref="CyberDbServerOptions"/>. Every error names the flag, variable or file
/// key it came from.
/// </summary>
internal sealed class ServeSettings
{
    public const string ConfigVariable = "CYBERDB_CONFIG";

    /// <summary>Each setting's flag, environment variable and configuration-file key (one place, also used by --help).</summary>
    public static readonly IReadOnlyList<(string Flag, string Variable, string FileKey)> Names =
    [
        ("--host", "CYBERDB_HOST", "host"),
        ("--port", "CYBERDB_PORT", "port"),
        ("--password", "CYBERDB_PASSWORD", "password"),
        ("--max-connections", "CYBERDB_MAX_CONNECTIONS", "maxConnections"),
        ("--timeout", "CYBERDB_TIMEOUT", "timeout"),
        ("--print-log", "CYBERDB_PRINT_LOG", "printLog"),
        ("--encrypt", "CYBERDB_ENCRYPT", "encrypt"),
        ("--shared-memory", "CYBERDB_SHARED_MEMORY", "sharedMemory"),
        ("--load", "CYBERDB_LOAD", "load"),
        ("--backup", "CYBERDB_BACKUP", "backup"),
        ("--cycle", "CYBERDB_CYCLE", "cycle"),
        ("--whitelist", "CYBERDB_WHITELIST", "whitelist"),
    ];

    public required CyberDbServerOptions Options { get; init; }

    public string? Load { get; init; }

    public string? Backup { get; init; }

    public TimeSpan Cycle { get; init; }

    public IReadOnlyList<string>? Whitelist { get; init; }

    public static string VariableFor(string flag) => Names.First(n => n.Flag == flag).Variable;

    /// <summary>Stacks the layers: <paramref name="flags"/> over <paramref name="environment"/> over <paramref name="file"/> over the defaults.</summary>
    public static ServeSettings Resolve(ServeLayer flags, ServeLayer environment, ServeLayer file)
    {
        ServeLayer[] layers = [flags, environment, file];
        T? First<T>(Func<ServeLayer, T?> get)
            where T : class => layers.Select(get).FirstOrDefault(v => v is not null);
        TV? FirstValue<TV>(Func<ServeLayer, TV?> get)
            where TV : struct => layers.Select(get).FirstOrDefault(v => v.HasValue);

        var defaults = new CyberDbServerOptions();
        var password = First(l => l.Password);
        if (string.IsNullOrEmpty(password))
        {
            throw new CliUsageException("a password is required: --password, CYBERDB_PASSWORD or \"password\" in the configuration file");
        }

        return new ServeSettings
        {
            Options = new CyberDbServerOptions
            {
                Host = First(l => l.Host) ?? defaults.Host,
                Port = FirstValue(l => l.Port) ?? defaults.Port,
                Password = password,
                MaxConnections = FirstValue(l => l.MaxConnections) ?? defaults.MaxConnections,
                Timeout = FirstValue(l => l.Timeout) ?? defaults.Timeout,
                PrintLog = FirstValue(l => l.PrintLog) ?? defaults.PrintLog,
                Encrypt = FirstValue(l => l.Encrypt) ?? defaults.Encrypt,
                SharedMemory = FirstValue(l => l.SharedMemory) ?? defaults.SharedMemory,
            },
            Load = First(l => l.Load),
            Backup = First(l => l.Backup),
            Cycle = FirstValue(l => l.Cycle) ?? CyberDbServerDefaults.BackupCycle,
            Whitelist = First(l => l.Whitelist),
        };
    }

    /// <summary>The layer of the <c>CYBERDB_*</c> environment variables.</summary>
    public static ServeLayer FromEnvironment(Func<string, string?> get)
    {
        string? Text(string flag) => get(VariableFor(flag)) is { Length: > 0 } value ? value : null;
        var layer = new ServeLayer
        {
            Host = Text("--host"),
            Password = Text("--password"),
            Load = Text("--load"),
            Backup = Text("--backup"),
        };
        if (Text("--port") is { } port)
        {
            layer.Port = SettingParser.ParseInt(port, VariableFor("--port"), 0, 65535);
        }

        if (Text("--max-connections") is { } max)
        {
            layer.MaxConnections = SettingParser.ParseInt(max, VariableFor("--max-connections"), 1, int.MaxValue);
        }

        if (Text("--timeout") is { } timeout)
        {
            layer.Timeout = SettingParser.ParseDuration(timeout, VariableFor("--timeout"));
        }

        if (Text("--cycle") is { } cycle)
        {
            layer.Cycle = SettingParser.ParseDuration(cycle, VariableFor("--cycle"));
        }

        if (Text("--print-log") is { } printLog)
        {
            layer.PrintLog = SettingParser.ParseBool(printLog, VariableFor("--print-log"));
        }

        if (Text("--encrypt") is { } encrypt)
        {
            layer.Encrypt = SettingParser.ParseBool(encrypt, VariableFor("--encrypt"));
        }

        if (Text("--shared-memory") is { } sharedMemory)
        {
            layer.SharedMemory = SettingParser.ParseBool(sharedMemory, VariableFor("--shared-memory"));
        }

        if (Text("--whitelist") is { } whitelist)
        {
            layer.Whitelist = SplitList(whitelist);
        }

        return layer;
    }

    /// <summary>
    /// The layer of a JSON configuration file: an object whose keys are the settings' file keys
    /// (case-insensitive; "max-connections" and "max_connections" also work). Durations are seconds
    /// or strings ("5m"); the whitelist is an array or a comma-separated string. An unknown key is
    /// an error, so a typo never silently falls back to a default.
    /// </summary>
    public static ServeLayer FromFile(string path)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (FileNotFoundException)
        {
            throw new CliUsageException($"configuration file {path} does not exist");
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"configuration file {path} is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CliUsageException($"configuration file {path} must hold one JSON object");
            }

            var layer = new ServeLayer();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var key = property.Name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
                var known = Names.FirstOrDefault(n => string.Equals(n.FileKey, key, StringComparison.OrdinalIgnoreCase));
                if (known.FileKey is null)
                {
                    throw new CliUsageException($"{path}: unknown setting \"{property.Name}\" (known: {string.Join(", ", Names.Select(n => n.FileKey))})");
                }

                Apply(layer, known.FileKey, property.Value, $"{path}: \"{property.Name}\"");
            }

            return layer;
        }
    }

    private static void Apply(ServeLayer layer, string key, JsonElement value, string source)
    {
        switch (key)
        {
            case "host": layer.Host = String(value, source); break;
            case "port": layer.Port = Integer(value, source, 0, 65535); break;
            case "password": layer.Password = String(value, source); break;
            case "maxConnections": layer.MaxConnections = Integer(value, source, 1, int.MaxValue); break;
            case "timeout": layer.Timeout = Duration(value, source); break;
            case "printLog": layer.PrintLog = Boolean(value, source); break;
            case "encrypt": layer.Encrypt = Boolean(value, source); break;
            case "sharedMemory": layer.SharedMemory = Boolean(value, source); break;
            case "load": layer.Load = String(value, source); break;
            case "backup": layer.Backup = String(value, source); break;
            case "cycle": layer.Cycle = Duration(value, source); break;
            case "whitelist":
                layer.Whitelist = value.ValueKind == JsonValueKind.Array
                    ? [.. value.EnumerateArray().Select(e => String(e, source))]
                    : SplitList(String(value, source));
                break;
            default:
                throw new InvalidOperationException($"setting {key} has no reader");
        }
    }

    private static string String(JsonElement value, string source) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new CliUsageException($"{source} must be a string");

    private static int Integer(JsonElement value, string source, int min, int max) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number >= min && number <= max ? number : throw new CliUsageException($"{source}: {number} is outside {min}..{max}")
            : throw new CliUsageException($"{source} must be an integer");

    private static bool Boolean(JsonElement value, string source) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new CliUsageException($"{source} must be true or false"),
    };

    private static TimeSpan Duration(JsonElement value, string source) => value.ValueKind switch
    {
        JsonValueKind.Number => SettingParser.ParseDuration(value.GetDouble().ToString("R", CultureInfo.InvariantCulture), source),
        JsonValueKind.String => SettingParser.ParseDuration(value.GetString()!, source),
        _ => throw new CliUsageException($"{source} must be seconds or a duration string such as \"5m\""),
    };

    public static List<string> SplitList(string text) =>
        [.. text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
