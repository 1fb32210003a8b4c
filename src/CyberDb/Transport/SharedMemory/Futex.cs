using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// Linux futex through <c>syscall(SYS_futex)</c>, in its <b>shared</b> form (no
/// <c>FUTEX_PRIVATE_FLAG</c>): the word lives in a <c>MAP_SHARED</c> file mapping and the waiter
/// and the waker are different processes, so the kernel must key the wait on the file page, not
/// on this process's address space.
/// </summary>
/// <remarks>
/// <para>API:</para>
/// <list type="bullet">
/// <item><c>bool Wait(int* address, int expected, int timeoutMs)</c>: sleeps while
/// <c>*address == expected</c>, at most <c>timeoutMs</c>. Returns <see langword="false"/>
/// only on timeout; <see langword="true"/> means "woken, value already different, or interrupted by
/// a signal", and the caller re-checks its condition in every case.</item>
/// <item><c>int Wake(int* address, int count)</c>: wakes up to <c>count</c> waiters, returns how many.</item>
/// <item><c>bool WaitAny(Span&lt;FutexWaiter&gt; waiters, int timeoutMs)</c>: <c>futex_waitv</c> (Linux 5.16+,
/// <see cref="IsWaitAnySupported"/>): sleeps until a <see cref="Wake"/> on any of the words, or until a word
/// no longer holds its expected value, or the timeout. Same return convention as <c>Wait</c>.</item>
/// </list>
/// <para>There is deliberately no wait without a timeout: a peer process can die between our check
/// and its wake, and only the timeout brings the caller back to look at the peer's liveness.</para>
/// <para>Addresses must be 4-byte aligned and inside shared memory (never a movable managed
/// object). Linux x64 and arm64 only; anything else throws <see cref="PlatformNotSupportedException"/>.</para>
/// </remarks>
internal static unsafe partial class Futex
{
    /// <summary><c>SYS_futex</c> on x86_64 (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>).</summary>
    public const int SysFutexX64 = 202;

    /// <summary><c>SYS_futex</c> on arm64 (<c>include/uapi/asm-generic/unistd.h</c>).</summary>
    public const int SysFutexArm64 = 98;

    /// <summary><c>FUTEX_WAIT</c> without <c>FUTEX_PRIVATE_FLAG</c> (128): shared across processes.</summary>
    public const int OpWait = 0;

    /// <summary><c>FUTEX_WAKE</c> without <c>FUTEX_PRIVATE_FLAG</c>.</summary>
    public const int OpWake = 1;

    /// <summary><c>SYS_futex_waitv</c>, the same number on x86_64 and arm64 (since Linux 5.16).</summary>
    public const int SysFutexWaitv = 449;

    /// <summary><c>FUTEX2_SIZE_U32</c>: a 32-bit futex word (shared: no <c>FUTEX2_PRIVATE</c>).</summary>
    private const uint Futex2SizeU32 = 0x02;

    /// <summary>The most words one <c>futex_waitv</c> call takes (<c>FUTEX_WAITV_MAX</c>).</summary>
    public const int MaxWaitAny = 128;

    private const int ClockMonotonic = 1;

    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int ETimedOut = 110;

