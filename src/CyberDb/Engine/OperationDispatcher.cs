using System.Runtime.CompilerServices;
using System.Text;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Engine;

/// <summary>
/// Applies one request to the <see cref="Database"/> and writes the response payload. Runs only
/// on the executor thread: one operation at a time, in arrival order, which is what makes every
/// operation atomic without locks in the tables. Pure: no I/O, no clocks.
/// </summary>
/// <remarks>
/// Every operation validates all of its input before it changes anything, so a refused request
/// (bad key, malformed value, missing table, trailing bytes: each mutating operation calls
/// <see cref="SpanReader.ExpectEnd"/> after its last argument) leaves the tables as they were. Expected misses
/// (missing key, empty table) are statuses, not exceptions; only malformed bytes throw, as a
/// <see cref="ProtocolException"/> that becomes <see cref="ResponseStatus.BadRequest"/>.
/// </remarks>
internal sealed partial class OperationDispatcher
{
    private readonly Database _database;
    private readonly ITableChangeSink? _changes;

    /// <summary>The message of the failing operation, set by <see cref="Error"/>.</summary>
    private string? _errorMessage;

    /// <summary>Room for a re-encoded integer key; on the heap so key spans may outlive a stack frame (one executor thread uses it).</summary>
    private readonly byte[] _keyScratch = new byte[CanonicalInteger.MaxLength];

    public OperationDispatcher(Database database, ITableChangeSink? changes = null)
    {
        _database = database;
        _changes = changes;
    }

    /// <summary>Executes <paramref name="op"/> and leaves the response payload in <paramref name="response"/> (frame begun, header not yet written).</summary>
    public ResponseStatus Execute(OpCode op, ReadOnlySpan<byte> payload, FrameBuffer response)
    {
        response.BeginFrame();
        try
        {
            return Run(op, payload, response);
        }
        finally
        {
            // Whatever the outcome: a report too many costs a client one round trip, one too few
            // would let it read a stale value.
            if (_changes is not null && !IsReadOnly(op))
            {
                ReportChange(payload);
            }
        }
    }

    /// <summary>
    /// Operations that never change a table. Every other operation counts as a change of the table
    /// its payload names first (each table operation's first argument), so one added later is
    /// reported as long as nobody lists it here by mistake.
    /// </summary>
    internal static bool IsReadOnly(OpCode op) => op is OpCode.Ping or OpCode.Info or OpCode.GetTableKind or OpCode.ListTables
        or OpCode.DictGet or OpCode.DictTryGet or OpCode.DictCount or OpCode.DictContainsKey
        or OpCode.DictKeys or OpCode.DictValues or OpCode.DictItems
        or OpCode.ListGet or OpCode.ListSlice or OpCode.ListCount or OpCode.ListIndexOf or OpCode.ListCountOf or OpCode.ListToList;

    private void ReportChange(ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<byte> utf8Name;
        try
        {
            var reader = new SpanReader(payload);
            utf8Name = reader.ReadStringUtf8();
        }
        catch (ProtocolException)
        {
            return; // no readable table name: the operation was refused before it touched anything
        }

        _changes!.TableChanged(utf8Name);
    }

    private ResponseStatus Run(OpCode op, ReadOnlySpan<byte> payload, FrameBuffer response)
    {
        try
        {
            var reader = new SpanReader(payload);
            var writer = new MessagePackWriter(response);
            var status = Dispatch(op, ref reader, ref writer);
            if (status != ResponseStatus.Ok)
            {
                var message = _errorMessage ?? status.ToString();
                _errorMessage = null;
                return Fail(response, status, message);
            }

            if (!reader.End)
            {
                throw new ProtocolException($"{reader.Remaining} unexpected bytes after the arguments of {op}");
            }

            writer.Flush();
            return status;
        }
        catch (ProtocolException e)
        {
            return Fail(response, ResponseStatus.BadRequest, e.Message);
        }
    }

