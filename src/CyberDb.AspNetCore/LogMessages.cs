using Microsoft.Extensions.Logging;

namespace CyberDb.AspNetCore;

/// <summary>
/// Every log message of CyberDb.AspNetCore, source-generated. Event ids: 4xx client and proxy
/// (the core library uses 1xx-3xx), 5xx distributed cache. Messages never carry passwords,
/// cache keys or stored values.
/// </summary>
internal static partial class LogMessages
{
    [LoggerMessage(400, LogLevel.Information, "CyberDb client connected to {Host}:{Port} over {Transport}")]
    public static partial void ClientConnected(ILogger logger, string host, int port, CyberTransport transport);

    [LoggerMessage(401, LogLevel.Error, "CyberDb client could not connect to {Host}:{Port}")]
    public static partial void ClientConnectFailed(ILogger logger, string host, int port, Exception exception);

    [LoggerMessage(402, LogLevel.Warning, "CyberDb proxy for this request could not take a connection")]
    public static partial void ProxyConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(403, LogLevel.Warning, "CyberDb client could not connect while the app started; the first request tries again")]
    public static partial void WarmupFailed(ILogger logger, Exception exception);

    [LoggerMessage(404, LogLevel.Warning, "CyberDb client is still connecting after {Seconds} s; the app starts without waiting longer")]
    public static partial void WarmupSlow(ILogger logger, double seconds);

    [LoggerMessage(500, LogLevel.Information, "CyberDb distributed cache created table {Table}")]
    public static partial void CacheTableCreated(ILogger logger, string table);

    [LoggerMessage(501, LogLevel.Debug, "CyberDb distributed cache swept table {Table}: {Removed} expired of {Entries} entries")]
    public static partial void CacheSwept(ILogger logger, string table, int removed, int entries);

    [LoggerMessage(502, LogLevel.Warning, "CyberDb distributed cache sweep of table {Table} failed")]
    public static partial void CacheSweepFailed(ILogger logger, string table, Exception exception);
}
