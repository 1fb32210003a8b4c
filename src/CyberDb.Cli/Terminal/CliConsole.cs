namespace CyberDb.Cli.Terminal;

/// <summary>
/// Everything a command touches outside itself: standard streams, the environment, whether a
/// person is at a terminal, and the keyboard. <see cref="FromProcess"/> gives the real ones; tests
/// give their own, so every command runs in-process against captured output.
/// </summary>
internal sealed class CliConsole
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required TextReader In { get; init; }

    /// <summary>Standard output as bytes (dumps go there without a text encoder in between).</summary>
    public Func<Stream> OpenStandardOutput { get; init; } = Console.OpenStandardOutput;

    /// <summary>Reads an environment variable (null when unset).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>True when standard input is a terminal: the shell then uses its line editor.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>True when standard error is a terminal: progress bars are drawn there only then.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The keyboard for the line editor (only used when <see cref="InputIsTerminal"/>).</summary>
    public IKeyReader? Keys { get; init; }

    /// <summary>Where the shell keeps its history between sessions; null = in memory only.</summary>
    public string? HistoryPath { get; init; }

    public static CliConsole FromProcess()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new CliConsole
        {
            Out = Console.Out,
            Error = Console.Error,
            In = Console.In,
            InputIsTerminal = !Console.IsInputRedirected && !Console.IsOutputRedirected,
            ErrorIsTerminal = !Console.IsErrorRedirected,
            Keys = new ConsoleKeyReader(),
            HistoryPath = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cyberdb_history"),
        };
    }
}
