using CyberDb.Cli.Terminal;

namespace CyberDb.Tests.Cli;

public class LineEditorTests
{
    [Fact]
    public void ReadLine_TypedWithEdits_ReturnsTheEditedLine()
    {
        var keys = new ScriptedKeys("get centre contnt", Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), "e", Key(ConsoleKey.Home), Key(ConsoleKey.Delete), "G", Key(ConsoleKey.End), Key(ConsoleKey.Backspace), "t", Key(ConsoleKey.Enter));
        var editor = new LineEditor(keys, new StringWriter(), _ => default);

        Assert.Equal("Get centre content", editor.ReadLine("> "));
        Assert.False(keys.Raw);
    }

    [Fact]
    public void ReadLine_UpAndDown_BrowseHistoryAndKeepTheDraft()
    {
        var keys = new ScriptedKeys(
            "first", Key(ConsoleKey.Enter),
            "second", Key(ConsoleKey.Enter),
            "dra", Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow), Key(ConsoleKey.Enter),
            "dra", Key(ConsoleKey.UpArrow), Key(ConsoleKey.DownArrow), "ft", Key(ConsoleKey.Enter));
        var editor = new LineEditor(keys, new StringWriter(), _ => default);

        Assert.Equal("first", editor.ReadLine("> "));
        Assert.Equal("second", editor.ReadLine("> "));
        Assert.Equal("first", editor.ReadLine("> "));
        Assert.Equal("draft", editor.ReadLine("> "));
        Assert.Equal(["first", "second", "first", "draft"], editor.History); // a recalled line is history again, as in bash
    }

    [Fact]
    public void ReadLine_CtrlCAbandonsAndCtrlDOnEmptyEnds()
    {
        var keys = new ScriptedKeys("oops", Key(ConsoleKey.C, control: true), Key(ConsoleKey.D, control: true));
        var editor = new LineEditor(keys, new StringWriter(), _ => default);

        Assert.Equal(string.Empty, editor.ReadLine("> "));
        Assert.Null(editor.ReadLine("> "));
    }

    [Fact]
    public void ReadLine_Tab_CompletesCommandsAndTableNamesFromTheSession()
    {
        // The completion rules of the shell without a server: commands first, tables second.
        static LineEditor.Completion Complete(string before)
        {
            var commands = new[] { "get", "set", "setdefault", "tables" };
            var tables = new[] { "centre", "centre-archive", "jobs" };
            var words = before.Split(' ');
            var candidates = words.Length == 1 ? commands : tables;
            var word = words[^1];
            return new LineEditor.Completion(before.Length - word.Length, [.. candidates.Where(c => c.StartsWith(word, StringComparison.Ordinal))]);
        }

        var output = new StringWriter();
        var keys = new ScriptedKeys("ta", Key(ConsoleKey.Tab), "j", Key(ConsoleKey.Tab), Key(ConsoleKey.Enter), "se", Key(ConsoleKey.Tab), Key(ConsoleKey.Tab), "d", Key(ConsoleKey.Tab), "c", Key(ConsoleKey.Tab), Key(ConsoleKey.Enter));
        var editor = new LineEditor(keys, output, Complete);

        Assert.Equal("tables jobs ", editor.ReadLine("> "));
        Assert.Equal("setdefault centre", editor.ReadLine("> "));
        Assert.Contains("set  setdefault", output.ToString(), StringComparison.Ordinal); // a second Tab lists the choices
    }

    [Fact]
    public void ReadLine_History_PersistsInTheFileAcrossEditors()
    {
        var path = Path.GetTempFileName();
        try
        {
            var first = new LineEditor(new ScriptedKeys("tables", Key(ConsoleKey.Enter)), new StringWriter(), _ => default, path);
            first.ReadLine("> ");

            var second = new LineEditor(new ScriptedKeys(Key(ConsoleKey.UpArrow), Key(ConsoleKey.Enter)), new StringWriter(), _ => default, path);

            Assert.Equal("tables", second.ReadLine("> "));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ConsoleKeyInfo Key(ConsoleKey key, bool control = false) =>
        new(key == ConsoleKey.Enter ? '\r' : key == ConsoleKey.Tab ? '\t' : '\0', key, shift: false, alt: false, control);

    /// <summary>Keys from strings (typed characters) and ConsoleKeyInfos (special keys), in order.</summary>
    private sealed class ScriptedKeys : IKeyReader
    {
        private readonly Queue<ConsoleKeyInfo> _keys = new();

        public ScriptedKeys(params object[] script)
        {
            foreach (var part in script)
            {
                if (part is string text)
                {
                    foreach (var c in text)
                    {
                        _keys.Enqueue(new ConsoleKeyInfo(c, ConsoleKey.A, char.IsUpper(c), alt: false, control: false));
                    }
                }
                else
                {
                    _keys.Enqueue((ConsoleKeyInfo)part);
                }
            }
        }

        public bool Raw { get; private set; }

        public ConsoleKeyInfo ReadKey() => _keys.Count > 0 ? _keys.Dequeue() : throw new InvalidOperationException("the script ran out of keys");

        public void SetRawMode(bool raw) => Raw = raw;
    }
}
