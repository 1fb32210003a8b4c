using System.Net;
using CyberDb.Security;

namespace CyberDb.Tests.Transport.Tcp;

public sealed class IpWhitelistTests
{
    [Fact]
    public void Default_IsLoopbackIPv4Only()
    {
        Assert.True(IpWhitelist.Default.Contains(IPAddress.Parse("127.0.0.1")));
        Assert.True(IpWhitelist.Default.Contains(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(IpWhitelist.Default.Contains(IPAddress.Parse("127.0.0.2")));
        Assert.False(IpWhitelist.Default.Contains(IPAddress.IPv6Loopback));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3", true)]
    [InlineData("10.1.2.3", "10.1.2.4", false)]
    [InlineData("10.0.0.0/8", "10.255.0.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.0/24", "192.168.1.200", true)]
    [InlineData("192.168.1.0/24", "192.168.2.1", false)]
    [InlineData("0.0.0.0/0", "8.8.8.8", true)]
    [InlineData("0.0.0.0/0", "::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("fe80::1%2", "fe80::1", true)]
    [InlineData(" 10.0.0.1 ", "10.0.0.1", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.9.9.9", true)] // dual-mode listeners report IPv4 clients mapped
    [InlineData("::ffff:10.0.0.0/104", "10.9.9.9", true)] // a mapped block is the IPv4 block
    [InlineData("::ffff:10.0.0.1", "10.0.0.1", true)]
    public void Contains_ParsedEntry_MatchesExpected(string entry, string address, bool expected)
    {
        var whitelist = IpWhitelist.Parse([entry]);
        Assert.Equal(expected, whitelist.Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("localhost", "not an IP address")]
    [InlineData("example.com", "not an IP address")]
    [InlineData("127.1", "not an IP address")] // IPAddress.TryParse would take it as 127.0.0.1
    [InlineData("2130706433", "not an IP address")] // ... and this as 127.0.0.1 too
    [InlineData("0x7f.0.0.1", "not an IP address")]
    [InlineData("256.0.0.1", "not an IP address")]
    [InlineData("10.0.0.5/8", "host bits")]
    [InlineData("2001:db8::1/32", "host bits")]
    [InlineData("10.0.0.0/33", "prefix length")]
    [InlineData("10.0.0.0/-1", "prefix length")]
    [InlineData("10.0.0.0/", "prefix length")]
    [InlineData("10.0.0.0/8x", "prefix length")]
    [InlineData("10.0.0.0/ 8", "prefix length")]
    [InlineData("::1/129", "prefix length")]
    [InlineData("10.0.0.0/8/8", "prefix length")]
    public void Parse_BadEntry_ThrowsArgumentExceptionNamingIt(string entry, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => IpWhitelist.Parse(["127.0.0.1", entry]));
        Assert.Equal("entries", e.ParamName);
        Assert.Contains($"#1 '{entry}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostBitsSet_SuggestsTheBlock()
    {
        var e = Assert.Throws<ArgumentException>(() => IpWhitelist.Parse(["10.0.0.5/8"]));
        Assert.Contains("10.0.0.0/8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NullEntry_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => IpWhitelist.Parse(["127.0.0.1", null!]));
        Assert.Contains("#1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Empty_ThrowsAndSaysHowToAllowEveryone()
    {
        var e = Assert.Throws<ArgumentException>(() => IpWhitelist.Parse([]));
        Assert.Contains("0.0.0.0/0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNullException() =>
        Assert.Throws<ArgumentNullException>(() => IpWhitelist.Parse(null!));

    [Fact]
    public void Parse_Duplicates_AreMerged()
    {
        var whitelist = IpWhitelist.Parse(["10.0.0.1", "10.0.0.1/32", "::ffff:10.0.0.1"]);
        Assert.Single(whitelist.Networks);
    }

    [Fact]
    public void SetIpWhitelist_BadEntry_ThrowsBeforeChangingAnything()
    {
        using var server = new CyberDbServer();
        var e = Assert.Throws<ArgumentException>(() => server.SetIpWhitelist(["10.0.0.0/8", "bogus"]));
        Assert.Contains("'bogus'", e.Message, StringComparison.Ordinal);
    }
}
