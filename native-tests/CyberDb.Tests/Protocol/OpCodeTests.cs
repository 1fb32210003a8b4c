using CyberDb.Protocol;

namespace CyberDb.Tests.Protocol;

/// <summary>
/// Pins every wire value: op codes, response statuses, table kinds, frame layout and handshake
/// sizes. A renumbering breaks every deployed client and snapshot, so it must fail here first.
/// </summary>
public sealed class OpCodeTests
{
    /// <summary>Names, not enum values: the enum is internal and xunit theories are public.</summary>
    public static TheoryData<string, byte> OpCodes() => new()
    {
        { nameof(OpCode.Hello), 1 },
        { nameof(OpCode.Auth), 2 },
        { nameof(OpCode.Ping), 3 },
        { nameof(OpCode.Goodbye), 4 },
        { nameof(OpCode.Info), 5 },
        { nameof(OpCode.AttachSharedMemory), 6 },
        { nameof(OpCode.CreateDict), 10 },
        { nameof(OpCode.CreateList), 11 },
        { nameof(OpCode.GetTableKind), 12 },
        { nameof(OpCode.DeleteTable), 13 },
        { nameof(OpCode.ListTables), 14 },
        { nameof(OpCode.DictGet), 20 },
        { nameof(OpCode.DictTryGet), 21 },
        { nameof(OpCode.DictSet), 22 },
        { nameof(OpCode.DictCount), 23 },
        { nameof(OpCode.DictContainsKey), 24 },
        { nameof(OpCode.DictRemove), 25 },
        { nameof(OpCode.DictGetOrAdd), 26 },
        { nameof(OpCode.DictUpdate), 27 },
        { nameof(OpCode.DictKeys), 28 },
        { nameof(OpCode.DictValues), 29 },
        { nameof(OpCode.DictItems), 30 },
        { nameof(OpCode.DictPop), 31 },
        { nameof(OpCode.DictTryPop), 32 },
        { nameof(OpCode.DictPopItem), 33 },
        { nameof(OpCode.DictClear), 34 },
        { nameof(OpCode.DictTryAdd), 35 },
        { nameof(OpCode.DictTryUpdate), 36 },
        { nameof(OpCode.DictIncrement), 37 },
        { nameof(OpCode.ListGet), 50 },
        { nameof(OpCode.ListSet), 51 },
        { nameof(OpCode.ListSlice), 52 },
        { nameof(OpCode.ListCount), 53 },
        { nameof(OpCode.ListAdd), 54 },
        { nameof(OpCode.ListAddRange), 55 },
        { nameof(OpCode.ListInsert), 56 },
        { nameof(OpCode.ListPop), 57 },
        { nameof(OpCode.ListRemove), 58 },
        { nameof(OpCode.ListRemoveAt), 59 },
        { nameof(OpCode.ListIndexOf), 60 },
        { nameof(OpCode.ListCountOf), 61 },
        { nameof(OpCode.ListReverse), 62 },
        { nameof(OpCode.ListSort), 63 },
        { nameof(OpCode.ListClear), 64 },
        { nameof(OpCode.ListToList), 65 },
    };

    [Theory]
    [MemberData(nameof(OpCodes))]
    public void OpCode_Value_IsPinned(string name, byte value)
    {
        Assert.Equal(value, (byte)Enum.Parse<OpCode>(name));
    }

    [Fact]
    public void OpCode_AllMembers_ArePinnedAboveAndUnique()
    {
        var pinned = OpCodes().Select(row => Enum.Parse<OpCode>((string)row[0])).ToHashSet();
        Assert.Equal(Enum.GetValues<OpCode>().ToHashSet(), pinned);
        Assert.Equal(Enum.GetValues<OpCode>().Length, Enum.GetValues<OpCode>().Select(o => (byte)o).Distinct().Count());
    }

    [Fact]
    public void ResponseStatus_Values_ArePinned()
    {
        var expected = new Dictionary<ResponseStatus, byte>
        {
            [ResponseStatus.Ok] = 0,
            [ResponseStatus.KeyNotFound] = 1,
            [ResponseStatus.IndexOutOfRange] = 2,
            [ResponseStatus.InvalidOperation] = 3,
            [ResponseStatus.TableError] = 4,
            [ResponseStatus.BadRequest] = 5,
            [ResponseStatus.InvalidArgument] = 6,
            [ResponseStatus.Refused] = 7,
            [ResponseStatus.AuthenticationFailed] = 8,
        };
        Assert.Equal(expected.Keys.ToHashSet(), Enum.GetValues<ResponseStatus>().ToHashSet());
        foreach (var (status, value) in expected)
        {
            Assert.Equal(value, (byte)status);
        }
    }

