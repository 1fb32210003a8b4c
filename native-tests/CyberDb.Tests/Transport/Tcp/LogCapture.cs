using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>Keeps every log entry of a server, so tests can check what it noticed (and that no secret was logged).</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public readonly record struct Entry(int EventId, LogLevel Level, string Message);

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public bool Has(int eventId) => _entries.Any(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue(new Entry(eventId.Id, logLevel, formatter(state, exception)));
    }
}
