using System.Buffers;
using CyberDb.Engine;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Tests.Engine;

/// <summary>
/// The dispatcher without sockets: a refused request (malformed bytes, a bad key, trailing bytes)
/// must leave the tables exactly as they were, and statuses map to the documented errors.
/// </summary>
public sealed class OperationDispatcherTests : IDisposable
{
    private readonly Database _database = new();
    private readonly OperationDispatcher _dispatcher;
    private readonly FrameBuffer _response = new();

    public OperationDispatcherTests()
    {
        _dispatcher = new OperationDispatcher(_database);
    }

    public void Dispose() => _response.Dispose();

    private delegate void Writes(ref MessagePackWriter writer);

    private static byte[] Payload(Writes write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private ResponseStatus Run(OpCode op, byte[] payload) => _dispatcher.Execute(op, payload, _response);

    private ResponseStatus Run(OpCode op, Writes write) => Run(op, Payload(write));

    private string ErrorMessage()
    {
        var reader = new MessagePackReader(_response.Payload);
        return reader.ReadString()!;
    }

    private object? Answer()
    {
        var reader = new MessagePackReader(_response.Payload);
        return MessagePackSerializer.Deserialize<object?>(ref reader, MessagePackSerializerOptions.Standard);
    }

    private void CreateDict(string name) =>
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.CreateDict, (ref MessagePackWriter w) => { w.Write(name); w.WriteNil(); }));

    private void CreateList(string name) =>
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.CreateList, (ref MessagePackWriter w) => { w.Write(name); w.WriteNil(); }));

    private int DictCount(string name)
    {
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.DictCount, (ref MessagePackWriter w) => w.Write(name)));
        return Convert.ToInt32(Answer(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private int ListCount(string name)
    {
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.ListCount, (ref MessagePackWriter w) => w.Write(name)));
        return Convert.ToInt32(Answer(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void DictSet_IntegerKeyInLongForm_SameKeyAsShortForm()
    {
        CreateDict("d");
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.DictSet, Payload((ref MessagePackWriter w) => w.Write("d")).Concat(new byte[] { 0xd3, 0, 0, 0, 0, 0, 0, 0, 7, 0xc3 }).ToArray()));
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.DictGet, (ref MessagePackWriter w) => { w.Write("d"); w.Write(7); }));
        Assert.Equal(true, Answer());
        Assert.Equal(1, DictCount("d"));
    }

    [Fact]
    public void DictUpdate_BadKeyAfterGoodItems_RefusedAndNothingApplied()
    {
        CreateDict("d");
        var status = Run(OpCode.DictUpdate, (ref MessagePackWriter w) =>
        {
            w.Write("d");
            w.WriteMapHeader(3);
            w.Write("a");
            w.Write(1);
            w.Write("b");
            w.Write(2);
            w.Write(1.5); // a float key
            w.Write(3);
        });
        Assert.Equal(ResponseStatus.BadRequest, status);
        Assert.Equal(0, DictCount("d"));
    }

    [Fact]
    public void DictUpdate_MalformedValueAfterGoodItems_RefusedAndNothingApplied()
    {
        CreateDict("d");
        var prefix = Payload((ref MessagePackWriter w) =>
        {
            w.Write("d");
            w.WriteMapHeader(2);
            w.Write("a");
            w.Write(1);
            w.Write("b");
        });
        Assert.Equal(ResponseStatus.BadRequest, Run(OpCode.DictUpdate, [.. prefix, 0xc1]));
        Assert.Equal(0, DictCount("d"));
    }

    [Fact]
    public void CreateDict_BadContent_RefusedAndNoTableCreated()
    {
        var status = Run(OpCode.CreateDict, (ref MessagePackWriter w) =>
        {
            w.Write("d");
            w.WriteMapHeader(2);
            w.Write("a");
            w.Write(1);
            w.WriteNil(); // a nil key
            w.Write(2);
        });
        Assert.Equal(ResponseStatus.BadRequest, status);
        Assert.Equal(0, _database.Count);
    }

    [Fact]
    public void ListAddRange_NestedTooDeep_RefusedAndNothingApplied()
    {
        CreateList("l");
        var prefix = Payload((ref MessagePackWriter w) =>
        {
            w.Write("l");
            w.WriteArrayHeader(2);
            w.Write(1);
        });
        var status = Run(OpCode.ListAddRange, [.. prefix, .. Protocol.SpanReaderTests.Nested(200)]);
        Assert.Equal(ResponseStatus.BadRequest, status);
        Assert.Contains("nested", ErrorMessage(), StringComparison.Ordinal);
        Assert.Equal(0, ListCount("l"));
    }

    public static TheoryData<string> MutatingRequestsWithTrailingBytes() =>
    [
        nameof(OpCode.DictSet),
        nameof(OpCode.DictRemove),
        nameof(OpCode.DictIncrement),
        nameof(OpCode.DictClear),
        nameof(OpCode.ListAdd),
        nameof(OpCode.ListClear),
        nameof(OpCode.DeleteTable),
    ];

    [Theory]
    [MemberData(nameof(MutatingRequestsWithTrailingBytes))]
    public void Execute_TrailingBytesAfterArguments_RefusedAndNothingApplied(string opName)
    {
        var op = Enum.Parse<OpCode>(opName);
        CreateDict("d");
        CreateList("l");
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.DictSet, (ref MessagePackWriter w) => { w.Write("d"); w.Write("k"); w.Write(1); }));
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.ListAdd, (ref MessagePackWriter w) => { w.Write("l"); w.Write(1); }));

        var payload = Payload((ref MessagePackWriter w) =>
        {
            switch (op)
            {
                case OpCode.DictSet: w.Write("d"); w.Write("k2"); w.Write(2); break;
                case OpCode.DictRemove: w.Write("d"); w.Write("k"); break;
                case OpCode.DictIncrement: w.Write("d"); w.Write("k"); w.Write(5); break;
                case OpCode.DictClear: w.Write("d"); break;
                case OpCode.ListAdd: w.Write("l"); w.Write(2); break;
                case OpCode.ListClear: w.Write("l"); break;
                case OpCode.DeleteTable: w.Write("d"); break;
            }

            w.Write("trailing");
        });

        Assert.Equal(ResponseStatus.BadRequest, Run(op, payload));
        Assert.Contains("unexpected bytes", ErrorMessage(), StringComparison.Ordinal);
        Assert.Equal(1, DictCount("d"));
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.DictGet, (ref MessagePackWriter w) => { w.Write("d"); w.Write("k"); }));
        Assert.Equal((byte)1, Answer());
        Assert.Equal(1, ListCount("l"));
    }

    [Fact]
    public void Execute_UnknownOpCode_BadRequest()
    {
        Assert.Equal(ResponseStatus.BadRequest, Run((OpCode)99, []));
        Assert.Contains("99", ErrorMessage(), StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.BadRequest, Run(OpCode.Hello, []));
    }

    [Fact]
    public void Execute_TableNameEmptyOrTooLong_BadRequest()
    {
        Assert.Equal(ResponseStatus.BadRequest, Run(OpCode.CreateDict, (ref MessagePackWriter w) => { w.Write(""); w.WriteNil(); }));
        Assert.Equal(ResponseStatus.BadRequest, Run(OpCode.CreateDict, (ref MessagePackWriter w) => { w.Write(new string('n', 257)); w.WriteNil(); }));
        Assert.Equal(0, _database.Count);
    }

    [Fact]
    public void Execute_Statuses_MapToDocumentedErrors()
    {
        CreateDict("d");
        CreateList("l");
        Assert.Equal(ResponseStatus.KeyNotFound, Run(OpCode.DictGet, (ref MessagePackWriter w) => { w.Write("d"); w.Write("missing"); }));
        Assert.Contains("'missing'", ErrorMessage(), StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.KeyNotFound, Run(OpCode.DictPopItem, (ref MessagePackWriter w) => w.Write("d")));
        Assert.Equal(ResponseStatus.IndexOutOfRange, Run(OpCode.ListGet, (ref MessagePackWriter w) => { w.Write("l"); w.Write(0); }));
        Assert.Equal(ResponseStatus.InvalidOperation, Run(OpCode.ListPop, (ref MessagePackWriter w) => { w.Write("l"); w.WriteNil(); }));
        Assert.Equal(ResponseStatus.TableError, Run(OpCode.DictGet, (ref MessagePackWriter w) => { w.Write("l"); w.Write("k"); }));
        Assert.Contains("'l'", ErrorMessage(), StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.TableError, Run(OpCode.CreateList, (ref MessagePackWriter w) => { w.Write("d"); w.WriteNil(); }));
        Assert.Equal(ResponseStatus.TableError, Run(OpCode.DeleteTable, (ref MessagePackWriter w) => w.Write("nope")));
        Assert.Contains("'nope'", ErrorMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_Ping_AnswersNil()
    {
        Assert.Equal(ResponseStatus.Ok, Run(OpCode.Ping, []));
        Assert.Null(Answer());
    }

    [Fact]
    public void EveryTableOperationButTheReadOnlyOnes_ReportsItsTable_EvenWhenRefused()
    {
        // Clients trust a cached read while its table's counter stands still: a change the sink is
        // not told of would be a stale read. Here every operation gets only a table name, so most
        // are refused for missing arguments; they still count (a spurious report is harmless).
        var sink = new RecordingSink();
        var dispatcher = new OperationDispatcher(_database, sink);
        CreateDict("d");
        foreach (var op in Enum.GetValues<OpCode>().Where(op => (byte)op >= (byte)OpCode.CreateDict))
        {
            sink.Names.Clear();
            dispatcher.Execute(op, Payload((ref MessagePackWriter w) => w.Write("d")), _response);
            if (OperationDispatcher.IsReadOnly(op))
            {
                Assert.True(sink.Names.Count == 0, $"{op} is read-only but reported a change");
            }
            else
            {
                Assert.True(sink.Names.SequenceEqual(["d"]), $"{op} reported [{string.Join(", ", sink.Names)}]");
            }
        }

        Assert.True(OperationDispatcher.IsReadOnly(OpCode.DictGet));
        Assert.False(OperationDispatcher.IsReadOnly(OpCode.DictSet));
    }

    [Fact]
    public void AnOperationWithoutAReadableTableName_ReportsNothing_AndChangesNothing()
    {
        var sink = new RecordingSink();
        var dispatcher = new OperationDispatcher(_database, sink);
        Assert.Equal(ResponseStatus.BadRequest, dispatcher.Execute(OpCode.DictSet, [0xC0], _response));
        Assert.Empty(sink.Names);
        Assert.Equal(0, _database.Count);
    }

    private sealed class RecordingSink : ITableChangeSink
    {
        public List<string> Names { get; } = [];

        public void TableChanged(ReadOnlySpan<byte> utf8Name) => Names.Add(System.Text.Encoding.UTF8.GetString(utf8Name));

        public void AllTablesChanged() => Names.Add("*");
    }
}