    private ResponseStatus Dispatch(OpCode op, ref SpanReader reader, ref MessagePackWriter writer) => op switch
    {
        OpCode.Ping => Ping(ref writer),
        OpCode.Info => Info(ref writer),
        OpCode.CreateDict => CreateDict(ref reader, ref writer),
        OpCode.CreateList => CreateList(ref reader, ref writer),
        OpCode.GetTableKind => GetTableKind(ref reader, ref writer),
        OpCode.DeleteTable => DeleteTable(ref reader, ref writer),
        OpCode.ListTables => ListTables(ref writer),

        OpCode.DictGet => DictGet(ref reader, ref writer),
        OpCode.DictTryGet => DictTryGet(ref reader, ref writer),
        OpCode.DictSet => DictSet(ref reader, ref writer),
        OpCode.DictCount => DictCount(ref reader, ref writer),
        OpCode.DictContainsKey => DictContainsKey(ref reader, ref writer),
        OpCode.DictRemove => DictRemove(ref reader, ref writer),
        OpCode.DictGetOrAdd => DictGetOrAdd(ref reader, ref writer),
        OpCode.DictUpdate => DictUpdate(ref reader, ref writer),
        OpCode.DictKeys => DictKeys(ref reader, ref writer),
        OpCode.DictValues => DictValues(ref reader, ref writer),
        OpCode.DictItems => DictItems(ref reader, ref writer),
        OpCode.DictPop => DictPop(ref reader, ref writer),
        OpCode.DictTryPop => DictTryPop(ref reader, ref writer),
        OpCode.DictPopItem => DictPopItem(ref reader, ref writer),
        OpCode.DictClear => DictClear(ref reader, ref writer),
        OpCode.DictTryAdd => DictTryAdd(ref reader, ref writer),
        OpCode.DictTryUpdate => DictTryUpdate(ref reader, ref writer),
        OpCode.DictIncrement => DictIncrement(ref reader, ref writer),

        OpCode.ListGet => ListGet(ref reader, ref writer),
        OpCode.ListSet => ListSet(ref reader, ref writer),
        OpCode.ListSlice => ListSlice(ref reader, ref writer),
        OpCode.ListCount => ListCount(ref reader, ref writer),
        OpCode.ListAdd => ListAdd(ref reader, ref writer),
        OpCode.ListAddRange => ListAddRange(ref reader, ref writer),
        OpCode.ListInsert => ListInsert(ref reader, ref writer),
        OpCode.ListPop => ListPop(ref reader, ref writer),
        OpCode.ListRemove => ListRemove(ref reader, ref writer),
        OpCode.ListRemoveAt => ListRemoveAt(ref reader, ref writer),
        OpCode.ListIndexOf => ListIndexOf(ref reader, ref writer),
        OpCode.ListCountOf => ListCountOf(ref reader, ref writer),
        OpCode.ListReverse => ListReverse(ref reader, ref writer),
        OpCode.ListSort => ListSort(ref reader, ref writer),
        OpCode.ListClear => ListClear(ref reader, ref writer),
        OpCode.ListToList => ListToList(ref reader, ref writer),
        _ => throw new ProtocolException($"unknown operation code {(byte)op}"),
    };

    private static ResponseStatus Ping(ref MessagePackWriter writer)
    {
        writer.WriteNil();
        return ResponseStatus.Ok;
    }

    /// <summary>Throws away whatever the operation wrote and makes the payload an error message.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ResponseStatus Fail(FrameBuffer response, ResponseStatus status, string message)
    {
        response.BeginFrame();
        var writer = new MessagePackWriter(response);
        writer.Write(message);
        writer.Flush();
        return status;
    }

    /// <summary>
    /// Records why an operation failed; <see cref="Execute"/> turns it into the response. Operations
    /// call this before they write anything, so no partial answer is ever sent.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ResponseStatus Error(ResponseStatus status, string message)
    {
        _errorMessage = message;
        return status;
    }

    private static string DisplayName(ReadOnlySpan<byte> utf8Name) => Encoding.UTF8.GetString(utf8Name);

    /// <summary>A key as a user would write it, for error messages: 42 or 'name'.</summary>
    private static string DisplayKey(ReadOnlySpan<byte> key)
    {
        var reader = new SpanReader(key);
        return Protocol.MessagePackCode.IsString(key[0]) ? $"'{Encoding.UTF8.GetString(reader.ReadStringUtf8())}'" : reader.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
