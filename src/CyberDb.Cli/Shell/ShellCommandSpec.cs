namespace CyberDb.Cli.Shell;

/// <summary>One shell command: its name, usage line, one-line summary and what it does.</summary>
/// <param name="TakesTable">Whether the term after the command is a table name (for Tab completion).</param>
internal sealed record ShellCommandSpec(string Name, string Usage, string Summary, Action<ShellArgs> Run, bool TakesTable = true);
