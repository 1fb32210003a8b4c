using System.Diagnostics;

namespace CyberDb.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Wait
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> when <paramref name="timeout"/> passes first.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout} for: {what}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
