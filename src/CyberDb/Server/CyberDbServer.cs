using System.Runtime.InteropServices;
using CyberDb.Engine;
using CyberDb.Security;
using CyberDb.Server;
using CyberDb.Transport.SharedMemory;
using CyberDb.Transport.Tcp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CyberDb;

/// <summary>
/// The owner process's database: named tables in memory, served to clients over TCP (and shared
/// memory on the same host), saved to <c>.cdb</c> snapshots. <see cref="Start"/> runs it in the
/// background; <see cref="Run"/> in the foreground until Ctrl+C or SIGTERM, then saves.
/// </summary>
public sealed partial class CyberDbServer : IDisposable, IAsyncDisposable
{
    private readonly Database _database = new();
    private readonly ILoggerFactory _loggerFactory;
    private ILoggerFactory? _printLogFactory;
    private readonly TimeProvider _timeProvider;

    /// <summary>Guards the life cycle fields below (start, stop, backup settings); never held across I/O.</summary>
    private readonly Lock _gate = new();
    private Executor? _executor;
    private TcpListenerHost? _tcp;
    private SharedMemoryHost? _sharedMemory;
    private ServerContext? _context;
    private bool _stopped;
    private IpWhitelist _whitelist = IpWhitelist.Default;

    public CyberDbServer()
        : this(loggerFactory: null)
    {
    }

    /// <summary>A server that logs through <paramref name="loggerFactory"/> and reads time from <paramref name="timeProvider"/>.</summary>
    public CyberDbServer(ILoggerFactory? loggerFactory, TimeProvider? timeProvider = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        Logger = _loggerFactory.CreateLogger("CyberDb.Server");
    }

    private ILogger Logger { get; set; }

    /// <summary>The bound TCP port (resolves <c>Port = 0</c>); 0 before <see cref="Start"/>.</summary>
    public int Port => _tcp?.Port ?? 0;

    /// <summary>True between <see cref="Start"/> and <see cref="Stop"/>.</summary>
    public bool IsRunning => _tcp is not null && !_stopped;

    /// <summary>Starts serving in the background; returns once clients can connect.</summary>
    public void Start(CyberDbServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validated = options.Validated();
        lock (_gate)
        {
            if (_tcp is not null)
            {
                throw new InvalidOperationException("the server is already started; create another CyberDbServer to serve again");
            }

            if (validated.PrintLog && _loggerFactory is NullLoggerFactory)
            {
                _printLogFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss ").SetMinimumLevel(LogLevel.Information));
                Logger = _printLogFactory.CreateLogger("CyberDb.Server");
            }

            // The TCP port first: the region's name follows the bound port (Port = 0 resolves here).
            var tcp = new TcpListenerHost(validated);
            SharedMemoryHost? sharedMemory = null;
            if (validated.SharedMemory)
            {
                sharedMemory = SharedMemoryHost.TryCreate(validated.Host, tcp.Port, validated.MaxConnections, validated.MaxFrameBytes, _timeProvider, out var reason);
                if (sharedMemory is null)
                {
                    LogMessages.SharedMemoryUnavailable(Logger, reason ?? "unknown");
                }
            }

            var executor = new Executor(_database, sharedMemory);
            var context = new ServerContext(validated, executor, Logger, _timeProvider) { Whitelist = _whitelist, SharedMemory = sharedMemory };
            tcp.Bind(context);

            _startedAt = _timeProvider.GetUtcNow();
            executor.Dispatcher.StatsProvider = () => CollectStats(context, tcp);
            executor.Start();
            tcp.Start();
            _executor = executor;
            _context = context;
            _tcp = tcp;
            _sharedMemory = sharedMemory;
            StartBackupTimer();
            LogMessages.ServerStarted(Logger, tcp.EndPoint, sharedMemory is null ? "tcp" : $"tcp, shared memory ({sharedMemory.Path})", _database.Count);
        }
    }

    /// <summary>
    /// The addresses (IPv4, IPv6) and CIDR blocks ("10.0.0.0/8", "2001:db8::/32") allowed to
    /// connect when <c>Encrypt</c> is on; others are refused at accept, before any byte is read.
    /// Default ["127.0.0.1"]. May be called before or after <see cref="Start"/>; it applies to
    /// connections accepted afterwards. A bad entry throws <see cref="ArgumentException"/> naming it.
    /// </summary>
    public void SetIpWhitelist(IEnumerable<string> entries)
    {
        var whitelist = IpWhitelist.Parse(entries);
        lock (_gate)
        {
            _whitelist = whitelist;
            _context?.Whitelist = whitelist;
        }
    }

    /// <summary>Serves in the foreground until Ctrl+C or SIGTERM, then saves the backup (if set) and stops.</summary>
    public void Run(CyberDbServerOptions options) => RunAsync(options).GetAwaiter().GetResult();

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled, Ctrl+C or SIGTERM, then saves the backup (if set) and stops.</summary>
    public async Task RunAsync(CyberDbServerOptions options, CancellationToken cancellationToken = default)
    {
        Start(options);
        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult("SIGTERM"); });
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult("Ctrl+C"); });
        using var onCancel = cancellationToken.Register(() => stop.TrySetResult("cancelled"));
        var reason = await stop.Task.ConfigureAwait(false);
        LogMessages.StopRequested(Logger, reason);
        try
        {
            SaveFinalBackup();
        }
        finally
        {
            Stop();
        }
    }

    /// <summary>Stops serving: closes every connection, stops the backup timer. <see cref="Dispose"/> does the same.</summary>
    public void Stop()
    {
        TcpListenerHost? tcp;
        Executor? executor;
        lock (_gate)
        {
            if (_stopped || _tcp is null)
            {
                _stopped = true;
                return;
            }

            _stopped = true;
            tcp = _tcp;
            executor = _executor;
            StopBackupTimer();
        }

        tcp.Dispose();
        executor?.Dispose();
        _sharedMemory?.Dispose(); // after the executor: nobody polls the rings any more
        LogMessages.ServerStopped(Logger);
        _printLogFactory?.Dispose();
    }

    public void Dispose() => Stop();

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    internal ServerContext? Context => _context;
}
