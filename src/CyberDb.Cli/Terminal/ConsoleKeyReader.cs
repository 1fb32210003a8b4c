namespace CyberDb.Cli.Terminal;

/// <summary>The real keyboard through <see cref="Console.ReadKey(bool)"/>.</summary>
internal sealed class ConsoleKeyReader : IKeyReader
{
    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

    public void SetRawMode(bool raw) => Console.TreatControlCAsInput = raw;
}
