using System.Diagnostics;
using System.Text;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>
/// Encrypt = true end to end, with a recording, mutating relay in the middle: what an
/// eavesdropper sees, and what tampering, replaying, reordering or dropping frames does.
/// </summary>
public sealed class EncryptionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0
        || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Capture_AnyEncryptSetting_PasswordNeverCrossesTheWire(bool encrypt)
    {
        using var server = new TcpTestServer(encrypt);
        await using var relay = new TcpRelay(server.Port);
        var value = "distinctive-value-" + Guid.NewGuid().ToString("N");
        var table = TcpTestServer.UniqueName("capture");
        using (var client = server.Connect(port: relay.Port))
        using (var proxy = client.GetProxy())
        {
            proxy.Connect();
            var dict = proxy.CreateCyberDict(table);
            dict["secret"] = value;
            Assert.Equal(value, dict["secret"]);
        }

        var up = relay.ClientToServerBytes;
        var down = relay.ServerToClientBytes;
        Assert.True(up.Length > 100 && down.Length > 100, "the relay captured the session");
        Assert.False(Contains(up, TcpTestServer.Password), "the password went client → server");
        Assert.False(Contains(down, TcpTestServer.Password), "the password went server → client");

        // The control that makes this test able to fail: without Encrypt the value is plainly visible.
        Assert.Equal(!encrypt, Contains(up, value));
        Assert.Equal(!encrypt, Contains(down, value));
        Assert.Equal(!encrypt, Contains(up, table));
    }

    [Fact]
    public void Encrypted_ManyOperationsAndLargeValues_RoundTrip()
    {
        using var server = new TcpTestServer(encrypt: true);
        using var client = server.Connect();
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict(TcpTestServer.UniqueName());
        for (var i = 0; i < 300; i++)
        {
            dict[i] = "value " + i;
            Assert.Equal("value " + i, dict[i]);
        }

        var big = new byte[6 * 1024 * 1024];
        new Random(7).NextBytes(big);
        dict["big"] = big;
        Assert.Equal(big, (byte[])dict["big"]!);
        Assert.Equal(301, dict.Count);
    }

    [Fact]
    public async Task TamperedRequest_ClosesThatConnection_OthersKeepWorking()
    {
        using var server = new TcpTestServer(encrypt: true);
        await using var relay = new TcpRelay(server.Port);
        using var victim = server.Connect(port: relay.Port);
        using var bystander = server.Connect();
        using var proxy = victim.GetProxy();
        proxy.Connect();
        var table = TcpTestServer.UniqueName("tamper");
        var dict = proxy.CreateCyberDict(table);
        dict["a"] = 1L;

        var serverClosed = relay.ArmClientToServer(TcpRelay.Mutation.FlipByte);
        var e = Assert.Throws<CyberDbConnectionException>(() => dict["b"] = 2L);
        Assert.Equal(CyberDbConnectionFailure.ProtocolViolation, e.Failure);
        Assert.Contains("failed authentication", e.Message, StringComparison.Ordinal);
        await serverClosed.WaitAsync(Deadline);
        Assert.True(server.Logs.Has(205), "the server logged the forged frame");

        using (var other = bystander.GetProxy())
        {
            other.Connect();
            var seen = other.GetCyberDict(table);
            Assert.Equal(1L, seen["a"]);
            Assert.False(seen.ContainsKey("b"));
        }

        // The victim's client recovers on a fresh connection, through the same relay.
        proxy.Close();
        proxy.Connect();
        dict["c"] = 3L;
        Assert.Equal(3L, dict["c"]);
    }

    [Fact]
    public async Task TamperedResponse_ClientRefusesIt_AndRecovers()
    {
        using var server = new TcpTestServer(encrypt: true);
        await using var relay = new TcpRelay(server.Port);
        using var client = server.Connect(port: relay.Port);
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.CreateCyberDict(TcpTestServer.UniqueName("tamper-down"));
        dict["a"] = "genuine";

        relay.ArmServerToClient(TcpRelay.Mutation.FlipByte);
        var e = Assert.Throws<CyberDbConnectionException>(() => dict["a"]);
        Assert.Equal(CyberDbConnectionFailure.ProtocolViolation, e.Failure);
        Assert.Contains("failed authentication", e.Message, StringComparison.Ordinal);

        proxy.Close();
        proxy.Connect();
        Assert.Equal("genuine", dict["a"]);
    }

    [Fact]
    public async Task ReplayedRequest_IsNotApplied_AndClosesThatConnection()
    {
        using var server = new TcpTestServer(encrypt: true);
        await using var relay = new TcpRelay(server.Port);
        using var victim = server.Connect(port: relay.Port);
        using var bystander = server.Connect();
        using var proxy = victim.GetProxy();
        proxy.Connect();
        var table = TcpTestServer.UniqueName("replay");
        var dict = proxy.CreateCyberDict(table);

        var serverClosed = relay.ArmClientToServer(TcpRelay.Mutation.Duplicate);
        Assert.Equal(1L, dict.Increment("n")); // the original is answered
        await serverClosed.WaitAsync(Deadline); // the copy killed the connection
        Assert.Throws<CyberDbConnectionException>(() => dict.Increment("n"));

        using var other = bystander.GetProxy();
        other.Connect();
        Assert.Equal(1L, other.GetCyberDict(table)["n"]);
    }

    [Fact]
    public async Task ReorderedRequests_NeitherIsApplied_AndTheConnectionCloses()
    {
        using var server = new TcpTestServer(encrypt: true);
        var table = CreateTable(server);
        await using var relay = new TcpRelay(server.Port);
        using var raw = await RawSession.ConnectAsync(relay.Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(TcpTestServer.Password))!.Value.Status);
        Assert.True(raw.IsEncrypted);

        var first = raw.BuildFrame(OpCode.DictSet, 1, SetArguments(table, "first"));
        var second = raw.BuildFrame(OpCode.DictSet, 2, SetArguments(table, "second"));
        var serverClosed = relay.ArmClientToServer(TcpRelay.Mutation.SwapWithNext);
        await raw.SendRawAsync(first);
        await raw.SendRawAsync(second);

        await AssertClosedForForgeryAsync(raw);
        await serverClosed.WaitAsync(Deadline);
        AssertKeysAbsent(server, table, "first", "second");
    }

    [Fact]
    public async Task DroppedRequest_NextRequestFailsAuthentication()
    {
        using var server = new TcpTestServer(encrypt: true);
        var table = CreateTable(server);
        await using var relay = new TcpRelay(server.Port);
        using var raw = await RawSession.ConnectAsync(relay.Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(TcpTestServer.Password))!.Value.Status);

        _ = relay.ArmClientToServer(TcpRelay.Mutation.Drop);
        await raw.SendAsync(OpCode.DictSet, 1, SetArguments(table, "dropped"));
        await raw.SendAsync(OpCode.DictSet, 2, SetArguments(table, "after"));

        await AssertClosedForForgeryAsync(raw);
        AssertKeysAbsent(server, table, "dropped", "after");
    }

    [Fact]
    public async Task PlainFrameAfterEncryptedHandshake_ClosesTheConnection()
    {
        using var server = new TcpTestServer(encrypt: true);
        var table = CreateTable(server);
        using var raw = await RawSession.ConnectAsync(server.Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(TcpTestServer.Password))!.Value.Status);

        // The same request an unencrypted client would send, with room for a "tag" of zeros.
        using var plain = new FrameBuffer();
        plain.BeginFrame();
        var writer = new MessagePackWriter(plain);
        SetArguments(table, "plain")(ref writer);
        writer.Flush();
        plain.EndFrame((byte)OpCode.DictSet, 1);
        var frame = new byte[plain.Length + 16];
        plain.WrittenSpan.CopyTo(frame);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        await raw.SendRawAsync(frame);

        await AssertClosedForForgeryAsync(raw);
        AssertKeysAbsent(server, table, "plain");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Connect_EncryptMismatch_ThrowsAuthenticationExceptionQuickly(bool serverEncrypts, bool clientEncrypts)
    {
        using var server = new TcpTestServer(serverEncrypts);
        var stopwatch = Stopwatch.StartNew();
        var e = Assert.Throws<CyberDbAuthenticationException>(() => server.Connect(encrypt: clientEncrypts));
        Assert.Contains("encryption mismatch", e.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Auth_ClientClaimsTheOtherEncryptSetting_ServerRefusesAndCloses(bool serverEncrypts)
    {
        // A client that ignores the hello's flag (or a flag flipped on the way) is refused by the
        // server's own check, so no downgrade is possible from either side.
        using var server = new TcpTestServer(serverEncrypts);
        using var raw = await RawSession.ConnectAsync(server.Port);
        var answer = await raw.AuthenticateAsync(TcpTestServer.Password, claimEncrypt: !serverEncrypts);
        Assert.Equal(ResponseStatus.AuthenticationFailed, answer!.Value.Status);
        Assert.Contains("encryption mismatch", answer.Value.Message, StringComparison.Ordinal);
        Assert.True(await raw.WaitForCloseAsync(Deadline));
    }

    internal static string CreateTable(TcpTestServer server)
    {
        var table = TcpTestServer.UniqueName();
        using var client = server.Connect();
        using var proxy = client.GetProxy();
        proxy.Connect();
        proxy.CreateCyberDict(table);
        return table;
    }

    internal static PayloadWriter SetArguments(string table, string key) => (ref MessagePackWriter writer) =>
    {
        writer.Write(table);
        writer.Write(key);
        writer.Write(1);
    };

    private static async Task AssertClosedForForgeryAsync(RawSession raw)
    {
        var goodbye = await raw.ReceiveAsync();
        Assert.NotNull(goodbye);
        Assert.Equal(ResponseStatus.Refused, goodbye.Value.Status);
        Assert.StartsWith("ProtocolViolation: a frame failed authentication", goodbye.Value.Message, StringComparison.Ordinal);
        Assert.True(await raw.WaitForCloseAsync(Deadline), "the server kept the connection open");
    }

    private static void AssertKeysAbsent(TcpTestServer server, string table, params string[] keys)
    {
        using var client = server.Connect();
        using var proxy = client.GetProxy();
        proxy.Connect();
        var dict = proxy.GetCyberDict(table);
        foreach (var key in keys)
        {
            Assert.False(dict.ContainsKey(key), $"'{key}' was applied");
        }
    }
}
