using CyberDb.Cli.Terminal;
using CyberDb.Client;

namespace CyberDb.Cli.Shell;

/// <summary>
/// Runs shell statements against one server through one proxy. A failing statement prints an
/// error (and its usage, when that was the problem) and the session goes on; callers count the
/// failures for the exit code. The command table is in <c>ShellSession.Commands.cs</c>.
/// </summary>
internal sealed partial class ShellSession : IDisposable
{
    private readonly CyberProxy _proxy;
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly Dictionary<string, ShellCommandSpec> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ShellCommandSpec> _ordered = [];

    /// <summary>Table names for completion, refreshed at most this often.</summary>
    private static readonly TimeSpan TableCacheLifetime = TimeSpan.FromSeconds(2);
    private IReadOnlyList<string> _tableCache = [];
    private long _tableCacheTimestamp;

    public ShellSession(CyberDbClient client, TextWriter output, TextWriter error)
    {
        _proxy = client.GetProxy();
        _proxy.Connect();
        _out = output;
        _error = error;
        RegisterCommands();
    }

    /// <summary>Set by <c>exit</c> / <c>quit</c>.</summary>
    public bool ExitRequested { get; private set; }

    public IEnumerable<string> CommandNames => _ordered.Select(c => c.Name);

    /// <summary>Runs every statement of <paramref name="script"/> (';' or line separated); returns how many failed.</summary>
    public int ExecuteScript(string script)
    {
        var failures = 0;
        foreach (var statement in ShellLexer.SplitStatements(script))
        {
            if (ExitRequested)
            {
                break;
            }

            if (!Execute(statement))
            {
                failures++;
            }
        }

        return failures;
    }

    /// <summary>Runs one statement; false when it failed (the error is printed).</summary>
    public bool Execute(string statement)
    {
        var args = new ShellArgs(statement);
        if (args.Count == 0)
        {
            return true;
        }

        if (!_commands.TryGetValue(args.Command, out var command))
        {
            return Fail($"unknown command '{args.Command}' (type help for the list)");
        }

        try
        {
            command.Run(args);
            _out.Flush();
            return true;
        }
        catch (ShellUsageException e)
        {
            return Fail($"{e.Message}{Environment.NewLine}usage: {command.Usage}");
        }
        catch (KeyNotFoundException e)
        {
            return Fail(e.Message);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message);
        }
        catch (Exception e) when (e is CyberDbException or InvalidOperationException or InvalidCastException or FormatException or IOException)
        {
            return Fail(e.Message);
        }
    }

    private bool Fail(string message)
    {
        _out.Flush();
        _error.WriteLine("error: " + message);
        _error.Flush();
        return false;
    }

    /// <summary>Tab completion: command names for the first word, table names for the second, kinds after <c>create</c>.</summary>
    public LineEditor.Completion Complete(string before)
    {
        var terms = ShellLexer.Terms(before);
        var startingNew = before.Length == 0 || char.IsWhiteSpace(before[^1]);
        var index = startingNew ? terms.Count : terms.Count - 1;
        var word = startingNew ? string.Empty : terms[^1].Text;
        var wordStart = before.Length - word.Length;
        IEnumerable<string> candidates = [];
        if (index == 0)
        {
            candidates = CommandNames;
        }
        else if (index == 1 && _commands.TryGetValue(terms[0].Text, out var command))
        {
            candidates = command.Name == "create" ? ["dict", "list"] : command.TakesTable ? TableNames() : [];
        }
        else if (index == 2 && terms[0].Text.Equals("create", StringComparison.OrdinalIgnoreCase))
        {
            candidates = [];
        }

        var matches = candidates.Where(c => c.StartsWith(word, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        return new LineEditor.Completion(wordStart, matches);
    }

    private IReadOnlyList<string> TableNames()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (System.Diagnostics.Stopwatch.GetElapsedTime(_tableCacheTimestamp, now) > TableCacheLifetime || _tableCacheTimestamp == 0)
        {
            try
            {
                _tableCache = [.. _proxy.GetTables().Keys.Select(QuoteIfNeeded)];
                _tableCacheTimestamp = now;
            }
            catch (CyberDbException)
            {
                // completion is best effort: a dead server shows up on the next statement
            }
        }

        return _tableCache;
    }

    private static string QuoteIfNeeded(string name) =>
        name.Any(char.IsWhiteSpace) || name.StartsWith('"') ? ShellValues.Format(name) : name;

    public void Dispose() => _proxy.Dispose();
}
