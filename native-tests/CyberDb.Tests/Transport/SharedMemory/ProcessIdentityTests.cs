using CyberDb.Transport.SharedMemory;

namespace CyberDb.Tests.Transport.SharedMemory;

public class ProcessIdentityTests
{
    [Fact]
    public void CurrentStartTime_ThisProcess_IsPositiveAndAlive()
    {
        Assert.True(ProcessIdentity.CurrentStartTime > 0);
        Assert.True(ProcessIdentity.IsAlive(ProcessIdentity.CurrentPid, ProcessIdentity.CurrentStartTime));
    }

    [Fact]
    public void IsAlive_SamePidOtherStartTime_IsFalse()
    {
        Assert.False(ProcessIdentity.IsAlive(ProcessIdentity.CurrentPid, ProcessIdentity.CurrentStartTime + 1));
    }

    [Fact]
    public void TryGetStartTime_NoSuchPid_ReturnsFalse()
    {
        Assert.False(ProcessIdentity.TryGetStartTime(int.MaxValue, out _));
        Assert.False(ProcessIdentity.TryGetStartTime(0, out _));
    }

    [Fact]
    public void TryParseStat_CommandNameWithSpacesAndParentheses_ReadsField22()
    {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itreal starttime ...
        const string stat = "42 (a) (b c)) S 1 42 42 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 3 0 987654 1000 200 18446744073709551615\n";
        Assert.True(ProcessIdentity.TryParseStat(stat, out var startTime));
        Assert.Equal(987654, startTime);
    }

    [Fact]
    public void TryParseStat_Zombie_ReturnsFalse()
    {
        const string stat = "42 (x) Z 1 42 42 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 3 0 987654 1000\n";
        Assert.False(ProcessIdentity.TryParseStat(stat, out _));
    }

    [Fact]
    public void TryParseStat_Truncated_ReturnsFalse()
    {
        Assert.False(ProcessIdentity.TryParseStat("42 (x) S 1 2 3", out _));
        Assert.False(ProcessIdentity.TryParseStat("garbage", out _));
    }
}
