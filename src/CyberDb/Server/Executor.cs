using System.Collections.Concurrent;
using CyberDb.Engine;
using CyberDb.Transport.SharedMemory;

namespace CyberDb.Server;

/// <summary>
/// Serialises every operation on the tables: one at a time, to completion, so that each is atomic
/// and the history linearizable without locks inside the tables. Work reaches it two ways:
/// <list type="bullet">
/// <item><see cref="Post"/> queues work for the executor's own thread (shared-memory rings, snapshots).</item>
/// <item><see cref="Execute"/> runs work on the caller's thread under the same engine lock (TCP
/// connections: measured, a hand-off to another thread and back cost more than the whole operation
/// on a 2-core machine, ~150 µs against ~40 µs).</item>
/// </list>
/// <item>With shared memory on, the executor thread also polls every attached ring pair
/// (<see cref="SharedMemoryHost.Poll"/>) between queue items: no hand-off, no Task per message.</item>
/// The engine lock is held only while an operation runs: never across I/O or waiting.
/// </summary>
/// <remarks>
/// Waiting: after its queue runs dry the thread spins briefly (a request often follows at once),
/// then announces <see cref="_sleeping"/> and blocks on <see cref="_wake"/>. A producer sets the
/// event only when the flag is up, so a busy executor costs producers no kernel call. The two
/// sides form a Dekker pair: the executor writes the flag then reads the queue; a producer writes
/// the queue then reads the flag; both with full fences (Interlocked), so one of them always sees
/// the other. The wait also has a timeout as a second line of defence.
/// With shared memory on, the thread sleeps on the region's doorbell futex instead (clients ring it
/// after publishing a request, see <see cref="ExecutorDoorbell"/>), and <see cref="Post"/> rings it
/// too, so one wait covers both kinds of work.
/// </remarks>
internal sealed class Executor : IDisposable
{
    private const int SpinIterations = 200;
    private const int IdleWaitMilliseconds = 100;

    private readonly ConcurrentQueue<IExecutorWork> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly OperationDispatcher _dispatcher;
    private readonly Database _database;
    private readonly Thread _thread;

    /// <summary>Held while any operation touches the tables; see the summary.</summary>
    private readonly Lock _engine = new();
    private volatile bool _stopping;

    /// <summary>1 while the executor is (about to be) blocked on <see cref="_wake"/>; written by the executor only.</summary>
    private int _sleeping;

    /// <summary>Set before <see cref="Start"/> when the server offers shared memory; then the thread polls its rings.</summary>
    private readonly SharedMemoryHost? _sharedMemory;

    /// <summary>
    /// Threads inside <see cref="Post"/> waking the executor. A connection task can post (a
    /// lifeline's detach) while the server stops; <see cref="Dispose"/> waits for them to leave
    /// before it returns, because right after it the server unmaps the region (the doorbell) and
    /// <see cref="_wake"/> is disposed.
    /// </summary>
    private int _waking;

    public Executor(Database database, SharedMemoryHost? sharedMemory = null)
    {
        _database = database;
        _sharedMemory = sharedMemory;
        sharedMemory?.Bind(this);
        _dispatcher = new OperationDispatcher(database, sharedMemory);
        _thread = new Thread(Run) { IsBackground = true, Name = "CyberDb executor" };
    }

    private long _executed;

    /// <summary>Operations executed since start; read by stats.</summary>
    public long Executed => Interlocked.Read(ref _executed);

    /// <summary>Runs <paramref name="work"/> now, on the calling thread, under the engine lock.</summary>
    public void Execute(IExecutorWork work)
    {
        lock (_engine)
        {
            _executed++;
            // Work that does not report its changes counts as changing every table, before it runs:
            // it may complete its caller from inside (a load's task), and under the lock no request
            // runs between the bump and the work, so none can fetch a value the work then changes.
            if (!work.ReportsTableChanges)
            {
                _sharedMemory?.AllTablesChanged();
            }

            try
            {
                work.Execute(_dispatcher, _database);
            }
            finally
            {
                _sharedMemory?.PublishTableSetVersion(_database.TableSetVersion);
            }
        }
    }

