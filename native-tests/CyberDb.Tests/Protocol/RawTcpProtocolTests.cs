using System.Buffers;
using System.Text;
using CyberDb.Protocol;
using CyberDb.Tests.Infrastructure;
using MessagePack;

namespace CyberDb.Tests.Protocol;

/// <summary>
/// Hostile and broken peers on a real TCP socket: each gets a clear BadRequest (where there is
/// anyone to answer) and is disconnected, while a well-behaved client keeps being served.
/// Each test has its own server: failed handshakes from one address count toward a lockout, and
/// must not leak into other tests.
/// </summary>
public sealed class RawTcpProtocolTests : IDisposable
{
    private readonly CyberDbServer _server;
    private readonly CyberDbClient _client;

    public RawTcpProtocolTests()
    {
        _server = TestServer.Start();
        _client = CyberDbClient.Connect(TestServer.ClientOptions(_server.Port));
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    private int Port => _server.Port;

    private CyberProxy Proxy()
    {
        var proxy = _client.GetProxy();
        proxy.Connect();
        return proxy;
    }

    /// <summary>A normal client does a round trip that touches the tables, on a new connection too.</summary>
    private void AssertServerStillServes()
    {
        using (var fresh = CyberDbClient.Connect(TestServer.ClientOptions(_server.Port)))
        using (var other = fresh.GetProxy())
        {
            other.Connect();
            other.GetTables();
        }

        using var proxy = Proxy();
        var dict = proxy.CreateCyberDict(ServerFixture.UniqueName("alive"));
        dict.Increment("n");
        Assert.Equal(1L, dict["n"]);
    }

    private static async Task AssertBadRequestThenClosed(RawTcpClient raw)
    {
        var answer = await raw.ReceiveFrameAsync();
        Assert.NotNull(answer);
        Assert.Equal(ResponseStatus.BadRequest, answer.Value.Status);
        Assert.False(string.IsNullOrEmpty(answer.Value.Message));
        Assert.True(await raw.IsClosedByServerAsync(), "the server kept the connection of a peer that broke the protocol");
    }

    /// <summary>A length field out of bounds is refused (status Refused, a protocol violation the client reports as a connection error) and the socket closed, nothing read.</summary>
    private static async Task AssertFrameLengthRefusedThenClosed(RawTcpClient raw)
    {
        var answer = await raw.ReceiveFrameAsync();
        Assert.NotNull(answer);
        Assert.Equal(ResponseStatus.Refused, answer.Value.Status);
        Assert.Contains("frame length", answer.Value.Message, StringComparison.Ordinal);
        Assert.True(await raw.IsClosedByServerAsync(), "the server kept the connection of a peer that broke the protocol");
    }

    [Fact]
    public async Task Hello_OnConnect_AnnouncesVersionSaltIterationsAndNonce()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        var hello = await raw.ReceiveHelloAsync();
        Assert.Equal(ResponseStatus.Ok, hello.Status);
        Assert.Equal(0u, hello.RequestId);
        var reader = new MessagePackReader(hello.Payload);
        Assert.True(reader.ReadArrayHeader() >= 5);
        Assert.Equal(ProtocolLimits.ProtocolVersion, reader.ReadInt32());
        Assert.Equal(0, reader.ReadInt32()); // flags: no encryption
        Assert.Equal(Handshake.SaltBytes, reader.ReadBytes()!.Value.Length);
        Assert.InRange(reader.ReadInt32(), 1, Handshake.MaxIterations);
        Assert.Equal(Handshake.NonceBytes, reader.ReadBytes()!.Value.Length);
    }

