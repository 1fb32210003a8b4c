using System.CommandLine;
using System.Text.Json;
using CyberDb.Cli.Commands;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli;

/// <summary>
/// The <c>cyberdb</c> tool: builds the command tree and runs it. Every command reports expected
/// failures (a refused connection, a missing table, a bad file) as one line on standard error and
/// an exit code from <see cref="ExitCodes"/>; only bugs show a stack trace.
/// </summary>
internal static class CliApplication
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, CliConsole.FromProcess());

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("cyberdb: serve a CyberDb database, or work with one (shell, info, dump, restore).")
        {
            ServeCommand.Create(console),
            ShellCommand.Create(console),
            InfoCommand.Create(console),
            DumpCommand.Create(console),
            RestoreCommand.Create(console),
        };
        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,

            // serve: CyberDbServer.RunAsync handles Ctrl+C and SIGTERM itself (final save, exit 0).
            ProcessTerminationTimeout = null,
        };
        return await root.Parse(args).InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a command body, turning expected failures into a message and an exit code.</summary>
    public static async Task<int> GuardAsync(CliConsole console, string command, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (ExitCodeFor(e) is { } code)
        {
            console.Out.Flush();
            console.Error.WriteLine($"cyberdb {command}: {e.Message}");
            console.Error.Flush();
            return code;
        }
    }

    public static int Guard(CliConsole console, string command, Func<int> body) =>
        GuardAsync(console, command, () => Task.FromResult(body())).GetAwaiter().GetResult();

    private static int? ExitCodeFor(Exception e) => e switch
    {
        CliUsageException => ExitCodes.Usage,
        CyberDbAuthenticationException or CyberDbConnectionException => ExitCodes.Unavailable,
        CyberDbException => ExitCodes.Failure,
        ArgumentException => ExitCodes.Usage,
        IOException or InvalidDataException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException => ExitCodes.Failure,
        _ => null,
    };
}
