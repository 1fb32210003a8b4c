using Microsoft.Extensions.Logging;

namespace CyberDb;

/// <summary>
/// Every log message of the library, source-generated. Event ids: 1xx server life cycle,
/// 2xx connections (TCP and shared memory), 3xx storage. Messages never carry passwords, keys or stored values.
/// </summary>
internal static partial class LogMessages
{
    [LoggerMessage(100, LogLevel.Information, "CyberDb listening on {EndPoint} (transports: {Transports}; {Tables} tables)")]
    public static partial void ServerStarted(ILogger logger, string endPoint, string transports, int tables);

    [LoggerMessage(101, LogLevel.Information, "CyberDb stopped")]
    public static partial void ServerStopped(ILogger logger);

    [LoggerMessage(102, LogLevel.Information, "Stop requested ({Reason}); saving and shutting down")]
    public static partial void StopRequested(ILogger logger, string reason);

    [LoggerMessage(103, LogLevel.Warning, "Shared memory is not offered ({Reason}); same-host clients use TCP")]
    public static partial void SharedMemoryUnavailable(ILogger logger, string reason);

    [LoggerMessage(209, LogLevel.Debug, "Client {EndPoint} attached to shared-memory slot {Slot}")]
    public static partial void SharedMemoryAttached(ILogger logger, string endPoint, int slot);

    [LoggerMessage(210, LogLevel.Debug, "Client {EndPoint} left shared-memory slot {Slot} ({Reason})")]
    public static partial void SharedMemoryDetached(ILogger logger, string endPoint, int slot, string reason);

    [LoggerMessage(200, LogLevel.Debug, "Client {EndPoint} authenticated")]
    public static partial void ClientConnected(ILogger logger, string endPoint);

    [LoggerMessage(201, LogLevel.Warning, "Client {EndPoint} failed authentication")]
    public static partial void AuthenticationFailed(ILogger logger, string endPoint);

    [LoggerMessage(202, LogLevel.Warning, "Refused {EndPoint}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string endPoint, string reason);

    [LoggerMessage(203, LogLevel.Error, "Accept loop failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(204, LogLevel.Warning, "Locked out {Address} for {Seconds} s after {Failures} failed authentications")]
    public static partial void SourceLockedOut(ILogger logger, string address, int failures, double seconds);

    [LoggerMessage(205, LogLevel.Warning, "Client {EndPoint} sent a frame that failed authentication (tampered, replayed or reordered); connection closed")]
    public static partial void FrameForged(ILogger logger, string endPoint);

    [LoggerMessage(206, LogLevel.Warning, "Client {EndPoint} announced a frame of {Length} bytes (limit {Max}); connection closed")]
    public static partial void FrameRefused(ILogger logger, string endPoint, uint length, long max);

    [LoggerMessage(207, LogLevel.Information, "Client {EndPoint} did not finish the handshake within {Seconds} s; dropped")]
    public static partial void HandshakeTimedOut(ILogger logger, string endPoint, double seconds);

    [LoggerMessage(208, LogLevel.Error, "Connection {EndPoint} failed unexpectedly and was closed")]
    public static partial void ConnectionFailed(ILogger logger, string endPoint, Exception exception);

    [LoggerMessage(300, LogLevel.Information, "Saved {Tables} tables to {Path} in {Milliseconds} ms")]
    public static partial void Saved(ILogger logger, int tables, string path, long milliseconds);

    [LoggerMessage(301, LogLevel.Error, "Backup to {Path} failed")]
    public static partial void BackupFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(302, LogLevel.Information, "Loaded {Tables} tables from {Path}")]
    public static partial void Loaded(ILogger logger, int tables, string path);
}
