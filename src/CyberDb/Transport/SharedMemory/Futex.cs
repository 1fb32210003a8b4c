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

    /// <summary><c>struct timespec</c> on 64-bit Linux: two longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
