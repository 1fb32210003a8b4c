using System.Diagnostics;
using System.Runtime.InteropServices;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

public sealed class FutexTests : IDisposable
{
    private readonly nint _word;

    public unsafe FutexTests()
    {
        _word = (nint)NativeMemory.AlignedAlloc(128, 128);
        NativeMemory.Clear((void*)_word, 128);
    }

    private unsafe int* Word => (int*)_word;

    public unsafe void Dispose() => NativeMemory.AlignedFree(Word);

    [Fact]
    public void IsSupported_OnLinuxX64OrArm64_IsTrue()
    {
        Assert.True(Futex.IsSupported);
    }

    [Fact]
    public unsafe void Wait_ValueAlreadyDifferent_ReturnsTrueAtOnce()
    {
        *Word = 1;
        var watch = Stopwatch.StartNew();
        Assert.True(Futex.Wait(Word, 0, 5_000));
        Assert.True(watch.ElapsedMilliseconds < 1_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public unsafe void Wait_NobodyWakes_ReturnsFalseAfterTimeout()
    {
        var watch = Stopwatch.StartNew();
        Assert.False(Futex.Wait(Word, 0, 100));
        Assert.InRange(watch.ElapsedMilliseconds, 90, 2_000);
    }

    [Fact]
    public async Task Wake_SleepingWaiter_WakesItBeforeItsTimeout()
    {
        var watch = Stopwatch.StartNew();
        var waiter = Task.Factory.StartNew(() => WaitOnWord(10_000), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Wake until the kernel reports it woke someone: proves the waiter slept and was woken by us.
        var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        var woken = 0;
        while (woken == 0 && Stopwatch.GetTimestamp() < deadline)
        {
            woken = WakeWord();
            Thread.Yield();
        }

        Assert.Equal(1, woken);
        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(watch.ElapsedMilliseconds < 9_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public unsafe void Wake_NobodyWaits_ReturnsZero()
    {
        Assert.Equal(0, Futex.Wake(Word, int.MaxValue));
    }

    [Fact]
    public unsafe void Wait_NegativeTimeout_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Futex.Wait(Word, 0, -1));
    }

    [Fact]
    public void IsWaitAnySupported_OnThisKernel_IsTrue()
    {
        Assert.True(Futex.IsWaitAnySupported, "futex_waitv (Linux 5.16+) is missing");
    }

    [Fact]
    public unsafe void WaitAny_OneWordAlreadyDifferent_ReturnsTrueAtOnce()
    {
        var second = Word + 16; // another cache line of the same allocation
        *second = 7;
        Span<Futex.FutexWaiter> waiters = [Futex.FutexWaiter.For(Word, 0), Futex.FutexWaiter.For(second, 6)];
        var watch = Stopwatch.StartNew();
        Assert.True(Futex.WaitAny(waiters, 5_000));
        Assert.True(watch.ElapsedMilliseconds < 1_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public unsafe void WaitAny_NobodyWakes_ReturnsFalseAfterTimeout()
    {
        Span<Futex.FutexWaiter> waiters = [Futex.FutexWaiter.For(Word, 0), Futex.FutexWaiter.For(Word + 16, 0)];
        var watch = Stopwatch.StartNew();
        Assert.False(Futex.WaitAny(waiters, 100));
        Assert.InRange(watch.ElapsedMilliseconds, 90, 2_000);
    }

    [Fact]
    public async Task WaitAny_WakeOnTheSecondWord_WakesTheWaiter()
    {
        var watch = Stopwatch.StartNew();
        var waiter = Task.Factory.StartNew(() => WaitOnBothWords(10_000), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        var woken = 0;
        while (woken == 0 && Stopwatch.GetTimestamp() < deadline)
        {
            woken = WakeSecondWord();
            Thread.Yield();
        }

        Assert.Equal(1, woken);
        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(watch.ElapsedMilliseconds < 9_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    private unsafe bool WaitOnBothWords(int timeoutMs)
    {
        Span<Futex.FutexWaiter> waiters = [Futex.FutexWaiter.For(Word, 0), Futex.FutexWaiter.For(Word + 16, 0)];
        return Futex.WaitAny(waiters, timeoutMs);
    }

    private unsafe int WakeSecondWord() => Futex.Wake(Word + 16, 1);

    private unsafe bool WaitOnWord(int timeoutMs) => Futex.Wait(Word, 0, timeoutMs);

    private unsafe int WakeWord() => Futex.Wake(Word, 1);
}
