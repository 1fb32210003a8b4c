using System.Diagnostics;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

public sealed class WaitHistoryTests
{
    private static readonly long Budget = Stopwatch.Frequency / 20_000; // 50 µs

    private static void RecordWaitsOf(WaitHistory history, long ticks, int count)
    {
        for (var i = 0; i < count; i++)
        {
            history.Record(Stopwatch.GetTimestamp() - ticks);
        }
    }

    [Fact]
    public void NewWaiter_SpinsAndYields()
    {
        Assert.True(new WaitHistory().FavoursActiveWait(Budget));
    }

    [Fact]
    public void SlowPeer_GoesStraightToTheFutex_ButProbesEverySixteenthWait()
    {
        var history = new WaitHistory();
        RecordWaitsOf(history, Budget * 10, 40);

        var active = Enumerable.Range(0, 64).Count(_ => history.FavoursActiveWait(Budget));

        Assert.Equal(4, active);
        Assert.True(history.MeanMicroseconds > 50);
    }

    [Fact]
    public void PeerFastAgain_SpinningResumes()
    {
        var history = new WaitHistory();
        RecordWaitsOf(history, Budget * 10, 40);
        Assert.False(history.FavoursActiveWait(Budget));

        RecordWaitsOf(history, 0, 40);

        Assert.True(history.FavoursActiveWait(Budget));
    }

    [Fact]
    public void WaitUntil_RecordsOnlyWaitsThatEndedWithTheirCondition()
    {
        var policy = new RingWaitPolicy(0, 0, 1);
        var history = new WaitHistory();
        var condition = new Never();
        unsafe
        {
            int word = 0, flag = 0;
            Assert.False(policy.WaitUntil(ref condition, &word, &flag, RingWaitPolicy.DeadlineAfter(20), null, CancellationToken.None, history));
        }

        Assert.Equal(0, history.MeanMicroseconds);
    }

    private readonly struct Never : IWaitCondition
    {
        public bool IsMet() => false;
    }
}