    /// <summary>The dispatcher, for the server to give it a stats provider before <see cref="Start"/>.</summary>
    public OperationDispatcher Dispatcher => _dispatcher;

    public void Start() => _thread.Start();

    public void Post(IExecutorWork work)
    {
        _queue.Enqueue(work);

        // Interlocked: a full fence, so the enqueue comes before the sleeping-flag reads below
        // (see remarks and ExecutorDoorbell), and our presence before the _stopping read (Dekker
        // with Dispose). A stopping executor takes no more work, so it needs no wake.
        Interlocked.Increment(ref _waking);
        if (!_stopping)
        {
            if (_sharedMemory is { } sharedMemory)
            {
                sharedMemory.Doorbell.RingIfSleeping();
            }
            else if (Volatile.Read(ref _sleeping) == 1)
            {
                _wake.Set();
            }
        }

        Interlocked.Decrement(ref _waking);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the executor thread and returns its result. Unless it is
    /// <paramref name="readOnly"/> (a snapshot capture), it counts as changing every table: clients
    /// drop their cached reads.
    /// </summary>
    public Task<T> InvokeAsync<T>(Func<Database, T> action, bool readOnly = false)
    {
        var work = new DelegateWork<T>(action, readOnly);
        if (!_thread.IsAlive)
        {
            // Not started yet (or stopped): no executor thread, run here under the lock.
            Execute(work);
        }
        else
        {
            Post(work);
        }

        return work.Task;
    }

    private void Run()
    {
        if (_sharedMemory is { } sharedMemory)
        {
            RunWithSharedMemory(sharedMemory);
            return;
        }

        var spins = 0;
        while (!_stopping)
        {
            if (_queue.TryDequeue(out var work))
            {
                spins = 0;
                Execute(work);
                continue;
            }

            if (spins++ < SpinIterations)
            {
                Thread.SpinWait(20);
                continue;
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (_queue.IsEmpty && !_stopping)
            {
                _wake.Wait(IdleWaitMilliseconds);
            }

            _wake.Reset();
            Interlocked.Exchange(ref _sleeping, 0);
            spins = 0;
        }
    }

    /// <summary>The loop with shared memory: queue items, then one poll of every ring pair; idle, sleep on the doorbell.</summary>
    private void RunWithSharedMemory(SharedMemoryHost sharedMemory)
    {
        var hasWork = new WorkCondition(this, sharedMemory);
        while (!_stopping)
        {
            var progressed = false;
            while (_queue.TryDequeue(out var work))
            {
                Execute(work);
                progressed = true;
            }

            progressed |= sharedMemory.Poll(this);
            if (!progressed)
            {
                sharedMemory.Doorbell.WaitForWork(ref hasWork, RingWaitPolicy.Default, IdleWaitMilliseconds);
            }
        }
    }

    private readonly struct WorkCondition(Executor executor, SharedMemoryHost sharedMemory) : IWaitCondition
    {
        public bool IsMet() => !executor._queue.IsEmpty || executor._stopping || sharedMemory.HasWork();
    }

    public void Dispose()
    {
        _stopping = true;
        Interlocked.MemoryBarrier(); // _stopping before the _waking read (pairs with Post)
        _sharedMemory?.Doorbell.Ring();
        _wake.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        // A poster that missed _stopping is between its check and one wake-up: microseconds.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _waking) != 0)
        {
            spin.SpinOnce();
        }

        _wake.Dispose();
    }

    private sealed class DelegateWork<T> : IExecutorWork
    {
        private readonly Func<Database, T> _action;
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DelegateWork(Func<Database, T> action, bool readOnly)
        {
            _action = action;
            ReportsTableChanges = readOnly;
        }

        /// <summary>Read-only work changes nothing, so it has nothing to report.</summary>
        public bool ReportsTableChanges { get; }

        public Task<T> Task => _completion.Task;

        public void Execute(OperationDispatcher dispatcher, Database database)
        {
            try
            {
                _completion.SetResult(_action(database));
            }
            catch (Exception e)
            {
                _completion.SetException(e);
            }
        }
    }
}
