using System.Buffers.Binary;
using CyberDb.Protocol;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>
/// The IP whitelist against real sockets. 127.0.0.2 (a second loopback address, usable on Linux
/// without setup) stands in for a remote host: clients bind their socket to it.
/// </summary>
public sealed class RemoteClientTests
{
    private const string Remote = "127.0.0.2";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private static void AssertWorks(CyberDbClient client)
    {
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict(TcpTestServer.UniqueName("remote"));
        dict["k"] = "v";
        Assert.Equal("v", dict["k"]);
    }

    private static void AssertRefused(TcpTestServer server, string address, string host = "127.0.0.1", string? localAddress = null)
    {
        var e = Assert.Throws<CyberDbConnectionException>(() => server.Connect(host: host, localAddress: localAddress));
        Assert.Equal(CyberDbConnectionFailure.NotWhitelisted, e.Failure);
        Assert.Contains("not whitelisted", e.Message, StringComparison.Ordinal);
        Assert.Contains(address, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_DefaultWhitelistFromAnotherAddress_RefusedAsNotWhitelisted()
    {
        using var server = new TcpTestServer(encrypt: true);
        AssertRefused(server, Remote, localAddress: Remote);
        using var local = server.Connect();
        AssertWorks(local);
    }

    [Fact]
    public void Connect_AddressInWhitelistedBlock_IsServed()
    {
        using var server = new TcpTestServer(encrypt: true, whitelist: ["10.0.0.0/8", "127.0.0.0/30"]);
        using var client = server.Connect(localAddress: Remote);
        AssertWorks(client);
    }

    [Fact]
    public void Connect_EncryptOff_WhitelistIsNotEnforced()
    {
        using var server = new TcpTestServer(encrypt: false);
        using var client = server.Connect(localAddress: Remote);
        AssertWorks(client);
    }

    [Fact]
    public void SetIpWhitelist_WhileRunning_AppliesToNewConnections()
    {
        using var server = new TcpTestServer(encrypt: true);
        using var local = server.Connect();
        AssertRefused(server, Remote, localAddress: Remote);

        server.Server.SetIpWhitelist([Remote]);
        using var remote = server.Connect(localAddress: Remote);
        AssertWorks(remote);
        AssertRefused(server, "127.0.0.1");
    }

    [Fact]
    public void HostAnyAddress_ServesWhitelistedRemoteClient_RefusesOthers()
    {
        using var server = new TcpTestServer(encrypt: true, whitelist: [Remote], host: "0.0.0.0");
        using var remote = server.Connect(host: Remote, localAddress: Remote);
        AssertWorks(remote);
        AssertRefused(server, "127.0.0.1");
    }

    [Fact]
    public void DualModeListener_IPv4ClientMatchesIPv4Entry_IPv6ClientNeedsItsOwn()
    {
        using var server = new TcpTestServer(encrypt: true, host: "::");
        using (var mappedIPv4 = server.Connect())
        {
            AssertWorks(mappedIPv4); // reported as ::ffff:127.0.0.1, compared as 127.0.0.1
        }

        AssertRefused(server, "::1", host: "::1");
        server.Server.SetIpWhitelist(["::1/128"]);
        using (var ipv6 = server.Connect(host: "::1"))
        {
            AssertWorks(ipv6);
        }

        AssertRefused(server, "127.0.0.1");
    }

    [Fact]
    public async Task Refusal_NotWhitelisted_IsTheFirstFrameAndNothingSentIsRead()
    {
        using var server = new TcpTestServer(encrypt: true);
        using var raw = await RawSession.ConnectAsync(server.Port, localAddress: Remote);

        // Send at once what would make a reading server answer "frame length outside ...".
        var hostile = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(hostile, 100_000_000);
        await raw.SendRawAsync(hostile);

        var frame = await raw.ReceiveAsync();
        Assert.NotNull(frame);
        Assert.Equal(ResponseStatus.Refused, frame.Value.Status);
        Assert.StartsWith("NotWhitelisted: the client address 127.0.0.2 is not whitelisted", frame.Value.Message, StringComparison.Ordinal);
        Assert.True(await raw.WaitForCloseAsync(Deadline));
        Assert.Contains(server.Logs.Entries, e => e.EventId == 202 && e.Message.Contains("not whitelisted", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventId is 201 or 206);
        Assert.Equal(0, server.Connections);
    }
}