    [Fact]
    public async Task Authenticate_CorrectProof_OkWithServerProof()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        var answer = await raw.AuthenticateAsync(ServerFixture.Password);
        Assert.Equal(ResponseStatus.Ok, answer.Status);
        await raw.SendFrameAsync((byte)OpCode.Ping, 41, (ref MessagePackWriter _) => { });
        var pong = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.Ok, pong!.Value.Status);
        Assert.Equal(41u, pong.Value.RequestId);
    }

    [Fact]
    public async Task Authenticate_WrongPassword_AuthenticationFailedThenClosed()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        var answer = await raw.AuthenticateAsync("not the password");
        Assert.Equal(ResponseStatus.AuthenticationFailed, answer.Status);
        Assert.Contains("password", answer.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(await raw.IsClosedByServerAsync());
        AssertServerStillServes();
    }

    [Fact]
    public async Task GarbageBeforeAuth_ServerRefusesClosesAndKeepsServing()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        await raw.ReceiveHelloAsync();
        await raw.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: cyberdb\r\n\r\n")); // "GET " read as a length: far too long
        await AssertFrameLengthRefusedThenClosed(raw);
        AssertServerStillServes();
    }

    [Fact]
    public async Task WellFormedFrameOtherThanAuth_BeforeAuth_BadRequestAndClosed()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        await raw.ReceiveHelloAsync();
        await raw.SendFrameAsync((byte)OpCode.ListTables, 1, (ref MessagePackWriter _) => { });
        await AssertBadRequestThenClosed(raw);
        AssertServerStillServes();
    }

    [Fact]
    public async Task MalformedAuthFrame_BadRequestAndClosed()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        await raw.ReceiveHelloAsync();
        await raw.SendFrameAsync((byte)OpCode.Auth, 0, (ref MessagePackWriter w) => { w.WriteArrayHeader(4); w.Write(1); w.Write(0); w.Write("not bytes"); w.Write(1); });
        await AssertBadRequestThenClosed(raw);
    }

    [Fact]
    public async Task GarbageBeforeHelloIsRead_ServerSurvives()
    {
        using (var raw = await RawTcpClient.ConnectAsync(Port))
        {
            var junk = new byte[64 * 1024];
            new Random(1).NextBytes(junk);
            junk.AsSpan(0, 4).Fill(0xff); // a length over the limit: refused before anything is allocated
            await raw.SendAsync(junk);
        }

        AssertServerStillServes();
    }

    [Theory]
    [InlineData(0xFFFFFFF0u)]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(0u)]
    [InlineData(4u)]
    public async Task HugeOrTinyLengthField_BeforeAuth_RefusedWithoutReadingIt(uint length)
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        await raw.ReceiveHelloAsync();
        await raw.SendAsync([.. RawTcpClient.LengthField(length), (byte)OpCode.Auth, 0, 0, 0, 0]);
        await AssertFrameLengthRefusedThenClosed(raw);
        AssertServerStillServes();
    }

    [Fact]
    public async Task UnknownOpCode_AfterAuth_BadRequestWithRequestIdThenClosed()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);
        await raw.SendFrameAsync(200, 7, (ref MessagePackWriter w) => w.Write("t"));
        var answer = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.BadRequest, answer!.Value.Status);
        Assert.Equal(7u, answer.Value.RequestId);
        Assert.Contains("200", answer.Value.Message, StringComparison.Ordinal);
        Assert.True(await raw.IsClosedByServerAsync());
        AssertServerStillServes();
    }

    [Fact]
    public async Task DeepNesting200_AfterAuth_RefusedAndNothingStored()
    {
        var name = ServerFixture.UniqueName("deep");
        using (var proxy = Proxy())
        {
            proxy.CreateCyberDict(name);
        }

        using var raw = await RawTcpClient.ConnectAsync(Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);
        using var prefix = new FrameBuffer();
        var writer = new MessagePackWriter(prefix);
        writer.Write(name);
        writer.Write("k");
        writer.Flush();
        await raw.SendRawFrameAsync((byte)OpCode.DictSet, 3, [.. prefix.WrittenSpan, .. SpanReaderTests.Nested(200)]);
        var answer = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.BadRequest, answer!.Value.Status);
        Assert.Contains("nested", answer.Value.Message, StringComparison.Ordinal);
        Assert.True(await raw.IsClosedByServerAsync());

        using var check = Proxy();
        Assert.False(check.GetCyberDict(name).ContainsKey("k"));
    }

    [Fact]
    public async Task MalformedArguments_AfterAuth_BadRequestAndClosed()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);
        await raw.SendRawFrameAsync((byte)OpCode.DictGet, 9, [0xa5, (byte)'a']); // a table name cut short
        var answer = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.BadRequest, answer!.Value.Status);
        Assert.Equal(9u, answer.Value.RequestId);
        Assert.True(await raw.IsClosedByServerAsync());
        AssertServerStillServes();
    }

    [Fact]
    public async Task PartialFrameThenDisconnect_ServerSurvives()
    {
        using (var raw = await RawTcpClient.ConnectAsync(Port))
        {
            Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);
            await raw.SendAsync([.. RawTcpClient.LengthField(1000), (byte)OpCode.DictSet, 1, 0, 0, 0, 0xa1]);
        }

        AssertServerStillServes();
    }

    [Fact]
    public async Task ManyRequestsPipelined_AnsweredInOrder()
    {
        using var raw = await RawTcpClient.ConnectAsync(Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);
        for (uint id = 1; id <= 20; id++)
        {
            await raw.SendFrameAsync((byte)OpCode.Ping, id, (ref MessagePackWriter _) => { });
        }

        for (uint id = 1; id <= 20; id++)
        {
            var answer = await raw.ReceiveFrameAsync();
            Assert.Equal(ResponseStatus.Ok, answer!.Value.Status);
            Assert.Equal(id, answer.Value.RequestId);
        }
    }
}

