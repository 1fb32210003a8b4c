namespace CyberDb.Cli.Terminal;

/// <summary>Key presses for the <see cref="LineEditor"/>: the console's, or a test's script.</summary>
internal interface IKeyReader
{
    /// <summary>The next key, without echoing it.</summary>
    ConsoleKeyInfo ReadKey();

    /// <summary>Called while the editor owns the terminal (true) and after (false): Ctrl+C becomes a key.</summary>
    void SetRawMode(bool raw);
}