    [Fact]
    public void PublicEnums_Values_ArePinned()
    {
        Assert.Equal(0, (int)CyberTableKind.CyberDict);
        Assert.Equal(1, (int)CyberTableKind.CyberList);
        Assert.Equal(2, Enum.GetValues<CyberTableKind>().Length);
        Assert.Equal(0, (int)CyberTransport.Auto);
        Assert.Equal(1, (int)CyberTransport.SharedMemory);
        Assert.Equal(2, (int)CyberTransport.Tcp);
        Assert.Equal(3, Enum.GetValues<CyberTransport>().Length);
        Assert.Equal(CyberTableKind.CyberDict, CyberTableKindCodes.FromWire(0));
        Assert.Equal(CyberTableKind.CyberList, CyberTableKindCodes.FromWire(1));
        Assert.Throws<CyberDbException>(() => CyberTableKindCodes.FromWire(2));
    }

    [Fact]
    public void FrameHeader_Layout_IsPinned()
    {
        Assert.Equal(9, FrameHeader.Size);
        Assert.Equal(4, FrameHeader.LengthFieldSize);
        Assert.Equal(5, FrameHeader.HeaderAfterLength);
        Assert.Equal(4, FrameHeader.CodeOffset);
        Assert.Equal(5, FrameHeader.RequestIdOffset);

        var frame = new byte[FrameHeader.Size + 3];
        FrameHeader.Write(frame, payloadLength: 3, code: 0x16, requestId: 0x01020304);
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0x16, 4, 3, 2, 1 }, frame[..FrameHeader.Size]);
        Assert.Equal(8u, FrameHeader.ReadLength(frame));
        Assert.Equal(0x01020304u, FrameHeader.ReadRequestId(frame));
    }

    [Fact]
    public void Handshake_Constants_ArePinned()
    {
        Assert.Equal(1, ProtocolLimits.ProtocolVersion);
        Assert.Equal(16, Handshake.SaltBytes);
        Assert.Equal(32, Handshake.NonceBytes);
        Assert.Equal(32, Handshake.ProofBytes);
        Assert.Equal(32, Handshake.KeyBytes);
        Assert.Equal(1, (int)Handshake.Flags.Encrypt);
        Assert.Equal(2, (int)Handshake.Flags.SharedMemory);
        Assert.Equal(64, ProtocolLimits.MaxValueDepth);
        Assert.Equal(256, ProtocolLimits.MaxTableNameBytes);
        Assert.Equal(128 * 1024 * 1024, ProtocolLimits.DefaultMaxFrameBytes);
    }

    [Fact]
    public void Handshake_Proofs_DependOnKeyAndBothNoncesAndDirection()
    {
        var key = Handshake.DeriveKey("pw", new byte[16], 1000);
        var other = Handshake.DeriveKey("pw2", new byte[16], 1000);
        var a = new byte[32];
        var b = Enumerable.Repeat((byte)1, 32).ToArray();
        var client = Handshake.ClientProof(key, a, b);
        Assert.True(Handshake.ProofEquals(client, Handshake.ClientProof(key, a, b)));
        Assert.False(Handshake.ProofEquals(client, Handshake.ClientProof(other, a, b)));
        Assert.False(Handshake.ProofEquals(client, Handshake.ClientProof(key, b, a)));
        Assert.False(Handshake.ProofEquals(client, Handshake.ServerProof(key, b, a)));
        Assert.False(Handshake.ProofEquals(client, client[..16]));
    }

    [Fact]
    public void Refusal_FormatThenParse_RoundTripsKindAndMessage()
    {
        var text = Refusal.Format(CyberDbConnectionFailure.TooManyConnections, "full (2)");
        Assert.Equal(CyberDbConnectionFailure.TooManyConnections, Refusal.Parse(text, out var message));
        Assert.Equal("full (2)", message);
        Assert.Equal(CyberDbConnectionFailure.Unknown, Refusal.Parse("no kind here", out message));
        Assert.Equal("no kind here", message);
    }
}
