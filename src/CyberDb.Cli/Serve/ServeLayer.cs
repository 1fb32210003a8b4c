namespace CyberDb.Cli.Serve;

/// <summary>
/// The serve settings one source gives (flags, environment, configuration file); null = that
/// source does not set it. <see cref="ServeSettings.Resolve"/> stacks the layers.
/// </summary>
internal sealed class ServeLayer
{
    public string? Host { get; set; }

    public int? Port { get; set; }

    public string? Password { get; set; }

    public int? MaxConnections { get; set; }

    public TimeSpan? Timeout { get; set; }

    public bool? PrintLog { get; set; }

    public bool? Encrypt { get; set; }

    public bool? SharedMemory { get; set; }

    public string? Load { get; set; }

    public string? Backup { get; set; }

    public TimeSpan? Cycle { get; set; }

    public IReadOnlyList<string>? Whitelist { get; set; }
}
