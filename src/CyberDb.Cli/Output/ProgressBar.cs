using System.Diagnostics;
using System.Globalization;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli.Output;

/// <summary>
/// A one-line progress bar on standard error, drawn only when that is a terminal and the job is
/// large enough to be worth watching; redrawn at most ten times a second.
/// </summary>
internal sealed class ProgressBar : IDisposable
{
    /// <summary>Jobs with fewer items finish before a bar would be read.</summary>
    public const long MinimumItems = 20_000;

    private const int Width = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _error;
    private readonly string _label;
    private readonly long _total;
    private long _lastDraw;
    private long _done;

    private ProgressBar(TextWriter error, string label, long total)
    {
        _error = error;
        _label = label;
        _total = total;
    }

    /// <summary>A bar, or null when standard error is not a terminal or the job is small.</summary>
    public static ProgressBar? Create(CliConsole console, string label, long total) =>
        console.ErrorIsTerminal && total >= MinimumItems ? new ProgressBar(console.Error, label, total) : null;

    public void Report(long done)
    {
        _done = done;
        var now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastDraw, now) >= RedrawInterval)
        {
            _lastDraw = now;
            Draw();
        }
    }

    private void Draw()
    {
        var fraction = _total == 0 ? 1 : Math.Clamp((double)_done / _total, 0, 1);
        var filled = (int)(fraction * Width);
        var c = CultureInfo.InvariantCulture;
        _error.Write($"\r{_label} [{new string('#', filled)}{new string('-', Width - filled)}] {(fraction * 100).ToString("0", c),3}% {_done.ToString("N0", c)}/{_total.ToString("N0", c)}");
        _error.Flush();
    }

    public void Dispose()
    {
        Draw();
        _error.WriteLine();
        _error.Flush();
    }
}
