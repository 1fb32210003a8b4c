using System.Globalization;
using CyberDb.Client;

namespace CyberDb;

/// <summary>How a <see cref="CyberDbClient"/> reaches the server. Validated once, by <see cref="CyberDbClient.Connect(CyberDbClientOptions)"/>.</summary>
public sealed class CyberDbClientOptions
{
    /// <summary>No call waits longer than this by default.</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(30);

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = CyberDbServerOptions.DefaultPort;

    public string? Password { get; set; }

    /// <summary>Must match the server's <c>Encrypt</c>.</summary>
    public bool Encrypt { get; set; }

    /// <summary>Pooled connections idle longer than this are discarded (seed: <c>time_out</c>); null = kept.</summary>
    public TimeSpan? TimeOut { get; set; }

    public CyberTransport Transport { get; set; } = CyberTransport.Auto;

    /// <summary>No call ever waits longer than this.</summary>
    public TimeSpan OperationTimeout { get; set; } = DefaultOperationTimeout;

    /// <summary><see cref="OperationTimeout"/> in whole milliseconds, clamped to what socket and futex timeouts take.</summary>
    /// <summary>
    /// Over shared memory, answers dictionary reads (<c>Get</c>, <c>TryGetValue</c>,
    /// <c>ContainsKey</c>, their async twins) from a per-client cache while the server's change
    /// counters in shared memory show that the table has not changed since: no round trip, and
    /// never a stale value. Off: every read asks the server. TCP connections never cache.
    /// </summary>
    public bool ReadCache { get; set; } = true;

    internal int OperationTimeoutMilliseconds => (int)Math.Min(int.MaxValue, OperationTimeout.TotalMilliseconds);

    /// <summary>
    /// The local address TCP sockets bind to before connecting (null = the OS picks). Internal:
    /// tests bind to 127.0.0.2 to play a remote host against the IP whitelist.
    /// </summary>
    internal string? LocalAddress { get; set; }

    /// <summary>
    /// Parses "Host=127.0.0.1;Port=9980;Password=...;Encrypt=true;Transport=Auto;TimeOut=900;OperationTimeout=30".
    /// Keywords are case-insensitive; times are seconds or a TimeSpan ("00:15:00"); an unknown keyword is an error.
    /// </summary>
    public static CyberDbClientOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var options = new CyberDbClientOptions();
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"connection string part '{part}' is not keyword=value", nameof(connectionString));
            }

            var keyword = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            var known = ConnectionStringKeywords.All.FirstOrDefault(k => string.Equals(k, keyword, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"unknown connection string keyword '{keyword}'; known: {string.Join(", ", ConnectionStringKeywords.All)}", nameof(connectionString));
            try
            {
                switch (known)
                {
                    case ConnectionStringKeywords.Host: options.Host = value; break;
                    case ConnectionStringKeywords.Port: options.Port = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case ConnectionStringKeywords.Password: options.Password = value; break;
                    case ConnectionStringKeywords.Encrypt: options.Encrypt = bool.Parse(value); break;
                    case ConnectionStringKeywords.TimeOut: options.TimeOut = ParseTime(value); break;
                    case ConnectionStringKeywords.OperationTimeout: options.OperationTimeout = ParseTime(value); break;
                    case ConnectionStringKeywords.ReadCache: options.ReadCache = bool.Parse(value); break;
                    case ConnectionStringKeywords.Transport: options.Transport = Enum.Parse<CyberTransport>(value, ignoreCase: true); break;
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new ArgumentException($"connection string keyword {known} has an invalid value '{value}': {e.Message}", nameof(connectionString), e);
            }
        }

        return options;
    }

    private static TimeSpan ParseTime(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Parse(value, CultureInfo.InvariantCulture);

    internal CyberDbClientOptions Validated()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("CyberDbClientOptions.Host must be an address or host name", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "CyberDbClientOptions.Port must be 1..65535");
        }

        if (string.IsNullOrEmpty(Password))
        {
            throw new ArgumentException("CyberDbClientOptions.Password is required", nameof(Password));
        }

        if (OperationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(OperationTimeout), OperationTimeout, "CyberDbClientOptions.OperationTimeout must be positive");
        }

        if (TimeOut is { } idle && idle <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeOut), idle, "CyberDbClientOptions.TimeOut must be positive (or null to keep connections)");
        }

        if (!Enum.IsDefined(Transport))
        {
            throw new ArgumentOutOfRangeException(nameof(Transport), Transport, "unknown CyberTransport");
        }

        return (CyberDbClientOptions)MemberwiseClone();
    }
}
