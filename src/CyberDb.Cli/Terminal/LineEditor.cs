using System.Text;

namespace CyberDb.Cli.Terminal;

/// <summary>
/// A small readline for the interactive shell, built on <see cref="IKeyReader"/>: editing keys
/// (arrows, Home/End, Backspace/Delete, Ctrl+A/E/U/K/W/L), history (Up/Down, kept across sessions
/// when a file is given) and Tab completion through a callback. Redraws the line with ANSI
/// escapes; lines longer than the terminal wrap but stay editable at the end.
/// </summary>
/// <remarks>
/// Ctrl+C abandons the line being typed (an empty line comes back); Ctrl+D on an empty line ends
/// input (null comes back), as in bash and python.
/// </remarks>
internal sealed class LineEditor
{
    /// <summary>History kept on disk, newest last; older lines are dropped past this.</summary>
    public const int MaxHistory = 1000;

    private readonly IKeyReader _keys;
    private readonly TextWriter _out;
    private readonly Func<string, Completion> _complete;
    private readonly string? _historyPath;
    private readonly List<string> _history = [];

    private readonly StringBuilder _line = new();
    private int _cursor;
    private string _prompt = string.Empty;

    public LineEditor(IKeyReader keys, TextWriter output, Func<string, Completion> complete, string? historyPath = null)
    {
        _keys = keys;
        _out = output;
        _complete = complete;
        _historyPath = historyPath;
        LoadHistory();
    }

    /// <summary>What completes the word before the cursor: where that word starts and the candidates.</summary>
    internal readonly record struct Completion(int WordStart, IReadOnlyList<string> Candidates);

    public IReadOnlyList<string> History => _history;

