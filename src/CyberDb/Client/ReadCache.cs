using System.Collections.Concurrent;
using CyberDb.Engine;
using CyberDb.Protocol;

namespace CyberDb.Client;

/// <summary>
/// Answers to dictionary reads (<see cref="OpCode.DictGet"/>, <see cref="OpCode.DictTryGet"/>,
/// <see cref="OpCode.DictContainsKey"/>) kept by a shared-memory client, each with the
/// <see cref="ReadVersion"/> read before its request went out. A later identical request is
/// answered from here, without a round trip, only while the server's counters still show that
/// version: no change to that table, and no table added or removed, has been answered since.
/// </summary>
/// <remarks>
/// <para>Why this is never stale: the server moves a table's counter after the change and before it
/// answers the request that made it (<see cref="ITableChangeSink"/>). The version stored with an
/// answer was read before the request was sent, so the answer reflects at least every change counted
/// up to it; if the counters have not moved since, no change has been answered since, and the answer
/// is the value now. A change under way (made, not yet counted) is not answered yet either: the read
/// comes before it. A counter moved by another table of the same bucket only costs a round trip.</para>
/// <para>One per mapping of a server's region (a restarted server is a new region, a new cache).
/// Thread-safe: lookups take no lock and allocate nothing; only storing an answer allocates. Bounded:
/// answers over <see cref="MaxFrameBytes"/> and requests over <see cref="MaxRequestBytes"/> are not
/// kept, and past <see cref="MaxEntries"/> the cache starts again empty.</para>
/// </remarks>
internal sealed class ReadCache
{
    /// <summary>Answers kept at most (all operations together).</summary>
    public const int MaxEntries = 4096;

    /// <summary>Largest answer frame kept; larger values always make the round trip.</summary>
    public const int MaxFrameBytes = 16 * 1024;

    /// <summary>Largest request payload (table name and key) kept as a key: with <see cref="MaxEntries"/>, the bound on memory.</summary>
    public const int MaxRequestBytes = 1024;

    private const int Operations = 3;

    private readonly ConcurrentDictionary<byte[], Entry>[] _answers = new ConcurrentDictionary<byte[], Entry>[Operations];
    private readonly ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>>[] _lookups =
        new ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>>[Operations];

    private int _count;

    public ReadCache()
    {
        for (var i = 0; i < Operations; i++)
        {
            _answers[i] = new ConcurrentDictionary<byte[], Entry>(KeyComparer.Instance);
            _lookups[i] = _answers[i].GetAlternateLookup<ReadOnlySpan<byte>>();
        }
    }

    /// <summary>Answers kept now (tests).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether answers to <paramref name="op"/> may be kept.</summary>
    public static bool IsCacheable(OpCode op) => IndexOf(op) >= 0;

    /// <summary>
    /// Copies the kept answer to <paramref name="request"/> (the request payload: table name, then
    /// arguments) into <paramref name="response"/> as a whole frame, if there is one for
    /// <paramref name="current"/>. The frame's request id is the old one; the caller sets its own.
    /// </summary>
    public bool TryRead(OpCode op, ReadOnlySpan<byte> request, ReadVersion current, FrameBuffer response)
    {
        if (!_lookups[IndexOf(op)].TryGetValue(request, out var entry) || entry.Version != current)
        {
            return false;
        }

        entry.Frame.CopyTo(response.PrepareReceive(entry.Frame.Length));
        return true;
    }

    /// <summary>
    /// Keeps <paramref name="frame"/>, the answer to <paramref name="request"/>, valid for
    /// <paramref name="seen"/> (read before the request was sent). Only answers that are values or
    /// misses are kept: an error may depend on more than the table's content.
    /// </summary>
    public void Store(OpCode op, ReadOnlySpan<byte> request, ReadVersion seen, ReadOnlySpan<byte> frame)
    {
        if (frame.Length > MaxFrameBytes || request.Length > MaxRequestBytes || frame.Length < FrameHeader.Size
            || (ResponseStatus)frame[FrameHeader.CodeOffset] is not (ResponseStatus.Ok or ResponseStatus.KeyNotFound))
        {
            return;
        }

        var index = IndexOf(op);
        var entry = new Entry(seen, frame.ToArray());
        if (_lookups[index].TryGetValue(request, out var key, out _))
        {
            _answers[index][key] = entry; // same request: replaced in place, its key array reused
            return;
        }

        // Counted only when added; a Clear racing with a replacement above may leave an uncounted
        // entry or two, so the bound is approximate by the number of threads, never by more.
        if (_answers[index].TryAdd(request.ToArray(), entry) && Interlocked.Increment(ref _count) > MaxEntries)
        {
            Clear();
        }
    }

    /// <summary>Forgets every answer (the bound was reached).</summary>
    public void Clear()
    {
        foreach (var answers in _answers)
        {
            answers.Clear();
        }

        Volatile.Write(ref _count, 0);
    }

    private static int IndexOf(OpCode op) => op switch
    {
        OpCode.DictGet => 0,
        OpCode.DictTryGet => 1,
        OpCode.DictContainsKey => 2,
        _ => -1,
    };

    private sealed record Entry(ReadVersion Version, byte[] Frame);
}
