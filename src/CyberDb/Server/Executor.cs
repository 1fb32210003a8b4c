using System.Collections.Concurrent;
using CyberDb.Engine;

namespace CyberDb.Server;

/// <summary>
/// The one thread that touches the tables. Transports post work (a connection whose request has
/// arrived); the executor runs it to completion, one item at a time, in arrival order. That single
/// order is what makes every operation atomic and the history linearizable without table locks.
/// </summary>
/// <remarks>
/// Waiting: after its queue runs dry the thread spins briefly (a request often follows at once),
/// then announces <see cref="_sleeping"/> and blocks on <see cref="_wake"/>. A producer sets the
/// event only when the flag is up, so a busy executor costs producers no kernel call. The two
/// sides form a Dekker pair: the executor writes the flag then reads the queue; a producer writes
/// the queue then reads the flag; both with full fences (Interlocked), so one of them always sees
/// the other. The wait also has a timeout as a second line of defence.
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
    private volatile bool _stopping;

    /// <summary>1 while the executor is (about to be) blocked on <see cref="_wake"/>; written by the executor only.</summary>
    private int _sleeping;

    public Executor(Database database)
    {
        _database = database;
        _dispatcher = new OperationDispatcher(database);
        _thread = new Thread(Run) { IsBackground = true, Name = "CyberDb executor" };
    }

    /// <summary>Operations executed since start; read by stats.</summary>
    public long Executed { get; private set; }

    public void Start() => _thread.Start();

    public void Post(IExecutorWork work)
    {
        _queue.Enqueue(work);

        // Interlocked read: a full fence after the enqueue (see remarks).
        if (Interlocked.CompareExchange(ref _sleeping, 0, 0) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>Runs <paramref name="action"/> on the executor thread and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<Database, T> action)
    {
        var work = new DelegateWork<T>(action);
        if (!_thread.IsAlive)
        {
            // Not started yet (or stopped): nobody else can touch the tables, run here.
            work.Execute(_dispatcher, _database);
        }
        else
        {
            Post(work);
        }

        return work.Task;
    }

    private void Run()
    {
        var spins = 0;
        while (!_stopping)
        {
            if (_queue.TryDequeue(out var work))
            {
                spins = 0;
                Executed++;
                work.Execute(_dispatcher, _database);
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

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        _wake.Dispose();
    }

    private sealed class DelegateWork<T> : IExecutorWork
    {
        private readonly Func<Database, T> _action;
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DelegateWork(Func<Database, T> action)
        {
            _action = action;
        }

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
