using System.CommandLine;
using System.Globalization;
using CyberDb.Cli.Shell;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli.Commands;

/// <summary>
/// <c>cyberdb shell</c>: an interactive prompt (history, Tab completion) at a terminal; statements
/// from standard input when it is redirected; or one-shot statements with <c>-c</c>. A failed
/// statement prints an error and the shell goes on; without a terminal the exit code is 1 when any
/// statement failed.
/// </summary>
internal static class ShellCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = new ConnectionOptions();
        var script = new Option<string?>("--command", "-c")
        {
            Description = "run these statements (separated by ';' or new lines) and exit; exit code 1 if any failed",
            HelpName = "statements",
        };
        var command = new Command("shell", "Work with the tables interactively or from a script: create, get, set, append, ... (type help inside).")
        {
            script,
        };
        connection.AddTo(command);
        command.SetAction(result => CliApplication.Guard(console, "shell", () =>
        {
            using var client = connection.Connect(result, console);
            using var session = new ShellSession(client, console.Out, console.Error);
            var statements = result.GetValue(script);
            if (statements is not null)
            {
                return session.ExecuteScript(statements) == 0 ? ExitCodes.Success : ExitCodes.Failure;
            }

            if (console.InputIsTerminal && console.Keys is not null)
            {
                RunInteractive(console, client, session);
                return ExitCodes.Success;
            }

            var failures = 0;
            while (!session.ExitRequested && console.In.ReadLine() is { } line)
            {
                failures += session.ExecuteScript(line);
            }

            return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static void RunInteractive(CliConsole console, CyberDbClient client, ShellSession session)
    {
        var options = client.Options;
        var transport = client.Transport == CyberTransport.SharedMemory ? "shared memory" : "tcp";
        console.Out.WriteLine($"Connected to CyberDb at {options.Host}:{options.Port.ToString(CultureInfo.InvariantCulture)} ({transport}). Type help for commands; exit or Ctrl+D to leave.");
        var editor = new LineEditor(console.Keys!, console.Out, session.Complete, console.HistoryPath);
        var prompt = $"cyberdb {options.Host}:{options.Port.ToString(CultureInfo.InvariantCulture)}> ";
        while (!session.ExitRequested && editor.ReadLine(prompt) is { } line)
        {
            session.ExecuteScript(line);
        }
    }
}