/// <summary>Allocation is measured process-wide, so this runs alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class RawTcpAllocationTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public RawTcpAllocationTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task HugeLengthField_AfterAuth_ClosedWithoutAllocatingIt()
    {
        using var raw = await RawTcpClient.ConnectAsync(_fixture.Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await raw.SendAsync([.. RawTcpClient.LengthField(0xFFFFFFF0), (byte)OpCode.DictSet, 1, 0, 0, 0]);

        var answer = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.Refused, answer!.Value.Status);
        Assert.True(await raw.IsClosedByServerAsync());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes allocated for a frame that was refused");

        using var proxy = _fixture.Proxy();
        proxy.GetTables();
    }

    [Fact]
    public async Task LengthWithinFrameLimit_BeforeAuth_RefusedWithoutAllocatingIt()
    {
        // Before authentication only the small Auth frame is legitimate: an anonymous peer must not
        // make the server reserve a 100 MB buffer (500 such peers would be 50 GB).
        using var raw = await RawTcpClient.ConnectAsync(_fixture.Port);
        await raw.ReceiveHelloAsync();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await raw.SendAsync([.. RawTcpClient.LengthField(100 * 1024 * 1024), (byte)OpCode.Auth, 0, 0, 0, 0]);
        var answer = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.Refused, answer!.Value.Status);
        Assert.True(await raw.IsClosedByServerAsync());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes allocated for an unauthenticated peer's frame");
    }

    [Fact]
    public async Task LengthJustOverTheLimit_AfterAuth_ClosedWithoutAllocatingIt()
    {
        using var raw = await RawTcpClient.ConnectAsync(_fixture.Port);
        Assert.Equal(ResponseStatus.Ok, (await raw.AuthenticateAsync(ServerFixture.Password)).Status);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await raw.SendAsync([.. RawTcpClient.LengthField((uint)ProtocolLimits.DefaultMaxFrameBytes), (byte)OpCode.DictSet, 1, 0, 0, 0]);
        var answer = await raw.ReceiveFrameAsync();
        Assert.Equal(ResponseStatus.Refused, answer!.Value.Status);
        Assert.True(await raw.IsClosedByServerAsync());
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 16 * 1024 * 1024);
    }
}
