using CyberDb.Security;
using Microsoft.Extensions.Logging;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>
/// A real server on a free port for the TCP transport tests, with the knobs those tests turn:
/// Encrypt, whitelist, hardening limits, host, clock and log capture. Clients always use TCP.
/// </summary>
internal sealed class TcpTestServer : IDisposable
{
    public const string Password = "tcp-test-password-7f3a";

    public TcpTestServer(
        bool encrypt = false,
        IEnumerable<string>? whitelist = null,
        HardeningOptions? hardening = null,
        string host = "127.0.0.1",
        int maxFrameBytes = CyberDbServerOptions.DefaultMaxFrameBytes,
        TimeProvider? time = null,
        LogCapture? logs = null)
    {
        Logs = logs ?? new LogCapture();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Server = new CyberDbServer(LoggerFactory, time);
        if (whitelist is not null)
        {
            Server.SetIpWhitelist(whitelist);
        }

        Server.Start(new CyberDbServerOptions
        {
            Host = host,
            Port = 0,
            Password = Password,
            Encrypt = encrypt,
            MaxFrameBytes = maxFrameBytes,
            SharedMemory = false,
            Hardening = hardening ?? HardeningOptions.Default,
        });
        Encrypt = encrypt;
    }

    public CyberDbServer Server { get; }

    public ILoggerFactory LoggerFactory { get; }

    public LogCapture Logs { get; }

    public bool Encrypt { get; }

    public int Port => Server.Port;

    public CyberDbClientOptions ClientOptions(int? port = null, string host = "127.0.0.1", string? localAddress = null, bool? encrypt = null, string password = Password) => new()
    {
        Host = host,
        Port = port ?? Port,
        Password = password,
        Encrypt = encrypt ?? Encrypt,
        Transport = CyberTransport.Tcp,
        OperationTimeout = TimeSpan.FromSeconds(10),
        LocalAddress = localAddress,
    };

    public CyberDbClient Connect(int? port = null, string host = "127.0.0.1", string? localAddress = null, bool? encrypt = null, string password = Password) =>
        CyberDbClient.Connect(ClientOptions(port, host, localAddress, encrypt, password));

    public static string UniqueName(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Connections the server counts right now.</summary>
    public int Connections => Server.Context!.Connections;

    public void Dispose()
    {
        Server.Dispose();
        LoggerFactory.Dispose();
    }
}
