using CyberDb.Engine;

namespace CyberDb.Server;

/// <summary>Something the executor thread runs: a connection's pending request, a snapshot, a load.</summary>
internal interface IExecutorWork
{
    /// <summary>
    /// Whether this work tells the executor's <see cref="ITableChangeSink"/> itself about every
    /// change it makes (requests do, through the dispatcher), or touches no table at all. Work that
    /// does not (the default) is taken to have changed every table: clients drop their cached reads.
    /// </summary>
    bool ReportsTableChanges => false;

    /// <summary>Runs on the executor thread; must not block or do I/O.</summary>
    void Execute(OperationDispatcher dispatcher, Database database);
}
