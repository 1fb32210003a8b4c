namespace CyberDb.Engine;

/// <summary>
/// Told of every change to the tables before the request that made it is answered, so that
/// clients holding a copy of a value can tell, without asking, whether it may be stale (the
/// shared-memory region's table-version board, see <c>SharedRegionLayout.TableVersionsOffset</c>).
/// Called on the executor thread under the engine lock. A report may be spurious (an operation
/// that failed, a change to another table in the same bucket); it must never be missing.
/// </summary>
internal interface ITableChangeSink
{
    /// <summary>The content of the table named <paramref name="utf8Name"/> (validated UTF-8, as the request carried it) may have changed.</summary>
    void TableChanged(ReadOnlySpan<byte> utf8Name);

    /// <summary>Any table may have changed.</summary>
    void AllTablesChanged();
}