    /// <summary>Reads one line; null when input ends (Ctrl+D on an empty line).</summary>
    public string? ReadLine(string prompt)
    {
        _prompt = prompt;
        _line.Clear();
        _cursor = 0;
        var historyIndex = _history.Count;
        var pending = string.Empty; // the line being typed while browsing history
        var lastWasTab = false;
        _out.Write(prompt);
        _out.Flush();
        _keys.SetRawMode(true);
        try
        {
            while (true)
            {
                var key = _keys.ReadKey();
                var isTab = key.Key == ConsoleKey.Tab;
                var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        _out.Write(Environment.NewLine);
                        _out.Flush();
                        var line = _line.ToString();
                        AddHistory(line);
                        return line;
                    case ConsoleKey.Backspace:
                        if (_cursor > 0)
                        {
                            _line.Remove(--_cursor, 1);
                            Redraw();
                        }

                        break;
                    case ConsoleKey.Delete:
                        DeleteForward();
                        break;
                    case ConsoleKey.LeftArrow:
                        MoveTo(_cursor - 1);
                        break;
                    case ConsoleKey.RightArrow:
                        MoveTo(_cursor + 1);
                        break;
                    case ConsoleKey.Home:
                        MoveTo(0);
                        break;
                    case ConsoleKey.End:
                        MoveTo(_line.Length);
                        break;
                    case ConsoleKey.UpArrow when historyIndex > 0:
                        if (historyIndex == _history.Count)
                        {
                            pending = _line.ToString();
                        }

                        Replace(_history[--historyIndex]);
                        break;
                    case ConsoleKey.DownArrow when historyIndex < _history.Count:
                        historyIndex++;
                        Replace(historyIndex == _history.Count ? pending : _history[historyIndex]);
                        break;
                    case ConsoleKey.Tab:
                        Complete(listIfStuck: lastWasTab);
                        break;
                    case ConsoleKey.Escape:
                        Replace(string.Empty);
                        break;
                    case ConsoleKey.C when control:
                        _out.Write("^C" + Environment.NewLine);
                        _out.Flush();
                        return string.Empty;
                    case ConsoleKey.D when control:
                        if (_line.Length == 0)
                        {
                            _out.Write(Environment.NewLine);
                            _out.Flush();
                            return null;
                        }

                        DeleteForward();
                        break;
                    case ConsoleKey.A when control:
                        MoveTo(0);
                        break;
                    case ConsoleKey.E when control:
                        MoveTo(_line.Length);
                        break;
                    case ConsoleKey.U when control:
                        _line.Remove(0, _cursor);
                        _cursor = 0;
                        Redraw();
                        break;
                    case ConsoleKey.K when control:
                        _line.Length = _cursor;
                        Redraw();
                        break;
                    case ConsoleKey.W when control:
                        DeleteWordBack();
                        break;
                    case ConsoleKey.L when control:
                        _out.Write("\u001b[2J\u001b[H");
                        Redraw();
                        break;
                    default:
                        if (key.KeyChar >= ' ' && !control)
                        {
                            _line.Insert(_cursor++, key.KeyChar);
                            Redraw();
                        }

                        break;
                }

                lastWasTab = isTab;
            }
        }
        finally
        {
            _keys.SetRawMode(false);
        }
    }

    private void DeleteForward()
    {
        if (_cursor < _line.Length)
        {
            _line.Remove(_cursor, 1);
            Redraw();
        }
    }

    private void DeleteWordBack()
    {
        var start = _cursor;
        while (start > 0 && _line[start - 1] == ' ')
        {
            start--;
        }

        while (start > 0 && _line[start - 1] != ' ')
        {
            start--;
        }

        _line.Remove(start, _cursor - start);
        _cursor = start;
        Redraw();
    }

    private void Complete(bool listIfStuck)
    {
        var before = _line.ToString(0, _cursor);
        var (wordStart, candidates) = _complete(before);
        if (candidates.Count == 0)
        {
            return;
        }

        var word = before[wordStart..];
        if (candidates.Count == 1)
        {
            var completion = candidates[0] + " ";
            _line.Remove(wordStart, _cursor - wordStart).Insert(wordStart, completion);
            _cursor = wordStart + completion.Length;
            Redraw();
            return;
        }

        var common = CommonPrefix(candidates);
        if (common.Length > word.Length)
        {
            _line.Remove(wordStart, _cursor - wordStart).Insert(wordStart, common);
            _cursor = wordStart + common.Length;
            Redraw();
            return;
        }

        if (listIfStuck)
        {
            _out.Write(Environment.NewLine + string.Join("  ", candidates) + Environment.NewLine);
            Redraw();
        }
    }

    internal static string CommonPrefix(IReadOnlyList<string> words)
    {
        var prefix = words[0];
        foreach (var word in words)
        {
            var length = 0;
            while (length < prefix.Length && length < word.Length && prefix[length] == word[length])
            {
                length++;
            }

            prefix = prefix[..length];
        }

        return prefix;
    }

    private void Replace(string text)
    {
        _line.Clear().Append(text);
        _cursor = text.Length;
        Redraw();
    }

    private void MoveTo(int position)
    {
        position = Math.Clamp(position, 0, _line.Length);
        if (position == _cursor)
        {
            return;
        }

        _out.Write(position < _cursor ? $"\u001b[{_cursor - position}D" : $"\u001b[{position - _cursor}C");
        _out.Flush();
        _cursor = position;
    }

    /// <summary>Carriage return, prompt, text, clear to the end of the line, cursor back into place.</summary>
    private void Redraw()
    {
        var text = new StringBuilder("\r").Append(_prompt).Append(_line).Append("\u001b[K");
        var back = _line.Length - _cursor;
        if (back > 0)
        {
            text.Append("\u001b[").Append(back).Append('D');
        }

        _out.Write(text.ToString());
        _out.Flush();
    }

    private void AddHistory(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || (_history.Count > 0 && _history[^1] == line))
        {
            return;
        }

        _history.Add(line);
        if (_history.Count > MaxHistory)
        {
            _history.RemoveAt(0);
        }

        if (_historyPath is null)
        {
            return;
        }

        try
        {
            File.AppendAllLines(_historyPath, [line]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // History is a convenience: a read-only home must not break the shell.
        }
    }

    private void LoadHistory()
    {
        if (_historyPath is null || !File.Exists(_historyPath))
        {
            return;
        }

        try
        {
            var lines = File.ReadAllLines(_historyPath);
            _history.AddRange(lines.Where(l => l.Length > 0).TakeLast(MaxHistory));
            if (lines.Length > 2 * MaxHistory)
            {
                File.WriteAllLines(_historyPath, _history); // keep the file from growing for ever
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // as above
        }
    }
}
