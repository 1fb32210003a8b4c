using System.Net;
using CyberDb.Security;

namespace CyberDb.Tests.Transport.Tcp;

public sealed class AuthThrottleTests
{
    private static readonly HardeningOptions Options = new()
    {
        FailureLimit = 3,
        FailureWindow = TimeSpan.FromSeconds(60),
        Lockout = TimeSpan.FromSeconds(30),
        MaxTrackedAddresses = 100,
    };

    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress Bystander = IPAddress.Parse("203.0.113.8");

    [Fact]
    public void RecordFailure_UpToTheLimit_LocksOutThatAddressOnly()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options, time);
        Assert.False(throttle.RecordFailure(Attacker));
        Assert.False(throttle.RecordFailure(Attacker));
        Assert.False(throttle.IsLockedOut(Attacker, out _));
        Assert.True(throttle.RecordFailure(Attacker));

        Assert.True(throttle.IsLockedOut(Attacker, out var remaining));
        Assert.Equal(TimeSpan.FromSeconds(30), remaining);
        Assert.False(throttle.IsLockedOut(Bystander, out _));
    }

    [Fact]
    public void IsLockedOut_AfterTheLockout_IsFalseAgain()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options, time);
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(Attacker);
        }

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(throttle.IsLockedOut(Attacker, out var remaining));
        Assert.Equal(TimeSpan.FromSeconds(1), remaining);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(throttle.IsLockedOut(Attacker, out _));
    }

    [Fact]
    public void RecordFailure_SpreadBeyondTheWindow_NeverLocksOut()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options, time);
        for (var i = 0; i < 10; i++)
        {
            Assert.False(throttle.RecordFailure(Attacker));
            Assert.False(throttle.RecordFailure(Attacker));
            time.Advance(TimeSpan.FromSeconds(61));
        }
    }

    [Fact]
    public void RecordSuccess_ClearsTheFailures()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options, time);
        throttle.RecordFailure(Attacker);
        throttle.RecordFailure(Attacker);
        throttle.RecordSuccess(Attacker);
        Assert.False(throttle.RecordFailure(Attacker));
        Assert.False(throttle.RecordFailure(Attacker));
        Assert.False(throttle.IsLockedOut(Attacker, out _));
    }

    [Fact]
    public void SourceOf_IPv6_GroupsBySlash64()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options, time);
        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2::1"));
        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2::2"));
        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2:ffff::3"));

        Assert.True(throttle.IsLockedOut(IPAddress.Parse("2001:db8:1:2:abcd::9"), out _));
        Assert.False(throttle.IsLockedOut(IPAddress.Parse("2001:db8:1:3::1"), out _));
    }

    [Fact]
    public void SourceOf_MappedIPv4_IsTheIPv4Address()
    {
        Assert.Equal(Attacker, AuthThrottle.SourceOf(Attacker.MapToIPv6()));
    }

    [Fact]
    public void RecordFailure_ManySources_TrackedCountStaysBounded()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options, time);
        for (var i = 0; i < 10_000; i++)
        {
            throttle.RecordFailure(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]));
        }

        Assert.True(throttle.TrackedCount <= Options.MaxTrackedAddresses, $"{throttle.TrackedCount} tracked");
    }

    [Fact]
    public void RecordFailure_TableFullOfLockedSources_KeepsThemLocked()
    {
        var time = new ManualTimeProvider();
        var throttle = new AuthThrottle(Options with { MaxTrackedAddresses = 2 }, time);
        var first = IPAddress.Parse("10.0.0.1");
        var second = IPAddress.Parse("10.0.0.2");
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(first);
            throttle.RecordFailure(second);
        }

        for (var i = 0; i < 50; i++)
        {
            throttle.RecordFailure(new IPAddress([10, 1, 0, (byte)i]));
        }

        Assert.True(throttle.IsLockedOut(first, out _));
        Assert.True(throttle.IsLockedOut(second, out _));
        Assert.Equal(2, throttle.TrackedCount);
    }
}
