using CyberDb.Engine;

namespace CyberDb.Server;

/// <summary>Something the executor thread runs: a connection's pending request, a snapshot, a load.</summary>
internal interface IExecutorWork
{
    /// <summary>Runs on the executor thread; must not block or do I/O.</summary>
    void Execute(OperationDispatcher dispatcher, Database database);
}