    private static readonly nint SysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 when OperatingSystem.IsLinux() => SysFutexX64,
        Architecture.Arm64 when OperatingSystem.IsLinux() => SysFutexArm64,
        _ => 0,
    };

    /// <summary>Whether futexes work here (Linux on x64 or arm64).</summary>
    public static bool IsSupported => SysFutex != 0;

    /// <summary>
    /// <c>FUTEX_WAIT</c>: if <c>*address</c> still equals <paramref name="expected"/>, sleeps until a
    /// <see cref="Wake"/> on the same word or until <paramref name="timeoutMs"/> elapses.
    /// </summary>
    /// <returns><see langword="false"/> if the timeout elapsed; <see langword="true"/> if woken, if the
    /// value already differed (<c>EAGAIN</c>) or on a signal (<c>EINTR</c>). Re-check the condition.</returns>
    public static bool Wait(int* address, int expected, int timeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeoutMs);
        EnsureSupported();
        var timeout = new Timespec { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000L };
        var result = SysCall(SysFutex, address, OpWait, expected, &timeout, null, 0);
        if (result == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ETimedOut => false,
            EAgain or EIntr => true,
            _ => throw new Win32Exception(errno, $"futex wait failed (errno {errno})"),
        };
    }

    /// <summary><c>FUTEX_WAKE</c>: wakes up to <paramref name="count"/> processes waiting on the word.</summary>
    /// <returns>How many waiters were woken.</returns>
    public static int Wake(int* address, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        EnsureSupported();
        var result = SysCall(SysFutex, address, OpWake, count, null, null, 0);
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"futex wake failed (errno {errno})");
        }

        return (int)result;
    }

    /// <summary>
    /// Whether <see cref="WaitAny"/> works here, probed once with a real call that must fail with
    /// EAGAIN (the word does not hold the expected value): ENOSYS on an old kernel, or EPERM from a
    /// seccomp filter, say no, so the first real wait cannot be the one that fails.
    /// </summary>
    public static bool IsWaitAnySupported => WaitAnyProbe.Value;

    private static readonly Lazy<bool> WaitAnyProbe = new(() =>
    {
        if (SysFutex == 0)
        {
            return false;
        }

        var word = 1;
        var waiter = FutexWaiter.For(&word, expected: 0);
        return SysCallWaitv(SysFutexWaitv, &waiter, 1, 0, null, ClockMonotonic) < 0 && Marshal.GetLastPInvokeError() == EAgain;
    });

    /// <summary>
    /// <c>futex_waitv</c>: if every word still holds its <see cref="FutexWaiter.Expected"/> value, sleeps
    /// until a <see cref="Wake"/> on any of them or until <paramref name="timeoutMs"/> elapses.
    /// </summary>
    /// <returns><see langword="false"/> if the timeout elapsed; <see langword="true"/> if woken, if a word
    /// already differed (<c>EAGAIN</c>) or on a signal (<c>EINTR</c>). Re-check every condition.</returns>
    public static bool WaitAny(Span<FutexWaiter> waiters, int timeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeoutMs);
        ArgumentOutOfRangeException.ThrowIfZero(waiters.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(waiters.Length, MaxWaitAny);
        EnsureSupported();

        // The timeout of futex_waitv is absolute, on the clock we name.
        Timespec deadline;
        if (ClockGetTime(ClockMonotonic, &deadline) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "clock_gettime(CLOCK_MONOTONIC) failed");
        }

        var nanoseconds = deadline.Nanoseconds + (timeoutMs % 1000 * 1_000_000L);
        deadline.Seconds += (timeoutMs / 1000) + (nanoseconds / 1_000_000_000L);
        deadline.Nanoseconds = nanoseconds % 1_000_000_000L;
        fixed (FutexWaiter* first = waiters)
        {
            var result = SysCallWaitv(SysFutexWaitv, first, (uint)waiters.Length, 0, &deadline, ClockMonotonic);
            if (result >= 0)
            {
                return true;
            }
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ETimedOut => false,
            EAgain or EIntr => true,
            _ => throw new Win32Exception(errno, $"futex_waitv failed (errno {errno})"),
        };
    }

    private static void EnsureSupported()
    {
        if (SysFutex == 0)
        {
            ThrowNotSupported();
        }
    }

    private static void ThrowNotSupported() =>
        throw new PlatformNotSupportedException($"futex needs Linux on x64 or arm64, not {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}.");

    // long syscall(long number, ...): glibc's syscall() is a register shuffle, so passing the six
    // futex arguments as fixed integer/pointer arguments is ABI-compatible on x64 and arm64.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SysCall(nint number, int* address, int op, int value, Timespec* timeout, int* address2, int value3);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SysCallWaitv(nint number, FutexWaiter* waiters, uint count, uint flags, Timespec* timeout, int clock);

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, Timespec* time);

    /// <summary>
    /// <c>struct futex_waitv</c>: one word for <see cref="WaitAny"/>. Build with <see cref="For"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FutexWaiter
    {
        public ulong Expected;
        public ulong Address;
        public uint Flags;
        private readonly uint _reserved;

        /// <summary>Wait while the shared 32-bit word at <paramref name="address"/> holds <paramref name="expected"/>.</summary>
        public static FutexWaiter For(int* address, int expected) =>
            new() { Expected = (uint)expected, Address = (ulong)address, Flags = Futex2SizeU32 };
    }

    /// <summary><c>struct timespec</c> on 64-bit Linux: two longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
